package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.PacketIpc;
import dev.packetipc.cli.pcap.CaptureWriter;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code packet-ipc demo} on every transport between processes that this build has and that runs here. */
class DemoEndToEndTest {
    private static final Pattern AVAILABLE =
            Pattern.compile("^  (\\S+) +available, priority (\\d+)", Pattern.MULTILINE);
    private static List<String> crossProcessTransports;

    /**
     * The transports between processes that the jar itself finds available, as its doctor lists them: the jar runs
     * with the flags some transports need (shm), which this test JVM lacks.
     */
    static synchronized List<String> crossProcessTransports() throws Exception {
        if (crossProcessTransports == null) {
            Cli.Result doctor = Cli.run("doctor");
            List<String> ids = new ArrayList<>();
            Matcher m = AVAILABLE.matcher(doctor.stdout());
            while (m.find()) {
                ids.add(m.group(1));
            }
            crossProcessTransports = List.copyOf(ids);
        }
        return crossProcessTransports;
    }

    private static void assertPassed(Cli.Result result, String transport, long packets) {
        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("demo: PASSED", result.lastLine(), result::toString);
        assertTrue(result.stdout().contains("transport   " + transport + "\n"), result::toString);
        assertTrue(
                result.stdout().contains("packets     " + packets + " sent, " + packets + " received"),
                result::toString);
        assertTrue(result.stdout().contains(": every byte arrived intact"), result::toString);
        assertTrue(result.stdout().contains("throughput  "), result::toString);
    }

    @Test
    void thereIsATransportToRunTheDemoOn() throws Exception {
        String expected = System.getProperty("os.name").startsWith("Windows") ? "pipe" : "unix";
        assertTrue(
                crossProcessTransports().contains(expected), "transports the jar finds: " + crossProcessTransports());
    }

    @ParameterizedTest
    @MethodSource("crossProcessTransports")
    void streamsSmallAndSharedMemorySizedPacketsIntact(String transport) throws Exception {
        assertPassed(
                Cli.run("demo", "--transport", transport, "--packets", "20000", "--batch", "100"), transport, 20000);
        assertPassed(Cli.run("demo", "-t", transport, "--packets", "300", "--size", "70000"), transport, 300);
    }

    @Test
    void theDefaultRunIsWhatTheReadmeShows() throws Exception {
        Cli.Result result = Cli.run("demo");
        assertPassed(result, PacketIpc.transport().id(), 200000);
        assertTrue(result.stdout().startsWith("packet-ipc demo: 200000 packets of 1500 bytes"), result::toString);
    }

    @Test
    void streamsARealCaptureWhenGivenOne(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("in.pcapng");
        try (OutputStream out = Files.newOutputStream(capture);
                CaptureWriter writer = CaptureWriter.create("pcapng", out, 1)) {
            for (int i = 0; i < 1000; i++) {
                writer.write(1_700_000_000_000_000_000L + i, ByteBuffer.wrap(new byte[i % 1500]));
            }
        }
        Cli.Result result = Cli.run("demo", "--pcap", capture.toString(), "--batch", "64");
        assertPassed(result, PacketIpc.transport().id(), 1000);
        assertTrue(result.stdout().contains("the packets of " + capture + " (pcapng)"), result::toString);
    }

    @Test
    void aCaptureCutMidPacketHasItsIntactPacketsSentThenFailsWithTheFileAndOffset(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("cut.pcap");
        try (OutputStream out = Files.newOutputStream(capture);
                CaptureWriter writer = CaptureWriter.create("pcap", out, 1)) {
            for (int i = 0; i < 10; i++) {
                writer.write(1_700_000_000_000_000_000L + i, ByteBuffer.wrap(new byte[100]));
            }
        }
        byte[] whole = Files.readAllBytes(capture);
        Files.write(capture, java.util.Arrays.copyOf(whole, whole.length - 50));
        Cli.Result result = Cli.run("demo", "--pcap", capture.toString());
        assertEquals(1, result.exitCode(), result::toString);
        long lastRecord = 24 + 9 * 116;
        assertTrue(
                result.stderr()
                        .contains("packet-ipc demo: error: " + capture + ": at byte offset " + lastRecord
                                + ": truncated"),
                result::toString);
        assertTrue(
                result.stderr().contains("; the 9 intact packets before it were sent, then the stream was ended"),
                result::toString);
        assertTrue(result.stdout().contains("packets     9 sent, 9 received"), result::toString);
        assertTrue(result.stdout().contains(": every byte arrived intact"), result::toString);
        assertEquals("demo: FAILED", result.lastLine(), result::toString);
    }

    @Test
    void theDefaultPacketCountStaysSmallForLargePackets() throws Exception {
        Cli.Result result = Cli.run("demo", "--size", "8388608");
        assertPassed(result, PacketIpc.transport().id(), 128);
        assertTrue(
                result.stdout()
                        .startsWith("packet-ipc demo: 128 packets of 8388608 bytes (1.0 GiB; the default stops at"
                                + " 1.0 GiB, --packets N for more)"),
                result::toString);
    }

    @Test
    void itsFiguresSayWhatTheyIncludeAndPointToTheBenchmark() throws Exception {
        Cli.Result result = Cli.run("demo", "--packets", "1000", "--size", "64", "--batch", "32");
        assertPassed(result, PacketIpc.transport().id(), 1000);
        String transport = PacketIpc.transport().id();
        assertTrue(
                result.stdout()
                        .matches("(?s).*\nnote        these figures include a CRC-32C of every byte on both sides"
                                + " \\(\\d+% of this run on the sending side\\) and JVM warm-up, so they can be well"
                                + " below the transport's own; measure it alone with: packet-ipc bench --quick"
                                + " --transports " + transport + " --sizes 64 --batches 32 --clients 1 --baselines"
                                + " none --no-latency\\n.*"),
                result::toString);
    }
}
