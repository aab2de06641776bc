package dev.packetipc.shm;

import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One observer's view of a peer's {@link Side}: the peer is gone when its process is verifiably gone (after its
 * heartbeat has stood still for {@link #PID_CHECK_AFTER_NANOS}), or, unverified, when its heartbeat counter has not
 * advanced for the lease, measured on the observer's own monotonic clock ({@link System#nanoTime()}). No wall clock
 * is involved, so a clock step changes nothing, and the peer's clock (or pid namespace) does not matter.
 *
 * <p>Only a verified death allows deleting the peer's files ({@link Verdict#verified()}); a peer that is only
 * suspected (frozen, or in another pid namespace and silent) is reported as gone but its files are left to it.
 */
final class PeerWatch {
    /** How long the heartbeat must stand still before the peer's process is looked up (two heartbeats). */
    static final long PID_CHECK_AFTER_NANOS = 2 * Heartbeats.PERIOD_MILLIS * 1_000_000L;
    /** How often the process is looked up while the heartbeat stands still. */
    static final long PID_CHECK_EVERY_NANOS = 20_000_000L;

    /** Why a peer counts as gone, and whether that is verified (its process is gone) or only suspected. */
    record Verdict(String reason, boolean verified) {}

    private final Side side;
    private final long leaseNanos;
    private final LongSupplier clock;
    private long lastBeat;
    private long lastChange;
    private long nextPidCheck;
    private Verdict dead;

    /** Watches a side on {@link System#nanoTime()}; the watch starts now. */
    PeerWatch(Side side, long leaseMillis) {
        this(side, leaseMillis, System::nanoTime);
    }

    /** Watches a side on the given monotonic clock (nanoseconds); the watch starts now. */
    PeerWatch(Side side, long leaseMillis, LongSupplier clock) {
        this.side = side;
        this.leaseNanos = leaseMillis * 1_000_000L;
        this.clock = clock;
        this.lastBeat = side.heartbeat();
        this.lastChange = clock.getAsLong();
        this.nextPidCheck = lastChange + PID_CHECK_AFTER_NANOS;
    }

    /** Whether the peer is gone, and why; empty while it lives (or may live). */
    synchronized Optional<Verdict> check() {
        if (dead != null) {
            return Optional.of(dead); // a process that is gone does not come back
        }
        long now = clock.getAsLong();
        long beat = side.heartbeat();
        if (beat != lastBeat) {
            lastBeat = beat;
            lastChange = now;
            nextPidCheck = now + PID_CHECK_AFTER_NANOS;
            return Optional.empty();
        }
        long still = now - lastChange;
        if (now - nextPidCheck >= 0) {
            nextPidCheck = now + PID_CHECK_EVERY_NANOS;
            if (side.isVerifiablyGone()) {
                dead = new Verdict("its process " + side.pid() + " is no longer alive", true);
                return Optional.of(dead);
            }
        }
        if (still > leaseNanos) {
            return Optional.of(new Verdict(
                    "its heartbeat has not advanced for " + still / 1_000_000L + " ms (the liveness time-out,"
                            + " IpcOptions.LIVENESS_TIMEOUT or ShmOptions.LEASE_TIMEOUT, is " + leaseNanos / 1_000_000L
                            + " ms; process " + side.pid() + " is frozen, overloaded, or gone in another pid"
                            + " namespace; raise the time-out if it is only slow)",
                    false));
        }
        return Optional.empty();
    }
}
