package dev.packetipc.shm;

import java.util.Optional;

/**
 * One side's words in a {@link ControlFile}: its process id, a heartbeat that a daemon thread advances
 * ({@link Heartbeats}), its state, and for a client how far it has read (backpressure and retention).
 */
final class Side {
    /** Not there yet (the server has not accepted). */
    static final long NONE = 0;
    /** Open and working. */
    static final long OPEN = 1;
    /** Closed cleanly by its owner. */
    static final long CLOSED = 2;

    /** How long a heartbeat may lag when the process id looks dead (guards against foreign pid namespaces). */
    static final long DEAD_PID_GRACE_MILLIS = 3 * Heartbeats.PERIOD_MILLIS;

    private static final int PID = 0;
    private static final int HEARTBEAT = 8;
    private static final int STATE = 16;
    private static final int CONSUMED_BYTES = 24;
    private static final int CONSUMED_CYCLE = 32;
    private static final int PRODUCED_BYTES = 40;

    private final ControlFile file;
    private final int base;

    Side(ControlFile file, int base) {
        this.file = file;
        this.base = base;
    }

    /** Claims the side for this process and marks it open; the heartbeat starts now. */
    void openAsThisProcess() {
        file.set(base + PID, ProcessHandle.current().pid());
        beat();
        file.set(base + STATE, OPEN);
    }

    void beat() {
        file.set(base + HEARTBEAT, System.currentTimeMillis());
    }

    long state() {
        return file.get(base + STATE);
    }

    void markClosed() {
        file.set(base + STATE, CLOSED);
    }

    long consumedBytes() {
        return file.get(base + CONSUMED_BYTES);
    }

    int consumedCycle() {
        return (int) file.get(base + CONSUMED_CYCLE);
    }

    /** Publishes how far the reader has got: bytes of documents consumed and the cycle it reads. */
    void publishConsumed(long bytes, int cycle) {
        file.set(base + CONSUMED_CYCLE, cycle);
        file.set(base + CONSUMED_BYTES, bytes);
    }

    /** Publishes how many document bytes the writer has appended (a reader that cannot find them is stuck). */
    void publishProduced(long bytes) {
        file.set(base + PRODUCED_BYTES, bytes);
    }

    long producedBytes() {
        return file.get(base + PRODUCED_BYTES);
    }

    /**
     * Why this side is gone although it did not close, or empty while it lives: its process died (and its heartbeat
     * stopped) or its heartbeat is older than the lease.
     */
    Optional<String> goneReason(long leaseMillis) {
        long pid = file.get(base + PID);
        long age = System.currentTimeMillis() - file.get(base + HEARTBEAT);
        if (age > leaseMillis) {
            return Optional.of("its heartbeat stopped " + age + " ms ago (process " + pid + ")");
        }
        if (age > DEAD_PID_GRACE_MILLIS && !isAlive(pid)) {
            return Optional.of("its process " + pid + " is no longer alive");
        }
        return Optional.empty();
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
