package dev.packetipc.bench;

import dev.packetipc.PacketIpc;
import dev.packetipc.TransportStatus;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The cross-process harness behind {@code packet-ipc bench}: for every contender (our transports through the public
 * API, each with both receive paths and each wait strategy they have, and the baselines: raw junixsocket, the JDK's
 * Unix-domain channel, raw Chronicle Queue, Aeron IPC and a two-thread ring in one JVM) it starts a server JVM and
 * one client JVM per client, runs every workload (warm-up, then measured windows) with the same receiver work
 * ({@code --consume}), round after round in a shuffled order, and prints one table whose ratios are taken within each
 * round against the best peer of the same wait strategy. It writes {@code results.csv}, {@code results.json},
 * {@code results.md}, {@code windows.csv}, {@code idle.csv}, {@code hlog/*.hlog} and {@code throughput.png} to
 * {@code --out}.
 */
public final class Harness {
    private Harness() {}

    /** Runs the harness and exits with {@link #run(String[])}'s code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the harness (the CLI calls this by reflection).
     *
     * @param args see {@link HarnessOptions#USAGE} ({@code --help})
     * @return 0 when something was measured, 1 when nothing could be, 2 for a bad command line
     */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream progress) {
        HarnessOptions options;
        try {
            options = HarnessOptions.parse(args);
        } catch (IllegalArgumentException e) {
            progress.println(e.getMessage());
            return 2;
        }
        if (options.help) {
            out.println(HarnessOptions.USAGE);
            return 0;
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<Contender> contenders = contenders(options);
        List<Workload> workloads = workloads(options);
        List<Workload> verifyPass = new ArrayList<>(options.verifyPass ? verifyWorkloads(workloads) : List.of());
        if (options.openLoop && options.latency) {
            verifyPass.add(Workload.openLoop(64, options.rate, options.consume));
        }
        Timing verifyTiming =
                new Timing(Math.min(200, options.timing.warmupMillis()), options.timing.windowMillis(), 1);
        String command = "packet-ipc bench" + (args.length == 0 ? "" : " " + String.join(" ", args));
        progress.println("packet-ipc bench: " + contenders.size() + " contenders x " + workloads.size()
                + " workloads, " + options.rounds + " round(s) of " + options.timing.warmupMillis() + " ms warm-up + "
                + options.timing.repeats() + " x " + options.timing.windowMillis() + " ms windows each"
                + (verifyPass.isEmpty()
                        ? ""
                        : ", and a verify pass of " + verifyPass.size() + " workload(s) in round 1")
                + "; contenders shuffled per round (seed " + options.seed + ")");
        long started = System.nanoTime();
        List<String> jvmArguments = childJvmArguments(options.jvmArguments);
        if (options.fault != null) {
            jvmArguments.add("-D" + Batch.FAULT_PROPERTY + "=" + options.fault);
        }
        String classPath = classPath();
        Map<Contender, ContenderSession> sessions = new LinkedHashMap<>();
        for (Contender contender : contenders) {
            sessions.put(
                    contender,
                    new ContenderSession(
                            contender, jvmArguments, classPath, options.timing, options.verbose ? progress : null));
        }
        List<Result> measured = new ArrayList<>();
        List<Result> idle = new ArrayList<>();
        Random shuffle = new Random(options.seed);
        try {
            for (int round = 1; round <= options.rounds; round++) {
                List<Contender> order = new ArrayList<>(contenders);
                Collections.shuffle(order, shuffle);
                progress.println("round " + round + " of " + options.rounds + ":");
                for (Contender contender : order) {
                    ContenderSession session = sessions.get(contender);
                    try {
                        for (Workload workload : workloads) {
                            Result result = run(session, contender, workload, options.timing)
                                    .inRound(round);
                            measured.add(result);
                            progress.println(ContenderSession.describe(result));
                        }
                        if (round == 1) {
                            for (Workload workload : verifyPass) {
                                Result result = run(session, contender, workload, verifyTiming)
                                        .inRound(round);
                                measured.add(result);
                                progress.println(ContenderSession.describe(result));
                            }
                            if (options.idlePass && contender.role() != Contender.Role.LIMIT) {
                                Result result = run(session, contender, Workload.idle(1), options.timing)
                                        .inRound(round);
                                idle.add(result);
                                progress.println(ContenderSession.describe(result));
                            }
                        }
                    } finally {
                        session.close(); // only the measured pair of JVMs is alive while it runs
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            progress.println("interrupted; reporting what was measured");
        } finally {
            sessions.values().forEach(ContenderSession::close);
        }
        Map<String, List<Result>> byRow = new LinkedHashMap<>();
        for (Contender contender : contenders) {
            for (Workload workload : workloads) {
                byRow.put(contender.id() + " " + workload.code(), new ArrayList<>());
            }
            for (Workload workload : verifyPass) {
                byRow.put(contender.id() + " " + workload.code(), new ArrayList<>());
            }
        }
        measured.forEach(
                r -> byRow.get(r.contender().id() + " " + r.workload().code()).add(r));
        List<Result> results = new ArrayList<>();
        byRow.values().stream().filter(rows -> !rows.isEmpty()).forEach(rows -> results.add(Rounds.merge(rows)));
        List<Result> verifyFailures = measured.stream()
                .filter(r -> r.status() == Result.Status.FAILED && r.note().contains("verify failed"))
                .toList();
        Map<String, String> machine = MachineFacts.collect();
        String table = ResultTable.format(results, measured, machine, command) + ResultTable.idle(idle);
        List<String> targets = Targets.check(results, measured);
        StringBuilder report = new StringBuilder(table);
        if (!targets.isEmpty()) {
            report.append("\nTargets:\n");
            targets.forEach(line -> report.append("- ").append(line).append('\n'));
        }
        if (!verifyFailures.isEmpty()) {
            report.append("\nVERIFY FAILED: a receiver saw a gap, a duplicate or a corrupted byte:\n");
            verifyFailures.forEach(r -> report.append("- ")
                    .append(r.contender().label())
                    .append(", ")
                    .append(r.workload())
                    .append(", round ")
                    .append(r.round())
                    .append(": ")
                    .append(r.note())
                    .append('\n'));
        }
        out.println(report);
        try {
            Files.createDirectories(options.out);
            ResultFiles.writeCsv(options.out.resolve("results.csv"), results, measured);
            ResultFiles.writeJson(options.out.resolve("results.json"), results, measured, machine, command);
            ResultFiles.writeWindows(options.out.resolve("windows.csv"), measured);
            if (!idle.isEmpty()) {
                ResultFiles.writeIdle(options.out.resolve("idle.csv"), idle);
            }
            List<Path> logs = ResultFiles.writeHistogramLogs(options.out.resolve("hlog"), measured);
            Files.writeString(options.out.resolve("results.md"), report, StandardCharsets.UTF_8);
            boolean chart = ThroughputChart.write(options.out.resolve("throughput.png"), results);
            progress.printf(
                    Locale.ROOT,
                    "wrote results.csv, results.json, results.md, windows.csv%s%s%s to %s in %.0f s%n",
                    idle.isEmpty() ? "" : ", idle.csv",
                    logs.isEmpty() ? "" : ", " + logs.size() + " hlog/*.hlog",
                    chart ? ", throughput.png" : " (no chart: no throughput measured)",
                    options.out.toAbsolutePath(),
                    (System.nanoTime() - started) / 1e9);
        } catch (IOException | RuntimeException e) {
            progress.println("could not write the results to " + options.out + ": " + e);
            return 1;
        }
        if (!verifyFailures.isEmpty()) {
            progress.println("VERIFY FAILED (" + verifyFailures.size() + " measurement(s)); see the end of the table");
            return 3;
        }
        return results.stream().anyMatch(Result::ok) ? 0 : 1;
    }

    /** One measurement: in the contender's pair of child JVMs, or for the C client by {@link CClientRun}. */
    private static Result run(ContenderSession session, Contender contender, Workload workload, Timing timing)
            throws InterruptedException {
        return contender.medium().equals(Contender.C_CLIENT)
                ? CClientRun.run(contender, workload, timing)
                : session.run(workload, timing);
    }

    /** The verify pass: each throughput payload size once, at the largest batch, one client, verified. */
    static List<Workload> verifyWorkloads(List<Workload> workloads) {
        Map<Integer, Workload> bySize = new LinkedHashMap<>();
        for (Workload w : workloads) {
            if (w.isThroughput()
                    && w.clients() == 1
                    && (w.payloadBytes() >= Consume.MIN_VERIFY_BYTES || w.payloadBytes() == Workload.IMIX)) {
                bySize.merge(w.payloadBytes(), w.with(Consume.Mode.VERIFY), (a, b) -> a.batch() >= b.batch() ? a : b);
            }
        }
        return new ArrayList<>(bySize.values());
    }

    static List<Contender> contenders(HarnessOptions options) {
        List<Contender> contenders = new ArrayList<>();
        for (String id : transportIds(options)) {
            if (id.equals(Contender.C_CLIENT)) {
                contenders.add(Contender.cClient()); // one receive path, one wait: packet-ipc-cat's
                continue;
            }
            for (String path : options.receivePaths) {
                for (String wait : options.waits) {
                    if (Contender.hasWait(path, wait)) {
                        contenders.add(Contender.transport(id, path, wait));
                    }
                }
            }
        }
        for (String id : options.baselines) {
            contenders.addAll(Contender.baseline(id, options.waits));
        }
        return contenders;
    }

    /** The ids asked for, or unix, shm and every transport on the class path that is chosen automatically. */
    private static List<String> transportIds(HarnessOptions options) {
        if (options.transports != null) {
            return options.transports;
        }
        Set<String> ids = new LinkedHashSet<>(List.of("unix", "shm"));
        for (TransportStatus status : PacketIpc.availableTransports()) {
            if (status.transport().isPresent() && status.priority() >= 0) {
                ids.add(status.id());
            }
        }
        return new ArrayList<>(ids);
    }

    static List<Workload> workloads(HarnessOptions options) {
        List<Workload> workloads = new ArrayList<>();
        for (int clients : options.clients) {
            for (int size : options.sizes) {
                for (int batch : options.batches) {
                    workloads.add(Workload.throughput(size, batch, clients, options.consume));
                }
            }
        }
        if (options.latency) {
            workloads.add(Workload.roundTrip(64, options.consume));
        }
        return workloads;
    }

    /**
     * The child JVMs' flags: Chronicle's opens and exports (which Aeron's and our shared-memory transport need too),
     * no Chronicle analytics or banners, the same temporary directory, and on JDK 24+ native and Unsafe access.
     */
    static List<String> childJvmArguments(List<String> extra) {
        List<String> args = new ArrayList<>(Arrays.asList(
                "-Xmx1g",
                "-XX:MaxDirectMemorySize=2g",
                "-Djava.awt.headless=true",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Dchronicle.analytics.disable=true",
                "-Dchronicle.announcer.disable=true",
                "-Dchronicle.disk.monitor.disable=true",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-D" + RuntimeDirectory.PROPERTY + "=" + runtimeDirectory()));
        if (Runtime.version().feature() >= 24) {
            args.add("--enable-native-access=ALL-UNNAMED");
            args.add("--sun-misc-unsafe-memory-access=allow");
        }
        args.addAll(extra);
        return args;
    }

    /**
     * Where our transports keep their files in the child JVMs: the one given to this JVM, else beside raw Chronicle's
     * queues ({@link ChronicleMedium#baseDirectory()}, {@code /dev/shm} when it has room), so that the shared-memory
     * transport and its baseline map files of the same file system.
     */
    private static String runtimeDirectory() {
        String given = System.getProperty(RuntimeDirectory.PROPERTY);
        return given != null
                ? given
                : ChronicleMedium.baseDirectory()
                        .resolve("packet-ipc-bench-" + RuntimeDirectory.userId())
                        .toString();
    }

    /**
     * The class path for the child JVMs: this JVM's, plus every jar or directory of the class loaders that loaded the
     * harness when they are URL class loaders (a caller that loads the benchmarks in its own class loader, such as
     * the CLI or {@code exec:java}), plus the harness's own location.
     */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
        }
        for (ClassLoader loader = Harness.class.getClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    addFile(entries, url);
                }
            }
        }
        CodeSource own = Harness.class.getProtectionDomain().getCodeSource();
        if (own != null) {
            addFile(entries, own.getLocation());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void addFile(Set<String> entries, URL url) {
        try {
            if ("file".equals(url.getProtocol())) {
                entries.add(Path.of(url.toURI()).toString());
            }
        } catch (URISyntaxException | RuntimeException e) {
            // not a plain file: the child JVM could not use it either
        }
    }
}
