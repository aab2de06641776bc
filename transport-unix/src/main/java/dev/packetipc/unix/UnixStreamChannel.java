package dev.packetipc.unix;

import dev.packetipc.spi.stream.StreamChannel;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
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

    private final AFUNIXSocketChannel channel;
    private final ReadableWaiter waiter;
    private final Selector readable;
    private final Selector writable;
    private volatile boolean closed;

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
                await(readable, left);
            } else if (!waiter.await(left) || closed) {
                throw new ClosedChannelException();
            }
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, FOREVER / 4);
        long total = 0;
        for (ByteBuffer src : srcs) {
            while (src.hasRemaining()) { // junixsocket writes one buffer per call
                int n = channel.write(src);
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
        return total;
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
