package dev.packetipc.bench;

/**
 * How long each workload runs: a warm-up, then {@code repeats} measured windows back to back.
 *
 * @param warmupMillis warm-up before the first window
 * @param windowMillis length of one measured window
 * @param repeats number of windows; the reported figure is their median
 */
public record Timing(long warmupMillis, long windowMillis, int repeats) {
    /** The full run's timing of one measurement (the full run makes five rounds of these): 1 s windows. */
    public static final Timing FULL = new Timing(500, 1000, 2);

    /** The {@code --quick} run's timing. */
    public static final Timing QUICK = new Timing(200, 300, 1);

    /** Checks the numbers. */
    public Timing {
        if (warmupMillis < 0 || windowMillis < 1 || repeats < 1) {
            throw new IllegalArgumentException("warm-up must be >= 0 ms, window >= 1 ms, repeats >= 1: " + warmupMillis
                    + ", " + windowMillis + ", " + repeats);
        }
    }

    /** Warm-up plus every window, in milliseconds. */
    public long totalMillis() {
        return warmupMillis + windowMillis * repeats;
    }

    /** The form the child JVMs parse: {@code warmup:window:repeats}. */
    public String code() {
        return warmupMillis + ":" + windowMillis + ":" + repeats;
    }

    /** Parses {@link #code()}. */
    public static Timing parse(String code) {
        String[] parts = code.split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a timing: '" + code + "'");
        }
        return new Timing(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Integer.parseInt(parts[2]));
    }
}
