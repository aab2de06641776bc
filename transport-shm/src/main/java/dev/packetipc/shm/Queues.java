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

    private Queues() {}

    /** The queue of one connection. */
    static SingleChronicleQueue open(
            Path directory, int maxDocumentBytes, TimeProvider clock, StoreFileListener listener) {
        return SingleChronicleQueueBuilder.binary(directory)
                .rollCycle(ROLL_CYCLE)
                .blockSize(blockSize(maxDocumentBytes))
                .timeProvider(clock)
                .storeFileListener(listener)
                .build();
    }

    /** Chronicle accepts documents up to a quarter of the block size; never below 16 MiB. */
    static long blockSize(int maxDocumentBytes) {
        return Math.max(16L << 20, Long.highestOneBit(4L * maxDocumentBytes + 65536) << 1);
    }
}
