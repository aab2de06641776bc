package dev.packetipc.bench;

import dev.packetipc.IpcOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The raw Chronicle Queue baseline: one queue per stream in a fresh directory beside our transports' runtime
 * directory (on {@code /dev/shm} when it has room), opened with the settings our shm transport gives its queues (the
 * five-minute roll cycle, and the block size it derives from the default {@code MAX_FRAME_BYTES}: 128 MiB); an
 * appender that writes each batch as documents of at most 1 MiB ({@code count}, then per packet timestamp, length,
 * payload), and a spinning tailer that walks each document in place. Chronicle has no blocking tailer: spin only.
 */
final class ChronicleMedium implements Medium {
    /** Our shm transport's roll cycle ({@code dev.packetipc.shm.Queues}). */
    static final RollCycles ROLL_CYCLE = RollCycles.FIVE_MINUTELY;
    /** Our shm transport's block size for the default largest frame ({@code Queues.blockSize}): 128 MiB. */
    static final long BLOCK_SIZE = blockSize(IpcOptions.defaults().get(IpcOptions.MAX_FRAME_BYTES));

    /** Queue files are not reclaimed during a workload: a cap keeps one workload's files within memory. */
    static final long VOLUME_CAP_BYTES = 4L << 30;

    private static final int DOCUMENT_BYTES = 1 << 20;
    private static final int END_MARK = -1;

    @Override
    public Listener listen(Workload workload) throws IOException {
        Path dir = baseDirectory().resolve("pib-chronicle-" + UUID.randomUUID());
        Files.createDirectories(dir);
        List<ChronicleQueue> queues = new ArrayList<>();
        for (int i = 0; i < workload.clients(); i++) {
            queues.add(open(dir.resolve("q" + i)));
        }
        return new Listener() {
            @Override
            public String address() {
                return dir.toString();
            }

            @Override
            public Outbound accept(int stream) {
                return new ChronicleOutbound(queues.get(stream).createAppender());
            }

            @Override
            public void close() throws IOException {
                queues.forEach(ChronicleQueue::close);
                deleteRecursively(dir);
            }
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) {
        ChronicleQueue queue = open(Path.of(address).resolve("q" + stream));
        return new ChronicleInbound(queue, queue.createTailer(), new Consume(workload.consume()));
    }

    private static ChronicleQueue open(Path dir) {
        return ChronicleQueue.singleBuilder(dir)
                .rollCycle(ROLL_CYCLE)
                .blockSize(BLOCK_SIZE)
                .build();
    }

    /** The formula of {@code dev.packetipc.shm.Queues.blockSize} (package-private there). */
    static long blockSize(int maxDocumentBytes) {
        return Math.max(16L << 20, Long.highestOneBit(4L * maxDocumentBytes + 65536) << 1);
    }

    @Override
    public long volumeCapBytes(Workload workload) {
        return VOLUME_CAP_BYTES / workload.clients();
    }

    /** {@code /dev/shm} when it exists and has 8 GiB free, else the temporary directory. */
    static Path baseDirectory() {
        Path shm = Path.of("/dev/shm");
        try {
            if (Files.isDirectory(shm) && Files.getFileStore(shm).getUsableSpace() > (8L << 30)) {
                return shm;
            }
        } catch (IOException e) {
            // fall through to the temporary directory
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static final class ChronicleOutbound implements Outbound {
        private final ExcerptAppender appender;

        ChronicleOutbound(ExcerptAppender appender) {
            this.appender = appender;
        }

        @Override
        public void send(Batch batch) {
            for (int from = 0; from < batch.count(); ) {
                int to = from;
                long bytes = 4;
                while (to < batch.count() && (to == from || bytes + 12 + batch.payloadBytes(to) <= DOCUMENT_BYTES)) {
                    bytes += 12 + batch.payloadBytes(to++);
                }
                try (DocumentContext dc = appender.writingDocument()) {
                    Bytes<?> out = dc.wire().bytes();
                    out.writeInt(to - from);
                    for (int i = from; i < to; i++) {
                        int size = batch.payloadBytes(i);
                        out.writeLong(batch.timestamp(i));
                        out.writeInt(size);
                        out.write(batch.payload(i), 0, size);
                    }
                }
                from = to;
            }
        }

        @Override
        public void end() {
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().bytes().writeInt(END_MARK);
            }
        }

        @Override
        public void close() {
            appender.close();
        }
    }

    private static final class ChronicleInbound implements Inbound {
        private final ChronicleQueue queue;
        private final ExcerptTailer tailer;
        private final Consume consume;
        private Tally tally;

        ChronicleInbound(ChronicleQueue queue, ExcerptTailer tailer, Consume consume) {
            this.queue = queue;
            this.tailer = tailer;
            this.consume = consume;
        }

        @Override
        public Consume consume() {
            return consume;
        }

        @Override
        public int receive(Tally tally) {
            this.tally = tally;
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return 0;
                }
                Bytes<?> bytes = dc.wire().bytes();
                int count = bytes.readInt();
                if (count == END_MARK) {
                    return END;
                }
                long payloadBytes = 0;
                for (int i = 0; i < count; i++) {
                    consume.timestamp(bytes.readLong());
                    int length = bytes.readInt();
                    consume.packet(bytes, bytes.readPosition(), length);
                    bytes.readSkip(length);
                    payloadBytes += length;
                }
                tally.add(count, payloadBytes);
                return count;
            }
        }

        @Override
        public void close() {
            if (tally != null) {
                tally.consume(consume.sink());
            }
            tailer.close();
            queue.close();
        }
    }
}
