package dev.packetipc.spi.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Shared memory for server and client in one process: a region is a direct buffer that {@link #share} queues for the
 * next {@link #open} or {@link #openWritable}, in the order the frames announcing them travel. Lets the engine's tests
 * run the whole shared-memory path (RING, REGION, ring, RELEASE) over a real socket without any operating-system
 * handle.
 */
final class InMemorySharedMemory implements SharedMemory {
    private final ConcurrentLinkedQueue<ByteBuffer> shared = new ConcurrentLinkedQueue<>();
    private final boolean writable;

    /** Shared memory that can also share the packet ring. */
    InMemorySharedMemory() {
        this(true);
    }

    /** Shared memory that shares writable regions (the packet ring) only if {@code writable}. */
    InMemorySharedMemory(boolean writable) {
        this.writable = writable;
    }

    @Override
    public SharedRegion create(long size) {
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) size);
        return new SharedRegion() {
            @Override
            public ByteBuffer buffer() {
                return buffer;
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public boolean sharesWritable() {
        return writable;
    }

    @Override
    public SharedRegion createWritable(long size) {
        return create(size);
    }

    private volatile ByteBuffer first;

    /** The first region shared (with the ring on, the ring), little-endian, for tests that look at its words. */
    ByteBuffer firstShared() {
        return first.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public int share(SharedRegion region, StreamChannel channel) {
        if (first == null) {
            first = region.buffer();
        }
        shared.add(region.buffer());
        return 0;
    }

    @Override
    public ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException {
        return next().asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer openWritable(StreamChannel channel, int handle, long size) throws IOException {
        return next().duplicate();
    }

    private ByteBuffer next() throws IOException {
        ByteBuffer buffer = shared.poll();
        if (buffer == null) {
            throw new IOException("no region was shared");
        }
        return buffer;
    }
}
