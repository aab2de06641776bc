package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
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
 * A fast client may take the end of the stream and shut its side of the socket before {@code sendEnd} returns. That
 * is the stream ending as it should, and {@code sendEnd} must not report it as the client going away.
 */
@Timeout(60)
class EndOfStreamRaceTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    @Test
    void sendEndSucceedsWhenTheClientFinishesBeforeItReturns() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CountDownLatch clientSawTheEnd = new CountDownLatch(1);
        HoldAfterWrite serverEnd = new HoldAfterWrite(ends[0], clientSawTheEnd);
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "test", IpcOptions.defaults(), null, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        Connection connection = StreamEndpoints.accept(serverEnd, "test", IpcOptions.defaults(), null, WAIT);
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> {
                try {
                    int packets = 0;
                    while (true) {
                        var batch = client.receivePackets(100, Duration.ofSeconds(20));
                        if (batch.isEmpty()) {
                            clientSawTheEnd.countDown(); // the client has shut its output by now
                            return packets;
                        }
                        packets += batch.get().size();
                    }
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            // the flush that carries the end is one that also reads what the client sent
            for (int i = 0; i < StreamConnection.CONTROL_READ_INTERVAL; i++) {
                connection.send(List.of(Packet.of(i, new byte[] {(byte) i})));
            }
            serverEnd.holdNextWrite();
            connection.sendEnd();
            assertTrue(serverEnd.held, "the end of the stream was not written while the hold was set");
            assertEquals(StreamConnection.CONTROL_READ_INTERVAL, receiving.get(30, TimeUnit.SECONDS));
        } finally {
            connection.close();
        }
    }

    /** The server's end of the socket, whose next write, once armed, returns only after the client saw the end. */
    private static final class HoldAfterWrite implements StreamChannel {
        private final StreamChannel delegate;
        private final CountDownLatch release;
        private volatile boolean armed;
        volatile boolean held;

        HoldAfterWrite(StreamChannel delegate, CountDownLatch release) {
            this.delegate = delegate;
            this.release = release;
        }

        void holdNextWrite() {
            armed = true;
        }

        @Override
        public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
            return delegate.read(dst, timeoutNanos);
        }

        @Override
        public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
            long n = delegate.write(srcs, timeoutNanos);
            if (armed) {
                armed = false;
                try {
                    held = release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return n;
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
