package dev.packetipc.flow;

/** What {@link FlowFanout#send} does when a worker does not keep up. */
public enum SlowWorkerPolicy {
    /**
     * The default: wait for the slow worker, as {@link dev.packetipc.Connection#send(java.util.List)} does. Nothing
     * is lost; a slow worker slows the whole fan-out.
     */
    BLOCK,

    /**
     * Never wait longer than {@link FlowFanout.Builder#dropTimeout} (zero unless set) for a worker: its share of
     * the batch is sent with {@link dev.packetipc.Connection#send(java.util.List, java.time.Duration)}, and if that
     * times out the share is counted as dropped for that worker ({@link WorkerCounters#droppedPackets()}) and the
     * fan-out carries on.
     *
     * <p>What a drop means depends on the transport, because a timed-out send may have sent part of the batch: on
     * {@code inprocess} a timed-out send delivers nothing, so the counts are exact; on {@code unix} and {@code pipe}
     * a send that times out while waiting for shared memory may have delivered a leading part of the share (the
     * count is then an upper bound), and one that times out in the middle of writing closes the connection. A
     * connection that a timed-out send left closed is a lost worker: its flows move to the others as for a worker
     * that went away ({@link WorkerLossPolicy}).
     */
    DROP
}
