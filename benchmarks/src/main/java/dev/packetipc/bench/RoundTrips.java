package dev.packetipc.bench;

import org.HdrHistogram.Histogram;

/** Round-trip times recorded in an HdrHistogram (1 ns to 60 s, three significant digits). */
public final class RoundTrips {
    private final Histogram histogram = new Histogram(60_000_000_000L, 3);

    /** Records one round trip. */
    public void record(long nanos) {
        histogram.recordValue(Math.max(1, Math.min(nanos, histogram.getHighestTrackableValue())));
    }

    /** Round trips recorded. */
    public long count() {
        return histogram.getTotalCount();
    }

    /** The value at this percentile (0–100), in nanoseconds. */
    public long percentileNanos(double percentile) {
        return histogram.getValueAtPercentile(percentile);
    }

    /** {@code count p50 p99 p99.9} in nanoseconds, as the server JVM reports them. */
    public String report() {
        return count() + " " + percentileNanos(50) + " " + percentileNanos(99) + " " + percentileNanos(99.9);
    }
}
