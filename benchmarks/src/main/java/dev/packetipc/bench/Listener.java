package dev.packetipc.bench;

import java.io.IOException;

/** The server's side of one workload of one medium: an address for the client JVM and the accepted streams. */
public interface Listener extends AutoCloseable {
    /** What the client JVM connects to (a server name, a socket path, a directory). No spaces. */
    String address();

    /** Waits for stream {@code stream}'s receiver and returns its sending end. */
    Outbound accept(int stream) throws Exception;

    /** Releases the workload's resources (sockets, queue files). */
    @Override
    void close() throws IOException;
}
