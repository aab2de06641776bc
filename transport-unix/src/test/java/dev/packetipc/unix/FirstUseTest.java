package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A new server loads, before {@code newServer} returns, what its first clients' handshakes need (JNA's binding of
 * {@code poll(2)}, the stream engine's handshake): in a storm of 64 client JVMs, loading JNA on the accepting thread at
 * the first client took 7.8 s, while every client behind it waited in the backlog with its connect time running. A
 * fresh child JVM starts a server with {@code -verbose:class}; the classes must be loaded before it says STARTED.
 */
@Timeout(120)
class FirstUseTest {
    @Test
    void aNewServerHasLoadedWhatItsFirstClientNeedsBeforeItReturns() throws Exception {
        Path log = Files.createTempFile("first-use-", ".log");
        try {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(TestJvms.nativeAccessFlags());
            command.addAll(List.of(
                    "-verbose:class",
                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                    "-Dpacketipc.runtime.dir=" + dev.packetipc.spi.RuntimeDirectory.path(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    UnixPeerMain.class.getName(),
                    "start-server"));
            Process child = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("the server JVM did not finish within 60 s");
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            String output = String.join("\n", lines);
            assertEquals(0, child.exitValue(), output);
            int started = indexOf(lines, "STARTED ");
            assertTrue(started >= 0, "the server did not start: " + output);
            for (String needed : new String[] {
                "dev.packetipc.unix.NativePoll$Binding ",
                "dev.packetipc.spi.stream.StreamEndpoints ",
                "com.sun.jna.Native "
            }) {
                int loaded = indexOf(lines, needed);
                assertTrue(
                        loaded >= 0 && loaded < started,
                        needed.trim() + " was loaded " + (loaded < 0 ? "never" : "only after the server started")
                                + ": its first client would wait for it");
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The first line that contains {@code text}, or -1. */
    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
