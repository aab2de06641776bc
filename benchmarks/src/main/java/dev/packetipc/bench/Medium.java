package dev.packetipc.bench;

import java.io.IOException;

/**
 * A way to move packets between two JVMs that the harness measures: one of our transports through the public API,
 * or a baseline (raw sockets, Chronicle Queue, Aeron IPC, the two-thread ring). One instance lives in each child JVM for
 * a whole run of workloads.
 */
public interface Medium extends AutoCloseable {
    /** Server side: gets ready for the workload's streams. */
    Listener listen(Workload workload) throws Exception;

    /**
     * Client side, before the client JVM listens for a round trip's answers: the server's address, for a medium
     * whose answering side must use what the server started (Aeron's media driver) rather than start its own.
     */
    default void peer(String serverAddress) {}

    /** Client side: connects stream {@code stream} to the listener at {@code address}. */
    Inbound connect(String address, int stream, Workload workload) throws Exception;

    /** The most payload bytes one workload may send per stream (media that fill files or memory set a cap). */
    default long volumeCapBytes(Workload workload) {
        return Long.MAX_VALUE;
    }

    /** Whether the server JVM sends; false for the two-thread ring, whose client JVM makes its own bytes. */
    default boolean hasSender() {
        return true;
    }

    /** Releases what the medium holds for the whole run (an Aeron media driver, for example). */
    @Override
    default void close() throws IOException {}
}
