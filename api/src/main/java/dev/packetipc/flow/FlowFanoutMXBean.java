package dev.packetipc.flow;

/**
 * The management view of one {@link FlowFanout}: totals over its workers, and per-worker arrays indexed by worker
 * number (the order of the connections it was built with). Registered only when asked, with
 * {@link FlowFanout#registerMBean(javax.management.MBeanServer)}; JConsole and VisualVM show it under
 * {@code dev.packetipc / FlowFanout}. Every attribute is read from one {@link FlowFanout#counters()} snapshot, so
 * the same limits apply: counters move once per batch.
 */
public interface FlowFanoutMXBean {
    /**
     * The fan-out's description, as its {@code toString()}: link type, rule, policies, workers.
     *
     * @return the fan-out's description, as its {@code toString()}: link type, rule, policies, workers
     */
    String getDescription();

    /**
     * Whether the fan-out can still send.
     *
     * @return whether the fan-out can still send
     */
    boolean isOpen();

    /**
     * Workers the fan-out was built with, lost ones included.
     *
     * @return workers the fan-out was built with, lost ones included
     */
    int getWorkerCount();

    /**
     * Workers still receiving flows.
     *
     * @return workers still receiving flows
     */
    int getLiveWorkers();

    /**
     * Flow buckets the flow space is cut into.
     *
     * @return flow buckets the flow space is cut into
     */
    int getBucketCount();

    /**
     * Packets accepted by every worker's connection, in total.
     *
     * @return packets accepted by every worker's connection, in total
     */
    long getPackets();

    /**
     * Payload bytes of those packets.
     *
     * @return payload bytes of those packets
     */
    long getBytes();

    /**
     * Non-empty batches the workers' connections accepted, in total.
     *
     * @return non-empty batches the workers' connections accepted, in total
     */
    long getBatches();

    /**
     * Packets dropped because a worker did not keep up ({@link SlowWorkerPolicy#DROP}), in total.
     *
     * @return packets dropped because a worker did not keep up ({@link SlowWorkerPolicy#DROP}), in total
     */
    long getDroppedPackets();

    /**
     * Payload bytes of those packets.
     *
     * @return payload bytes of those packets
     */
    long getDroppedBytes();

    /**
     * Flow buckets that moved from lost workers to live ones, in total.
     *
     * @return flow buckets that moved from lost workers to live ones, in total
     */
    long getBucketsMovedIn();

    /**
     * Per worker: whether it still receives flows.
     *
     * @return per worker: whether it still receives flows
     */
    boolean[] getWorkerLive();

    /**
     * Per worker: packets its connection accepted.
     *
     * @return per worker: packets its connection accepted
     */
    long[] getWorkerPackets();

    /**
     * Per worker: payload bytes of those packets.
     *
     * @return per worker: payload bytes of those packets
     */
    long[] getWorkerBytes();

    /**
     * Per worker: non-empty batches its connection accepted.
     *
     * @return per worker: non-empty batches its connection accepted
     */
    long[] getWorkerBatches();

    /**
     * Per worker: packets dropped because it did not keep up.
     *
     * @return per worker: packets dropped because it did not keep up
     */
    long[] getWorkerDroppedPackets();

    /**
     * Per worker: payload bytes of those packets.
     *
     * @return per worker: payload bytes of those packets
     */
    long[] getWorkerDroppedBytes();

    /**
     * Per worker: flow buckets it owns now (0 once lost).
     *
     * @return per worker: flow buckets it owns now (0 once lost)
     */
    int[] getWorkerBuckets();

    /**
     * Per worker: flow buckets that moved to it from lost workers.
     *
     * @return per worker: flow buckets that moved to it from lost workers
     */
    long[] getWorkerBucketsMovedIn();
}
