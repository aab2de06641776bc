package dev.packetipc.shm;

import java.nio.file.Path;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/** How the transport opens its Chronicle queues: one-second cycles (rolled early by the sender), sized blocks. */
final class Queues {
    /** Cycles of one second; the sender's {@link RollingClock} rolls them after a number of bytes. */
    static final TestRollCycles ROLL_CYCLE = TestRollCycles.TEST_SECONDLY;

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
