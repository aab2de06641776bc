package dev.packetipc.windows;

import dev.packetipc.spi.stream.StreamChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * One connected end of a named pipe as the stream engine's {@link StreamChannel}, written only against {@link
 * Win32Pipes}. Reads and writes are overlapped, each on its own I/O slot: an operation is started, waited for up to the
 * time-out, and cancelled ({@code CancelIoEx}) if the time runs out; what it moved before the cancel still counts.
 * {@link #close()} cancels both and wakes their threads; the handle is closed once no operation is in flight.
 *
 * <p>Errors: {@code ERROR_BROKEN_PIPE}, {@code ERROR_NO_DATA} and {@code ERROR_PIPE_NOT_CONNECTED} mean the other end
 * is gone: a read then returns -1 (the end of the stream; bytes the peer wrote before it closed are read first) and a
 * write throws, which the engine reports as peer gone. Operations after {@link #close()} throw {@link
 * ClosedChannelException}.
 */
final class PipeStreamChannel implements StreamChannel {
    /** Bytes gathered into one {@code WriteFile}: Windows has no gathering write for pipes. */
    static final int WRITE_STAGING_BYTES = 256 << 10;
    /** Bytes read at once into a heap buffer, through a direct one. */
    static final int READ_STAGING_BYTES = 64 << 10;

    private final Win32Pipes os;
    private final long handle;
    private final long readIo;
    private final long writeIo;
    private ByteBuffer readStaging;
    private ByteBuffer writeStaging;
    private int inFlight;
    private boolean closed;
    private boolean released;

    /**
     * Takes over {@code handle}, a connected pipe end: it is closed with this channel, or at once if the channel
     * cannot be set up.
     */
    PipeStreamChannel(Win32Pipes os, long handle) throws Win32Error {
        this.os = os;
        this.handle = handle;
        long read = 0;
        try {
            read = os.newIo();
            this.readIo = read;
            this.writeIo = os.newIo();
        } catch (Win32Error | RuntimeException e) {
            if (read != 0) {
                os.freeIo(read);
            }
            os.closeHandle(handle);
            throw e;
        }
    }

    /** The pipe handle, for the calls that need it (the client's process id). */
    long handle() {
        return handle;
    }

    @Override
    public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (dst.isDirect()) {
            int n = transfer(readIo, dst, timeoutNanos, true);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
        if (readStaging == null) {
            readStaging = ByteBuffer.allocateDirect(READ_STAGING_BYTES);
        }
        ByteBuffer staging = readStaging.clear().limit(Math.min(READ_STAGING_BYTES, dst.remaining()));
        int n = transfer(readIo, staging, timeoutNanos, true);
        if (n > 0) {
            dst.put(staging.limit(n));
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, FOREVER / 4);
        long total = 0;
        while (true) {
            ByteBuffer chunk = nextChunk(srcs);
            if (chunk == null) {
                return total;
            }
            int wanted = chunk.remaining();
            long left = timeoutNanos == FOREVER ? FOREVER : Math.max(0, deadline - System.nanoTime());
            int n = transfer(writeIo, chunk, left, false);
            advance(srcs, n);
            total += n;
            if (n < wanted) {
                return total; // the time ran out
            }
        }
    }

    /**
     * The next bytes to write: the first non-empty source itself if it is direct, else up to {@link
     * #WRITE_STAGING_BYTES} of the sources copied into the staging buffer. No source's position moves.
     */
    private ByteBuffer nextChunk(ByteBuffer[] srcs) {
        int first = 0;
        while (first < srcs.length && !srcs[first].hasRemaining()) {
            first++;
        }
        if (first == srcs.length) {
            return null;
        }
        if (srcs[first].isDirect() && (srcs[first].remaining() >= WRITE_STAGING_BYTES || first == srcs.length - 1)) {
            return srcs[first].duplicate();
        }
        if (writeStaging == null) {
            writeStaging = ByteBuffer.allocateDirect(WRITE_STAGING_BYTES);
        }
        ByteBuffer staging = writeStaging.clear();
        for (int i = first; i < srcs.length && staging.hasRemaining(); i++) {
            ByteBuffer src = srcs[i].duplicate();
            if (src.remaining() > staging.remaining()) {
                src.limit(src.position() + staging.remaining());
            }
            staging.put(src);
        }
        return staging.flip();
    }

    private static void advance(ByteBuffer[] srcs, long n) {
        for (int i = 0; i < srcs.length && n > 0; i++) {
            int step = (int) Math.min(n, srcs[i].remaining());
            srcs[i].position(srcs[i].position() + step);
            n -= step;
        }
    }

    /**
     * Runs one overlapped read or write on {@code io}: starts it, waits up to the time-out, cancels it if the time ran
     * out or the channel was closed meanwhile, and collects what it moved.
     *
     * @return the bytes moved; for a read, -1 if the other end is gone
     */
    private int transfer(long io, ByteBuffer buffer, long timeoutNanos, boolean read) throws IOException {
        enter();
        try {
            try {
                if (read) {
                    os.startRead(handle, io, buffer);
                } else {
                    os.startWrite(handle, io, buffer);
                }
            } catch (Win32Error e) {
                return failed(e, read);
            }
            if (isClosed()) { // close() may have cancelled before this operation started
                os.cancel(handle, io);
            }
            if (!awaitUntil(io, timeoutNanos)) {
                os.cancel(handle, io);
            }
            try {
                return os.finish(handle, io);
            } catch (Win32Error e) {
                if (e.code() == Win32Error.ERROR_OPERATION_ABORTED) {
                    if (isClosed()) { // what moved before the close no longer matters: the caller closed the channel
                        throw new ClosedChannelException();
                    }
                    return e.transferred(); // the time ran out; what moved still counts
                }
                return failed(e, read);
            }
        } finally {
            exit();
        }
    }

    private int failed(Win32Error e, boolean read) throws IOException {
        if (isClosed()) {
            throw new ClosedChannelException();
        }
        if (e.isPeerGone()) {
            if (read) {
                return -1;
            }
            IOException gone = new IOException("the other end of the pipe is gone: " + e.getMessage());
            gone.initCause(e);
            throw gone;
        }
        throw e;
    }

    /** Waits for the slot's operation, in steps so that very long time-outs stay within the system's range. */
    private boolean awaitUntil(long io, long timeoutNanos) {
        if (timeoutNanos == FOREVER) {
            return os.await(io, Win32Pipes.INFINITE);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long left = deadline - System.nanoTime();
            long millis = left <= 0 ? 0 : Math.min(TimeUnit.NANOSECONDS.toMillis(left + 999_999), Integer.MAX_VALUE);
            if (os.await(io, millis)) {
                return true;
            }
            if (deadline - System.nanoTime() <= 0) {
                return false;
            }
        }
    }

    private synchronized void enter() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
        inFlight++;
    }

    private void exit() {
        boolean release;
        synchronized (this) {
            inFlight--;
            release = closed && inFlight == 0 && !released;
            released |= release;
        }
        if (release) {
            release();
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        boolean cancel;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            cancel = inFlight > 0;
            inFlight++; // keeps the handle and slots alive while they are cancelled
        }
        if (cancel) { // the operations' threads wake, see the channel closed and throw
            os.cancel(handle, readIo);
            os.cancel(handle, writeIo);
        }
        exit(); // the last one out releases the handle
    }

    /** Closes the handle and frees the slots; runs once, when the channel is closed and nothing is in flight. */
    private void release() {
        os.closeHandle(handle);
        os.freeIo(readIo);
        os.freeIo(writeIo);
    }
}
