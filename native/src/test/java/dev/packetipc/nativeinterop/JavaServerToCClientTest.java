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
 * packet's index, timestamp, length and CRC-32 (and, where the test asks for them, all of its bytes) are compared with
 * what was sent. The Java server turns the packet ring (wire format §7) on by default and the C client offers it, so
 * unless a test says otherwise the batches come through the ring.
 */
@Timeout(180)
class JavaServerToCClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Around every boundary of the inline encoding, all below the 32 KiB shared-memory threshold. */
    private static final int[] SMALL = {0, 1, 7, 8, 9, 63, 64, 65, 1500, 4095, 4096, 9000, 32767};
    /** At and above the threshold, up to 5 MiB: more than twice the default 32 MiB region in all, so it wraps. */
    private static final int[] LARGE = {32768, 40000, 100, 1 << 20, 3_000_000, 5 << 20};

    /** The Java server's default ring, as the C client reports it. */
    private static final String DEFAULT_RING = " ring=" + IpcOptions.defaults().get(IpcOptions.RING_BYTES);
    /** The smallest ring there is: 64 KiB, records of at most 32 KiB. */
    private static final int SMALL_RING = 64 << 10;

    private final UnixTransport transport = new UnixTransport();

    /** Inline payloads in ring records, every byte of each compared (packet-ipc-cat prints them all in hex). */
    @Test
    void smallPayloadsThroughTheRing() throws Exception {
        List<String> lines = serveToCat(7, 1000, 37, SMALL, List.of("--hex", "40000"), IpcOptions.defaults());
        assertEquals(" regions=0" + DEFAULT_RING, endOf(lines), () -> "the ring was not used: " + endOf(lines));
    }

    /** The same on the socket's frames when the C client does not offer the ring. */
    @Test
    void smallPayloadsInFramesWhenTheClientDeclinesTheRing() throws Exception {
        List<String> lines =
                serveToCat(8, 1000, 37, SMALL, List.of("--no-ring", "--hex", "40000"), IpcOptions.defaults());
        assertEquals(" regions=0 ring=0", endOf(lines), () -> "the ring was used: " + endOf(lines));
    }

    /** Ring records whose entries name the shared-memory region: large payloads read in place, the region wraps. */
    @Test
    void largePayloadsThroughSharedMemoryZeroCopy() throws Exception {
        List<String> lines = serveToCat(11, 60, 5, LARGE, List.of("--hex", "64"), IpcOptions.defaults());
        assertEquals(" regions=1" + DEFAULT_RING, endOf(lines), () -> "no region, or no ring: " + lines);
    }

    /** Declining shared memory declines the ring too (as the Java client does), so large payloads still go inline. */
    @Test
    void largePayloadsInlineWhenTheClientDeclinesSharedMemory() throws Exception {
        List<String> lines = serveToCat(13, 18, 4, LARGE, List.of("--no-shm"), IpcOptions.defaults());
        assertEquals(" regions=0 ring=0", endOf(lines), endOf(lines));
    }

    /**
     * A 64 KiB ring lapped a few hundred times: records of up to its largest (inline payloads of up to 32 KiB less
     * the headers), padding at every wrap, the server waiting for room (the client's WAKE) and the client for records
     * (the server's WAKE), with shared-memory entries in between; every byte of the inline payloads is compared.
     */
    @Test
    void manyLapsOfASmallRing() throws Exception {
        int largestInline = SMALL_RING / 2 - 32;
        int[] sizes = {0, 1, 9, 100, 1500, largestInline, 4096, 9000, 20000, 40000, largestInline - 1, 7};
        int count = 1200;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += PayloadPattern.length(sizes, i);
        }
        assertTrue(bytes > 200L * SMALL_RING, "the payloads must lap the ring many times: " + bytes);
        IpcOptions options = IpcOptions.defaults().toBuilder()
                .set(IpcOptions.RING_BYTES, SMALL_RING)
                .build();
        List<String> lines = serveToCat(17, count, 11, sizes, List.of("--batch", "7", "--hex", "40000"), options);
        assertEquals(" regions=1 ring=" + SMALL_RING, endOf(lines), () -> "not the small ring: " + endOf(lines));
    }

    /**
     * Everything is in the ring and END on the socket before the C client looks at either (it is held until the
     * server's {@code sendEnd} returned and the connection was closed): it hands out every record first, then the end.
     */
    @Test
    void endComesAfterEverythingPublishedBeforeIt() throws Exception {
        Path bin = NativeBuild.interopBinaries();
        int count = 300;
        try (Server server = transport.newServer(IpcOptions.defaults())) {
            List<String> arguments = List.of("--go-on-stdin", "--batch", "16", "--hex", "40000", server.name());
            try (NativeProcess cat = NativeProcess.start(bin, "packet-ipc-cat", arguments)) {
                try (Connection connection = server.accept(WAIT)) {
                    for (int from = 0; from < count; from += 29) {
                        connection.send(PayloadPattern.packets(3, SMALL, from, Math.min(count, from + 29)), WAIT);
                    }
                    connection.sendEnd(WAIT);
                }
                assertTrue(cat.awaitLine("CONNECTED ", WAIT).endsWith(DEFAULT_RING), cat::describe);
                cat.tell("go");
                assertEquals(0, cat.awaitExit(WAIT), cat::describe);
                List<String> lines = cat.output();
                checkPackets(lines, 3, count, SMALL, 40000, cat);
                assertEquals(" regions=0" + DEFAULT_RING, endOf(lines), cat::describe);
            }
        }
    }

    /** The END line's words after the packet and byte counts: " regions=N ring=N". */
    private static String endOf(List<String> lines) {
        String last = lines.get(lines.size() - 1);
        int at = last.indexOf(" regions=");
        return at < 0 ? last : last.substring(at);
    }

    /** Runs packet-ipc-cat against an in-process Java server and checks everything it printed; returns its lines. */
    private List<String> serveToCat(
            long seed, int count, int batch, int[] sizes, List<String> catArguments, IpcOptions options)
            throws Exception {
        Path bin = NativeBuild.interopBinaries();
        int hex = 0;
        for (int i = 0; i + 1 < catArguments.size(); i++) {
            if (catArguments.get(i).equals("--hex")) {
                hex = Integer.parseInt(catArguments.get(i + 1));
            }
        }
        try (Server server = transport.newServer(options)) {
            List<String> arguments = new ArrayList<>(List.of("--batch", "50", "--hex", "0"));
            arguments.addAll(catArguments); // later arguments win
            arguments.add(server.name());
            try (NativeProcess cat = NativeProcess.start(bin, "packet-ipc-cat", arguments)) {
                try (Connection connection = server.accept(WAIT)) {
                    for (int from = 0; from < count; from += batch) {
                        // with a timeout: a C client that stops taking records (a lost wake-up, say) fails the test
                        // in bounded time instead of hanging it (a send without one is not interrupted by @Timeout)
                        connection.send(PayloadPattern.packets(seed, sizes, from, Math.min(count, from + batch)), WAIT);
                    }
                    connection.sendEnd(WAIT);
                }
                assertEquals(0, cat.awaitExit(WAIT), cat::describe);
                List<String> lines = cat.output();
                checkPackets(lines, seed, count, sizes, hex, cat);
                return lines;
            }
        }
    }

    /**
     * Checks packet-ipc-cat's PACKET lines against the pattern (index, timestamp, length, CRC-32 and the first {@code
     * hex} bytes, which packet-ipc-cat printed with --hex), and its END line.
     */
    static void checkPackets(List<String> lines, long seed, long count, int[] sizes, int hex, NativeProcess cat) {
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
            String bytesWanted = hex(expected, hex);
            String bytesGot = f.length > 5 ? f[5] : "";
            if (!bytesWanted.equals(bytesGot)) {
                long at = index;
                throw new AssertionError("packet " + at + "'s bytes differ" + cat.describe());
            }
            index++;
            bytes += expected.length;
        }
        assertEquals(count, index, () -> "packet count" + cat.describe());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("END " + count + " " + bytes + " "), () -> "no END line" + cat.describe());
    }

    private static String hex(byte[] data, int limit) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(limit, data.length); i++) {
            out.append(String.format("%02x", data[i] & 0xff));
        }
        return out.toString();
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
                connection.send(PayloadPattern.packets(1, sizes, 0, 100), WAIT);
                cat.awaitLine("PACKET 99 ", WAIT);
                assertTrue(cat.output().get(0).endsWith(DEFAULT_RING), cat::describe);
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

    /**
     * A Java server killed while it is still filling a small ring (it sends far more than the C client can take by
     * then): the C client hands out the intact packets that were published and then ends with PIPC_ERR_PEER_GONE.
     */
    @Test
    void javaServerKilledMidStreamWhileFillingTheRing() throws Exception {
        Path bin = NativeBuild.interopBinaries();
        int[] sizes = {10, 1500, 20000, 40000, 3};
        try (ChildJvm server = ChildJvm.start(
                JavaServerSeals.childJvmFlags(),
                JavaPatternServerMain.class,
                List.of("5", "100000000", "17", PayloadPattern.sizesArgument(sizes), "end", "" + SMALL_RING))) {
            String name = server.awaitLine("NAME ", WAIT);
            List<String> arguments = new ArrayList<>(List.of("--batch", "9", "--hex", "40000", name));
            try (NativeProcess cat = NativeProcess.start(bin, "packet-ipc-cat", arguments)) {
                cat.awaitLine("PACKET 2000 ", WAIT);
                server.kill();
                assertEquals(1, cat.awaitExit(Duration.ofSeconds(30)), cat::describe);
                List<String> lines = cat.output();
                assertTrue(lines.get(0).endsWith(" ring=" + SMALL_RING), cat::describe);
                String last = lines.get(lines.size() - 1);
                assertTrue(last.startsWith("ERROR PIPC_ERR_PEER_GONE"), () -> "not a peer-gone error" + cat.describe());
                long packets =
                        lines.stream().filter(l -> l.startsWith("PACKET ")).count();
                List<String> withEnd = new ArrayList<>(lines.subList(0, lines.size() - 1));
                withEnd.add("END " + packets + " " + payloadBytes(sizes, packets) + " (the C client's error)");
                checkPackets(withEnd, 5, packets, sizes, 40000, cat);
            }
        }
    }

    private static long payloadBytes(int[] sizes, long count) {
        long bytes = 0;
        for (long i = 0; i < count; i++) {
            bytes += PayloadPattern.length(sizes, i);
        }
        return bytes;
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
                // everything sent arrived through the ring; the server now holds the connection and the C client
                // sleeps on the socket with its waiting word set
                cat.awaitLine("PACKET 89 ", WAIT);
                assertTrue(cat.output().get(0).endsWith(DEFAULT_RING), cat::describe);
                server.kill();
                assertEquals(1, cat.awaitExit(Duration.ofSeconds(30)), cat::describe);
                List<String> lines = cat.output();
                String last = lines.get(lines.size() - 1);
                assertTrue(last.startsWith("ERROR PIPC_ERR_PEER_GONE"), () -> "not a peer-gone error" + cat.describe());
            }
        }
    }
}
