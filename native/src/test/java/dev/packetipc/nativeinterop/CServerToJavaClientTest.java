package dev.packetipc.nativeinterop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.PeerGoneException;
import dev.packetipc.conformance.ChildJvm;
import dev.packetipc.unix.UnixTransport;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The C server (pipc-test-server, built with AddressSanitizer and UBSan where the compiler has them) sends, the Java
 * Unix client receives: every packet is compared byte for byte with the pattern. Each test runs both ways: with the
 * packet ring (wire format §7; the Java client offers it and the C server accepts it, both by default), with the
 * Java client declining it ({@code RING_BYTES} 0), and with the C server declining it ({@code --no-ring}); the C
 * server's "ACCEPTED ring=N" line says which one the connection used.
 */
@Timeout(180)
class CServerToJavaClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int[] SMALL = {0, 1, 7, 8, 9, 63, 64, 65, 1500, 4095, 4096, 9000, 32767};
    private static final int[] LARGE = {32768, 40000, 100, 1 << 20, 3_000_000, 5 << 20};
    /** The C server's default ring, 4 MiB, as Java's. */
    private static final int DEFAULT_RING = 4 << 20;
    /** The smallest ring there is: 64 KiB, records of at most 32 KiB, inline payloads of at most 32736 bytes. */
    private static final int SMALL_RING = 64 << 10;

    /** Who turns the packet ring on or off for a connection. */
    enum Ring {
        /** Both sides want it (their default). */
        ON,
        /** The Java client does not offer it. */
        CLIENT_DECLINES,
        /** The C server does not accept it. */
        SERVER_DECLINES;

        IpcOptions clientOptions() {
            return this == CLIENT_DECLINES
                    ? IpcOptions.defaults().toBuilder()
                            .set(IpcOptions.RING_BYTES, 0)
                            .build()
                    : IpcOptions.defaults();
        }

        List<String> serverArguments() {
            return this == SERVER_DECLINES ? List.of("--no-ring") : List.of();
        }

        /** The C server's ACCEPTED line for a ring of this size. */
        String accepted(int ringBytes) {
            return "ring=" + (this == ON ? ringBytes : 0);
        }
    }

    @TempDir
    Path dir;

    private final UnixTransport transport = new UnixTransport();

    /** Around every boundary of the inline encoding; in ring records (4 MiB ring) or in frames. */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void smallPayloadsInline(Ring ring) throws Exception {
        receiveFromC(ring, DEFAULT_RING, 21, 1000, 37, SMALL, List.of());
    }

    /**
     * The C server's frames (and ring records) are at most 64 KiB here, so every payload above that can only come
     * through its sealed memfd region (else send fails with PIPC_ERR_TOO_LARGE); its region is 8 MB, so the region
     * wraps many times and the server waits for the Java client's RELEASE frames. With the ring, the records name the
     * region.
     */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void largePayloadsThroughTheCServersSealedRegion(Ring ring) throws Exception {
        receiveFromC(ring, DEFAULT_RING, 23, 60, 5, LARGE, List.of("--max-frame", "65536", "--region", "8000000"));
    }

    /** §4: a payload too large for a frame (or a ring record) goes through the region even below the threshold. */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void payloadsTooLargeForAFrameGoThroughTheRegionBelowTheThreshold(Ring ring) throws Exception {
        receiveFromC(
                ring,
                DEFAULT_RING,
                29,
                40,
                6,
                new int[] {100, 20000, 60000, 1 << 20},
                List.of("--max-frame", "16384", "--threshold", "100000000", "--region", "4000000"));
    }

    /**
     * A 64 KiB ring lapped a few hundred times: inline payloads up to the largest a record takes (32736 bytes), one
     * byte more and larger through the region, padding at every wrap, the C server waiting for room (the Java
     * client's WAKE) and the Java client for records (the C server's WAKE). Without the ring the same packets go in
     * frames (the 32737-byte one inline too).
     */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void manyLapsOfASmallRing(Ring ring) throws Exception {
        int largestInline = SMALL_RING / 2 - 32;
        int[] sizes = {
            0, 1, 9, 100, 1500, largestInline, 4096, 9000, 20000, largestInline + 1, largestInline - 1, 7, 40000, 8
        };
        int count = 1500;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += PayloadPattern.length(sizes, i);
        }
        assertTrue(bytes > 200L * SMALL_RING, "the payloads must lap the ring many times: " + bytes);
        receiveFromC(ring, SMALL_RING, 17, count, 11, sizes, List.of("--ring", Integer.toString(SMALL_RING)));
    }

    /**
     * The small ring again with each idle strategy of the Java client: BLOCK sleeps on the socket at once, so every
     * record after an empty ring needs the C server's WAKE, and the server, waiting for room most of the time, needs
     * the client's; a wake-up lost on either side stalls the stream until the server's 60 s timeout fails the test.
     */
    @ParameterizedTest
    @EnumSource(IpcOptions.IdleStrategy.class)
    void manyLapsOfASmallRingWithEachIdleStrategy(IpcOptions.IdleStrategy idle) throws Exception {
        int[] sizes = {0, 100, 1500, SMALL_RING / 2 - 32, 9000, 20000, 7};
        IpcOptions options = IpcOptions.defaults().toBuilder()
                .set(IpcOptions.IDLE_STRATEGY, idle)
                .build();
        receiveFromC(Ring.ON, options, SMALL_RING, 19, 3000, 3, sizes, List.of("--ring", Integer.toString(SMALL_RING)));
    }

    /**
     * Everything is sent and END is on the socket before the Java client first polls (it waits for the C server's
     * "ENDED"): it gets every packet first, then the end.
     */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void endComesAfterEverythingSentBeforeIt(Ring ring) throws Exception {
        Path bin = NativeBuild.interopBinaries();
        String name = "unix://" + dir.resolve("end.sock");
        // small enough for the socket's buffer when the ring is off: the server must not wait for the client here
        int[] sizes = {0, 1, 7, 8, 9, 63, 64, 65, 1500};
        int count = 90;
        List<String> arguments = new ArrayList<>(List.of(
                name,
                "--seed",
                "3",
                "--count",
                Integer.toString(count),
                "--batch",
                "7",
                "--sizes",
                PayloadPattern.sizesArgument(sizes)));
        arguments.addAll(ring.serverArguments());
        try (NativeProcess server = NativeProcess.start(bin, "pipc-test-server", arguments)) {
            assertEquals(name, server.awaitLine("NAME ", WAIT));
            try (Client client = transport.connect(name, ring.clientOptions())) {
                assertEquals(ring.accepted(DEFAULT_RING), server.awaitLine("ACCEPTED ", WAIT), server::describe);
                server.awaitLine("ENDED", WAIT);
                assertEquals(count, receiveAndCheck(client, 3, sizes, count, server));
                assertEquals(Client.END_OF_STREAM, client.poll(p -> {}, 10, WAIT), server::describe);
            }
            assertEquals(0, server.awaitExit(WAIT), server::describe);
        }
    }

    private void receiveFromC(
            Ring ring, int ringBytes, long seed, int count, int batch, int[] sizes, List<String> extra)
            throws Exception {
        receiveFromC(ring, ring.clientOptions(), ringBytes, seed, count, batch, sizes, extra);
    }

    private void receiveFromC(
            Ring ring,
            IpcOptions clientOptions,
            int ringBytes,
            long seed,
            int count,
            int batch,
            int[] sizes,
            List<String> extra)
            throws Exception {
        Path bin = NativeBuild.interopBinaries();
        String name = "unix://" + dir.resolve("c.sock");
        List<String> arguments = new ArrayList<>(List.of(
                name,
                "--seed",
                Long.toString(seed),
                "--count",
                Integer.toString(count),
                "--batch",
                Integer.toString(batch),
                "--sizes",
                PayloadPattern.sizesArgument(sizes)));
        arguments.addAll(extra);
        arguments.addAll(ring.serverArguments());
        try (NativeProcess server = NativeProcess.start(bin, "pipc-test-server", arguments)) {
            assertEquals(name, server.awaitLine("NAME ", WAIT));
            try (Client client = transport.connect(name, clientOptions)) {
                assertEquals(ring.accepted(ringBytes), server.awaitLine("ACCEPTED ", WAIT), server::describe);
                long received = receiveAndCheck(client, seed, sizes, count, server);
                assertEquals(count, received);
                assertEquals(Client.END_OF_STREAM, client.poll(p -> {}, 10, WAIT), server::describe);
                assertTrue(client.isEndOfStreamReceived());
            }
            assertEquals(0, server.awaitExit(WAIT), server::describe);
            assertTrue(server.output().contains("ENDED"), server::describe);
        }
    }

    /** Polls until the end of the stream or {@code count} packets, checking each packet. */
    private static long receiveAndCheck(Client client, long seed, int[] sizes, long count, NativeProcess server)
            throws IpcException {
        long[] next = {0};
        while (next[0] < count) {
            int n = client.poll(packet -> check(packet, seed, sizes, next[0]++, server), 64, WAIT);
            if (n == Client.END_OF_STREAM) {
                break;
            }
            assertTrue(n > 0, () -> "nothing arrived within " + WAIT + server.describe());
        }
        return next[0];
    }

    private static void check(IpcPacket packet, long seed, int[] sizes, long i, NativeProcess server) {
        byte[] expected = PayloadPattern.payload(seed, i, PayloadPattern.length(sizes, i));
        ByteBuffer data = packet.data();
        byte[] actual = new byte[data.remaining()];
        data.get(actual);
        assertEquals(PayloadPattern.timestamp(i), packet.timestampNanos(), "timestamp of " + i);
        assertArrayEquals(expected, actual, () -> "payload of packet " + i + server.describe());
    }

    /**
     * A Java client killed while the C server waits for it: for room in the packet ring (payloads below the
     * threshold, so nothing waits for the region; the client takes nothing, the server's sends time out once the ring
     * is full, which it reports, and go again, so the kill comes while it waits for room), or for the socket without
     * the ring. The C server's send ends with PIPC_ERR_PEER_GONE, saying what it waited for, within a bound.
     */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void killedJavaClientEndsTheCServersSendWithPeerGone(Ring ring) throws Exception {
        Path bin = NativeBuild.interopBinaries();
        String name = "unix://" + dir.resolve("client-killed.sock");
        List<String> arguments =
                new ArrayList<>(List.of(name, "--count", "100000000", "--batch", "100", "--sizes", "100,2000,20000"));
        if (ring == Ring.ON) {
            arguments.addAll(List.of("--retry-ms", "200"));
        }
        arguments.addAll(ring.serverArguments());
        try (NativeProcess server = NativeProcess.start(bin, "pipc-test-server", arguments)) {
            server.awaitLine("NAME ", WAIT);
            // with the ring the client takes nothing, so once a send of the server timed out (FULL) the ring stays full
            // and the server waits for room in it from then on; without it the client takes 1000 packets first
            List<String> clientArguments = ring == Ring.CLIENT_DECLINES
                    ? List.of(name, "1000", "noring")
                    : List.of(name, ring == Ring.ON ? "0" : "1000");
            try (ChildJvm client =
                    ChildJvm.start(JavaServerSeals.childJvmFlags(), JavaPatternClientMain.class, clientArguments)) {
                assertEquals(ring.accepted(DEFAULT_RING), server.awaitLine("ACCEPTED ", WAIT), server::describe);
                client.awaitLine("RECEIVED ", WAIT);
                if (ring == Ring.ON) {
                    server.awaitLine("FULL ", WAIT);
                }
                client.kill();
            }
            assertEquals(1, server.awaitExit(Duration.ofSeconds(30)), server::describe);
            String error = server.output().stream()
                    .filter(line -> line.startsWith("ERROR "))
                    .findFirst()
                    .orElse("(none)");
            assertTrue(error.startsWith("ERROR PIPC_ERR_PEER_GONE"), server::describe);
            if (ring == Ring.ON) {
                assertTrue(error.contains("room in the packet ring"), server::describe);
            }
        }
    }

    /**
     * A C server killed while it is still filling a small ring (it sends far more than the Java client takes by then):
     * the Java client gets the intact packets that were published (every one compared), then PeerGoneException within
     * a bound. Without the ring the same over the socket.
     */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void cServerKilledMidStream(Ring ring) throws Exception {
        Path bin = NativeBuild.interopBinaries();
        String name = "unix://" + dir.resolve("killed-mid.sock");
        int[] sizes = {10, 1500, 20000, 40000, 3};
        List<String> arguments = new ArrayList<>(List.of(
                name,
                "--seed",
                "5",
                "--count",
                "100000000",
                "--batch",
                "17",
                "--sizes",
                PayloadPattern.sizesArgument(sizes),
                "--ring",
                Integer.toString(SMALL_RING)));
        arguments.addAll(ring.serverArguments());
        try (NativeProcess server = NativeProcess.start(bin, "pipc-test-server", arguments)) {
            server.awaitLine("NAME ", WAIT);
            try (Client client = transport.connect(name, ring.clientOptions())) {
                assertEquals(ring.accepted(SMALL_RING), server.awaitLine("ACCEPTED ", WAIT), server::describe);
                long[] next = {0};
                while (next[0] < 2000) {
                    int n = client.poll(p -> check(p, 5, sizes, next[0]++, server), 64, WAIT);
                    assertTrue(n > 0, () -> "nothing arrived within " + WAIT + server.describe());
                }
                server.kill();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                PeerGoneException gone = null;
                while (gone == null && System.nanoTime() < deadline) {
                    try {
                        client.poll(p -> check(p, 5, sizes, next[0]++, server), 64, Duration.ofSeconds(30));
                    } catch (PeerGoneException e) {
                        gone = e;
                    }
                }
                assertTrue(gone != null, "the Java client never noticed that the C server was killed");
                assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
            }
        }
    }

    /** A C server killed while the Java client sleeps for more (everything sent was received). */
    @ParameterizedTest
    @EnumSource(Ring.class)
    void killedCServerEndsTheJavaClientWithPeerGone(Ring ring) throws Exception {
        Path bin = NativeBuild.interopBinaries();
        Path socket = dir.resolve("killed.sock");
        String name = "unix://" + socket;
        int[] sizes = {10, 1500, 40000};
        List<String> arguments = new ArrayList<>(
                List.of(name, "--seed", "5", "--count", "90", "--batch", "30", "--sizes", "10,1500,40000", "--hold"));
        arguments.addAll(ring.serverArguments());
        try (NativeProcess server = NativeProcess.start(bin, "pipc-test-server", arguments)) {
            server.awaitLine("NAME ", WAIT);
            try (Client client = transport.connect(name, ring.clientOptions())) {
                assertEquals(ring.accepted(DEFAULT_RING), server.awaitLine("ACCEPTED ", WAIT), server::describe);
                assertEquals(90, receiveAndCheck(client, 5, sizes, 90, server));
                server.awaitLine("HOLDING", WAIT);
                server.kill();
                PeerGoneException gone =
                        assertThrows(PeerGoneException.class, () -> client.poll(p -> {}, 10, Duration.ofSeconds(30)));
                assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
            }
            assertTrue(Files.exists(socket), "a killed server leaves its socket file, as any crashed one");
        }
    }
}
