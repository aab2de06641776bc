package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CaptureWriter;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stopping and failing cleanly: SIGINT and SIGTERM of serve, demo and receive (what files are left, exit codes,
 * messages), doctor's report of what killed servers left, and captures cut mid-packet. Each command runs with its
 * own runtime directory (XDG_RUNTIME_DIR), so that what it leaves there is its own.
 */
class StoppingEndToEndTest {
    /** SIGINT and SIGTERM: a JVM stopped by a signal exits with 128 + its number. */
    private static final Map<String, Integer> EXIT_CODES = Map.of("INT", 130, "TERM", 143);

    @TempDir
    Path dir;

    @BeforeAll
    static void onlyWhereSignalsAre() {
        assumeTrue(
                !System.getProperty("os.name").startsWith("Windows"),
                "SKIPPED: POSIX signals; Windows has none to send");
    }

    private Map<String, String> runtimeDirectory() throws IOException {
        Path runtime = Files.createDirectories(dir.resolve("rt"));
        return Map.of("XDG_RUNTIME_DIR", runtime.toString());
    }

    private List<Path> socketFiles() throws IOException {
        Path runtime = dir.resolve("rt/packet-ipc");
        if (!Files.isDirectory(runtime)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runtime)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".sock"))
                    .toList();
        }
    }

    private Cli.Running start(Map<String, String> environment, String... arguments) throws Exception {
        return new Cli.Running(Cli.start(Cli.signalable(Cli.command(arguments)), null, environment));
    }

    /** A pcap of {@code count} packets of 100 bytes, packet i filled with byte i. */
    private static byte[] capture(int count) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CaptureWriter writer = CaptureWriter.create("pcap", bytes, 1)) {
            for (int i = 0; i < count; i++) {
                byte[] data = new byte[100];
                Arrays.fill(data, (byte) i);
                writer.write(1_700_000_000_000_000_000L + i, ByteBuffer.wrap(data));
            }
        }
        return bytes.toByteArray();
    }

    private static List<CapturedPacket> read(Path file) throws IOException {
        List<CapturedPacket> packets = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file.toString())) {
            CapturedPacket packet;
            while ((packet = reader.next()) != null) {
                packets.add(packet);
            }
        }
        return packets;
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aStoppedServeClosesItsServerAndLeavesNoSocketFile(String signal, @TempDir Path in) throws Exception {
        Path capture = in.resolve("in.pcap");
        Files.write(capture, capture(3));
        Cli.Running serve = start(runtimeDirectory(), "serve", "--pcap", capture.toString());
        String name = serve.awaitStdout("unix://");
        assertEquals(1, socketFiles().size(), () -> "the server's socket: " + name);
        Cli.signal(serve.process.pid(), signal);
        Cli.Result result = serve.finish();
        assertEquals(EXIT_CODES.get(signal), result.exitCode(), result::toString);
        assertEquals(List.of(), socketFiles(), result::toString);
        assertTrue(
                result.stderr().contains("packet-ipc serve: stopped before the end of the capture; closed " + name),
                result::toString);
        assertFalse(result.stderr().contains("error"), result::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aStoppedDemoClosesItsServerAndStopsItsReceiver(String signal) throws Exception {
        Cli.Running demo = start(runtimeDirectory(), "demo", "--packets", "1000000000000", "--size", "64");
        String receiver = demo.awaitStdout("  receiver   process ");
        long pid = Long.parseLong(
                receiver.substring("  receiver   process ".length()).trim());
        Cli.signal(demo.process.pid(), signal);
        Cli.Result result = demo.finish();
        assertEquals(EXIT_CODES.get(signal), result.exitCode(), result::toString);
        assertEquals(List.of(), socketFiles(), result::toString);
        assertTrue(result.stderr().contains("packet-ipc demo: stopped; closed the server unix://"), result::toString);
        assertTrue(result.stderr().contains("and stopped the receiving process " + pid), result::toString);
        ProcessHandle.of(pid).ifPresent(child -> {
            try {
                child.onExit().get(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the receiving process " + pid + " is still running", e);
            }
        });
    }

    /** A serve that has sent {@code sent} packets of its standard input and waits for more. */
    private Cli.Running stalledServe(Map<String, String> environment, byte[] capture, int sent) throws Exception {
        Cli.Running serve = new Cli.Running(
                Cli.start(Cli.signalable(Cli.command("serve", "--pcap", "-", "--batch", "1")), null, environment));
        OutputStream stdin = serve.process.getOutputStream();
        stdin.write(capture, 0, 24 + sent * 116);
        stdin.flush(); // and left open: the serve waits for the rest
        return serve;
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aStoppedReceiveFinishesItsFileAndSaysTheStreamWasCut(String signal) throws Exception {
        Map<String, String> environment = runtimeDirectory();
        byte[] capture = capture(5);
        Cli.Running serve = stalledServe(environment, capture, 3);
        String name = serve.awaitStdout("unix://");
        Path out = dir.resolve("out.pcap");
        Cli.Running receive = start(environment, "receive", name, "--out", out.toString());
        serve.awaitStderr("serve: a client connected");
        assertTrue(waitFor(out.resolveSibling("out.pcap.part")), "receive did not create out.pcap.part");
        Cli.signal(receive.process.pid(), signal);
        Cli.Result result = receive.finish();
        assertEquals(EXIT_CODES.get(signal), result.exitCode(), result::toString);
        assertFalse(Files.exists(out.resolveSibling("out.pcap.part")), result::toString);
        List<CapturedPacket> got = read(out);
        assertTrue(got.size() <= 3, result::toString);
        assertTrue(
                result.stderr()
                        .contains("packet-ipc receive: stopped: wrote " + got.size() + " packets to " + out
                                + " (pcap, link type 1); the stream was cut"),
                result::toString);
        for (int i = 0; i < got.size(); i++) {
            assertEquals(1_700_000_000_000_000_000L + i, got.get(i).timestampNanos());
            assertEquals((byte) i, got.get(i).bytes()[99]);
        }
        serve.process.getOutputStream().close();
        serve.process.destroyForcibly();
        serve.finish();
    }

    @Test
    void aFailedReceiveSaysWhatItLeftBehind() throws Exception {
        Map<String, String> environment = runtimeDirectory();
        byte[] capture = capture(5);
        Cli.Running serve = stalledServe(environment, capture, 3);
        String name = serve.awaitStdout("unix://");
        Path out = dir.resolve("out.pcap");
        Cli.Running receive = start(environment, "receive", name, "--out", out.toString());
        serve.awaitStderr("serve: a client connected");
        Cli.signal(serve.process.pid(), "KILL"); // the server dies mid-stream
        serve.finish();
        Cli.Result result = receive.finish();
        assertEquals(1, result.exitCode(), result::toString);
        assertEquals(1, result.stderrLines().size(), result::toString);
        assertFalse(Files.exists(out), "the unfinished capture is not left under the final name: " + result);
        Path part = dir.resolve("out.pcap.part");
        if (Files.exists(part)) {
            int got = read(part).size();
            assertTrue(
                    result.stderr()
                            .contains("; " + part + " holds the " + got + " packets received before it; " + out
                                    + " was not written"),
                    result::toString);
        } else {
            assertTrue(result.stderr().endsWith("; nothing was written\n"), result::toString);
        }
    }

    private static boolean waitFor(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Cli.TIMEOUT_SECONDS);
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20); // polling a file system: there is nothing to wait on
        }
        return true;
    }

    @Test
    void doctorReportsTheSocketFilesOfKilledServersAndCleansThem(@TempDir Path in) throws Exception {
        Map<String, String> environment = runtimeDirectory();
        Path capture = in.resolve("in.pcap");
        Files.write(capture, capture(3));
        Cli.Running serve = start(environment, "serve", "--pcap", capture.toString());
        serve.awaitStdout("unix://");
        Cli.signal(serve.process.pid(), "KILL");
        serve.finish();
        List<Path> left = socketFiles();
        assertEquals(1, left.size(), left::toString);
        String file = left.get(0).getFileName().toString();

        Cli.Result clean = Cli.run(Cli.command("doctor", "--clean"), null, environment);
        assertEquals(0, clean.exitCode(), clean::toString);
        assertTrue(
                clean.stdout().contains("leftovers     removed 1 socket file of processes that are gone: " + file),
                clean::toString);
        assertFalse(clean.stdout().contains("warning:"), clean::toString);
        assertEquals(List.of(), socketFiles(), clean::toString);

        // Without --clean doctor reports what it found before its self-tests; the unix self-test's server, like every
        // unix server that starts, then removes the socket files of dead servers itself.
        Cli.Running again = start(environment, "serve", "--pcap", capture.toString());
        again.awaitStdout("unix://");
        Cli.signal(again.process.pid(), "KILL");
        again.finish();
        List<Path> leftAgain = socketFiles();
        assertEquals(1, leftAgain.size(), leftAgain::toString);
        String second = leftAgain.get(0).getFileName().toString();
        Cli.Result doctor = Cli.run(Cli.command("doctor"), null, environment);
        assertEquals(0, doctor.exitCode(), doctor::toString);
        assertTrue(
                doctor.stdout().contains("leftovers     1 socket file of processes that are gone: " + second),
                doctor::toString);
        assertTrue(doctor.stdout().contains("1 removed since by the unix self-test's server"), doctor::toString);
        assertFalse(doctor.stdout().contains("warning:"), doctor::toString);
        assertEquals(List.of(), socketFiles(), doctor::toString);
    }

    @Test
    void doctorLeavesTheSocketOfARunningServer(@TempDir Path in) throws Exception {
        Map<String, String> environment = runtimeDirectory();
        Path capture = in.resolve("in.pcap");
        Files.write(capture, capture(3));
        Cli.Running serve = start(environment, "serve", "--pcap", capture.toString());
        serve.awaitStdout("unix://");
        Cli.Result clean = Cli.run(Cli.command("doctor", "--clean"), null, environment);
        assertTrue(clean.stdout().contains("leftovers     none"), clean::toString);
        assertEquals(1, socketFiles().size(), clean::toString);
        Cli.signal(serve.process.pid(), "TERM");
        assertNotEquals(0, serve.finish().exitCode());
    }

    /** A capture cut in the middle of its last packet. */
    private Path cutCapture() throws IOException {
        byte[] whole = capture(10);
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 50));
        return cut;
    }

    @Test
    void serveSendsEveryIntactPacketOfACutCaptureThenFails() throws Exception {
        Map<String, String> environment = runtimeDirectory();
        Path cut = cutCapture();
        Cli.Running serve = start(environment, "serve", "--pcap", cut.toString());
        String name = serve.awaitStdout("unix://");
        Path out = dir.resolve("out.pcap");
        Cli.Result receive = Cli.run(Cli.command("receive", name, "--out", out.toString()), null, environment);
        // The receiver hears that the stream was cut (no end of stream), and keeps the intact packets in FILE.part.
        assertEquals(1, receive.exitCode(), receive::toString);
        assertFalse(Files.exists(out), receive::toString);
        Path part = dir.resolve("out.pcap.part");
        assertEquals(9, read(part).size(), receive::toString);
        assertTrue(receive.stderr().contains(part + " holds the 9 packets received before it"), receive::toString);
        Cli.Result result = serve.finish();
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(
                result.stderr()
                        .contains("packet-ipc serve: error: " + cut + ": at byte offset " + (24 + 9 * 116)
                                + ": truncated: a packet claims 100 captured bytes, but only 50 bytes are left in the"
                                + " file; sent the 9 intact packets before it, then closed the stream without its"
                                + " end, so the receiver sees it cut"),
                result::toString);
    }
}
