package dev.packetipc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A named endpoint that clients connect to. Each accepted client gets its own {@link Connection}.
 *
 * <p>Thread-safe: {@link #close()} may be called from any thread and wakes every blocked {@link #accept()} with a
 * {@link ClosedException}.
 */
public interface Server extends AutoCloseable {
    /**
     * The name clients pass to {@link PacketIpc#connect(String)}: a URI that carries the transport.
     *
     * @return the server's name
     */
    String name();

    /**
     * Waits for the next client.
     *
     * @return the connection to the client
     * @throws ClosedException if the server is or gets closed
     */
    Connection accept() throws IpcException;

    /**
     * Waits at most {@code timeout} for the next client.
     *
     * @param timeout the longest wait
     * @return the connection to the client
     * @throws IpcTimeoutException if no client connected in time
     * @throws ClosedException if the server is or gets closed
     */
    Connection accept(Duration timeout) throws IpcException;

    /**
     * Accepts the next client on a thread of its own and completes with its connection, or exceptionally with the
     * failure. Cancelling the future does not stop the accept; closing the server does.
     *
     * @return a future of the next client's connection
     */
    default CompletableFuture<Connection> acceptAsync() {
        CompletableFuture<Connection> future = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        Connection connection = accept();
                        if (!future.complete(connection)) {
                            connection.close();
                        }
                    } catch (Throwable t) {
                        future.completeExceptionally(t);
                    }
                },
                "packet-ipc-accept " + name());
        thread.setDaemon(true);
        thread.start();
        return future;
    }

    /**
     * Whether the server still accepts clients.
     *
     * @return true until the server is closed
     */
    boolean isOpen();

    /**
     * Stops accepting, wakes blocked accepts and releases the name. Connections already accepted stay open until
     * they are closed themselves. Idempotent.
     */
    @Override
    void close();
}
