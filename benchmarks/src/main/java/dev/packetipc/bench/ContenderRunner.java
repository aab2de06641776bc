package dev.packetipc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every workload of one contender in a pair of child JVMs (a server and a client), kept for the whole list so
 * that the JIT warms up once. A failure ends the pair; the next workload starts a fresh one. A contender whose
 * medium cannot be made is reported as skipped with the cause, never as a crash.
 */
final class ContenderRunner {
    private static final long STEP_MILLIS = 90_000;

    private final List<String> jvmArguments;
    private final String classPath;
    private final Timing timing;
    private final PrintStream progress;
    private final PrintStream echo;

    ContenderRunner(List<String> jvmArguments, String classPath, Timing timing, PrintStream progress, boolean verbose) {
        this.jvmArguments = List.copyOf(jvmArguments);
        this.classPath = classPath;
        this.timing = timing;
        this.progress = progress;
        this.echo = verbose ? progress : null;
    }

    List<Result> run(Contender contender, List<Workload> workloads) throws InterruptedException {
        List<Result> results = new ArrayList<>();
        ChildJvm server = null;
        ChildJvm client = null;
        String unavailable = null;
        try {
            for (Workload workload : workloads) {
                Result result;
                if (contender.role() == Contender.Role.LIMIT && !workload.isThroughput()) {
                    result = Result.without(contender, workload, Result.Status.SKIPPED, "no round trip in a copy");
                } else if (unavailable != null) {
                    result = Result.without(contender, workload, Result.Status.SKIPPED, unavailable);
                } else {
                    try {
                        if (server == null) {
                            server = ChildJvm.start("server", contender.medium(), jvmArguments, classPath, echo);
                            client = ChildJvm.start("client", contender.medium(), jvmArguments, classPath, echo);
                            unavailable = hello(server, client);
                            if (unavailable != null) {
                                close(server, client);
                                server = null;
                                client = null;
                            }
                        }
                        result = unavailable != null
                                ? Result.without(contender, workload, Result.Status.SKIPPED, unavailable)
                                : measure(contender, workload, server, client);
                    } catch (ChildJvm.HarnessFailure | IOException e) {
                        result = Result.without(contender, workload, Result.Status.FAILED, e.getMessage());
                        close(server, client);
                        server = null;
                        client = null;
                    }
                }
                results.add(result);
                progress.println(describe(result));
            }
        } finally {
            close(server, client);
        }
        return results;
    }

    private static String hello(ChildJvm server, ChildJvm client) throws InterruptedException, ChildJvm.HarnessFailure {
        try {
            server.await("HELLO", STEP_MILLIS, null);
            client.await("HELLO", STEP_MILLIS, null);
            return null;
        } catch (ChildJvm.Unavailable e) {
            return e.getMessage();
        }
    }

    private Result measure(Contender contender, Workload workload, ChildJvm server, ChildJvm client)
            throws IOException, InterruptedException, ChildJvm.HarnessFailure {
        server.send("LISTEN " + workload.code() + " " + timing.code());
        String address = server.await("READY", STEP_MILLIS, client);
        client.send("RUN " + workload.code() + " " + timing.code() + " " + address);
        String reply = client.await("READY", STEP_MILLIS, server);
        server.send("GO " + reply);
        Result result;
        if (workload.isThroughput()) {
            server.await("STARTED", STEP_MILLIS, client);
            String measured = client.await("MEASURED", timing.totalMillis() + STEP_MILLIS, server);
            server.send("STOP");
            server.await("STOPPED", STEP_MILLIS, client);
            client.await("DONE", STEP_MILLIS, server);
            result = throughputResult(contender, workload, measured);
        } else {
            String[] trips = server.await("RTT", timing.totalMillis() + STEP_MILLIS, client)
                    .split(" ");
            client.await("DONE", STEP_MILLIS, server);
            result = Result.roundTrip(
                    contender,
                    workload,
                    Long.parseLong(trips[0]),
                    Long.parseLong(trips[1]),
                    Long.parseLong(trips[2]),
                    Long.parseLong(trips[3]));
        }
        server.send("FINISH");
        server.await("FINISHED", STEP_MILLIS, client);
        return result;
    }

    /** Parses {@code full|capped pps... | bps...} into the medians. */
    static Result throughputResult(Contender contender, Workload workload, String measured) {
        String[] halves = measured.split("\\|");
        String[] head = halves[0].trim().split(" ");
        String[] tail = halves[1].trim().split(" ");
        double[] pps = new double[head.length - 1];
        double[] bps = new double[tail.length];
        for (int i = 0; i < pps.length; i++) {
            pps[i] = Double.parseDouble(head[i + 1]);
            bps[i] = Double.parseDouble(tail[i]);
        }
        String note = head[0].equals("capped") ? "volume cap reached before a full window: one partial window" : "";
        return Result.throughput(contender, workload, Stats.median(pps), Stats.median(bps), note);
    }

    private static String describe(Result result) {
        String figures;
        if (!result.ok()) {
            figures = result.statusText();
        } else if (result.workload().isThroughput()) {
            figures = String.format(
                    Locale.ROOT,
                    "%s packets/s, %.3f GB/s",
                    Format.count(result.packetsPerSecond()),
                    result.bytesPerSecond() / 1e9);
        } else {
            figures = String.format(
                    Locale.ROOT,
                    "p50 %s, p99 %s, p99.9 %s",
                    Format.micros(result.p50Nanos()),
                    Format.micros(result.p99Nanos()),
                    Format.micros(result.p999Nanos()));
        }
        return "  " + result.contender().label() + ", " + result.workload() + ": " + figures;
    }

    private static void close(ChildJvm server, ChildJvm client) {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
