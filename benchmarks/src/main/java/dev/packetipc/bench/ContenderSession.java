package dev.packetipc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * One contender's pair of child JVMs (a server and a client), started on its first workload of a round and
 * {@linkplain #close() closed} by the harness at the end of that round, so that only the measured pair is alive
 * while it runs. A failure ends the pair; the next workload starts a fresh one, and a contender that failed three
 * times is not run again. A contender whose medium cannot be made is reported as skipped with the cause, never as a
 * crash, and is not started again.
 */
final class ContenderSession implements AutoCloseable {
    private static final long STEP_MILLIS = 30_000;
    /** How long an idle client is watched. */
    static final long IDLE_MILLIS = 2_000;
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

    /** Measures one workload with the session's timing, or says why it could not. */
    Result run(Workload workload) throws InterruptedException {
        return run(workload, timing);
    }

    /** Measures one workload, or says why it could not. */
    Result run(Workload workload, Timing timing) throws InterruptedException {
        if (contender.role() == Contender.Role.LIMIT && workload.isIdle()) {
            return Result.without(contender, workload, Result.Status.SKIPPED, "the ring never idles");
        }
        if (contender.role() == Contender.Role.LIMIT && !workload.isThroughput()) {
            return Result.without(contender, workload, Result.Status.SKIPPED, "no round trip in the ring");
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
            return measure(contender, workload, timing, server, client);
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

    private static Result measure(
            Contender contender, Workload workload, Timing timing, ChildJvm server, ChildJvm client)
            throws IOException, InterruptedException, ChildJvm.HarnessFailure {
        server.send("LISTEN " + workload.code() + " " + timing.code());
        String address = server.await("READY", STEP_MILLIS, client);
        client.send("RUN " + workload.code() + " " + timing.code() + " " + address);
        String reply = client.await("READY", STEP_MILLIS, server);
        server.send("GO " + reply);
        Result result;
        if (workload.isIdle()) {
            server.await("STARTED", STEP_MILLIS, client);
            client.await("CONNECTED", STEP_MILLIS, server);
            ProcStats serverBefore = ProcStats.of(server.pid());
            ProcStats clientBefore = ProcStats.of(client.pid());
            long start = System.nanoTime();
            Thread.sleep(IDLE_MILLIS); // the measured period itself: nothing is awaited
            long elapsed = System.nanoTime() - start;
            ProcStats serverAfter = ProcStats.of(server.pid());
            ProcStats clientAfter = ProcStats.of(client.pid());
            server.send("STOP");
            server.await("STOPPED", STEP_MILLIS, client);
            client.await("DONE", STEP_MILLIS, server);
            Cost cost = cost(serverBefore, serverAfter, clientBefore, clientAfter, 0);
            result = new Result(
                    contender, workload, Result.Status.OK, "", 0, 0, 0, elapsed, 0, 0, 0, new double[0], "", cost);
        } else if (workload.isThroughput()) {
            server.await("STARTED", STEP_MILLIS, client);
            client.await("WINDOWS", timing.warmupMillis() + 60_000 + STEP_MILLIS, server);
            ProcStats serverBefore = ProcStats.of(server.pid());
            ProcStats clientBefore = ProcStats.of(client.pid());
            String measured = client.await("MEASURED", timing.totalMillis() + STEP_MILLIS, server);
            ProcStats serverAfter = ProcStats.of(server.pid());
            ProcStats clientAfter = ProcStats.of(client.pid());
            server.send("STOP");
            server.await("STOPPED", STEP_MILLIS, client);
            client.await("DONE", STEP_MILLIS, server);
            result = throughputResult(contender, workload, measured);
            result = result.with(
                    result.windows(),
                    "",
                    cost(serverBefore, serverAfter, clientBefore, clientAfter, packets(measured)));
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
                            Long.parseLong(trips[3]))
                    .with(new double[0], trips.length > 5 ? trips[5] : "", Cost.NONE);
        }
        server.send("FINISH");
        server.await("FINISHED", STEP_MILLIS, client);
        return result;
    }

    /** What the two processes spent between the samples, per packet received in the windows. */
    static Cost cost(
            ProcStats serverBefore,
            ProcStats serverAfter,
            ProcStats clientBefore,
            ProcStats clientAfter,
            long packets) {
        if (!serverBefore.known() || !serverAfter.known() || !clientBefore.known() || !clientAfter.known()) {
            return Cost.NONE;
        }
        return new Cost(
                serverAfter.cpuNanos() - serverBefore.cpuNanos(),
                clientAfter.cpuNanos() - clientBefore.cpuNanos(),
                packets,
                serverAfter.rssBytes(),
                clientAfter.rssBytes(),
                serverAfter.sharedBytes() + clientAfter.sharedBytes());
    }

    /** The packets of all windows, the third part of the {@code MEASURED} line (0 if absent). */
    static long packets(String measured) {
        String[] parts = measured.split("\\|");
        return parts.length > 2 ? Long.parseLong(parts[2].trim()) : 0;
    }

    /** Parses {@code full|capped pps... | bps... [| packets]} into the medians, keeping every window. */
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
        return Result.throughput(contender, workload, Stats.median(pps), Stats.median(bps), note)
                .with(pps, "", Cost.NONE);
    }

    /** One progress line for a row. */
    static String describe(Result result) {
        String figures;
        if (!result.ok()) {
            figures = result.statusText();
        } else if (result.workload().isIdle()) {
            figures = result.cost().measured()
                    ? String.format(
                            Locale.ROOT,
                            "idle CPU %.1f%% sender, %.1f%% receiver",
                            result.cost().serverCpuNanos() * 100.0 / result.p50Nanos(),
                            result.cost().clientCpuNanos() * 100.0 / result.p50Nanos())
                    : "idle CPU not readable here";
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
