package dev.packetipc.spi.stream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * How a stream transport creates shared-memory regions and hands them to the peer: on Unix a {@code memfd} whose file
 * descriptor travels with the REGION frame ({@code SCM_RIGHTS}); on Windows a paging-file section duplicated into
 * the client with {@code DuplicateHandle}. See {@code docs/wire-format.md} §4.
 */
public interface SharedMemory {
    /**
     * Server side: creates a region of {@code size} bytes, mapped read-write.
     *
     * @param size the region's size in bytes
     * @return the region
     * @throws IOException if the system refuses; the engine then sends every payload inline
     */
    SharedRegion create(long size) throws IOException;

    /**
     * Server side: arranges for the region's handle to reach the peer with the next bytes written on {@code channel},
     * which are the REGION (or RING) frame.
     *
     * @param region the region to hand over
     * @param channel the stream to the peer
     * @return the value the REGION frame carries in its handle field (a duplicated handle on Windows, 0 on Unix)
     * @throws IOException if the handle cannot be handed over
     */
    int share(SharedRegion region, StreamChannel channel) throws IOException;

    /**
     * Client side: maps, read-only, the region that a fully received REGION frame announced.
     *
     * @param channel the stream the frame came on
     * @param handle the REGION frame's handle field
     * @param size the region's size in bytes, from the REGION frame
     * @return the mapped bytes, with capacity {@code size}
     * @throws IOException if no handle arrived with the frame or it cannot be mapped
     */
    ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException;

    /**
     * Whether this system can share a region that the peer maps read-write, which the packet ring needs (wire format
     * §7). A client offers the ring only if this is true.
     *
     * @return whether {@link #createWritable} and {@link #openWritable} work here
     */
    default boolean sharesWritable() {
        return false;
    }

    /**
     * Server side: creates a region of {@code size} bytes that the peer will map read-write (the packet ring), mapped
     * read-write here. On Linux it is a {@code memfd} sealed against shrinking and growing, but not against writes.
     * {@link #share} hands it over like any region.
     *
     * @param size the region's size in bytes
     * @return the region
     * @throws IOException if the system refuses, or cannot share writable memory; the engine then uses the stream
     */
    default SharedRegion createWritable(long size) throws IOException {
        throw new IOException("this system cannot share writable memory");
    }

    /**
     * Client side: maps, read-write, the region that a fully received RING frame announced.
     *
     * @param channel the stream the frame came on
     * @param handle the RING frame's handle field
     * @param size the region's size in bytes, from the RING frame
     * @return the mapped bytes, with capacity {@code size}
     * @throws IOException if no handle arrived with the frame, or it cannot be mapped (a {@link
     *     dev.packetipc.ProtocolException} if the peer sent something unfit)
     */
    default ByteBuffer openWritable(StreamChannel channel, int handle, long size) throws IOException {
        throw new IOException("this system cannot share writable memory");
    }

    /**
     * Client side: unmaps a buffer that {@link #open} or {@link #openWritable} returned. The engine calls it once, when
     * the client is closed and no thread reads the buffer any more; the default leaves the mapping to the garbage
     * collector.
     *
     * @param mapped the buffer as {@code open} or {@code openWritable} returned it
     */
    default void unmap(ByteBuffer mapped) {}

    /** A mapped region on the server side. */
    interface SharedRegion extends AutoCloseable {
        /**
         * The region's bytes.
         *
         * @return the bytes, read-write, capacity = the region's size
         */
        ByteBuffer buffer();

        /**
         * Releases the region's handle, and may unmap its buffer at once: the engine calls it only once no thread uses
         * the buffer any more. Idempotent.
         */
        @Override
        void close();
    }
}
