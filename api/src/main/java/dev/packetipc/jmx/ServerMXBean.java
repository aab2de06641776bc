package dev.packetipc.jmx;

/**
 * The management view of one server, registered under {@link IpcMBeans#serverObjectName(String)} while the server
 * is open, when {@link dev.packetipc.IpcOptions#JMX} is set. JConsole and VisualVM show it under
 * {@code dev.packetipc / Server}.
 */
public interface ServerMXBean {
    /**
     * The server's name, as {@link dev.packetipc.Server#name()}.
     *
     * @return the server's name, as {@link dev.packetipc.Server#name()}
     */
    String getName();

    /**
     * The id of the server's transport, e.g. {@code unix}.
     *
     * @return the id of the server's transport, e.g. {@code unix}
     */
    String getTransport();

    /**
     * Whether the server still accepts clients, as {@link dev.packetipc.Server#isOpen()}.
     *
     * @return whether the server still accepts clients
     */
    boolean isOpen();

    /**
     * Connections the server has accepted since it started.
     *
     * @return connections the server has accepted since it started
     */
    long getConnectionsAccepted();

    /**
     * Accepted connections not closed yet whose {@link dev.packetipc.Connection#isOpen()} is true.
     *
     * @return accepted connections not closed yet whose {@code isOpen()} is true
     */
    int getConnectionsOpen();
}
