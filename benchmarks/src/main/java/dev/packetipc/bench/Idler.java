package dev.packetipc.bench;

/**
 * What a spinning loop does when there was nothing to do, in the manner of Agrona's back-off idle strategy without
 * the parking: spin a little, then yield the core. On a 2-core machine with a sender, a receiver and often a media
 * driver, a loop that only spins would take the core the other side needs.
 */
final class Idler {
    private static final int SPINS = 100;

    private int idle;

    /** Called after a pass that did nothing. */
    void idle() {
        if (++idle < SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /** Called after a pass that did something. */
    void reset() {
        idle = 0;
    }
}
