package dev.packetipc.flow;

/**
 * One worker's counters in a {@link FlowFanout}, as of one moment. Counters are updated once per batch, so a
 * snapshot taken during a {@code send} may lag that batch.
 *
 * @param worker the worker's index, its position in the list of connections the fan-out was built with
 * @param live whether the worker still receives flows
 * @param packets packets handed to the worker's connection and accepted by it
 * @param bytes payload bytes of those packets
 * @param batches non-empty batches the worker's connection accepted
 * @param droppedPackets packets {@link SlowWorkerPolicy#DROP} dropped because the worker did not keep up
 * @param droppedBytes payload bytes of those packets
 * @param buckets flow buckets the worker owns now (0 once it is lost); each bucket is {@code 1/bucketCount} of the
 *     flow space
 * @param bucketsMovedIn flow buckets that moved to this worker from lost workers
 */
public record WorkerCounters(
        int worker,
        boolean live,
        long packets,
        long bytes,
        long batches,
        long droppedPackets,
        long droppedBytes,
        int buckets,
        long bucketsMovedIn) {}
