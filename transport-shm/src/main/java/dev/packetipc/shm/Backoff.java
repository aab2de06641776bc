package dev.packetipc.shm;

import java.util.concurrent.locks.LockSupport;

/**
 * Waiting without a peer to wake us: spin for {@value #SPIN_NANOS} ns (a peer that is working is usually back within
 * that, and a parked thread takes tens of microseconds to wake), then yield for up to {@value #YIELD_NANOS} ns, then
 * park for growing spells up to a millisecond, so an idle side costs little CPU.
 */
final class Backoff {
    static final long SPIN_NANOS = 50_000;
    static final long YIELD_NANOS = 200_000;
    private static final long MIN_PARK_NANOS = 10_000;
    private static final long MAX_PARK_NANOS = 1_000_000;
    private long since;
    private long park;

    /** Starts over after progress. */
    void reset() {
        since = 0;
    }

    /** Waits a little, longer the longer it has been waiting since {@link #reset()}. */
    void idle() {
        long now = System.nanoTime();
        if (since == 0) {
            since = now;
            park = MIN_PARK_NANOS;
        }
        long waited = now - since;
        if (waited < SPIN_NANOS) {
            Thread.onSpinWait();
        } else if (waited < SPIN_NANOS + YIELD_NANOS) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(park);
            park = Math.min(MAX_PARK_NANOS, 2 * park);
        }
    }
}
