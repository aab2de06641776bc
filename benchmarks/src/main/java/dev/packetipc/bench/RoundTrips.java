package dev.packetipc.bench;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** Round-trip times recorded in an HdrHistogram (1 ns to 60 s, three significant digits). */
public final class RoundTrips {
    private final Histogram histogram;

    /** An empty recorder. */
    public RoundTrips() {
        this(new Histogram(60_000_000_000L, 3));
    }

    private RoundTrips(Histogram histogram) {
        this.histogram = histogram;
    }

    /** Records one round trip. */
    public void record(long nanos) {
        histogram.recordValue(Math.max(1, Math.min(nanos, histogram.getHighestTrackableValue())));
    }

    /**
     * Records one round trip of a run at a fixed rate, corrected for coordinated omission: a round trip that took
     * longer than the interval also stands for the sends that should have started meanwhile.
     */
    public void record(long nanos, long intervalNanos) {
        histogram.recordValueWithExpectedInterval(
                Math.max(1, Math.min(nanos, histogram.getHighestTrackableValue())), intervalNanos);
    }

    /** Round trips recorded. */
    public long count() {
        return histogram.getTotalCount();
    }

    /** The value at this percentile (0–100), in nanoseconds. */
    public long percentileNanos(double percentile) {
        return histogram.getValueAtPercentile(percentile);
    }

    /** The longest round trip, in nanoseconds. */
    public long maxNanos() {
        return histogram.getMaxValue();
    }

    /**
     * {@code count p50 p99 p99.9 max histogram} (nanoseconds; the histogram compressed and Base64-encoded), as the
     * server JVM reports them.
     */
    public String report() {
        return count() + " " + percentileNanos(50) + " " + percentileNanos(99) + " " + percentileNanos(99.9) + " "
                + maxNanos() + " " + encode(histogram);
    }

    /** The histogram, compressed and Base64-encoded (no spaces). */
    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The histogram {@link #encode} wrote. */
    static Histogram decode(String encoded) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(encoded)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("not an encoded histogram", e);
        }
    }
}
