package dev.packetipc.bench;

/**
 * The median, the smallest and the largest of a few values (one per round), and how many there were.
 *
 * @param median the median ({@link Stats#median})
 * @param min the smallest
 * @param max the largest
 * @param count how many values
 */
public record Spread(double median, double min, double max, int count) {
    /** The spread of these values (at least one). */
    public static Spread of(double[] values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double value : values) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        return new Spread(Stats.median(values), min, max, values.length);
    }
}
