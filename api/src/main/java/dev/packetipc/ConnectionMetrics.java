package dev.packetipc;

/**
 * A snapshot of one connection's counters, from {@link Connection#metrics()}: what was sent, how long sending waited
 * for the client, and how far the client is behind. Each value is read once, without a lock, so a snapshot taken
 * while another thread sends may mix values from just before and just after a batch.
 *
 * @param packetsSent packets sent, as {@link Connection#packetsSent()}
 * @param bytesSent payload bytes sent, without framing, as {@link Connection#bytesSent()}
 * @param batchesSent non-empty batches sent, as {@link Connection#batchesSent()}
 * @param sendWaitNanos nanoseconds that {@code send} and {@code sendEnd} spent waiting for the client to make room
 *     (a full ring, shared-memory region or socket buffer), summed; {@code -1} if the transport does not measure it
 * @param bytesQueued bytes written for the client that it had not yet taken back, as the sender last saw (packet
 *     ring and shared-memory region); {@code -1} if the transport does not know
 * @param open whether the connection is open, as {@link Connection#isOpen()}
 */
public record ConnectionMetrics(
        long packetsSent, long bytesSent, long batchesSent, long sendWaitNanos, long bytesQueued, boolean open) {}
