package dev.packetipc.spi.stream;

import dev.packetipc.spi.Timeouts;

/** Turns waits into deadlines on {@link System#nanoTime()} and back, with {@link Timeouts#FOREVER} kept as is. */
final class Deadlines {
    private Deadlines() {}

    /** The deadline {@code waitNanos} from now. */
    static long after(long waitNanos) {
        if (waitNanos >= Timeouts.FOREVER / 4) { // more than 70 years: forever, and no overflow below
            return Timeouts.FOREVER;
        }
        return System.nanoTime() + waitNanos;
    }

    /** The wait left until {@code deadline}: 0 once it has passed. */
    static long left(long deadline) {
        if (deadline == Timeouts.FOREVER) {
            return Timeouts.FOREVER;
        }
        return Math.max(0, deadline - System.nanoTime()); // differences of nanoTime are safe from wrap-around
    }

    /** An exception as text for a message, also when it has no message of its own. */
    static String describe(Throwable e) {
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
