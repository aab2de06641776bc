package dev.packetipc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * One contender's pair of child JVMs (a server and a client), started on its first workload and kept for the whole
 * run so that the JIT warms up once. The harness measures every contender on one workload before the next workload,
 * so that the rows it compares are measured seconds apart. A failure ends the pair; the next workload starts a fresh
 * one, and a contender that failed three times is not run again. A contender whose medium cannot be made is reported
 * as skipped with the cause, never as a crash.
 */
final class ContenderSession implements AutoCloseable {
    private static final long STEP_MILLIS = 30_000;
    /** A contender that failed this often is not run again: a hang costs a time-out per workload. */
    private static final int MAX_FAILURES = 3;

    private final Contender contender;
    private final List<String> jvmArguments;
    private final String classPath;
    private final Timing timing;
    private final PrintStream echo;
    private ChildJvm server;
    private ChildJvm client;
    private String unavailable;
    private int failures;
    private String lastFailure;

    ContenderSession(
            Contender contender, List<String> jvmArguments, String classPath, Timing timing, PrintStream echo) {
        this.contender = contender;
        this.jvmArguments = List.copyOf(jvmArguments);
        this.classPath = classPath;
        this.timing = timing;
        this.echo = echo;
    }

    /** Measures one workload, or says why it could not. */
    Result run(Workload workload) throws InterruptedException {
        if (contender.role() == Contender.Role.LIMIT && !workload.isThroughput()) {
            return Result.without(contender, workload, Result.Status.SKIPPED, "no round trip in a copy");
        }
        if (failures >= MAX_FAILURES) {
            return Result.without(
                    contender,
                    workload,
                    Result.Status.SKIPPED,
                    "not run after " + failures + " failures; the last: " + lastFailure);
        }
        try {
            if (server == null && unavailable == null) {
                server = ChildJvm.start("server", contender.medium(), jvmArguments, classPath, echo);
                client = ChildJvm.start("client", contender.medium(), jvmArguments, classPath, echo);
                unavailable = hello(server, client);
                if (unavailable != null) {
                    close();
                }
            }
            if (unavailable != null) {
                return Result.without(contender, workload, Result.Status.SKIPPED, unavailable);
            }
            return measure(contender, workload, server, client);
        } catch (ChildJvm.HarnessFailure | IOException e) {
            close();
            failures++;
            lastFailure = e.getMessage();
            return Result.without(contender, workload, Result.Status.FAILED, e.getMessage());
        }
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

    /** One progress line for a row. */
    static String describe(Result result) {
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

    /** Stops the pair of child JVMs, if it runs. */
    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
