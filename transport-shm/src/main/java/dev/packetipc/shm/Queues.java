package dev.packetipc.shm;

import java.nio.file.Path;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * How the transport opens its Chronicle queues: five-minute cycles, rolled early by the sender's {@link RollingClock}
 * after a number of bytes, and sized blocks. The cycle's length only names the files; what matters is its index:
 * one entry every 256 documents, in arrays of 2048 (16 KiB). Chronicle's one-second test cycle indexes every 4th
 * document in arrays of 32768, which cost small batches a fifth of their time in index scans.
 */
final class Queues {
    /** Cycles the sender's {@link RollingClock} rolls after a number of bytes (or every five minutes, if sooner). */
    static final RollCycles ROLL_CYCLE = RollCycles.FIVE_MINUTELY;

    /**
     * Chronicle's time-out for its locks and for a cycle's end-of-file marker (its default is 10 s, and its table-store
     * lock waits 1.5 times that). A connection's queue has one writer, so a lock is contended, or an end-of-file
     * marker missing, only when that writer died in the middle of writing (a killed server). A reader then waited out
     * Chronicle's time-outs inside {@code readingDocument()}, where it could not look at the server's lease: a killed
     * server was noticed after 40 s instead of within the lease (measured: over 25 servers killed mid-stream, the
     * slowest was noticed after 4.2 s with 1 s here, 0.2 s with 100 ms). A live writer holds a lock, or leaves a cycle
     * without its marker, for microseconds; 500 ms leaves a descheduled writer room on a loaded machine.
     */
    static final long CHRONICLE_TIMEOUT_MILLIS = 500;

    private Queues() {}

    /** The queue of one connection. */
    static SingleChronicleQueue open(
            Path directory, int maxDocumentBytes, TimeProvider clock, StoreFileListener listener) {
        return SingleChronicleQueueBuilder.binary(directory)
                .rollCycle(ROLL_CYCLE)
                .blockSize(blockSize(maxDocumentBytes))
                .timeProvider(clock)
                .timeoutMS(CHRONICLE_TIMEOUT_MILLIS)
                .storeFileListener(listener)
                .build();
    }

    /** Chronicle accepts documents up to a quarter of the block size; never below 16 MiB. */
    static long blockSize(int maxDocumentBytes) {
        return Math.max(16L << 20, Long.highestOneBit(4L * maxDocumentBytes + 65536) << 1);
    }
}
