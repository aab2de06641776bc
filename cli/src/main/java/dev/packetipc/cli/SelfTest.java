package dev.packetipc.cli;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Sends one packet through a transport within this JVM and checks that it arrives, with every wait bounded. */
final class SelfTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private SelfTest() {}

    /**
     * Runs the test.
     *
     * @return how long it took, in nanoseconds
     * @throws Exception with what went wrong
     */
    static long run(IpcTransport transport) throws Exception {
        long start = System.nanoTime();
        Packet sent = Packet.of(start, "packet-ipc doctor".getBytes(StandardCharsets.UTF_8));
        try (Server server = transport.newServer()) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            Client client = transport.connect(server.name());
            Connection connection;
            try {
                connection = accepted.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                client.close();
                throw e;
            }
            // The client closes first, as a receiver does when it has seen the end: the connection need not wait.
            try (connection;
                    client) {
                connection.send(List.of(sent));
                connection.sendEnd();
                Optional<List<IpcPacket>> got = client.receivePackets(16, TIMEOUT);
                if (got.isEmpty()
                        || got.get().size() != 1
                        || got.get().get(0).timestampNanos() != sent.timestampNanos()
                        || !Arrays.equals(got.get().get(0).toByteArray(), sent.toByteArray())) {
                    throw new IpcException("sent " + sent + " but received " + got);
                }
            }
        }
        return System.nanoTime() - start;
    }
}
