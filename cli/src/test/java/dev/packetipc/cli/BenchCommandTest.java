package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.bench.Harness;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code packet-ipc bench} calls {@code dev.packetipc.bench.Harness.run} when it is on the class path. */
class BenchCommandTest {
    @Test
    void passesEveryArgumentToTheHarnessAndReturnsItsExitCode() {
        int exitCode = Main.run(new String[] {"bench", "--transport", "unix", "-f", "1", "extra"});
        assertEquals(7, exitCode);
        assertEquals(List.of("--transport", "unix", "-f", "1", "extra"), Harness.lastArguments);
    }
}
