package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Across processes: {@code aeron:ipc} through the server's media driver, an external media driver named by
 * {@code -Daeron.dir}, and peers killed mid-stream.
 */
class ProcessesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Aeron's image liveness (10 s) or publication connection (5 s) timeout, with a wide margin. */
    private static final long GONE_WITHIN_NANOS = Duration.ofSeconds(30).toNanos();

    /** Receives a stream of {@link AeronPeerMain} and checks every packet; returns the checksum of the payloads. */
    private static long receiveAll(Client client, long packets) throws IpcException {
        CRC32 crc = new CRC32();
        long seq = 0;
        Optional<List<IpcPacket>> batch;
        while ((batch = client.receivePackets(512, WAIT)).isPresent()) {
            for (IpcPacket packet : batch.get()) {
                assertEquals(seq, packet.timestampNanos());
                byte[] bytes = packet.toByteArray();
                assertArrayEquals(AeronPeerMain.payload(seq), bytes, "packet " + seq);
                crc.update(bytes);
                seq++;
            }
        }
        assertEquals(packets, seq);
        return crc.getValue();
    }

    /**
     * An {@code aeron:ipc} server's name carries its media driver's directory; a client in another JVM attaches to
     * that driver and gets the stream intact. Once the server's process has ended, the name gives
     * {@link NoSuchServerException}.
     */
    @Test
    void ipcNamesWorkAcrossJvmsThroughTheServersDriver() throws Exception {
        String name;
        try (ChildJvm server = ChildJvm.start(
                JvmFlags.required(), AeronPeerMain.class, List.of("server", "aeron:ipc", "finite:3000"))) {
            name = server.awaitLine("NAME ", WAIT);
            assertTrue(name.startsWith("aeron:ipc?packetipc-stream="), name);
            assertTrue(name.contains("|packetipc-dir="), name);
            long crc;
            try (Client client = new AeronTransport().connect(name)) {
                crc = receiveAll(client, 3000);
            }
            assertEquals("3000 " + crc, server.awaitLine("SENT 1 ", WAIT));
            assertEquals(0, server.awaitExit(WAIT), server.describe());
        }
        String gone = name;
        NoSuchServerException e = assertThrows(NoSuchServerException.class, () -> new AeronTransport().connect(gone));
        assertTrue(e.getMessage().contains("no Aeron media driver runs in"), e.getMessage());
    }

    /**
     * With {@code -Daeron.dir} both sides use the media driver running there (here in a JVM of its own) and start
     * none; without a driver there, starting a server fails and says how to start one.
     */
    @Test
    void anExternalMediaDriverIsUsedWhenAeronDirIsSet() throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "external-aeron-" + UUID.randomUUID());
        List<String> flags = new ArrayList<>(JvmFlags.required());
        flags.add("-Daeron.dir=" + dir);
        try (ChildJvm absent = ChildJvm.start(
                flags, AeronPeerMain.class, List.of("server", "aeron:udp?endpoint=127.0.0.1:0", "finite:1"))) {
            String fatal = absent.awaitLine("FATAL ", WAIT);
            assertTrue(fatal.contains("no Aeron media driver runs in -Daeron.dir=" + dir), fatal);
            assertTrue(fatal.contains("io.aeron.driver.MediaDriver"), fatal);
        }
        try (ChildJvm driver = ChildJvm.start(flags, io.aeron.driver.MediaDriver.class, List.of())) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!Files.exists(dir.resolve("cnc.dat")) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(Files.exists(dir.resolve("cnc.dat")), "the media driver did not start" + driver.describe());
            try (ChildJvm server = ChildJvm.start(
                            flags,
                            AeronPeerMain.class,
                            List.of("server", "aeron:udp?endpoint=127.0.0.1:0", "finite:2000"));
                    ChildJvm client = ChildJvm.start(
                            flags, AeronPeerMain.class, List.of("client", server.awaitLine("NAME ", WAIT), "2000"))) {
                assertEquals(dir.toString(), server.awaitLine("DRIVER ", WAIT), "the server uses the external driver");
                String received = client.awaitLine("RECEIVED ", WAIT);
                assertEquals(server.awaitLine("SENT 1 ", WAIT), received, client.describe() + server.describe());
                assertEquals(0, client.awaitExit(WAIT), client.describe());
                assertEquals(0, server.awaitExit(WAIT), server.describe());
            }
        }
    }

    /**
     * A server process killed mid-stream: the client gets {@link PeerGoneException}, in bounded time; the driver
     * directory the killed process left is removed by the next embedded driver that starts.
     */
    @Test
    void aKilledServerGivesTheClientPeerGone() throws Exception {
        Path leftover;
        try (ChildJvm server = ChildJvm.start(
                JvmFlags.required(),
                AeronPeerMain.class,
                List.of("server", "aeron:udp?endpoint=127.0.0.1:0", "forever"))) {
            String name = server.awaitLine("NAME ", WAIT);
            leftover = Path.of(server.awaitLine("DRIVER ", WAIT));
            try (Client client = new AeronTransport().connect(name)) {
                long received = 0;
                while (received < 2000) {
                    received += client.receivePackets(512, WAIT).orElseThrow().size();
                }
                server.kill();
                long killed = System.nanoTime();
                PeerGoneException e = assertThrows(PeerGoneException.class, () -> {
                    while (System.nanoTime() - killed < GONE_WITHIN_NANOS) {
                        client.receivePackets(512, WAIT);
                    }
                });
                System.out.println("[aeron crash] the client saw the killed server after "
                        + (System.nanoTime() - killed) / 1_000_000 + " ms: " + e.getMessage());
            }
        }
        // The killed process left its driver's directory; the next embedded driver to start removes it.
        assertTrue(Files.exists(leftover), leftover + " should be left by the killed process");
        try (ChildJvm next = ChildJvm.start(
                JvmFlags.required(), AeronPeerMain.class, List.of("server", "aeron:udp?endpoint=127.0.0.1:0"))) {
            next.awaitLine("DRIVER ", WAIT);
            assertEquals(0, next.awaitExit(WAIT), next.describe());
        }
        assertTrue(!Files.exists(leftover), leftover + " is still there");
    }

    /** A client process killed mid-stream: the server's sends fail with {@link PeerGoneException}, in bounded time. */
    @Test
    void aKilledClientGivesTheServerPeerGone() throws Exception {
        try (Server server = new AeronTransport().newServer(IpcOptions.defaults());
                ChildJvm client = ChildJvm.start(
                        JvmFlags.required(), AeronPeerMain.class, List.of("client", server.name(), "-1"));
                Connection connection = server.accept(WAIT)) {
            List<Packet> batch = new ArrayList<>();
            long seq = 0;
            for (; seq < 64; seq++) {
                batch.add(Packet.of(seq, AeronPeerMain.payload(seq)));
            }
            connection.send(batch, WAIT);
            client.awaitLine("CONNECTED", WAIT);
            client.kill();
            long killed = System.nanoTime();
            PeerGoneException e = assertThrows(PeerGoneException.class, () -> {
                while (System.nanoTime() - killed < GONE_WITHIN_NANOS) {
                    connection.send(batch, WAIT);
                }
            });
            System.out.println("[aeron crash] the server saw the killed client after "
                    + (System.nanoTime() - killed) / 1_000_000 + " ms: " + e.getMessage());
        }
    }
}
