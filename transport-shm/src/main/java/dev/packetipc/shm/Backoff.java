package dev.packetipc.shm;

import java.util.concurrent.locks.LockSupport;

/** Waiting without a peer to wake us: spin briefly, then yield, then park for growing spells up to a millisecond. */
final class Backoff {
    private static final int SPINS = 200;
    private static final int YIELDS = 50;
    private static final long MAX_PARK_NANOS = 1_000_000;
    private int idles;

    /** Starts over after progress. */
    void reset() {
        idles = 0;
    }

    /** Waits a little, longer the more often it was called since {@link #reset()}. */
    void idle() {
        idles++;
        if (idles < SPINS) {
            Thread.onSpinWait();
        } else if (idles < SPINS + YIELDS) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(MAX_PARK_NANOS, 10_000L << Math.min(7, idles - SPINS - YIELDS)));
        }
    }
}
