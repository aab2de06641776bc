package dev.packetipc.nativeinterop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds the C library and its programs with make, once per JVM and flavour, into {@code target/}. Tests that need a
 * build are skipped (JUnit assumption, with the reason) where there is no C compiler or make, or the system is not
 * Linux; a build that fails is a test failure.
 */
final class NativeBuild {
    /** How long one build may take. */
    private static final long BUILD_TIMEOUT_SECONDS = 300;

    private static final Map<Boolean, Path> BUILT = new HashMap<>();

    private NativeBuild() {}

    /** The folder of the C sources (the module's base directory). */
    static Path sourceDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
    }

    /**
     * The directory with libpacketipc.a, packet-ipc-cat, pipc-test-server and test_native, built with -Wall -Wextra
     * -Werror and, if {@code sanitize}, with AddressSanitizer and UndefinedBehaviorSanitizer.
     */
    static synchronized Path binaries(boolean sanitize) throws IOException, InterruptedException {
        Optional<String> missing = missingToolchain();
        assumeTrue(missing.isEmpty(), () -> "SKIPPED: " + missing.orElse(""));
        if (sanitize) {
            Optional<String> noSanitizers = sanitizersMissing();
            assumeTrue(noSanitizers.isEmpty(), () -> "SKIPPED: " + noSanitizers.orElse(""));
        }
        Path built = BUILT.get(sanitize);
        if (built != null) {
            return built;
        }
        Path dir = sourceDir().resolve("target").resolve(sanitize ? "c-build-asan" : "c-build");
        List<String> command = new ArrayList<>(List.of(
                "make",
                "-C",
                sourceDir().toString(),
                "-j2",
                "BUILD=" + dir,
                "SANITIZE=" + (sanitize ? 1 : 0),
                "CC=" + compiler().orElseThrow(),
                "all"));
        Process make = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        if (!make.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            make.destroyForcibly();
            throw new AssertionError("make did not finish within " + BUILD_TIMEOUT_SECONDS + " s: " + command);
        }
        output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, make.exitValue(), () -> "the C build failed: " + String.join(" ", command) + "\n" + output);
        BUILT.put(sanitize, dir);
        return dir;
    }

    /**
     * The build the interop tests run: with the sanitizers where the compiler can link them (gcc without libasan or
     * libubsan cannot), else the plain one.
     */
    static Path interopBinaries() throws IOException, InterruptedException {
        Optional<String> missing = missingToolchain();
        assumeTrue(missing.isEmpty(), () -> "SKIPPED: " + missing.orElse(""));
        return sanitizersMissing().isEmpty() ? binaries(true) : binaries(false);
    }

    private static Optional<String> sanitizerProbe;

    /** Why the compiler cannot build with AddressSanitizer and UBSan here, or empty if it can. */
    static synchronized Optional<String> sanitizersMissing() throws IOException, InterruptedException {
        if (sanitizerProbe == null) {
            Path dir = sourceDir().resolve("target").resolve("c-probe");
            Files.createDirectories(dir);
            Path source = dir.resolve("probe.c");
            Files.writeString(source, "int main(void) { return 0; }\n");
            Process cc = new ProcessBuilder(
                            compiler().orElseThrow(),
                            "-fsanitize=address,undefined",
                            "-o",
                            dir.resolve("probe").toString(),
                            source.toString())
                    .redirectErrorStream(true)
                    .start();
            boolean done = cc.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            sanitizerProbe = done && cc.exitValue() == 0
                    ? Optional.empty()
                    : Optional.of("the C compiler cannot build with -fsanitize=address,undefined here (libasan or"
                            + " libubsan missing?): " + output.strip());
            if (!done) {
                cc.destroyForcibly();
            }
        }
        return sanitizerProbe;
    }

    /** Why the C code cannot be built here, or empty if it can. */
    static Optional<String> missingToolchain() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.of(
                    "the C library is Linux only (memfd, SO_PEERCRED); this is " + System.getProperty("os.name"));
        }
        if (compiler().isEmpty()) {
            return Optional.of("no C compiler found (neither $CC, gcc nor cc on the PATH); install gcc to run the"
                    + " native interop tests (.ci/run does where it can)");
        }
        if (onPath("make").isEmpty()) {
            return Optional.of("make not found on the PATH; install make to run the native interop tests");
        }
        return Optional.empty();
    }

    private static Optional<String> compiler() {
        String cc = System.getenv("CC");
        if (cc != null
                && !cc.isBlank()
                && (cc.contains("/")
                        ? Files.isExecutable(Path.of(cc))
                        : onPath(cc).isPresent())) {
            return Optional.of(cc);
        }
        return onPath("gcc").or(() -> onPath("cc"));
    }

    private static Optional<String> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
                return Optional.of(Path.of(entry, program).toString());
            }
        }
        return Optional.empty();
    }

    /** The environment the sanitized programs run with: any finding ends the program with a report. */
    static Map<String, String> sanitizerEnvironment() {
        return Map.of(
                "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=86",
                "UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=87");
    }
}
