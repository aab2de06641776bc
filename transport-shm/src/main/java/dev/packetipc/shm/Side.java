package dev.packetipc.shm;

/**
 * One side's words in a {@link ControlFile}: who owns it (pid, start time, pid namespace: see
 * {@link ProcessIdentity}), a heartbeat counter that a daemon thread of the owner advances ({@link Heartbeats}), its
 * state, and for a client how far it has read (backpressure and retention).
 *
 * <p>The heartbeat is a counter, not a time: nothing here reads the wall clock. Whether it still advances is judged
 * by each observer on its own monotonic clock ({@link PeerWatch}).
 */
final class Side {
    /** Not there yet (the server has not accepted). */
    static final long NONE = 0;
    /** Open and working. */
    static final long OPEN = 1;
    /** Closed cleanly by its owner. */
    static final long CLOSED = 2;

    private static final int PID = 0;
    private static final int HEARTBEAT = 8;
    private static final int STATE = 16;
    private static final int CONSUMED_BYTES = 24;
    private static final int CONSUMED_CYCLE = 32;
    private static final int PRODUCED_BYTES = 40;
    private static final int START = 48;
    private static final int NAMESPACE = 56;

    private final ControlFile file;
    private final int base;

    Side(ControlFile file, int base) {
        this.file = file;
        this.base = base;
    }

    /** Writes this process as the side's owner (pid, start time, namespace) and a first heartbeat. */
    void claimForThisProcess() {
        file.set(base + PID, ProcessIdentity.PID);
        file.set(base + START, ProcessIdentity.START);
        file.set(base + NAMESPACE, ProcessIdentity.NAMESPACE);
        beat();
    }

    /** Claims the side for this process and marks it open. */
    void openAsThisProcess() {
        claimForThisProcess();
        file.set(base + STATE, OPEN);
    }

    /** Advances the heartbeat counter; only the owner calls it. */
    void beat() {
        file.set(base + HEARTBEAT, file.get(base + HEARTBEAT) + 1);
    }

    long heartbeat() {
        return file.get(base + HEARTBEAT);
    }

    long pid() {
        return file.get(base + PID);
    }

    long state() {
        return file.get(base + STATE);
    }

    void markOpen() {
        file.set(base + STATE, OPEN);
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
     * Whether the owner's process is verifiably gone (see {@link ProcessIdentity#isVerifiablyGone}): only then may
     * another process delete the files this side uses. A side in another pid namespace is never verifiably gone.
     */
    boolean isVerifiablyGone() {
        return ProcessIdentity.isVerifiablyGone(
                file.get(base + PID), file.get(base + START), file.get(base + NAMESPACE));
    }

    /** Whether the side may still be in use: open, and its process not verifiably gone (a one-shot check). */
    boolean mayLive() {
        return state() == OPEN && !isVerifiablyGone();
    }
}
