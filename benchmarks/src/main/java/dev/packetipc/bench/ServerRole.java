package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server JVM's part: listens, sends batches on one thread per stream until told to stop (or until the medium's
 * volume cap), ends every stream; for round trips, pings the client and records each round trip.
 */
final class ServerRole {
    private static final long JOIN_MILLIS = 120_000;

    private final Medium medium;
    private final ChildOutput out;
    private final List<Outbound> outbounds = new ArrayList<>();
    private final List<Thread> senders = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;
    private Workload workload;
    private Timing timing;
    private Listener listener;
    private Inbound pongs;

    ServerRole(Medium medium, ChildOutput out) {
        this.medium = medium;
        this.out = out;
    }

    void handle(String[] command) throws Exception {
        switch (command[0]) {
            case "LISTEN" -> {
                close();
                workload = Workload.parse(command[1]);
                timing = Timing.parse(command[2]);
                listener = medium.listen(workload);
                out.say("READY " + listener.address());
            }
            case "GO" -> {
                if (workload.isIdle()) {
                    for (int i = 0; i < workload.clients(); i++) {
                        outbounds.add(listener.accept(i));
                    }
                    out.say("STARTED");
                } else if (workload.isThroughput()) {
                    startSenders();
                    out.say("STARTED");
                } else {
                    RoundTrips trips = workload.isOpenLoop() ? openLoop(command[1]) : pingPong(command[1]);
                    out.say("RTT " + trips.report());
                }
            }
            case "STOP" -> {
                stop = true;
                if (workload.isIdle()) {
                    for (Outbound outbound : outbounds) {
                        outbound.end();
                    }
                }
                for (Thread sender : senders) {
                    sender.join(JOIN_MILLIS);
                    if (sender.isAlive()) {
                        throw new IllegalStateException("a sender did not finish within " + JOIN_MILLIS + " ms");
                    }
                }
                Throwable failed = failure.get();
                out.say(failed == null ? "STOPPED" : "ERROR sender: " + ChildOutput.oneLine(failed));
            }
            case "FINISH" -> {
                close();
                out.say("FINISHED");
            }
            default -> throw new IllegalArgumentException("unknown command " + command[0]);
        }
    }

    private void startSenders() throws Exception {
        stop = false;
        failure.set(null);
        if (!medium.hasSender()) {
            return;
        }
        long cap = medium.volumeCapBytes(workload);
        for (int i = 0; i < workload.clients(); i++) {
            Batch batch = batch(workload, workload.batch());
            Outbound outbound = listener.accept(i);
            outbounds.add(outbound);
            Thread sender = new Thread(() -> send(outbound, batch, cap), "bench-sender-" + i);
            sender.setDaemon(true);
            senders.add(sender);
        }
        senders.forEach(Thread::start);
    }

    private void send(Outbound outbound, Batch batch, long cap) {
        try {
            long sent = 0;
            while (!stop && sent < cap) {
                batch.stamp();
                outbound.send(batch);
                sent += batch.totalBytes();
            }
            outbound.end();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
            out.say("ERROR sender: " + ChildOutput.oneLine(t));
        }
    }

    private RoundTrips pingPong(String clientAddress) throws Exception {
        Outbound pings = listener.accept(0);
        outbounds.add(pings);
        pongs = medium.connect(clientAddress, 0, workload);
        Batch ping = batch(workload, 1);
        Tally tally = new Tally();
        long warmEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timing.warmupMillis());
        while (System.nanoTime() < warmEnd) {
            roundTrip(pings, ping, tally);
        }
        RoundTrips trips = new RoundTrips();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timing.windowMillis() * timing.repeats());
        while (System.nanoTime() < end) {
            trips.record(roundTrip(pings, ping, tally));
        }
        pings.end();
        Idler idler = new Idler();
        while (pongs.receive(tally) != Inbound.END) {
            idler.idle();
        }
        return trips;
    }

    /**
     * Sends a packet every {@code 1/rate} seconds on a thread of its own, whatever the answers do, each carrying its
     * intended send time as its timestamp; this thread takes the answers (which carry the same timestamps back) and
     * records now minus the intended send time. A send that falls behind its schedule is not skipped: it goes at
     * once, and its delay counts (no coordinated omission).
     */
    private RoundTrips openLoop(String clientAddress) throws Exception {
        Outbound pings = listener.accept(0);
        outbounds.add(pings);
        pongs = medium.connect(clientAddress, 0, workload);
        Batch ping = batch(workload, 1);
        long interval = Math.max(1, 1_000_000_000L / workload.batch());
        long start = System.nanoTime() + 1_000_000;
        long warmEnd = start + TimeUnit.MILLISECONDS.toNanos(timing.warmupMillis());
        long end = warmEnd + TimeUnit.MILLISECONDS.toNanos(timing.windowMillis() * timing.repeats());
        RoundTrips trips = new RoundTrips();
        pongs.consume().listen(intended -> {
            if (intended >= warmEnd) {
                trips.record(System.nanoTime() - intended);
            }
        });
        AtomicReference<Throwable> pingFailure = new AtomicReference<>();
        Thread pinger = new Thread(
                () -> {
                    try {
                        for (long next = start; next < end; next += interval) {
                            while (System.nanoTime() < next) {
                                Thread.onSpinWait();
                            }
                            ping.timestamp(0, next);
                            ping.stamp();
                            pings.send(ping);
                        }
                        pings.end();
                    } catch (Throwable t) {
                        pingFailure.set(t);
                    }
                },
                "bench-pinger");
        pinger.setDaemon(true);
        pinger.start();
        Tally tally = new Tally();
        Idler idler = new Idler();
        int received;
        while ((received = pongs.receive(tally)) != Inbound.END) {
            if (pingFailure.get() != null) {
                throw new IllegalStateException("the pinger failed", pingFailure.get());
            }
            if (received == 0) {
                idler.idle();
            }
        }
        pinger.join(JOIN_MILLIS);
        if (pingFailure.get() != null) {
            throw new IllegalStateException("the pinger failed", pingFailure.get());
        }
        return trips;
    }

    private long roundTrip(Outbound pings, Batch ping, Tally tally) throws Exception {
        ping.stamp();
        long start = System.nanoTime();
        pings.send(ping);
        Idler idler = new Idler();
        int received;
        while ((received = pongs.receive(tally)) == 0) {
            idler.idle();
        }
        if (received < 0) {
            throw new IllegalStateException("the client ended the pong stream during the round trips");
        }
        return System.nanoTime() - start;
    }

    /** The packets one send moves; each packet with its own payload when the receiver verifies. */
    static Batch batch(Workload workload, int count) {
        return new Batch(count, workload.payloadBytes(), workload.consume() == Consume.Mode.VERIFY);
    }

    /** Ends the current workload: joins the senders, closes every stream and the listener. */
    void close() throws Exception {
        stop = true;
        for (Thread sender : senders) {
            sender.join(JOIN_MILLIS);
        }
        senders.clear();
        for (Outbound outbound : outbounds) {
            outbound.close();
        }
        outbounds.clear();
        if (pongs != null) {
            pongs.close();
            pongs = null;
        }
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }
}
