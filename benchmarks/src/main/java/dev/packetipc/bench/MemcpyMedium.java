package dev.packetipc.bench;

import java.nio.ByteBuffer;

/**
 * The physical limit: one copy of each packet (header and payload) into a 128 MiB ring in memory, far larger than
 * the caches, in the client JVM alone. Every transport must make at least this copy, so none can beat it by much.
 */
final class MemcpyMedium implements Medium {
    private static final int RING_BYTES = 128 << 20;

    @Override
    public Listener listen(Workload workload) {
        return new Listener() {
            @Override
            public String address() {
                return "-";
            }

            @Override
            public Outbound accept(int stream) {
                throw new UnsupportedOperationException("the memory copy has no sender");
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) {
        return new CopyingInbound(new Batch(workload.batch(), workload.payloadBytes()));
    }

    @Override
    public boolean hasSender() {
        return false;
    }

    private static final class CopyingInbound implements Inbound {
        private final Batch batch;
        private final ByteBuffer ring = RecordCodec.buffer(RING_BYTES, Workload.throughput(1, 1, 1));
        private volatile boolean stopped;

        CopyingInbound(Batch batch) {
            this.batch = batch;
        }

        @Override
        public int receive(Tally tally) {
            if (stopped) {
                return END;
            }
            int next = 0;
            while (next < batch.count()) {
                next = RecordCodec.encode(batch, next, ring);
                if (next < batch.count()) {
                    ring.clear();
                }
            }
            tally.add(batch.count(), batch.totalBytes());
            return batch.count();
        }

        @Override
        public void measured() {
            stopped = true;
        }

        @Override
        public void close() {}
    }
}
