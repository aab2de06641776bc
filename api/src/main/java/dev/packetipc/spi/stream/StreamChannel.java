package dev.packetipc.spi.stream;

import dev.packetipc.spi.Timeouts;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The narrow operating-system seam under the stream engine: one connected, full-duplex byte stream (a Unix domain
 * socket, a Windows named pipe, or a socket pair in tests). Everything above it (handshake, framing, shared-memory
 * descriptors, the connection's state machine, time-outs and error mapping) lives in {@link StreamEndpoints} and is
 * the same for every stream transport.
 *
 * <p>One thread reads and one thread writes at a time; {@link #close()} may be called from any thread and must wake
 * both.
 */
public interface StreamChannel {
    /** Passed as a time-out to wait without limit. */
    long FOREVER = Timeouts.FOREVER;

    /**
     * Reads at least one byte into {@code dst} at its position, waiting at most {@code timeoutNanos}.
     *
     * @param dst the buffer to read into, from its position up to its limit; its position advances by the bytes read.
     *     The caller owns it; the channel keeps no reference to it after returning
     * @param timeoutNanos 0 to take only what is already there, {@link #FOREVER} to wait without limit
     * @return the number of bytes read, 0 if the time ran out with nothing there, or -1 at the end of the stream
     * @throws IOException if the stream broke (reset, broken pipe) or was closed; the engine maps it
     */
    int read(ByteBuffer dst, long timeoutNanos) throws IOException;

    /**
     * Writes the remaining bytes of {@code srcs}, in order, as one gathering write where the system allows, waiting
     * at most {@code timeoutNanos} for room. Advances the buffers' positions by what was written.
     *
     * @param srcs the buffers to write, each from its position to its limit; buffers with nothing remaining are
     *     skipped. The caller owns them; the channel keeps no reference to them after returning
     * @param timeoutNanos 0 to write only what fits now, {@link #FOREVER} to wait without limit
     * @return the number of bytes written, less than all of them only if the time ran out
     * @throws IOException if the stream broke (the peer went away) or was closed; the engine maps it
     */
    long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException;

    /**
     * Half-closes the stream: the peer reads the end of the stream after everything written so far, while this side
     * can still read. Where the system has no half-close (Windows pipes), this does nothing.
     *
     * @throws IOException if the half-close failed (the stream was closed, or the system reported an error)
     */
    default void shutdownOutput() throws IOException {}

    /** Closes the stream and wakes any thread blocked in {@link #read} or {@link #write}. Idempotent. */
    void close();
}
