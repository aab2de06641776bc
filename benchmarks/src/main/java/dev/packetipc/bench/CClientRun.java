package dev.packetipc.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The {@code c-client} contender (issue 16): the C library's {@code packet-ipc-cat --quiet --stats} receiving from
 * our Java Unix server. The C program reports only at the end of the stream ({@code STATS <packets> <bytes> <ns from
 * the first packet to END>}), so it cannot take part in the windowed measurement of the other contenders: the server
 * (in the harness's JVM, through the same {@link PacketIpcMedium} send path as the {@code unix} rows) sends the
 * workload's batches for the warm-up plus all windows, then the end, and the row's one figure is packets over the
 * C client's time from the first packet to the end (warm-up included). The C client reads lengths only ({@code
 * --consume none}'s work) and receives up to 4096 packets per call, as the Java client's {@code poll}.
 *
 * <p>It is built with {@code make -C native} into a temporary directory the first time a run needs it; without a C
 * compiler, {@code make}, Linux or the {@code native/} sources, its rows are skipped with the reason.
 */
final class CClientRun {
    /** Packets per receive call, as the Java client's {@code poll}. */
    static final int RECEIVE_BATCH = 4096;

    private static final long BUILD_SECONDS = 300;
    private static final long END_SECONDS = 120;

    /** The built program, or why there is none; found once per JVM. */
    private static Path program;

    private static String unavailable;

    private CClientRun() {}

