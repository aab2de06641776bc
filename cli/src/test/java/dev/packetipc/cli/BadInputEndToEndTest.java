package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.cli.pcap.CaptureWriter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the command says to wrong input: in its own words (no Java API names, ISO durations, protocol codes or
 * exception class names), with the right exit code, and the transports as a short table.
 */
class BadInputEndToEndTest {
    /** Words of the Java API that a one-line error of the command must not contain. */
    private static final Pattern API_WORDS =
            Pattern.compile("Server\\.name\\(\\)|IpcOptions\\.|\\bPT\\d|reason=|Exception\\b|dev\\.packetipc\\.");

    /** One line of the table of transports. */
    private static final Pattern TABLE_LINE =
            Pattern.compile("  [a-z0-9-]+ +(available|not available: .+|failed to load: .+)");

    @TempDir
    Path dir;

    private static void assertInTheCommandsWords(Cli.Result result) {
        assertFalse(API_WORDS.matcher(result.stderr()).find(), result::toString);
        assertFalse(result.stderr().contains("\tat "), result::toString);
    }

    /** The error line, then the table: one short line per transport between processes, inprocess not among them. */
    private static void assertTable(Cli.Result result, String firstLine) {
        List<String> lines = result.stderrLines();
        assertEquals(firstLine, lines.get(0), result::toString);
        assertTrue(lines.size() >= 2, result::toString);
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(TABLE_LINE.matcher(line).matches(), () -> "not a table line: '" + line + "' in " + result);
            assertTrue(line.length() <= 100, () -> "a long line: '" + line + "' in " + result);
        }
        assertTrue(
                lines.contains("  unix       available") || lines.stream().anyMatch(l -> l.startsWith("  pipe")),
                result::toString);
        assertFalse(result.stderr().contains("inprocess"), result::toString);
        assertFalse(result.stderr().contains("packet-ipc-transport-"), "suggests no artifact: " + result);
        assertInTheCommandsWords(result);
    }

    @Test
    void anUnknownTransportIsAUsageErrorWithTheTableOfTransports() throws Exception {
        Cli.Result result = Cli.run("demo", "--transport", "nosuch");
        assertEquals(2, result.exitCode(), result::toString);
        assertTable(
                result,
                "packet-ipc demo: usage error: no transport has the id 'nosuch'; the transports here (pick one with"
                        + " --transport):");
    }

    @Test
    void anUnknownTransportFromTheEnvironmentSaysWhereItCameFrom() throws Exception {
        Cli.Result result =
                Cli.run(Cli.command("serve", "--pcap", "x.pcap"), null, Map.of("PACKETIPC_TRANSPORT", "nosuch"));
        assertEquals(2, result.exitCode(), result::toString);
        assertTable(
                result,
                "packet-ipc serve: usage error: no transport has the id 'nosuch' (PACKETIPC_TRANSPORT); the transports"
                        + " here (pick one with --transport):");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "serve"})
    void theInProcessTransportIsNotOfferedToTheCommands(String command) throws Exception {
        Cli.Result result = Cli.run(
                command,
                "--transport",
                "inprocess",
                "--pcap",
                dir.resolve("x.pcap").toString());
        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(
                "packet-ipc " + command + ": usage error: the 'inprocess' transport works within one JVM only (it is"
                        + " for tests); this command needs one between processes (pick one with --transport):",
                result.stderrLines().get(0),
                result::toString);
    }

    @Test
    void aTransportThatCannotRunHereIsOneShortLineAndTheTable() throws Exception {
        String other = System.getProperty("os.name").startsWith("Windows") ? "unix" : "pipe";
        Cli.Result result = Cli.run("demo", "--transport", other);
        assertEquals(1, result.exitCode(), result::toString);
        List<String> lines = result.stderrLines();
        assertEquals(
                "packet-ipc demo: error: the transport '" + other + "' cannot run here",
                lines.get(0),
                result::toString);
        assertEquals("the transports here (pick one with --transport):", lines.get(1), result::toString);
        for (String line : lines.subList(2, lines.size())) {
            assertTrue(TABLE_LINE.matcher(line).matches(), () -> "not a table line: '" + line + "' in " + result);
        }
        assertInTheCommandsWords(result);
    }

    @Test
    void aBadServerNameIsAUsageError() throws Exception {
        Path capture = capture(dir.resolve("in.pcap"));
        Cli.Result serve = Cli.run("serve", "--pcap", capture.toString(), "--name", "a/../b");
        assertEquals(2, serve.exitCode(), serve::toString);
        assertEquals(1, serve.stderrLines().size(), serve::toString);
        assertTrue(serve.stderr().startsWith("packet-ipc serve: usage error: --name: "), serve::toString);
        assertInTheCommandsWords(serve);

        Cli.Result noScheme =
                Cli.run("receive", "thing", "--out", dir.resolve("o.pcap").toString());
        assertEquals(2, noScheme.exitCode(), noScheme::toString);
        assertEquals(1, noScheme.stderrLines().size(), noScheme::toString);
        assertTrue(noScheme.stderr().contains("'thing' is not a packet-ipc server name"), noScheme::toString);
        assertTrue(noScheme.stderr().contains("exactly the name the server printed"), noScheme::toString);
        assertInTheCommandsWords(noScheme);

        Cli.Result unknownScheme =
                Cli.run("receive", "bogus:thing", "--out", dir.resolve("o.pcap").toString());
        assertEquals(2, unknownScheme.exitCode(), unknownScheme::toString);
        assertEquals(
                List.of("packet-ipc receive: usage error: no transport here handles names of the scheme 'bogus'"
                        + " (bogus:thing); pass the name 'packet-ipc serve' printed, such as unix:///path/to/socket"
                        + " (see 'packet-ipc receive --help')"),
                unknownScheme.stderrLines(),
                unknownScheme::toString);
        assertFalse(Files.exists(dir.resolve("o.pcap")), unknownScheme::toString);
    }

    @Test
    void aRegularFileIsNotAStaleSocket() throws Exception {
        Path regular = Files.writeString(dir.resolve("notes.txt"), "not a socket");
        Cli.Result receive = Cli.run(
                "receive", "unix://" + regular, "--out", dir.resolve("o.pcap").toString());
        assertEquals(1, receive.exitCode(), receive::toString);
        assertEquals(
                List.of("packet-ipc receive: error: " + regular + " is a regular file, not a server's socket: no"
                        + " server listens there; pass the name 'packet-ipc serve' printed"),
                receive.stderrLines(),
                receive::toString);

        Path capture = capture(dir.resolve("in.pcap"));
        Cli.Result serve = Cli.run("serve", "--pcap", capture.toString(), "--name", regular.toString());
        assertEquals(1, serve.exitCode(), serve::toString);
        assertEquals(1, serve.stderrLines().size(), serve::toString);
        assertTrue(serve.stderr().contains(regular.toString()), serve::toString);
        assertFalse(serve.stderr().contains("stale"), serve::toString);
        assertTrue(serve.stderr().contains("--name"), serve::toString);
        assertInTheCommandsWords(serve);
        assertEquals("not a socket", Files.readString(regular), "the file is left alone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "demo"})
    void aDirectoryIsNotACaptureAndNotMissing(String command) throws Exception {
        Cli.Result result = Cli.run(command, "--pcap", dir.toString());
        assertEquals(1, result.exitCode(), result::toString);
        assertEquals(
                List.of("packet-ipc " + command + ": error: " + dir + ": is a directory, not a capture file"),
                result.stderrLines(),
                result::toString);
    }

    @Test
    void anOutputDirectoryIsAUsageError() throws Exception {
        Cli.Result result = Cli.run("receive", "unix:///nowhere.sock", "--out", dir.toString());
        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("--out " + dir + " is a directory"), result::toString);
    }

    @Test
    void aTimeoutIsInSecondsAndVerboseKeepsTheLibrarysWords() throws Exception {
        Path capture = capture(dir.resolve("in.pcap"));
        Cli.Result result = Cli.run("serve", "--pcap", capture.toString(), "--accept-timeout", "1");
        assertEquals(1, result.exitCode(), result::toString);
        String last = result.stderrLines().get(result.stderrLines().size() - 1);
        assertTrue(last.startsWith("packet-ipc serve: error: no client connected to unix://"), result::toString);
        assertTrue(last.contains(" within 1 s; "), result::toString);
        assertInTheCommandsWords(result);

        Cli.Result verbose = Cli.run("serve", "--pcap", capture.toString(), "--accept-timeout", "1", "--verbose");
        assertEquals(1, verbose.exitCode(), verbose::toString);
        assertTrue(verbose.stderr().contains("within PT1S"), verbose::toString);
        assertTrue(verbose.stderr().contains("\tat "), verbose::toString);
    }

    @Test
    void aSecondClientOfServeIsToldItServesOneClient() throws Exception {
        Path runtime = Files.createDirectories(dir.resolve("rt"));
        Map<String, String> environment = Map.of("XDG_RUNTIME_DIR", runtime.toString());
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (CaptureWriter writer = CaptureWriter.create("pcap", header, 1)) {
            writer.write(1L, ByteBuffer.wrap(new byte[10]));
        }
        Cli.Running serve = new Cli.Running(Cli.start(Cli.command("serve", "--pcap", "-"), null, environment));
        OutputStream stdin = serve.process.getOutputStream();
        stdin.write(header.toByteArray());
        stdin.flush(); // left open: the serve streams to its client until the capture ends
        String name = serve.awaitStdout("unix://");
        Cli.Running first = new Cli.Running(Cli.start(
                Cli.command("receive", name, "--out", dir.resolve("1.pcap").toString()), null, environment));
        serve.awaitStderr("serve: a client connected");

        Path second = dir.resolve("2.pcap");
        Cli.Result refused = Cli.run(Cli.command("receive", name, "--out", second.toString()), null, environment);
        assertEquals(1, refused.exitCode(), refused::toString);
        assertEquals(1, refused.stderrLines().size(), refused::toString);
        assertTrue(
                refused.stderr()
                        .contains("a 'packet-ipc serve' streams to one client only, and may be serving"
                                + " another already (start one serve per client); nothing was written"),
                refused::toString);
        assertInTheCommandsWords(refused);
        assertFalse(Files.exists(second), refused::toString);
        assertFalse(Files.exists(dir.resolve("2.pcap.part")), refused::toString);
        serve.awaitStderr("serve: turned away another client: one 'packet-ipc serve' streams to one client");

        stdin.close();
        Cli.Result served = serve.finish();
        assertEquals(0, served.exitCode(), served::toString);
        Cli.Result received = first.finish();
        assertEquals(0, received.exitCode(), received::toString);
        assertTrue(received.stderr().contains("receive: wrote 1 packets to "), received::toString);
    }

    private static Path capture(Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file);
                CaptureWriter writer = CaptureWriter.create("pcap", out, 1)) {
            writer.write(1L, ByteBuffer.wrap(new byte[10]));
        }
        return file;
    }
}
