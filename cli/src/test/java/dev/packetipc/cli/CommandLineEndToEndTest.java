package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command's conventions: help, version, exit codes 0/1/2, one-line errors, the launcher script. */
class CommandLineEndToEndTest {
    @Test
    void versionNamesTheProjectAndTheJvm() throws Exception {
        Cli.Result result = Cli.run("--version");
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().startsWith("packet-ipc 0."), result::toString);
        assertTrue(result.stdout().contains("Java " + System.getProperty("java.version")), result::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "demo", "serve", "receive", "doctor", "bench"})
    void everyCommandHasHelp(String command) throws Exception {
        List<String> arguments = new ArrayList<>();
        if (!command.isEmpty()) {
            arguments.add(command);
        }
        arguments.add("--help");
        Cli.Result result = Cli.run(arguments.toArray(new String[0]));
        assertEquals(0, result.exitCode(), result::toString);
        String usage = "Usage: packet-ipc" + (command.isEmpty() ? "" : " " + command);
        assertTrue(result.stdout().startsWith(usage), result::toString);
        assertEquals("", result.stderr(), result::toString);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "nosuchcommand",
                "demo --bogus",
                "demo --packets many",
                "demo --batch 0",
                "serve",
                "receive",
                "receive unix:///x --out f --linktype 70000",
                "receive unix:///x --out f --format csv"
            })
    void usageErrorsExitWithTwoAndOneLineOnStderr(String line) throws Exception {
        Cli.Result result = Cli.run(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.stderrLines().size(), result::toString);
        assertTrue(result.stderr().contains("usage error"), result::toString);
        assertTrue(result.stderr().contains("--help"), result::toString);
    }

    @Test
    void failuresAreOneLineWithoutAStackTraceUnlessVerbose(@TempDir Path dir) throws Exception {
        String missing = dir.resolve("missing.pcap").toString();
        Cli.Result quiet = Cli.run("serve", "--pcap", missing);
        assertEquals(1, quiet.exitCode(), quiet::toString);
        assertEquals(
                List.of("packet-ipc serve: error: no such file: " + missing), quiet.stderrLines(), quiet::toString);

        Cli.Result verbose = Cli.run("serve", "--pcap", missing, "--verbose");
        assertEquals(1, verbose.exitCode(), verbose::toString);
        assertTrue(verbose.stderr().contains("\tat dev.packetipc.cli."), verbose::toString);
    }

    @Test
    void receivingFromAServerThatIsNotThereFailsInOneLine(@TempDir Path dir) throws Exception {
        Cli.Result result = Cli.run(
                "receive",
                "unix://" + dir.resolve("nobody.sock"),
                "--out",
                dir.resolve("out.pcap").toString());
        assertEquals(1, result.exitCode(), result::toString);
        assertEquals(1, result.stderrLines().size(), result::toString);
        assertTrue(result.stderr().contains("no server at"), result::toString);
        assertFalse(result.stderr().contains("\tat "), result::toString);
    }

    @Test
    void benchInTheJarSaysWhereTheHarnessIs() throws Exception {
        Cli.Result result = Cli.run("bench");
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("bin/packet-ipc bench"), result::toString);
    }

    @Test
    void theLauncherScriptRunsTheBuiltJar() throws Exception {
        Path root = Path.of(System.getProperty("packetipc.repo.root", ".."))
                .toAbsolutePath()
                .normalize();
        Path script = root.resolve("bin/packet-ipc");
        assumeTrue(Files.isRegularFile(script), "no launcher at " + script);
        assumeTrue(
                Files.isExecutable(Path.of("/bin/sh")), "SKIPPED: no /bin/sh here (the .cmd launcher is for Windows)");
        assumeTrue(
                Cli.jar().equals(root.resolve("cli/target/packet-ipc.jar").toAbsolutePath()),
                "the jar under test is not the one the launcher runs");
        Cli.Result result = Cli.run(
                List.of("/bin/sh", script.toString(), "--version"),
                null,
                Map.of("JAVA_HOME", System.getProperty("java.home")));
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().contains("Java " + System.getProperty("java.version")), result::toString);
    }

    /** The launcher script in a copy of the repository's layout, with {@code mvnw} replaced by {@code fakeMvnw}. */
    private static Path fakeRoot(Path dir, String fakeMvnw) throws Exception {
        Path root = Path.of(System.getProperty("packetipc.repo.root", ".."))
                .toAbsolutePath()
                .normalize();
        Path script = root.resolve("bin/packet-ipc");
        assumeTrue(Files.isRegularFile(script), "no launcher at " + script);
        assumeTrue(
                Files.isExecutable(Path.of("/bin/sh")), "SKIPPED: no /bin/sh here (the .cmd launcher is for Windows)");
        Path fake = dir.resolve("repo");
        Files.createDirectories(fake.resolve("bin"));
        Files.copy(script, fake.resolve("bin/packet-ipc"));
        Path mvnw = Files.writeString(fake.resolve("mvnw"), fakeMvnw);
        assertTrue(mvnw.toFile().setExecutable(true));
        return fake;
    }

    /**
     * A stand-in for the Maven wrapper: records its arguments, prints what Maven prints (with the colour resets
     * Maven writes when its output is a terminal, and only then) unless -q, and builds the jar by copying the real
     * one.
     */
    private static String fakeMaven(Path jar) {
        return String.join(
                "\n",
                "#!/bin/sh",
                "echo \"$*\" >> \"$(dirname \"$0\")/mvnw.calls\"",
                "case \" $* \" in *\" -q \"*) quiet=1 ;; *) quiet= ;; esac",
                "say() { [ -n \"$quiet\" ] || printf '%s\\n' \"$1\"; }",
                "[ -t 1 ] && printf '\\033[0m'",
                "say '[INFO] Scanning for projects...'",
                "say '[INFO] Building packet-ipc API 0.1.0-SNAPSHOT                             [1/2]'",
                "say '[INFO] Building packet-ipc command line 0.1.0-SNAPSHOT                    [2/2]'",
                "mkdir -p cli/target && cp '" + jar + "' cli/target/packet-ipc.jar",
                "say '[INFO] BUILD SUCCESS'",
                "[ -t 1 ] && printf '\\033[0m'",
                "exit 0",
                "");
    }

    @Test
    void theLauncherShowsTheBuildsProgressWithoutEscapeCodes(@TempDir Path dir) throws Exception {
        Path root = fakeRoot(dir, fakeMaven(Cli.jar()));
        List<String> command = List.of("/bin/sh", root.resolve("bin/packet-ipc").toString(), "--version");
        // At a terminal where the system has one to offer (script(1)), as a user sees it; else through pipes.
        boolean terminal = Files.isExecutable(Path.of("/usr/bin/script"));
        if (terminal) {
            command = List.of("/usr/bin/script", "-qec", String.join(" ", command), "/dev/null");
        }
        Cli.Result result = Cli.run(command, null, Map.of("JAVA_HOME", System.getProperty("java.home")));
        assertEquals(0, result.exitCode(), result::toString);
        String all = result.stdout() + result.stderr();
        assertTrue(all.contains("packet-ipc: building " + root.resolve("cli/target/packet-ipc.jar")), result::toString);
        assertTrue(all.contains("packet-ipc:   [1/2] packet-ipc API"), result::toString);
        assertTrue(all.contains("packet-ipc:   [2/2] packet-ipc command line"), result::toString);
        assertTrue(all.contains("packet-ipc: built "), result::toString);
        assertFalse(all.contains("\u001b"), "no escape codes: " + result);
        assertFalse(all.contains("[INFO]"), "only the progress, not Maven's log: " + result);
        assertTrue(all.contains("Java " + System.getProperty("java.version")), result::toString);
    }

    @Test
    void aFailedBuildShowsItsErrorsAndKeepsItsLog(@TempDir Path dir) throws Exception {
        Path root = fakeRoot(
                dir,
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "echo '[INFO] Building packet-ipc API 0.1.0-SNAPSHOT [1/2]'",
                        "echo '[ERROR] COMPILATION ERROR: something is broken'",
                        "exit 1",
                        ""));
        Cli.Result result = Cli.run(
                List.of("/bin/sh", root.resolve("bin/packet-ipc").toString(), "--version"),
                null,
                Map.of("JAVA_HOME", System.getProperty("java.home"), "TMPDIR", dir.toString()));
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(
                result.stderr()
                        .contains("packet-ipc: error: the build failed (exit code 1); its errors:\n"
                                + "[ERROR] COMPILATION ERROR: something is broken\n"),
                result::toString);
        assertTrue(result.stderr().contains("packet-ipc: the whole log is in " + dir), result::toString);
    }

    @Test
    void benchHelpBuildsNothing(@TempDir Path dir) throws Exception {
        Path root = fakeRoot(dir, fakeMaven(Cli.jar()));
        Cli.Result result = Cli.run(
                List.of("/bin/sh", root.resolve("bin/packet-ipc").toString(), "bench", "--help"),
                null,
                Map.of("JAVA_HOME", System.getProperty("java.home")));
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().startsWith("Usage: packet-ipc bench"), result::toString);
        assertTrue(result.stdout().contains("--quick"), result::toString);
        assertEquals("", result.stderr(), result::toString);
        assertFalse(Files.exists(root.resolve("mvnw.calls")), "the build ran: " + result);
    }
}
