package dev.packetipc.unix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.packetipc.spi.stream.StreamChannel;
import java.io.FileDescriptor;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * A connected Unix domain socket as the stream engine's {@link StreamChannel}: non-blocking, so that every wait has a
 * time-out and {@link #close()} wakes it. Waiting to read uses {@code poll(2)} directly where it can ({@link
 * ReadableWaiter}, on Linux), else a selector; waiting to write (only when the client lags) uses a selector. File
 * descriptors travel beside the bytes ({@code SCM_RIGHTS}).
 */
final class UnixStreamChannel implements StreamChannel {
    /** Room for the ancillary data of a few descriptors. */
    private static final int ANCILLARY_BUFFER_BYTES = 1024;
    /** The most buffers one gathering write takes (well below {@code IOV_MAX}, 1024). */
    static final int MAX_GATHER = 64;

    private final AFUNIXSocketChannel channel;
    private final ReadableWaiter waiter;
    private final Selector readable;
    private final Selector writable;
    private volatile boolean closed;
    /** A {@code struct msghdr} and {@value #MAX_GATHER} {@code struct iovec}s, where writes gather; else null. */
    private final Memory gather;

    private final long gatherAddress;
    /** Whether a descriptor waits to go with the next write (junixsocket sends it, so that write is junixsocket's). */
    private volatile boolean descriptorPending;
    /** Readers waiting in the {@link #readable} selector (for tests). */
    private final AtomicInteger selectingReaders = new AtomicInteger();
    /** Guarded by {@link #gather}. */
    private long gatheringWrites;

    UnixStreamChannel(AFUNIXSocketChannel channel) throws IOException {
        this(channel, true);
    }

    /** With {@code pollIfPossible} false, reads wait through a selector even where {@code poll(2)} is there (tests). */
    UnixStreamChannel(AFUNIXSocketChannel channel, boolean pollIfPossible) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        channel.setAncillaryReceiveBufferSize(ANCILLARY_BUFFER_BYTES);
        this.waiter = pollIfPossible ? ReadableWaiter.forChannel(channel) : null;
        this.readable = waiter == null ? channel.provider().openSelector() : null;
        this.writable = channel.provider().openSelector();
        if (waiter != null) {
            gather = new Memory(NativePoll.MSGHDR_BYTES + (long) MAX_GATHER * NativePoll.IOVEC_BYTES);
            gather.clear();
            gatherAddress = Pointer.nativeValue(gather);
            gather.setLong(NativePoll.MSG_IOV_OFFSET, gatherAddress + NativePoll.MSGHDR_BYTES);
        } else {
            gather = null;
            gatherAddress = 0;
        }
        try {
            if (readable != null) {
                channel.register(readable, SelectionKey.OP_READ);
            }
            channel.register(writable, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, FOREVER / 4);
        while (true) {
            int n = channel.read(dst);
            if (n < 0 && closed) { // close() shut the socket down: this end closed, the peer did not go away
                throw new ClosedChannelException();
            }
            if (n != 0 || timeoutNanos == 0) {
                return n;
            }
            long left = timeoutNanos == FOREVER ? FOREVER : deadline - System.nanoTime();
            if (left <= 0) {
                return 0;
            }
            if (waiter == null) {
                selectingReaders.incrementAndGet();
                try {
                    await(readable, left);
                } finally {
                    selectingReaders.decrementAndGet();
                }
            } else if (!waiter.await(left) || closed) {
                throw new ClosedChannelException();
            }
        }
    }

