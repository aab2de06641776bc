package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Measures the receivers of one workload in the client JVM: waits until every stream has delivered a packet,
 * lets the warm-up pass, then samples the summed tallies at the end of each window. A window during which the
 * streams ended (a volume cap reached) is dropped unless no complete window exists.
 */
final class Meter {
    private static final long FIRST_PACKET_TIMEOUT_NANOS = 60_000_000_000L;

    private Meter() {}

    /** The rates of each window, packets and bytes per second, and the packets of all windows together. */
    record Windows(double[] packetsPerSecond, double[] bytesPerSecond, boolean capped, long packets) {
        /** {@code capped packets/s... | bytes/s... | packets} for the parent. */
        String report() {
            StringBuilder out = new StringBuilder(capped ? "capped" : "full");
            for (double rate : packetsPerSecond) {
                out.append(' ').append((long) rate);
            }
            out.append(" |");
            for (double rate : bytesPerSecond) {
                out.append(' ').append((long) rate);
            }
            return out.append(" | ").append(packets).toString();
        }
    }

    /**
     * Measures; {@code windowsStart} runs when the warm-up is over and the first window starts (the harness samples
     * the processes' CPU time then).
     */
    static Windows measure(Tally[] tallies, BooleanSupplier ended, Timing timing, Runnable windowsStart) {
        long deadline = System.nanoTime() + FIRST_PACKET_TIMEOUT_NANOS;
        while (!allStarted(tallies) && !ended.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("a stream delivered no packet within 60 s");
            }
            LockSupport.parkNanos(1_000_000);
        }
        pause(timing.warmupMillis() * 1_000_000);
        windowsStart.run();
        List<double[]> complete = new ArrayList<>();
        double[] partial = null;
        long packets = packets(tallies);
        long firstPackets = packets;
        long bytes = bytes(tallies);
        long start = System.nanoTime();
        for (int i = 0; i < timing.repeats(); i++) {
            pause(timing.windowMillis() * 1_000_000);
            boolean over = ended.getAsBoolean();
            long nowPackets = packets(tallies);
            long nowBytes = bytes(tallies);
            long now = System.nanoTime();
            double[] rates = {
                Stats.perSecond(nowPackets - packets, now - start), Stats.perSecond(nowBytes - bytes, now - start)
            };
            packets = nowPackets;
            bytes = nowBytes;
            start = now;
            if (over) {
                partial = rates;
                break;
            }
            complete.add(rates);
        }
        boolean capped = complete.isEmpty();
        if (capped) {
            if (partial == null || partial[0] == 0) {
                throw new IllegalStateException("the streams ended during the warm-up");
            }
            complete.add(partial);
        }
        double[] pps = new double[complete.size()];
        double[] bps = new double[complete.size()];
        for (int i = 0; i < pps.length; i++) {
            pps[i] = complete.get(i)[0];
            bps[i] = complete.get(i)[1];
        }
        return new Windows(pps, bps, capped, packets - firstPackets);
    }

    private static boolean allStarted(Tally[] tallies) {
        for (Tally tally : tallies) {
            if (tally.packets() == 0) {
                return false;
            }
        }
        return true;
    }

    private static long packets(Tally[] tallies) {
        long sum = 0;
        for (Tally tally : tallies) {
            sum += tally.packets();
        }
        return sum;
    }

    private static long bytes(Tally[] tallies) {
        long sum = 0;
        for (Tally tally : tallies) {
            sum += tally.bytes();
        }
        return sum;
    }

    private static void pause(long nanos) {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
