package dev.packetipc.nativeinterop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import dev.packetipc.unix.UnixTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java Unix server sends, the C client (packet-ipc-cat, built with AddressSanitizer and UBSan where
 * the compiler has them) receives: every
 * packet's index, timestamp, length and CRC-32 are compared with what was sent.
 */
@Timeout(180)
class JavaServerToCClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Around every boundary of the inline encoding, all below the 32 KiB shared-memory threshold. */
    private static final int[] SMALL = {0, 1, 7, 8, 9, 63, 64, 65, 1500, 4095, 4096, 9000, 32767};
    /** At and above the threshold, up to 5 MiB: more than twice the default 32 MiB region in all, so it wraps. */
    private static final int[] LARGE = {32768, 40000, 100, 1 << 20, 3_000_000, 5 << 20};

    private final UnixTransport transport = new UnixTransport();

    @Test
    void smallPayloadsInline() throws Exception {
        List<String> lines = serveToCat(7, 1000, 37, SMALL, List.of());
        assertTrue(lines.get(lines.size() - 1).endsWith(" regions=0"), lines.get(lines.size() - 1));
    }

    @Test
    void largePayloadsThroughSharedMemoryZeroCopy() throws Exception {
        List<String> arguments = new ArrayList<>();
        List<String> lines = serveToCat(11, 60, 5, LARGE, arguments);
        assertTrue(lines.get(lines.size() - 1).endsWith(" regions=1"), "no region was mapped: " + lines);
    }

    @Test
    void largePayloadsInlineWhenTheClientDeclinesSharedMemory() throws Exception {
        List<String> lines = serveToCat(13, 18, 4, LARGE, List.of("--no-shm"));
        assertTrue(lines.get(lines.size() - 1).endsWith(" regions=0"), lines.get(lines.size() - 1));
    }

    /** Runs packet-ipc-cat against an in-process Java server and checks everything it printed; returns its lines. */
    private List<String> serveToCat(long seed, int count, int batch, int[] sizes, List<String> catArguments)
            throws Exception {
        Path bin = NativeBuild.interopBinaries();
        try (Server server = transport.newServer(IpcOptions.defaults())) {
            List<String> arguments = new ArrayList<>(catArguments);
            arguments.addAll(List.of("--batch", "50", "--hex", "0", server.name()));
            try (NativeProcess cat = NativeProcess.start(bin, "packet-ipc-cat", arguments)) {
                try (Connection connection = server.accept(WAIT)) {
                    for (int from = 0; from < count; from += batch) {
                        connection.send(PayloadPattern.packets(seed, sizes, from, Math.min(count, from + batch)));
                    }
                    connection.sendEnd();
                }
                assertEquals(0, cat.awaitExit(WAIT), cat::describe);
                List<String> lines = cat.output();
                checkPackets(lines, seed, count, sizes, cat);
                return lines;
            }
        }
    }

    /** Checks packet-ipc-cat's PACKET lines against the pattern, and its END line. */
    static void checkPackets(List<String> lines, long seed, long count, int[] sizes, NativeProcess cat) {
        long index = 0;
        long bytes = 0;
        for (String line : lines) {
            if (!line.startsWith("PACKET ")) {
                continue;
            }
            String[] f = line.split(" ");
            byte[] expected = PayloadPattern.payload(seed, index, PayloadPattern.length(sizes, index));
            String want = "PACKET " + index + " " + PayloadPattern.timestamp(index) + " " + expected.length + " "
                    + PayloadPattern.crc(expected);
            assertEquals(want, String.join(" ", Arrays.copyOf(f, 5)), () -> "packet differs" + cat.describe());
            index++;
            bytes += expected.length;
        }
        assertEquals(count, index, () -> "packet count" + cat.describe());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("END " + count + " " + bytes + " "), () -> "no END line" + cat.describe());
    }

    @Test
    void killedCClientEndsTheJavaServersSendWithPeerGone() throws Exception {
        Path bin = NativeBuild.interopBinaries();
        int[] sizes = {100, 2000, 40000};
        List<String> arguments = new ArrayList<>(List.of("--hex", "0"));
        try (Server server = transport.newServer(IpcOptions.defaults())) {
            arguments.add(server.name());
            try (NativeProcess cat = NativeProcess.start(bin, "packet-ipc-cat", arguments);
                    Connection connection = server.accept(WAIT)) {
                connection.send(PayloadPattern.packets(1, sizes, 0, 100));
                cat.awaitLine("PACKET 99 ", WAIT);
                cat.kill();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                PeerGoneException gone = null;
                for (long from = 100; gone == null && System.nanoTime() < deadline; from += 100) {
                    try {
                        connection.send(PayloadPattern.packets(1, sizes, from, from + 100), Duration.ofSeconds(5));
                    } catch (PeerGoneException e) {
                        gone = e;
                    }
                }
                assertTrue(gone != null, "the Java server never noticed that the C client was killed");
                assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
            }
        }
    }

    @Test
    void killedJavaServerEndsTheCClientWithPeerGone() throws Exception {
        Path bin = NativeBuild.interopBinaries();
        int[] sizes = {10, 1500, 40000};
        try (ChildJvm server = ChildJvm.start(
                JavaServerSeals.childJvmFlags(),
                JavaPatternServerMain.class,
                List.of("3", "90", "30", PayloadPattern.sizesArgument(sizes), "hold"))) {
            String name = server.awaitLine("NAME ", WAIT);
            List<String> arguments = new ArrayList<>(List.of("--hex", "0", name));
            try (NativeProcess cat = NativeProcess.start(bin, "packet-ipc-cat", arguments)) {
                cat.awaitLine("PACKET 89 ", WAIT); // everything sent arrived; the server now holds the connection
                server.kill();
                assertEquals(1, cat.awaitExit(Duration.ofSeconds(30)), cat::describe);
                List<String> lines = cat.output();
                String last = lines.get(lines.size() - 1);
                assertTrue(last.startsWith("ERROR PIPC_ERR_PEER_GONE"), () -> "not a peer-gone error" + cat.describe());
            }
        }
    }
}
