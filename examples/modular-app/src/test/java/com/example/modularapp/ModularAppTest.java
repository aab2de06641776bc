package com.example.modularapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the modular application as its README says: the server and the client in two JVMs, both on the module path
 * ({@code java -p target/classes:<its run-time jars> -m com.example.modularapp/...}), with exactly the flags the
 * README lists, and nothing on standard error: no warning, no start-up noise.
 */
class ModularAppTest {
    private static final int FEATURE = Runtime.version().feature();

    /** JDK 22 and later warn when a module calls native code without this (junixsocket, and JNA for both). */
    private static final List<String> NATIVE_ACCESS =
            FEATURE >= 22 ? List.of("--enable-native-access=org.newsclub.net.unix,com.sun.jna") : List.of();

    /** What Chronicle Queue needs on the module path; the same list as the README's. */
    private static List<String> shmFlags() {
        List<String> flags = new ArrayList<>(List.of(
                "--add-opens=java.base/java.lang.reflect=chronicle.core",
                "--add-exports=java.base/sun.nio.ch=chronicle.core",
                "--add-exports=java.base/jdk.internal.ref=chronicle.core"));
        if (FEATURE >= 24) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }

    @BeforeAll
    static void unixOnly() {
        assumeFalse(
                System.getProperty("os.name").startsWith("Windows"),
                "the application is run with the unix and shm transports, which need Linux or macOS");
    }

    @Test
    @Timeout(180)
    void unixOnTheModulePath(@TempDir Path dir) throws Exception {
        runBoth("unix", NATIVE_ACCESS, dir);
    }

    @Test
    @Timeout(180)
    void shmOnTheModulePathWithTheDocumentedFlags(@TempDir Path dir) throws Exception {
        List<String> flags = new ArrayList<>(NATIVE_ACCESS);
        flags.addAll(shmFlags());
        runBoth("shm", flags, dir);
    }

    @Test
    @Timeout(120)
    void shmWithoutTheFlagsSaysWhichToAddOnce(@TempDir Path dir) throws Exception {
        Run server = start(NATIVE_ACCESS, dir, "server", ModularServer.class, "shm", "10");
        assertTrue(server.process.waitFor(60, TimeUnit.SECONDS), "the server did not give up within 60 s");
        assertNotEquals(0, server.process.exitValue());
        String firstLine = server.stderr().get(0);
        for (String flag : shmFlags()) {
            int at = firstLine.indexOf(flag);
            assertTrue(at >= 0, "the message names " + flag + ": " + firstLine);
            assertEquals(-1, firstLine.indexOf(flag, at + 1), "the message names " + flag + " once: " + firstLine);
        }
        assertTrue(firstLine.contains("module path"), firstLine);
        assertTrue(!firstLine.contains("to the class path"), "shm is there; no jar to add: " + firstLine);
    }

    private static void runBoth(String transport, List<String> flags, Path dir) throws Exception {
        Run server = start(flags, dir, "server", ModularServer.class, transport, "3000");
        try {
            String name = server.awaitFirstLine(60);
            assertTrue(name.startsWith(transport + "://"), "the server's first line is its name: " + name);
            Run client = start(flags, dir, "client", ModularClient.class, name);
            try {
                assertTrue(client.process.waitFor(90, TimeUnit.SECONDS), "the client did not finish in 90 s");
                assertTrue(server.process.waitFor(30, TimeUnit.SECONDS), "the server did not finish after its client");
                assertEquals(0, client.process.exitValue(), "client failed: " + client.stderr());
                assertEquals(0, server.process.exitValue(), "server failed: " + server.stderr());
                List<String> sent = server.stdout();
                assertEquals(2, sent.size(), "server output: " + sent);
                assertTrue(sent.get(1).startsWith("sent 3000 packets"), sent.get(1));
                assertEquals(List.of(sent.get(1).replace("sent ", "received ")), client.stdout());
                assertEquals(List.of(), server.stderr(), "the server printed to standard error");
                assertEquals(List.of(), client.stderr(), "the client printed to standard error");
            } finally {
                client.process.destroyForcibly();
            }
        } finally {
            server.process.destroyForcibly();
        }
    }

    /** A JVM on the module path; its output goes to files, read once it has exited or printed. */
    private static final class Run {
        final Process process;
        final Path out;
        final Path err;

        Run(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        String awaitFirstLine(int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                List<String> lines = stdout();
                if (!lines.isEmpty()) {
                    return lines.get(0);
                }
                if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                    List<String> last = stdout();
                    assertTrue(!last.isEmpty(), "exited with " + process.exitValue() + ": " + stderr());
                    return last.get(0);
                }
            }
            throw new AssertionError("nothing printed within " + seconds + " s; standard error: " + stderr());
        }

        List<String> stdout() throws IOException {
            return complete(out);
        }

        List<String> stderr() throws IOException {
            return complete(err);
        }

        /** Whole lines only: a line still being written is left out. */
        private static List<String> complete(Path file) throws IOException {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
        }
    }

    private static Run start(List<String> flags, Path dir, String role, Class<?> main, String... arguments)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add("--module-path");
        command.add(System.getProperty("modularapp.classes")
                + File.pathSeparator
                + Files.readString(Path.of(System.getProperty("modularapp.modules")), StandardCharsets.UTF_8)
                        .trim());
        command.add("--module");
        command.add("com.example.modularapp/" + main.getName());
        command.addAll(List.of(arguments));
        Path out = dir.resolve(role + ".out");
        Path err = dir.resolve(role + ".err");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        return new Run(process, out, err);
    }
}
