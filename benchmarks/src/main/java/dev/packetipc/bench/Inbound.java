package dev.packetipc.bench;

import java.io.IOException;

/** The receiving end of one stream of one medium, in the client JVM. Used by one thread. */
public interface Inbound extends AutoCloseable {
    /** Returned by {@link #receive} once the sender's end has arrived. */
    int END = -1;

    /**
     * Takes in what has arrived, waiting for it the way the medium waits (blocking read, poll with a timeout, or
     * returning 0 at once for spinning media, whose caller then backs off with an {@link Idler}), and adds it to the tally.
     *
     * @return packets taken in (0 if none yet), or {@link #END}
     */
    int receive(Tally tally) throws Exception;

    /** What this receiver does with every packet (a round trip listens to the timestamps through it). */
    Consume consume();

    /** Called when the meter has finished; only a medium without a sender (the ring) uses it to stop. */
    default void measured() {}

    @Override
    void close() throws IOException;
}
