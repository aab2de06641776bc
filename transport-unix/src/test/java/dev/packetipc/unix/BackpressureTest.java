package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client that does not read makes the sender wait, and a sender with a time-out fail: nothing grows unbounded. */
@Timeout(60)
class BackpressureTest {
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final UnixTransport transport = new UnixTransport();

    @Test
    void inlinePacketsStopAtTheSocketBuffersWhenTheClientDoesNotRead() throws Exception {
        try (Server server = transport.newServer();
                Pair pair = Pair.of(transport, server, IpcOptions.defaults())) {
            List<Packet> batch = Streams.sized(100, 1000, 1000, 1); // 100 kB per batch, inline
            long sent = 0;
            IpcTimeoutException timeout = null;
            for (int i = 0; i < 2000 && timeout == null; i++) { // 200 MB if nothing pushed back
                try {
                    pair.connection.send(batch, SHORT);
                    sent += 100_000;
                } catch (IpcTimeoutException e) {
                    timeout = e;
                }
            }
            assertTrue(timeout != null, "sent " + sent + " bytes to a client that reads nothing, without waiting");
            assertTrue(sent < 64 << 20, "buffered " + sent + " bytes for a client that reads nothing");
            assertTrue(timeout.getMessage().contains("slow or stuck"), timeout.getMessage());
        }
    }

    @Test
    void sharedPayloadsWaitForTheClientToReleaseAndThenGoOn() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 1 << 20)
                .build();
        try (Server server = transport.newServer(options);
                Pair pair = Pair.of(transport, server, IpcOptions.defaults())) {
            List<Packet> batch = Streams.sized(4, 100 << 10, 100 << 10, 2); // 400 KiB per batch, shared
            int sentBatches = 0;
            IpcTimeoutException timeout = null;
            for (int i = 0; i < 100 && timeout == null; i++) {
                try {
                    pair.connection.send(batch, SHORT);
                    sentBatches++;
                } catch (IpcTimeoutException e) {
                    timeout = e;
                }
            }
            assertTrue(timeout != null, "a 1 MiB region took " + sentBatches + " batches of 400 KiB unreleased");
            assertTrue(timeout.getMessage().contains("release shared memory"), timeout.getMessage());
            assertTrue(pair.connection.isOpen(), "no frame was cut, so the connection goes on");

            // the client starts reading: everything arrives, in place, and the stalled sender gets room again
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(pair.client));
            for (int i = 0; i < 20; i++) {
                pair.connection.send(batch, WAIT);
            }
            pair.connection.sendEnd();
            long packets = received.get(30, TimeUnit.SECONDS);
            // the batch that timed out may have gone out in part: what was placed before the region filled up
            assertTrue(
                    packets >= 4L * (sentBatches + 20) && packets < 4L * (sentBatches + 21),
                    "received " + packets + " packets of " + (sentBatches + 20) + " whole batches and one partial");
        }
    }

    private static long drain(Client client) {
        long[] count = {0};
        try {
            while (client.poll(p -> count[0]++, 64, WAIT) != Client.END_OF_STREAM) {
                // count
            }
        } catch (IpcException e) {
            throw new CompletionException(e);
        }
        return count[0];
    }

    /** A connected server connection and client in this JVM. */
    private static final class Pair implements AutoCloseable {
        final Connection connection;
        final Client client;

        private Pair(Connection connection, Client client) {
            this.connection = connection;
            this.client = client;
        }

        static Pair of(UnixTransport transport, Server server, IpcOptions clientOptions) throws Exception {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return transport.connect(server.name(), clientOptions);
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            Connection connection = server.accept(WAIT);
            return new Pair(connection, connecting.get(30, TimeUnit.SECONDS));
        }

        @Override
        public void close() {
            client.close();
            connection.close();
        }
    }
}
