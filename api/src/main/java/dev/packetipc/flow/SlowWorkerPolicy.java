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
     *       rest as dropped, exactly); so may one that times out while writing to a full socket or pipe, as long
     *       as no byte of the frame it was writing went out (then the connection stays open). Only a send that
     *       times out with a frame written in part closes the connection, which a full socket with small frames
     *       does not cause; the fan-out then treats the worker as lost: its flows move to the others
     *       ({@link WorkerLossPolicy}).
     * </ul>
     */
    DROP
}
