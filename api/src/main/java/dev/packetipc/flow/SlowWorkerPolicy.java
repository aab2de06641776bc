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
     * times out what of the share was not sent is counted as dropped for that worker
     * ({@link WorkerCounters#droppedPackets()}) and the fan-out carries on. A leading part of the share that the
     * connection counted as sent before the timeout ({@link dev.packetipc.Connection#packetsSent()}) counts as sent,
     * not dropped.
     *
     * <p>What a drop means depends on the transport, because a timed-out send may have sent part of the batch and
     * may close the connection:
     *
     * <ul>
     *   <li>{@code inprocess}: a timed-out send delivers nothing and leaves the connection open, so the counts are
     *       exact and the worker gets later shares once it catches up;
     *   <li>{@code unix} and {@code pipe} (the shared stream engine): a send that times out while waiting for shared
     *       memory or room in the packet ring may have delivered a leading part of the share (counted as sent, the
     *       rest as dropped, exactly); one that times out while writing to the socket or pipe closes the
     *       connection, even when no byte of the frame was written. The fan-out then treats the worker as lost:
     *       its flows move to the others ({@link WorkerLossPolicy}). With the default zero timeout this happens the
     *       first time that worker's socket buffer is full, so there give {@link FlowFanout.Builder#dropTimeout} a
     *       margin, or use {@link #BLOCK}.
     * </ul>
     */
    DROP
}
