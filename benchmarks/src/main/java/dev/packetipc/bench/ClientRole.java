package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client JVM's part: one receiving thread per stream and a meter for throughput; for round trips, a pong
 * server that answers every packet with one of its own.
 */
final class ClientRole {
    private static final long JOIN_MILLIS = 120_000;

    private final Medium medium;
    private final ChildOutput out;
    private Listener pongListener;
    private Outbound pongs;

    ClientRole(Medium medium, ChildOutput out) {
        this.medium = medium;
        this.out = out;
    }

    void handle(String[] command) throws Exception {
        if (!command[0].equals("RUN")) {
            throw new IllegalArgumentException("unknown command " + command[0]);
        }
        close();
        Workload workload = Workload.parse(command[1]);
        Timing timing = Timing.parse(command[2]);
        String address = command[3];
        int stream = command.length > 4 ? Integer.parseInt(command[4]) : 0;
        if (workload.isThroughput() || workload.isIdle()) {
            throughput(workload, timing, address, stream);
        } else {
            medium.peer(address);
            pongListener = medium.listen(workload);
            out.say("READY " + pongListener.address());
            start("bench-echo", () -> echo(workload, address));
        }
    }

    /** Receives stream {@code first} of the workload (each client is a JVM of its own). */
    private void throughput(Workload workload, Timing timing, String address, int first) {
        int streams = 1;
        Tally[] tallies = new Tally[streams];
        List<Inbound> inbounds = new ArrayList<>();
        List<Thread> receivers = new ArrayList<>();
        AtomicInteger running = new AtomicInteger(streams);
        AtomicInteger connected = new AtomicInteger();
        for (int i = 0; i < streams; i++) {
            Tally tally = new Tally();
            tallies[i] = tally;
            int stream = first + i;
            receivers.add(start("bench-receiver-" + i, () -> {
                try (Inbound inbound = medium.connect(address, stream, workload)) {
                    synchronized (inbounds) {
                        inbounds.add(inbound);
                    }
                    if (connected.incrementAndGet() == streams) {
                        out.say("CONNECTED");
                    }
                    Idler idler = new Idler();
                    int received;
                    while ((received = inbound.receive(tally)) != Inbound.END) {
                        if (received == 0) {
                            idler.idle();
                        } else {
                            idler.reset();
                        }
                    }
                } finally {
                    running.decrementAndGet();
                }
            }));
        }
        out.say("READY -");
        if (workload.isIdle()) {
            start("bench-idle", () -> {
                join(receivers);
                out.say("DONE");
            });
            return;
        }
        start("bench-meter", () -> {
            Meter.Windows windows = Meter.measure(tallies, () -> running.get() == 0, timing, () -> out.say("WINDOWS"));
            out.say("MEASURED " + windows.report());
            synchronized (inbounds) {
                inbounds.forEach(Inbound::measured);
            }
            join(receivers);
            out.say("DONE");
        });
    }

    private static void join(List<Thread> receivers) throws InterruptedException {
        for (Thread receiver : receivers) {
            receiver.join(JOIN_MILLIS);
            if (receiver.isAlive()) {
                throw new IllegalStateException("a receiver did not reach the end within " + JOIN_MILLIS + " ms");
            }
        }
    }

    private void echo(Workload workload, String address) throws Exception {
        Batch pong = ServerRole.batch(workload, 1);
        Tally tally = new Tally();
        long[][] pending = {new long[1024]};
        int[] waiting = {0};
        try (Inbound pings = medium.connect(address, 0, workload)) {
            // every answer carries the timestamp of the packet it answers (the open-loop run's intended send time)
            pings.consume().listen(timestamp -> {
                if (waiting[0] == pending[0].length) {
                    pending[0] = java.util.Arrays.copyOf(pending[0], 2 * waiting[0]);
                }
                pending[0][waiting[0]++] = timestamp;
            });
            pongs = pongListener.accept(0);
            Idler idler = new Idler();
            int received;
            while ((received = pings.receive(tally)) != Inbound.END) {
                for (int i = 0; i < waiting[0]; i++) {
                    pong.timestamp(0, pending[0][i]);
                    pong.stamp();
                    pongs.send(pong);
                }
                waiting[0] = 0;
                if (received == 0) {
                    idler.idle();
                } else {
                    idler.reset();
                }
            }
            pongs.end();
        }
        out.say("DONE");
    }

    /** A body that may throw: its failure is reported as an ERROR line. */
    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private Thread start(String name, Body body) {
        Thread thread = new Thread(
                () -> {
                    try {
                        body.run();
                    } catch (Throwable t) {
                        out.say("ERROR " + name + ": " + ChildOutput.oneLine(t));
                        t.printStackTrace();
                    }
                },
                name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Closes the round-trip pong server of the last workload. */
    void close() throws Exception {
        if (pongs != null) {
            pongs.close();
            pongs = null;
        }
        if (pongListener != null) {
            pongListener.close();
            pongListener = null;
        }
    }
}