    /**
     * Writes the buffers in order, with as few system calls as it can: where {@code poll(2)} is used (64-bit Linux), a
     * run of direct buffers goes out in one {@code sendmsg(2)} ({@value #MAX_GATHER} buffers at most per call); a heap
     * buffer, the write that carries a descriptor, and every write elsewhere go through junixsocket, one buffer per
     * call.
     */
    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, FOREVER / 4);
        long total = 0;
        int first = 0;
        while (true) {
            while (first < srcs.length && !srcs[first].hasRemaining()) {
                first++;
            }
            if (first == srcs.length) {
                return total;
            }
            long n = writeSome(srcs, first);
            total += n;
            if (n > 0) {
                continue;
            }
            long left = timeoutNanos == FOREVER ? FOREVER : deadline - System.nanoTime();
            if (left <= 0 || timeoutNanos == 0) {
                return total;
            }
            await(writable, left);
        }
    }

    /** One write, from {@code srcs[first]} (which has bytes) on; 0 if the socket has no room. */
    private long writeSome(ByteBuffer[] srcs, int first) throws IOException {
        if (gather == null || descriptorPending || !srcs[first].isDirect()) {
            int n = channel.write(srcs[first]);
            if (n > 0) {
                descriptorPending = false; // it went with these bytes
            }
            return n;
        }
        synchronized (gather) {
            int count = 0;
            for (int i = first; i < srcs.length && count < MAX_GATHER; i++) {
                ByteBuffer src = srcs[i];
                if (!src.isDirect()) {
                    break; // a heap buffer has no address: the next call takes it
                }
                if (!src.hasRemaining()) {
                    continue;
                }
                long iov = NativePoll.MSGHDR_BYTES + (long) count * NativePoll.IOVEC_BYTES;
                gather.setLong(iov, Pointer.nativeValue(Native.getDirectBufferPointer(src)) + src.position());
                gather.setLong(iov + 8, src.remaining());
                count++;
            }
            gather.setLong(NativePoll.MSG_IOVLEN_OFFSET, count);
            if (!waiter.enter()) {
                throw new ClosedChannelException();
            }
            long n;
            int errno = 0;
            try {
                n = NativePoll.sendmsg(waiter.fd(), gatherAddress, NativePoll.MSG_DONTWAIT | NativePoll.MSG_NOSIGNAL);
                if (n < 0) {
                    errno = Native.getLastError();
                }
                gatheringWrites++;
            } finally {
                waiter.leave();
            }
            if (n < 0) {
                if (errno == NativePoll.EAGAIN || errno == NativePoll.EINTR) {
                    return 0;
                }
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (errno == NativePoll.EPIPE || errno == NativePoll.ECONNRESET) {
                    throw new SocketException("the peer closed the connection (sendmsg errno " + errno + ")");
                }
                throw new IOException("sendmsg(2) on the socket failed with errno " + errno);
            }
            for (long left = n; left > 0; first++) { // move the buffers on by what went out
                ByteBuffer src = srcs[first];
                int step = (int) Math.min(left, src.remaining());
                src.position(src.position() + step);
                left -= step;
            }
            return n;
        }
    }

    /**
     * How many threads wait in {@link #read} for bytes (in {@code poll(2)} or the selector), for tests that must act only
     * once a reader is really blocked. A thread counts from just before its wait; a close or a write that comes between
     * that and the system call still ends the wait at once (a shut-down socket polls readable, a selector keeps a
     * wakeup), so a test that sees the count may act.
     */
    int blockedReaders() {
        return waiter != null ? waiter.pollers() : selectingReaders.get();
    }

    /** How many {@code sendmsg} calls the gathering write made (for tests). */
    long gatheringWrites() {
        synchronized (gather) {
            return gatheringWrites;
        }
    }

    private void await(Selector selector, long nanos) throws IOException {
        try {
            if (nanos == FOREVER) {
                selector.select();
            } else {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
            }
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** Sends {@code fd} with the next bytes written. */
    void attach(FileDescriptor fd) throws IOException {
        channel.setOutboundFileDescriptors(fd);
        descriptorPending = true;
    }

    /**
     * The descriptor that arrived with the bytes read so far, or {@code null}. A connection announces one region, so
     * any further descriptor is unexpected and closed at once rather than leaked.
     */
    FileDescriptor takeReceived() throws IOException {
        FileDescriptor[] received = channel.getReceivedFileDescriptors();
        if (received == null || received.length == 0) {
            return null;
        }
        for (int i = 1; i < received.length; i++) {
            new java.io.FileInputStream(received[i]).close();
        }
        return received[0];
    }

    @Override
    public void close() {
        closed = true;
        writable.wakeup();
        if (waiter == null) {
            readable.wakeup();
            closeDescriptor();
            return;
        }
        try {
            channel.shutdownInput(); // wakes a thread in poll(2), and any later poll returns at once
        } catch (IOException e) {
            // not connected any more: nothing waits on it then
        }
        waiter.closeWhenNoPoller(this::closeDescriptor); // never while a thread may still poll its number
    }

    private void closeDescriptor() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
        if (readable != null) {
            closeQuietly(readable);
        }
        closeQuietly(writable);
    }

    private static void closeQuietly(Selector selector) {
        try {
            selector.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
