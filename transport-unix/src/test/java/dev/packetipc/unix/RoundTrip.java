package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Proves a server works: one in-process client is served a whole stream, checked packet by packet. */
final class RoundTrip {
    /** How long any single step may take on a loaded machine. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private RoundTrip() {}

    /**
     * Connects a client to {@code server}, sends it small and shared-memory-sized packets and the end, and checks
     * that exactly those packets arrived, then the end.
     */
    static void assertServes(UnixTransport transport, Server server) throws Exception {
        List<Packet> packets = Streams.packets(8, 11);
        CompletableFuture<Connection> accepted = server.acceptAsync();
        try (Client client = transport.connect(server.name());
                Connection connection = accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            connection.send(packets, WAIT);
            connection.sendEnd();
            List<IpcPacket> received = new ArrayList<>();
            Optional<List<IpcPacket>> batch;
            while ((batch = client.receivePackets(100, WAIT)).isPresent()) {
                received.addAll(batch.get());
            }
            assertEquals(packets.size(), received.size(), "packets received from " + server.name());
            assertEquals(Streams.crc(packets), Streams.crc(received), "checksum of the stream from " + server.name());
            assertTrue(client.isEndOfStreamReceived());
        } finally {
            accepted.cancel(false);
        }
    }
}
