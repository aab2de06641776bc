package dev.packetipc.spi.stream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Shared memory for server and client in one process: the region is a direct buffer that {@link #share} hands to the
 * next {@link #open}. Lets the engine's tests run the whole shared-memory path (REGION, ring, RELEASE) over a real
 * socket without any operating-system handle.
 */
final class InMemorySharedMemory implements SharedMemory {
    private volatile ByteBuffer shared;

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
    public int share(SharedRegion region, StreamChannel channel) {
        shared = region.buffer();
        return 0;
    }

    @Override
    public ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException {
        ByteBuffer buffer = shared;
        if (buffer == null) {
            throw new IOException("no region was shared");
        }
        return buffer.asReadOnlyBuffer();
    }
}
