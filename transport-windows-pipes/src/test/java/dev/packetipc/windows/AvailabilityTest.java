package dev.packetipc.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Off Windows the transport is unavailable with the cause "Windows only", refuses servers and clients with {@link
 * dev.packetipc.TransportUnavailableException}, and loads no JNA Windows class: a fresh child JVM runs {@link
 * AvailabilityProbe} with {@code -verbose:class}, and its class-loading log must name no {@code
 * com.sun.jna.platform.win32} class and none of ours that touch JNA.
 */
class AvailabilityTest {
    @Test
    void windowsIsRecognisedByItsOsName() {
        assertTrue(PipeAvailability.isWindows("Windows 11"));
        assertTrue(PipeAvailability.isWindows("Windows Server 2022"));
        assertFalse(PipeAvailability.isWindows("Linux"));
        assertFalse(PipeAvailability.isWindows("Mac OS X"));
    }

    @Test
    void offWindowsItIsUnavailableAndTouchesNoWindowsClass() throws Exception {
        assumeFalse(PipeAvailability.isWindows(System.getProperty("os.name")), "this checks the other systems");
        Path log = Files.createTempFile("probe-", ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(List.of(
                "-verbose:class",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp",
                System.getProperty("java.class.path"),
                AvailabilityProbe.class.getName()));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish within 60 s");
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Files.delete(log);
        String output = String.join("\n", lines);
        assertEquals(0, child.exitValue(), output);
        assertTrue(lines.contains("probe done"), output);
        assertTrue(lines.contains("available=false"), output);
        assertTrue(lines.stream().anyMatch(line -> line.startsWith("cause=Windows only")), output);
        assertTrue(lines.contains("newServer refused"), output);
        assertTrue(lines.contains("connect refused"), output);
        assertTrue( // the log is real: it shows the class that decided
                lines.stream().anyMatch(line -> line.contains("dev.packetipc.windows.PipeAvailability ")), output);
        List<String> windowsClasses = lines.stream()
                .filter(line -> line.contains("com.sun.jna.platform.win32")
                        || line.contains("dev.packetipc.windows.JnaWin32Pipes")
                        || line.contains("dev.packetipc.windows.Kernel32Extra"))
                .collect(Collectors.toList());
        assertEquals(List.of(), windowsClasses, "Windows classes were loaded off Windows");
    }
}
