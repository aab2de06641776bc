package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash of either side while the other waits on the packet ring, with each idle strategy (spinning, backing off,
 * sleeping at once): the survivor gets a {@link PeerGoneException} within the same bound as on the socket path (the
 * child JVM is killed, so nothing is said on the stream; its end is what tells).
 */
@Timeout(300)
class RingCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static IpcOptions idle(IpcOptions.IdleStrategy idle) {
        return IpcOptions.builder().set(IpcOptions.IDLE_STRATEGY, idle).build();
    }

    private static long ringMappings() throws java.io.IOException {
        try (java.util.stream.Stream<String> lines =
                java.nio.file.Files.lines(java.nio.file.Path.of("/proc/self/maps"))) {
            return lines.filter(line -> line.contains("packet-ipc-ring")).count();
        }
    }

    /**
     * With default options the client maps the server's ring (a memfd named packet-ipc-ring appears in its
     * mappings); with the ring off on the server, it does not, and packets still arrive.
     */
    @org.junit.jupiter.api.Test
    void theRingIsNegotiatedAcrossProcessesByDefaultAndNotWhenTheServerRefuses() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/maps")), "needs Linux's /proc");
        UnixTransport transport = new UnixTransport();
        for (boolean on : new boolean[] {true, false}) {
            IpcOptions options = on
                    ? IpcOptions.defaults()
                    : IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
            try (Server server = transport.newServer(options)) {
                long before = ringMappings();
                try (ChildJvm child = UnixPeerMain.start("client-hang", server.name());
                        Connection connection = server.accept(WAIT)) {
                    assertEquals(before + (on ? 1 : 0), ringMappings(), "the server maps the ring: " + on);
                    connection.send(List.of(Packet.of(1, new byte[10])));
                    child.awaitLine("RECEIVING", WAIT);
                }
            }
        }
    }

    /** The server is killed while the client waits for the ring: PeerGone after what was published. */
    @ParameterizedTest
    @EnumSource(IpcOptions.IdleStrategy.class)
    void aKilledServerGivesAWaitingClientPeerGone(IpcOptions.IdleStrategy idle) throws Exception {
        UnixTransport transport = new UnixTransport();
        try (ChildJvm child = UnixPeerMain.start("server-then-hang")) {
            String name = child.awaitLine("NAME ", WAIT);
            List<IpcPacket> received = new ArrayList<>();
            try (Client client = transport.connect(name, idle(idle))) {
                while (received.size() < 13) {
                    received.addAll(client.receivePackets(13, WAIT).orElseThrow());
                }
                child.awaitLine("SENT", WAIT);
                child.kill();
                long start = System.nanoTime();
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> client.receivePackets(1, WAIT));
                assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
                assertTrue(System.nanoTime() - start < WAIT.toNanos(), "seen before the wait ran out");
            }
            assertEquals(Streams.crc(Streams.packets(13, 0)), Streams.crc(received));
        }
    }

    /** The client is killed while the server fills the ring and waits for room: PeerGone, not a hang. */
    @ParameterizedTest
    @EnumSource(IpcOptions.IdleStrategy.class)
    void aKilledClientGivesAServerWaitingForRoomPeerGone(IpcOptions.IdleStrategy idle) throws Exception {
        UnixTransport transport = new UnixTransport();
        try (Server server = transport.newServer(idle(idle));
                ChildJvm child = UnixPeerMain.start("client-hang", server.name());
                Connection connection = server.accept(WAIT)) {
            connection.send(List.of(Packet.of(1, new byte[10])));
            child.awaitLine("RECEIVING", WAIT);
            child.kill();
            List<Packet> batch = Streams.sized(64, 1000, 1000, 1);
            PeerGoneException gone = assertThrows(PeerGoneException.class, () -> {
                for (int i = 0; i < 100_000; i++) { // far more than the ring holds
                    connection.send(batch, WAIT);
                }
            });
            assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
            assertTrue(!connection.isOpen());
        }
    }
}
