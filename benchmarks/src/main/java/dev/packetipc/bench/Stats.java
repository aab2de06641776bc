package dev.packetipc.bench;

import java.util.Arrays;

/** The small arithmetic of the results: rates and medians. */
public final class Stats {
    private Stats() {}

    /** Events per second for {@code count} events in {@code nanos} nanoseconds (0 when no time passed). */
    public static double perSecond(long count, long nanos) {
        return nanos <= 0 ? 0 : count * 1e9 / nanos;
    }

    /** The median; the mean of the two middle values for an even count. */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("the median of nothing");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
