package dev.packetipc.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The candidate ceiling: two threads of the client JVM and a ring of {@value #RING_BYTES} bytes, the size of our
 * Unix transport's shared-memory region ({@code IpcOptions.SHARED_MEMORY_BYTES}) and of our shm transport's largest
 * cycle file. A writer thread copies every batch into the ring as the socket baselines pack it ({@link RecordCodec}
 * records, published every 1 MiB at most); the receiving thread reads every record out with the same
 * {@link Consume} as every other contender, about 1 MiB per call (as a socket receiver's read), and hands the space
 * back after each. Both spin ({@link Idler}) when the ring is full or empty. No process
 * boundary, no system call, no framing checks: it is a ceiling only where no contender beats it, and the table says
 * so.
 */
final class RingMedium implements Medium {
    static final int RING_BYTES = 32 << 20;
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int PAD = -2;

    @Override
    public Listener listen(Workload workload) {
        return new Listener() {
            @Override
            public String address() {
                return "-";
            }

            @Override
            public Outbound accept(int stream) {
                throw new UnsupportedOperationException("the ring has no sender in the server JVM");
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) {
        Batch batch = new Batch(workload.batch(), workload.payloadBytes(), workload.consume() == Consume.Mode.VERIFY);
        return new RingInbound(batch, new Consume(workload.consume()));
    }

    @Override
    public boolean hasSender() {
        return false;
    }

    private static final class RingInbound implements Inbound {
        private final ByteBuffer ring = RecordCodec.buffer(RING_BYTES, Workload.throughput(1, 1, 1));
        private final AtomicLong head = new AtomicLong();
        private final AtomicLong tail = new AtomicLong();
        private final Batch batch;
        private final Consume consume;
        private final Thread writer;
        private volatile boolean stopped;
        private volatile boolean writerDone;
        private volatile Throwable writerFailure;
        private Tally tally;

        RingInbound(Batch batch, Consume consume) {
            this.batch = batch;
            this.consume = consume;
            this.writer = new Thread(this::write, "bench-ring-writer");
            writer.setDaemon(true);
            writer.start();
        }

        private void write() {
            try {
                int record = RecordCodec.HEADER + batch.payloadBytes();
                ByteBuffer out = ring.duplicate().order(ring.order());
                Idler idler = new Idler();
                long written = 0;
                while (!stopped) {
                    batch.stamp();
                    int next = 0;
                    while (next < batch.count() && !stopped) {
                        if (RING_BYTES - (written - tail.get()) < CHUNK_BYTES + record) {
                            idler.idle();
                            continue;
                        }
                        int pos = (int) (written % RING_BYTES);
                        int room = RING_BYTES - pos;
                        if (room < record) {
                            if (room >= RecordCodec.HEADER) {
                                out.putInt(pos, PAD);
                            }
                            written += room;
                            head.lazySet(written);
                            continue;
                        }
                        out.limit(pos + Math.min(room, Math.max(CHUNK_BYTES, record)));
                        out.position(pos);
                        next = RecordCodec.encode(batch, next, out);
                        written += out.position() - pos;
                        head.lazySet(written);
                    }
                }
            } catch (Throwable t) {
                writerFailure = t;
            } finally {
                writerDone = true;
            }
        }

        @Override
        public Consume consume() {
            return consume;
        }

        @Override
        public int receive(Tally tally) {
            this.tally = tally;
            long read = tail.get();
            long available = head.get();
            if (read == available) {
                if (writerDone) {
                    if (writerFailure != null) {
                        throw new IllegalStateException("the ring's writer failed", writerFailure);
                    }
                    return head.get() == read ? END : 0;
                }
                return 0;
            }
            int packets = 0;
            long bytes = 0;
            long until = Math.min(available, read + CHUNK_BYTES); // hand space back every 1 MiB, as a socket read
            while (read < until) {
                int pos = (int) (read % RING_BYTES);
                int room = RING_BYTES - pos;
                if (room < RecordCodec.HEADER || ring.getInt(pos) == PAD) {
                    read += room;
                    continue;
                }
                int length = ring.getInt(pos);
                consume.timestamp(ring.getLong(pos + 8));
                consume.packet(ring, pos + RecordCodec.HEADER, length);
                read += RecordCodec.HEADER + length;
                packets++;
                bytes += length;
            }
            tail.lazySet(read);
            tally.add(packets, bytes);
            return packets;
        }

        @Override
        public void measured() {
            stopped = true;
        }

        @Override
        public void close() {
            stopped = true;
            if (tally != null) {
                tally.consume(consume.sink());
            }
        }
    }
}
