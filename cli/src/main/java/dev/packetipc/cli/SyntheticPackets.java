package dev.packetipc.cli;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo's packets: {@code size} bytes each, cut at varying offsets from one block of random bytes so that
 * neighbouring packets differ, with consecutive nanosecond timestamps. Batches reuse their packet objects, and
 * payloads are never copied before sending.
 */
final class SyntheticPackets {
    private static final int NOISE_BYTES = 1 << 20;

    private final ByteBuffer noise;
    private final int size;
    private final long firstTimestamp;
    private final List<Slot> batch;
    private long next;

    SyntheticPackets(int size, int batchSize, long seed) {
        this.size = size;
        byte[] bytes = new byte[NOISE_BYTES + size];
        new SplittableRandom(seed).nextBytes(bytes);
        this.noise = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        this.firstTimestamp = System.currentTimeMillis() * 1_000_000L;
        this.batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(new Slot());
        }
    }

    /**
     * The next {@code count} packets (at most the batch size). The list and its packets are reused by the next call.
     */
    List<? extends AsIpcPacket> nextBatch(int count) {
        for (int i = 0; i < count; i++) {
            Slot slot = batch.get(i);
            slot.timestampNanos = firstTimestamp + next;
            slot.offset = (int) ((next * 7919L) % NOISE_BYTES);
            next++;
        }
        return batch.subList(0, count);
    }

    /** One reused packet: a window on the random bytes. */
    private final class Slot implements AsIpcPacket {
        long timestampNanos;
        int offset;

        @Override
        public long timestampNanos() {
            return timestampNanos;
        }

        @Override
        public ByteBuffer data() {
            return noise.slice(offset, size);
        }

        @Override
        public int length() {
            return size;
        }
    }
}
