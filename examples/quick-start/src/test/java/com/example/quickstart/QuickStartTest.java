package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the quick start as the README tells a user to: the server in one JVM, the client in another. */
class QuickStartTest {
    @Test
    @Timeout(120)
    void clientInAnotherProcessReceivesExactlyWhatTheServerSent() throws Exception {
        assumeFalse(
                System.getProperty("os.name").startsWith("Windows"),
                "the example depends on the unix transport, the default on Linux and macOS");
        Path serverErr = Files.createTempFile("quick-start-server", ".err");
        Path clientErr = Files.createTempFile("quick-start-client", ".err");
        Process server = java(QuickStartServer.class, "3000", serverErr);
        try (BufferedReader serverOut = reader(server)) {
            String name = serverOut.readLine();
            assertTrue(
                    name != null && name.startsWith("unix://"),
                    () -> "the server's first line is its name: " + name + "; its stderr: " + read(serverErr));
            Process client = java(QuickStartClient.class, name, clientErr);
            CompletableFuture<List<String>> clientOut = CompletableFuture.supplyAsync(() -> lines(client));
            assertTrue(client.waitFor(90, TimeUnit.SECONDS), "the client did not finish in 90 s");
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not finish in 30 s after its client");
            List<String> received = clientOut.get(10, TimeUnit.SECONDS);
            String sent = serverOut.readLine();
            assertEquals(0, client.exitValue(), () -> "client failed: " + received + " " + read(clientErr));
            assertEquals(0, server.exitValue(), () -> "server failed: " + sent + " " + read(serverErr));
            assertTrue(sent.startsWith("sent 3000 packets"), sent);
            assertEquals(List.of(sent.replace("sent ", "received ")), received);
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * The README's stopping recipe: SIGTERM to a server waiting for its client runs its shutdown hook, which closes
     * the server, so its socket file is gone when the process has exited (without the hook it stays for good).
     */
    @Test
    @Timeout(120)
    void aServerStoppedBySigtermLeavesNoSocketFile() throws Exception {
        assumeFalse(
                System.getProperty("os.name").startsWith("Windows"),
                "the example depends on the unix transport, the default on Linux and macOS");
        Path serverErr = Files.createTempFile("quick-start-server", ".err");
        Process server = java(QuickStartServer.class, "3000", serverErr);
        try (BufferedReader serverOut = reader(server)) {
            String name = serverOut.readLine();
            assertTrue(
                    name != null && name.startsWith("unix://"),
                    () -> "the server's first line is its name: " + name + "; its stderr: " + read(serverErr));
            Path socket = Path.of(java.net.URI.create(name).getPath());
            assertTrue(Files.exists(socket), "the server's socket file " + socket + " while it waits");
            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not stop within 30 s of SIGTERM");
            assertFalse(Files.exists(socket), () -> "SIGTERM left the socket file " + socket + "; " + read(serverErr));
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * A JVM running {@code main}. Its standard error goes to a file of its own: on JDK 22 and later the JVM warns there
     * about JNA's native access (see the README's start-up notes), and standard output must hold only the program's
     * lines.
     */
    private static Process java(Class<?> main, String argument, Path stderr) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22) {
            // What the README says to add on JDK 22 and later: junixsocket and JNA load native code, and without it
            // the JVM prints a warning before the server's name.
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add(main.getName());
        command.add(argument);
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()))
                .start();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static List<String> lines(Process process) {
        try (BufferedReader reader = reader(process)) {
            List<String> lines = new ArrayList<>();
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(line);
            }
            return lines;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
