package dev.packetipc.nativeinterop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The C library's own tests (tests/test_native.c: golden encodings, hostile frames and regions from a raw peer, the
 * ring's rules, a C server to a C client), built with -Wall -Wextra -Werror, once plain and once with
 * AddressSanitizer and UndefinedBehaviorSanitizer.
 */
@Timeout(300)
class CLibraryTest {
    @Test
    void cTestsPassBuiltWithWarningsAsErrors() throws Exception {
        run(NativeBuild.binaries(false));
    }

    @Test
    void cTestsPassUnderAddressAndUndefinedBehaviorSanitizers() throws Exception {
        run(NativeBuild.binaries(true));
    }

    private static void run(Path bin) throws Exception {
        try (NativeProcess tests = NativeProcess.start(bin, "test_native", List.of())) {
            assertEquals(0, tests.awaitExit(Duration.ofSeconds(120)), tests::describe);
        }
    }
}
