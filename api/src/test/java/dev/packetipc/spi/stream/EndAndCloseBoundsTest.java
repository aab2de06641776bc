package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, item 11: {@code sendEnd(Duration)} is bounded when the client makes no room for the end, and
 * {@code close()} after the end is bounded when the client never closes its side.
 */
@Timeout(60)
class EndAndCloseBoundsTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    /**
     * No room for the end at all: {@code sendEnd(timeout)} gives up after waiting boundedly, nothing of the end went
     * out, so the connection stays usable and the end can be sent again once there is room (as {@link
     * Connection#sendEnd(Duration)} promises).
     */
    @Test
    void sendEndWithATimeoutGivesUpWhenTheClientMakesNoRoomAndMayBeRepeated() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        Full full = new Full(ends[0]);
        CompletableFuture<Client> connecting = connect(ends[1]);
        Connection connection = StreamEndpoints.accept(full, "test", IpcOptions.defaults(), null, WAIT);
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            connection.send(List.of(Packet.of(1, new byte[] {1})));
            full.fill();
            IpcTimeoutException e =
                    assertThrows(IpcTimeoutException.class, () -> connection.sendEnd(Duration.ofMillis(200)));
            assertTrue(e.getMessage().contains("nothing was sent; the connection is still usable"), e.getMessage());
            assertTrue(connection.isOpen(), "nothing of the end went out, so the connection goes on");
            assertTrue(full.waitedAtMost > 0, "the write waited for room, boundedly");
            full.empty();
            connection.sendEnd(Duration.ofSeconds(10));
            assertEquals(1, client.stream().count(), "the packet, then the end, once");
        } finally {
            connection.close();
        }
    }

    @Test
    void sendEndWithATimeoutSendsTheEndWhenThereIsRoom() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = connect(ends[1]);
        Connection connection = StreamEndpoints.accept(ends[0], "test", IpcOptions.defaults(), null, WAIT);
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            connection.send(List.of(Packet.of(1, new byte[] {1})));
            connection.sendEnd(Duration.ofSeconds(10));
            connection.sendEnd(Duration.ofSeconds(10)); // a second end does nothing
            assertEquals(
                    1,
                    client.receivePackets(10, Duration.ofSeconds(10))
                            .orElseThrow()
                            .size());
            assertTrue(client.receivePackets(10, Duration.ofSeconds(10)).isEmpty());
        } finally {
            connection.close();
        }
    }

    /** The client takes nothing and never closes: close after the end returns all the same, then the client's
     * receive sees what was sent (the end included). */
    @Test
    void closeAfterTheEndReturnsWhenTheClientNeverClosesItsSide() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = connect(ends[1]);
        Connection connection = StreamEndpoints.accept(ends[0], "test", IpcOptions.defaults(), null, WAIT);
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            connection.send(List.of(Packet.of(1, new byte[] {1})));
            connection.sendEnd();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(connection::close);
            closing.get(20, TimeUnit.SECONDS); // bounded (2 s by the Javadoc), whatever the client does
            assertEquals(
                    1,
                    client.receivePackets(10, Duration.ofSeconds(10))
                            .orElseThrow()
                            .size());
            assertTrue(client.receivePackets(10, Duration.ofSeconds(10)).isEmpty());
        }
    }

    private static CompletableFuture<Client> connect(JdkSocketChannel end) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(end, "test", IpcOptions.defaults(), null, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * The server's end of the socket that, once {@link #fill filled}, takes no more bytes, as a socket whose client
     * stopped reading: a write waits its timeout for room and writes nothing. Emulated so that the end's frame, not a
     * batch's, is what finds no room.
     */
    private static final class Full implements StreamChannel {
        private final StreamChannel delegate;
        private final CountDownLatch never = new CountDownLatch(1);
        private volatile boolean full;
        volatile long waitedAtMost;

        Full(StreamChannel delegate) {
            this.delegate = delegate;
        }

        void fill() {
            full = true;
        }

        void empty() {
            full = false;
        }

        @Override
        public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
            return delegate.read(dst, timeoutNanos);
        }

        @Override
        public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
            if (!full) {
                return delegate.write(srcs, timeoutNanos);
            }
            if (timeoutNanos == FOREVER) {
                throw new AssertionError("sendEnd(Duration) waited without limit");
            }
            waitedAtMost = Math.max(waitedAtMost, timeoutNanos);
            try {
                never.await(timeoutNanos, TimeUnit.NANOSECONDS); // no room comes: wait out the timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }

        @Override
        public void shutdownOutput() throws IOException {
            delegate.shutdownOutput();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
