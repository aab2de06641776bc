package dev.packetipc.spi;

import java.time.Duration;

/** How every transport turns a user's {@link Duration} into a wait, so that all of them agree on the edge cases. */
public final class Timeouts {
    /** The wait that never runs out. */
    public static final long FOREVER = Long.MAX_VALUE;

    private Timeouts() {}

    /**
     * The timeout in nanoseconds, saturating at {@link #FOREVER} for very long durations.
     *
     * @param timeout the timeout, zero or positive
     * @return the timeout in nanoseconds, or {@link #FOREVER} if it does not fit in a {@code long}
     * @throws IllegalArgumentException if the timeout is negative
     */
    public static long toNanos(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout must not be negative, was " + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return FOREVER;
        }
    }
}
