package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code packet-ipc doctor}: what it lists, and that its last line is exactly PASSED or FAILED. */
class DoctorEndToEndTest {
    @Test
    void listsEveryTransportAndTheRuntimeDirectoryAndPasses() throws Exception {
        Cli.Result result = Cli.run("doctor");
        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("doctor: PASSED", result.lastLine(), result::toString);
        String out = result.stdout();
        assertTrue(out.contains("  unix       available, priority 100"), result::toString);
        assertTrue(out.contains("self-test: one packet sent and received"), result::toString);
        assertTrue(out.contains("  inprocess  available, priority -1"), result::toString);
        assertTrue(out.contains("  shm        "), "shm is listed, found or not: " + result);
        assertTrue(out.contains("  pipe       not available: "), "pipe is found and says why not: " + result);
        // aeron: on the class path, never the default, available with Agrona's export (the jar's manifest gives it).
        assertTrue(out.contains("  aeron      available, priority -10"), result::toString);
        assertTrue(
                out.contains("JVM flag --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED: in effect"),
                result::toString);
        assertTrue(out.contains("default       unix"), result::toString);
        assertTrue(out.matches("(?s).*runtime dir   /\\S+: (exists|created), owner uid \\d+, rwx------.*"), out);
        // What the shm transport (Chronicle) will need: the jar's manifest and the launcher's flags provide it.
        for (String flag : List.of(
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED")) {
            assertTrue(out.contains("JVM flag " + flag + ": in effect"), result::toString);
        }
        if (Runtime.version().feature() >= 23) {
            assertTrue(out.contains("JVM flag --sun-misc-unsafe-memory-access=allow: in effect"), result::toString);
        }
        if (Runtime.version().feature() >= 22) {
            assertTrue(out.contains("JVM flag --enable-native-access=ALL-UNNAMED: in effect"), result::toString);
        }
    }

    @Test
    void namesAeronsMissingFlagAndTheFixWhenStartedWithoutTheManifest() throws Exception {
        // -cp ignores the manifest's Add-Exports: the aeron transport is then unavailable, and says what to add.
        Cli.Result result = Cli.run(
                List.of(Cli.java().toString(), "-cp", Cli.jar().toString(), "dev.packetipc.cli.Main", "doctor"),
                null,
                Map.of());
        String out = result.stdout();
        assertTrue(
                out.contains("  aeron      not available: Aeron's Agrona needs this JVM flag on JDK "
                        + Runtime.version().feature() + ": --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"),
                result::toString);
        assertTrue(
                out.contains("JVM flag --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED: MISSING"),
                result::toString);
    }

    @Test
    void failsWhenTheSelectedTransportDoesNotExist() throws Exception {
        Cli.Result result = Cli.run(Cli.command("doctor"), null, Map.of("PACKETIPC_TRANSPORT", "nosuch"));
        assertEquals(1, result.exitCode(), result::toString);
        assertEquals("doctor: FAILED", result.lastLine(), result::toString);
        assertTrue(result.stdout().contains("no transport has the id 'nosuch'"), result::toString);
    }
}
