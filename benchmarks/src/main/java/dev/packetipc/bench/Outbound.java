package dev.packetipc.bench;

import java.io.IOException;

/** The sending end of one stream of one medium, in the server JVM. Used by one thread. */
public interface Outbound extends AutoCloseable {
    /** Sends the batch, blocking (or spinning) while the receiver lags. */
    void send(Batch batch) throws Exception;

    /** Tells the receiver that nothing more comes. */
    void end() throws Exception;

    @Override
    void close() throws IOException;
}
