package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Nothing outlives what was closed: after servers, clients and connections (shared memory included) are closed, and
 * after peers crash or vanish, this JVM holds no more file descriptors and no more non-daemon threads than before,
 * and no socket file is left behind. Linux only (descriptors are counted in {@code /proc/self/fd}).
 */
@Timeout(120)
class ResourceLeakTest {
    private static final int ROUNDS = 5;
    private static final int CLIENTS = 3;

    private final UnixTransport transport = new UnixTransport();

    @BeforeEach
    void warmUp() throws Exception {
        assumeTrue(OpenResources.countable(), "no /proc/self/fd to count file descriptors in");
        round(0); // loads the native libraries, JNA, selectors and logging once, so that they do not count
    }

    @Test
    void roundsOfServersClientsAndSharedMemoryLeaveNothingOpen() throws Exception {
        OpenResources before = OpenResources.now();
        List<String> names = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            names.add(round(round));
        }
        before.assertNothingLeftSince(ROUNDS + " rounds of " + CLIENTS + " clients each");
        for (String name : names) {
            assertFalse(
                    Files.exists(SocketPath.forClient(name), LinkOption.NOFOLLOW_LINKS),
                    "a closed server left its socket file: " + name);
        }
    }

    /**
     * One server, {@link #CLIENTS} clients, each sent small and large (shared-memory) packets, received whole by
     * {@code poll}, by {@code receivePackets} and by both in turn; everything closed. Returns the server's name.
     */
    private String round(int round) throws Exception {
        try (Server server = transport.newServer()) {
            List<Client> clients = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    CompletableFuture<Connection> accepted = server.acceptAsync();
                    clients.add(transport.connect(server.name()));
                    connections.add(accepted.get(RoundTrip.WAIT.toSeconds(), TimeUnit.SECONDS));
                }
                List<List<Packet>> streams = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    List<Packet> packets = Streams.packets(24, round * 10L + i); // every 4th: 100 KiB, shared
                    streams.add(packets);
                    for (int from = 0; from < packets.size(); from += 6) {
                        connections.get(i).send(packets.subList(from, from + 6), RoundTrip.WAIT);
                    }
                    connections.get(i).sendEnd();
                }
                for (int i = 0; i < CLIENTS; i++) {
                    assertReceivesWhole(clients.get(i), streams.get(i), i);
                }
            } finally {
                clients.forEach(Client::close);
                connections.forEach(Connection::close);
            }
            return server.name();
        }
    }

    /**
     * Client 0 polls and reads each packet's data in place, client 1 takes owned packets with {@code receivePackets},
     * client 2 alternates between the two; each must see the whole stream, then its end.
     */
    private static void assertReceivesWhole(Client client, List<Packet> sent, int style) throws IpcException {
        CRC32 crc = new CRC32();
        int count = 0;
        for (int call = 0; ; call++) {
            if (style == 1 || (style == 2 && call % 2 == 1)) {
                Optional<List<IpcPacket>> batch = client.receivePackets(5, RoundTrip.WAIT);
                if (batch.isEmpty()) {
                    break;
                }
                batch.get().forEach(packet -> Streams.update(crc, packet));
                count += batch.get().size();
            } else {
                int n = client.poll(packet -> Streams.update(crc, packet), 5, RoundTrip.WAIT);
                if (n == Client.END_OF_STREAM) {
                    break;
                }
                assertTrue(n > 0, "nothing arrived within " + RoundTrip.WAIT);
                count += n;
            }
        }
        assertEquals(sent.size(), count, "packets received by client " + style);
        assertEquals(Streams.crc(sent), crc.getValue(), "checksum of the stream client " + style + " received");
        assertTrue(client.isEndOfStreamReceived());
    }

    @Test
    void aKilledClientProcessLeavesNothingOpenInTheServer() throws Exception {
        OpenResources before = OpenResources.now();
        try (Server server = transport.newServer();
                ChildJvm child = UnixPeerMain.start("client-hang", server.name());
                Connection connection = server.accept(RoundTrip.WAIT)) {
            connection.send(Streams.packets(8, 1), RoundTrip.WAIT); // with shared payloads: the region fd travels
            child.awaitLine("RECEIVING", RoundTrip.WAIT);
            child.kill();
            assertSendFailsWithPeerGone(connection);
        }
        before.assertNothingLeftSince("a server whose client process was killed");
    }

    @Test
    void aKilledServerProcessLeavesNothingOpenInTheClient() throws Exception {
        OpenResources before = OpenResources.now();
        try (ChildJvm child = UnixPeerMain.start("server-then-hang")) {
            String name = child.awaitLine("NAME ", RoundTrip.WAIT);
            try (Client client = transport.connect(name)) {
                int received = 0;
                while (received < 13) { // what the child sends, shared payloads included
                    received += client.receivePackets(13, RoundTrip.WAIT)
                            .orElseThrow()
                            .size();
                }
                child.awaitLine("SENT", RoundTrip.WAIT);
                child.kill();
                assertThrows(PeerGoneException.class, () -> client.receivePackets(1, RoundTrip.WAIT));
            }
            Files.deleteIfExists(SocketPath.forClient(name)); // clean up the stale file the killed server left
        }
        before.assertNothingLeftSince("a client whose server process was killed");
    }

    @Test
    void closingAfterTheClientVanishedMidStreamLeavesNothingOpen() throws Exception {
        OpenResources before = OpenResources.now();
        try (Server server = transport.newServer()) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            Client client = transport.connect(server.name());
            try (Connection connection = accepted.get(RoundTrip.WAIT.toSeconds(), TimeUnit.SECONDS)) {
                connection.send(Streams.packets(8, 2), RoundTrip.WAIT);
                int received = 0;
                while (received < 4) { // the 4th is a shared payload: the client has mapped the region
                    received += client.receivePackets(4 - received, RoundTrip.WAIT)
                            .orElseThrow()
                            .size();
                }
                client.close(); // and goes away in the middle of the stream
                assertSendFailsWithPeerGone(connection);
                assertFalse(connection.isOpen());
            } finally {
                client.close();
            }
        }
        before.assertNothingLeftSince("a connection closed after its client vanished mid-stream");
    }

    /** Sends until the vanished peer is noticed: far more than any socket buffer holds. */
    private static void assertSendFailsWithPeerGone(Connection connection) {
        List<Packet> batch = Streams.sized(64, 1000, 1000, 1);
        assertThrows(PeerGoneException.class, () -> {
            for (int i = 0; i < 100_000; i++) {
                connection.send(batch, RoundTrip.WAIT);
            }
        });
    }
}
