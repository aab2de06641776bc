package dev.packetipc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
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
    private final List<ChildJvm> clients = new ArrayList<>();
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

    /**
     * Measures one workload, or says why it could not. A measurement that fails (a child JVM that never connects or
     * answers in time, seen now and then on a loaded machine) is repeated once with fresh JVMs; a repeat that works
     * says in its note what failed first, so the table shows it.
     */
    Result run(Workload workload, Timing timing) throws InterruptedException {
        Result first = attempt(workload, timing);
        if (first.status() != Result.Status.FAILED || failures >= MAX_FAILURES) {
            return first;
        }
        Result again = attempt(workload, timing);
        return again.status() == Result.Status.OK
                ? again.withNote((again.note().isEmpty() ? "" : again.note() + "; ")
                        + "repeated with fresh JVMs after: " + first.note())
                : again;
    }

    private Result attempt(Workload workload, Timing timing) throws InterruptedException {
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
            // the server and one client JVM per client, started together: what is missing is started, what is
            // not measured is stopped
            List<ChildJvm> started = new ArrayList<>();
            if (server == null && unavailable == null) {
                server = ChildJvm.start("server", contender.medium(), jvmArguments, classPath, echo);
                started.add(server);
            }
            while (unavailable == null && clients.size() < workload.clients()) {
                ChildJvm client = ChildJvm.start(
                        "client" + (clients.isEmpty() ? "" : "-" + clients.size()),
                        contender.medium(),
                        jvmArguments,
                        classPath,
                        echo);
                clients.add(client);
                started.add(client);
            }
            for (ChildJvm child : started) {
                if (unavailable == null) {
                    unavailable = hello(child);
                }
            }
            if (unavailable != null) {
                close();
                return Result.without(contender, workload, Result.Status.SKIPPED, unavailable);
            }
            while (clients.size() > workload.clients()) {
                clients.remove(clients.size() - 1).close();
            }
            return measure(contender, workload, timing, server, clients);
        } catch (ChildJvm.HarnessFailure | IOException e) {
            close();
            failures++;
            lastFailure = e.getMessage();
            return Result.without(contender, workload, Result.Status.FAILED, e.getMessage());
        }
    }

    private static String hello(ChildJvm child) throws InterruptedException, ChildJvm.HarnessFailure {
        try {
            child.await("HELLO", STEP_MILLIS, null);
            return null;
        } catch (ChildJvm.Unavailable e) {
            return e.getMessage();
        }
    }

    private static Result measure(
            Contender contender, Workload workload, Timing timing, ChildJvm server, List<ChildJvm> clients)
            throws IOException, InterruptedException, ChildJvm.HarnessFailure {
        ChildJvm client = clients.get(0);
        server.send("LISTEN " + workload.code() + " " + timing.code());
        String address = server.await("READY", STEP_MILLIS, client);
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).send("RUN " + workload.code() + " " + timing.code() + " " + address + " " + i);
        }
        String reply = client.await("READY", STEP_MILLIS, server);
        for (ChildJvm other : clients.subList(1, clients.size())) {
            other.await("READY", STEP_MILLIS, server);
        }
        server.send("GO " + reply);
        Result result;
        if (workload.isIdle()) {
            server.await("STARTED", STEP_MILLIS, client);
            awaitAll(clients, "CONNECTED", STEP_MILLIS, server);
            ProcStats serverBefore = ProcStats.of(server.pid());
            ProcStats clientBefore = sum(clients);
            long start = System.nanoTime();
            Thread.sleep(IDLE_MILLIS); // the measured period itself: nothing is awaited
            long elapsed = System.nanoTime() - start;
            ProcStats serverAfter = ProcStats.of(server.pid());
            ProcStats clientAfter = sum(clients);
            server.send("STOP");
            server.await("STOPPED", STEP_MILLIS, client);
            awaitAll(clients, "DONE", STEP_MILLIS, server);
            Cost cost = cost(serverBefore, serverAfter, clientBefore, clientAfter, 0);
            result = new Result(
                    contender, workload, Result.Status.OK, "", 0, 0, 0, elapsed, 0, 0, 0, new double[0], "", cost);
        } else if (workload.isThroughput()) {
            server.await("STARTED", STEP_MILLIS, client);
            awaitAll(clients, "WINDOWS", timing.warmupMillis() + 60_000 + STEP_MILLIS, server);
            ProcStats serverBefore = ProcStats.of(server.pid());
            ProcStats clientBefore = sum(clients);
            List<String> measured = awaitAll(clients, "MEASURED", timing.totalMillis() + STEP_MILLIS, server);
            ProcStats serverAfter = ProcStats.of(server.pid());
            ProcStats clientAfter = sum(clients);
            server.send("STOP");
            server.await("STOPPED", STEP_MILLIS, client);
            awaitAll(clients, "DONE", STEP_MILLIS, server);
            String summed = sumMeasured(measured);
            result = throughputResult(contender, workload, summed);
            result = result.with(
                    result.windows(), "", cost(serverBefore, serverAfter, clientBefore, clientAfter, packets(summed)));
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

    private static List<String> awaitAll(List<ChildJvm> clients, String word, long timeoutMillis, ChildJvm server)
            throws InterruptedException, ChildJvm.HarnessFailure {
        List<String> lines = new ArrayList<>();
        for (ChildJvm client : clients) {
            lines.add(client.await(word, timeoutMillis, server));
        }
        return lines;
    }

    /** The client JVMs' figures together (CPU times and memory summed). */
    private static ProcStats sum(List<ChildJvm> clients) {
        long cpu = 0;
        long rss = 0;
        long shared = 0;
        for (ChildJvm client : clients) {
            ProcStats stats = ProcStats.of(client.pid());
            if (!stats.known()) {
                return ProcStats.NONE;
            }
            cpu += stats.cpuNanos();
            rss += stats.rssBytes();
            shared += stats.sharedBytes();
        }
        return new ProcStats(cpu, rss, shared);
    }

    /**
     * The {@code MEASURED} lines of several client JVMs as one: window by window, the rates summed (each JVM measures
     * its own windows, which start within milliseconds of each other: after each one's first packet and warm-up),
     * capped if any was, the packets summed.
     */
    static String sumMeasured(List<String> lines) {
        if (lines.size() == 1) {
            return lines.get(0);
        }
        boolean capped = false;
        double[] pps = null;
        double[] bps = null;
        long packets = 0;
        for (String line : lines) {
            String[] parts = line.split("\\|");
            String[] head = parts[0].trim().split(" ");
            String[] tail = parts[1].trim().split(" ");
            capped |= head[0].equals("capped");
            int windows = head.length - 1;
            if (pps == null || windows < pps.length) {
                double[] keptPps = new double[windows];
                double[] keptBps = new double[windows];
                if (pps != null) {
                    System.arraycopy(pps, 0, keptPps, 0, windows);
                    System.arraycopy(bps, 0, keptBps, 0, windows);
                }
                pps = keptPps;
                bps = keptBps;
            }
            for (int i = 0; i < pps.length; i++) {
                pps[i] += Double.parseDouble(head[i + 1]);
                bps[i] += Double.parseDouble(tail[i]);
            }
            packets += parts.length > 2 ? Long.parseLong(parts[2].trim()) : 0;
        }
        StringBuilder out = new StringBuilder(capped ? "capped" : "full");
        for (double rate : pps) {
            out.append(' ').append((long) rate);
        }
        out.append(" |");
        for (double rate : bps) {
            out.append(' ').append((long) rate);
        }
        return out.append(" | ").append(packets).toString();
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
            figures =
                    result.cost().read() && result.p50Nanos() > 0 // an idle pass has no packets: read(), not measured()
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
        clients.forEach(ChildJvm::close);
        clients.clear();
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
