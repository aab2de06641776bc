package dev.packetipc.jmx;

/**
 * The management view of one accepted connection, registered under
 * {@link IpcMBeans#connectionObjectName(String, long)} until the connection is closed, when
 * {@link dev.packetipc.IpcOptions#JMX} is set. Every counter is read from a fresh
 * {@link dev.packetipc.Connection#metrics()} snapshot when asked, so the limits of {@link
 * dev.packetipc.ConnectionMetrics} apply: counters move once per batch.
 */
public interface ConnectionMXBean {
    /**
     * The name of the server that accepted the connection.
     *
     * @return the name of the server that accepted the connection
     */
    String getServerName();

    /**
     * The id of the connection's transport, e.g. {@code unix}.
     *
     * @return the id of the connection's transport, e.g. {@code unix}
     */
    String getTransport();

    /**
     * Packets sent, as {@link dev.packetipc.ConnectionMetrics#packetsSent()}.
     *
     * @return packets sent
     */
    long getPacketsSent();

    /**
     * Payload bytes sent, without framing, as {@link dev.packetipc.ConnectionMetrics#bytesSent()}.
     *
     * @return payload bytes sent
     */
    long getBytesSent();

    /**
     * Non-empty batches sent, as {@link dev.packetipc.ConnectionMetrics#batchesSent()}.
     *
     * @return non-empty batches sent
     */
    long getBatchesSent();

    /**
     * Nanoseconds {@code send} waited for the client, as {@link dev.packetipc.ConnectionMetrics#sendWaitNanos()};
     * {@code -1} where the transport does not measure it.
     *
     * @return nanoseconds {@code send} waited for the client, or {@code -1}
     */
    long getSendWaitNanos();

    /**
     * Bytes the client has not taken back yet, as {@link dev.packetipc.ConnectionMetrics#bytesQueued()};
     * {@code -1} where the transport does not know.
     *
     * @return bytes the client has not taken back yet, or {@code -1}
     */
    long getBytesQueued();

    /**
     * Whether the connection is open, as {@link dev.packetipc.Connection#isOpen()}.
     *
     * @return whether the connection is open
     */
    boolean isOpen();
}