    /** Measures one workload, or says why it could not. */
    static Result run(Contender contender, Workload workload, Timing timing) {
        if (!workload.isThroughput() || workload.clients() != 1) {
            return Result.without(
                    contender,
                    workload,
                    Result.Status.SKIPPED,
                    "packet-ipc-cat only receives, one client: throughput with --clients 1 only");
        }
        if (workload.consume() == Consume.Mode.VERIFY) {
            return Result.without(
                    contender,
                    workload,
                    Result.Status.SKIPPED,
                    "packet-ipc-cat --quiet checks nothing; the native module's interop tests verify every packet");
        }
        Path cat;
        try {
            cat = program();
        } catch (IOException e) {
            return Result.without(contender, workload, Result.Status.FAILED, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.without(contender, workload, Result.Status.FAILED, "interrupted while building");
        }
        if (cat == null) {
            return Result.without(contender, workload, Result.Status.SKIPPED, unavailable);
        }
        try {
            return measure(contender, workload, timing, cat);
        } catch (Exception e) {
            return Result.without(contender, workload, Result.Status.FAILED, ChildOutput.oneLine(e));
        }
    }

    private static Result measure(Contender contender, Workload workload, Timing timing, Path cat) throws Exception {
        try (PacketIpcMedium medium = new PacketIpcMedium("unix", PacketIpcMedium.ReceivePath.POLL, Wait.BLOCK);
                Listener listener = medium.listen(workload)) {
            Process process = new ProcessBuilder(
                            cat.toString(),
                            "--quiet",
                            "--stats",
                            "--batch",
                            Integer.toString(RECEIVE_BATCH),
                            listener.address())
                    .redirectErrorStream(true)
                    .start();
            try {
                Batch batch = ServerRole.batch(workload, workload.batch());
                try (Outbound outbound = listener.accept(0)) {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timing.totalMillis());
                    while (System.nanoTime() < until) {
                        batch.stamp();
                        outbound.send(batch);
                    }
                    outbound.end();
                }
                if (!process.waitFor(END_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(
                            "packet-ipc-cat did not exit within " + END_SECONDS + " s of the" + " end of the stream");
                }
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                long[] stats = parseStats(output);
                if (process.exitValue() != 0 || stats == null) {
                    throw new IllegalStateException("packet-ipc-cat exited with " + process.exitValue() + ": "
                            + output.strip().replace('\n', ' '));
                }
                double seconds = stats[2] / 1e9;
                return Result.throughput(
                        contender,
                        workload,
                        stats[0] / seconds,
                        stats[1] / seconds,
                        "one figure: first packet to END, warm-up included; lengths only");
            } finally {
                process.destroyForcibly();
            }
        }
    }

    /** {@code STATS <packets> <bytes> <ns>} from the program's output, or null when it has none (or 0 ns). */
    static long[] parseStats(String output) {
        for (String line : output.split("\\R")) {
            String[] words = line.trim().split(" ");
            if (words.length == 4 && words[0].equals("STATS")) {
                try {
                    long[] stats = {Long.parseLong(words[1]), Long.parseLong(words[2]), Long.parseLong(words[3])};
                    return stats[2] > 0 ? stats : null;
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** packet-ipc-cat, built on first use; null (with {@link #unavailable} set) where it cannot be built here. */
    static synchronized Path program() throws IOException, InterruptedException {
        if (program != null || unavailable != null) {
            return program;
        }
        String why = missingToolchain();
        Path sources = why == null ? nativeSources() : null;
        if (why == null && sources == null) {
            why = "the C sources (native/Makefile) were not found: run from the repository, or pass"
                    + " -Dpacketipc.native.dir=DIR";
        }
        if (why != null) {
            unavailable = why;
            return null;
        }
        Path build = Files.createTempDirectory("packet-ipc-c-build");
        List<String> command = List.of(
                "make",
                "-C",
                sources.toString(),
                "BUILD=" + build,
                "CC=" + compiler(),
                build.resolve("packet-ipc-cat").toString());
        Process make = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!make.waitFor(BUILD_SECONDS, TimeUnit.SECONDS)) {
            make.destroyForcibly();
            throw new IOException("make did not finish within " + BUILD_SECONDS + " s: " + String.join(" ", command));
        }
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (make.exitValue() != 0) {
            throw new IOException("building packet-ipc-cat failed: " + String.join(" ", command) + ": "
                    + output.strip().replace('\n', ' '));
        }
        program = build.resolve("packet-ipc-cat");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(build), "packet-ipc-bench-c-build-cleanup"));
        return program;
    }

    /** Removes the build directory at exit; what cannot be removed stays (it is in the temporary directory). */
    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }

    /** Why C cannot be built here (not Linux, no compiler, no make), or null. */
    static String missingToolchain() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "the C library is Linux only; this is " + System.getProperty("os.name");
        }
        if (compiler() == null) {
            return "no C compiler ($CC, gcc or cc) on the PATH (Debian: apt-get install gcc make)";
        }
        if (onPath("make") == null) {
            return "no make on the PATH (Debian: apt-get install make)";
        }
        return null;
    }

    /** {@code $CC}, else gcc, else cc, when it is on the PATH (or an absolute path that runs). */
    static String compiler() {
        String cc = System.getenv("CC");
        List<String> candidates = new ArrayList<>();
        if (cc != null && !cc.isBlank()) {
            candidates.add(cc.trim());
        }
        candidates.add("gcc");
        candidates.add("cc");
        for (String candidate : candidates) {
            Path found = candidate.contains("/") ? Path.of(candidate) : onPath(candidate);
            if (found != null && Files.isExecutable(found)) {
                return found.toString();
            }
        }
        return null;
    }

    private static Path onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool);
            }
        }
        return null;
    }

    /**
     * The {@code native/} directory: {@code -Dpacketipc.native.dir}, else found from the working directory or the
     * harness's own location upwards (the repository's {@code benchmarks/target/...}).
     */
    static Path nativeSources() {
        String given = System.getProperty("packetipc.native.dir");
        if (given != null) {
            Path dir = Path.of(given);
            return Files.isRegularFile(dir.resolve("Makefile")) ? dir.toAbsolutePath() : null;
        }
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of(System.getProperty("user.dir")).toAbsolutePath());
        try {
            starts.add(Path.of(CClientRun.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath());
        } catch (Exception e) {
            // no location: the working directory alone
        }
        for (Path start : starts) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("native");
                if (Files.isRegularFile(candidate.resolve("Makefile"))
                        && Files.isRegularFile(candidate.resolve("tools").resolve("packet-ipc-cat.c"))) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
