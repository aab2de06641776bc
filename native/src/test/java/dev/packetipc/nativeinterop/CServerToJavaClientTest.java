package dev.packetipc.nativeinterop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.PeerGoneException;
import dev.packetipc.conformance.ChildJvm;
import dev.packetipc.unix.UnixTransport;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C server (pipc-test-server, built with AddressSanitizer and UBSan where
 * the compiler has them) sends, the Java Unix client receives: every
 * packet is compared byte for byte with the pattern.
 */
@Timeout(180)
class CServerToJavaClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int[] SMALL = {0, 1, 7, 8, 9, 63, 64, 65, 1500, 4095, 4096, 9000, 32767};
    private static final int[] LARGE = {32768, 40000, 100, 1 << 20, 3_000_000, 5 << 20};

    @TempDir
    Path dir;

    private final UnixTransport transport = new UnixTransport();

    @Test
    void smallPayloadsInline() throws Exception {
        receiveFromC(21, 1000, 37, SMALL, List.of());
    }

    /**
     * The C server's frames are at most 64 KiB here, so every payload above that can only come through its sealed
     * memfd region (else send fails with PIPC_ERR_TOO_LARGE); its region is 8 MB, so the ring wraps many times and
     * the server waits for the Java client's RELEASE frames.
     */
    @Test
    void largePayloadsThroughTheCServersSealedRegion() throws Exception {
        receiveFromC(23, 60, 5, LARGE, List.of("--max-frame", "65536", "--region", "8000000"));
    }

    /** §4: a payload too large for a frame goes through the region even below the threshold. */
    @Test
    void payloadsTooLargeForAFrameGoThroughTheRegionBelowTheThreshold() throws Exception {
        receiveFromC(
                29,
                40,
                6,
                new int[] {100, 20000, 60000, 1 << 20},
                List.of("--max-frame", "16384", "--threshold", "100000000", "--region", "4000000"));
    }

    private void receiveFromC(long seed, int count, int batch, int[] sizes, List<String> extra) throws Exception {
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
        try (NativeProcess server = NativeProcess.start(bin, "pipc-test-server", arguments)) {
            assertEquals(name, server.awaitLine("NAME ", WAIT));
            try (Client client = transport.connect(name, IpcOptions.defaults())) {
                long received = receiveAndCheck(client, seed, sizes, count, server);
                assertEquals(count, received);
                assertEquals(Client.END_OF_STREAM, client.poll(p -> {}, 10, WAIT), server::describe);
                assertTrue(client.isEndOfStreamReceived());
            }
            assertEquals(0, server.awaitExit(WAIT), server::describe);
            assertTrue(server.output().contains("ENDED"), server::describe);
        }
    }

    /** Polls until the end of the stream (or until {@code count} packets, if {@code stopAt}), checking each packet. */
    private static long receiveAndCheck(Client client, long seed, int[] sizes, long count, NativeProcess server)
            throws IpcException {
        long[] next = {0};
        while (next[0] < count) {
            int n = client.poll(
                    packet -> {
                        long i = next[0]++;
                        byte[] expected = PayloadPattern.payload(seed, i, PayloadPattern.length(sizes, i));
                        ByteBuffer data = packet.data();
                        byte[] actual = new byte[data.remaining()];
                        data.get(actual);
                        assertEquals(PayloadPattern.timestamp(i), packet.timestampNanos(), "timestamp of " + i);
                        assertArrayEquals(expected, actual, () -> "payload of packet " + i + server.describe());
                    },
                    64,
                    WAIT);
            if (n == Client.END_OF_STREAM) {
                break;
            }
            assertTrue(n > 0, () -> "nothing arrived within " + WAIT + server.describe());
        }
        return next[0];
    }

    @Test
    void killedJavaClientEndsTheCServersSendWithPeerGone() throws Exception {
        Path bin = NativeBuild.interopBinaries();
        String name = "unix://" + dir.resolve("client-killed.sock");
        try (NativeProcess server = NativeProcess.start(
                bin,
                "pipc-test-server",
                List.of(name, "--count", "100000000", "--batch", "100", "--sizes", "100,2000,40000"))) {
            server.awaitLine("NAME ", WAIT);
            try (ChildJvm client = ChildJvm.start(
                    JavaServerSeals.childJvmFlags(), JavaPatternClientMain.class, List.of(name, "1000"))) {
                client.awaitLine("RECEIVED ", WAIT);
                client.kill();
            }
            assertEquals(1, server.awaitExit(Duration.ofSeconds(30)), server::describe);
            assertTrue(
                    server.output().stream().anyMatch(line -> line.startsWith("ERROR PIPC_ERR_PEER_GONE")),
                    server::describe);
        }
    }

    @Test
    void killedCServerEndsTheJavaClientWithPeerGone() throws Exception {
        Path bin = NativeBuild.interopBinaries();
        Path socket = dir.resolve("killed.sock");
        String name = "unix://" + socket;
        int[] sizes = {10, 1500, 40000};
        try (NativeProcess server = NativeProcess.start(
                bin,
                "pipc-test-server",
                List.of(name, "--seed", "5", "--count", "90", "--batch", "30", "--sizes", "10,1500,40000", "--hold"))) {
            server.awaitLine("NAME ", WAIT);
            try (Client client = transport.connect(name, IpcOptions.defaults())) {
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
