package dev.packetipc.jmx;

/**
 * The management view of one client, registered under {@link IpcMBeans#clientObjectName(String, long)} until the
 * client is closed, when {@link dev.packetipc.IpcOptions#JMX} is set. Every counter is read from a fresh
 * {@link dev.packetipc.Client#metrics()} snapshot when asked, so the limits of {@link dev.packetipc.ClientMetrics}
 * apply.
 */
public interface ClientMXBean {
    /**
     * The name of the server the client is connected to.
     *
     * @return the name of the server the client is connected to
     */
    String getServerName();

    /**
     * The id of the client's transport, e.g. {@code unix}.
     *
     * @return the id of the client's transport, e.g. {@code unix}
     */
    String getTransport();

    /**
     * Packets handed to the application, as {@link dev.packetipc.ClientMetrics#packetsReceived()}.
     *
     * @return packets handed to the application
     */
    long getPacketsReceived();

    /**
     * Their payload bytes, as {@link dev.packetipc.ClientMetrics#bytesReceived()}.
     *
     * @return their payload bytes
     */
    long getBytesReceived();

    /**
     * Whether the end of the stream has arrived, as {@link dev.packetipc.Client#isEndOfStreamReceived()}.
     *
     * @return whether the end of the stream has arrived
     */
    boolean isEndOfStreamReceived();
}
