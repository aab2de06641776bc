package dev.packetipc.shm;

import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The sender's clock for Chronicle: it starts at the wall clock and jumps one roll cycle ahead whenever the
 * sender asks, so that cycle files roll after a fixed number of bytes rather than after a fixed time. Small cycle
 * files are what lets consumed data be deleted while a long stream still flows.
 */
final class RollingClock implements TimeProvider {
    private final long cycleMillis;
    private volatile long millis;

    RollingClock(long cycleMillis) {
        this.cycleMillis = cycleMillis;
        this.millis = System.currentTimeMillis();
    }

    /** Moves to the next cycle; the next document goes into a new cycle file. */
    void roll() {
        millis = currentTimeMillis() + cycleMillis;
    }

    @Override
    public long currentTimeMillis() {
        long now = System.currentTimeMillis();
        return Math.max(millis, now);
    }
}
