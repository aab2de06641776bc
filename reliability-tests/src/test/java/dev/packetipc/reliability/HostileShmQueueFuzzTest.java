package dev.packetipc.reliability;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import dev.packetipc.PacketIpc;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.Server;
import dev.packetipc.shm.ShmOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The shm transport's real client reading a hostile queue. For each input a real shm server (this JVM) sends a valid
 * stream (batches, then END) to a connected client before the client reads anything; the test then damages the
 * connection's Chronicle queue file: fields of a batch document (kind, count, a packet's length) set to impossible
 * values, Chronicle's 4-byte document headers rewritten (lengths, the not-complete and metadata bits), bits flipped
 * and runs of garbage written anywhere in the used part of the file (Chronicle's own header, its index and sequence
 * numbers included), or the file cut short (and grown back, so that the rest reads as zeros: a file that stays
 * shorter than a live mapping of it is outside what a reader can survive, see transport-shm's README). Then the client reads to the end.
 *
 * <p>Every input must end, within the lease plus a few seconds, in the packets and the end of the stream, or in a
 * {@link ProtocolException} with a message (possibly after some packets): no other exception (the server is alive
 * and sent everything, so a time-out or {@code PeerGoneException} is a defect too), no hang, no packet longer than the
 * client's {@link IpcOptions#MAX_FRAME_BYTES} or unreadable in the handler, nothing thrown inside the handler, and
 * the reading thread allocates at most the frame limit plus a fixed allowance (a 1 GiB length must not become a
 * 1 GiB allocation). The number of tries is jqwik's default, set in this module's pom (more with -Psoak).
 */
class HostileShmQueueFuzzTest {
    private static final int MAX_FRAME = 64 * 1024;
    private static final Duration LEASE = Duration.ofSeconds(1);
    /** One try may take this long: the lease (a damaged header looks like a write in progress until then) + slack. */
    private static final Duration TRY_BOUND = LEASE.plusSeconds(14);
    /**
     * What the reading thread may allocate besides one frame: the exception and its message, Chronicle's lazily made
     * objects for a newly mapped chunk. Measured well below this on undamaged streams and damaged ones.
     */
    private static final long ALLOWANCE = 1L << 20;

    private static final IpcOptions OPTIONS = IpcOptions.builder()
            .set(IpcOptions.MAX_FRAME_BYTES, MAX_FRAME)
            .set(ShmOptions.LEASE_TIMEOUT, LEASE)
            .build();
    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hostile-queue-reader");
        t.setDaemon(true);
        return t;
    });

    private static Server server;
    private static int tries;
    private static int refused;
    private static int ended;
    private static int idle;
    private static long mostAllocated;
    private static long slowestMillis;
    private static Throwable failure;
    /** What was done to the current input's file, for the failure message. */
    private static final StringBuilder damage = new StringBuilder();

    /** Records this test's row in the results (after every input: jqwik properties get no JUnit extensions). */
    private static void report() {
        Results.row(
                "HostileShmQueueFuzzTest.aClientReadingAHostileQueueEndsCleanly",
                List.of(),
                "a valid shm stream (batches + END) sent, then its Chronicle queue file damaged before the client reads:"
                        + " impossible kinds, counts, packet lengths, document headers (lengths, not-complete and"
                        + " metadata bits), flipped bits and garbage anywhere (file header, index, sequence numbers),"
                        + " truncation",
                "packets + END, a ProtocolException, or (only when it read every byte the server appended: the END damaged into another valid document) waiting as for an idle server or PeerGone as for a CLOSE, within the lease + 14 s; no other exception, no time-out, no"
                        + " packet over MAX_FRAME_BYTES or unreadable, nothing thrown in the handler; the reader"
                        + " allocates at most MAX_FRAME_BYTES + 1 MiB",
                tries + " inputs: " + refused + " refused, " + ended + " read to the end, " + idle
                        + " caught up without an END (END damaged into an empty batch or a CLOSE); most allocated by the reader "
                        + mostAllocated / 1024 + " KiB, slowest " + slowestMillis + " ms",
                failure == null
                        ? "passed"
                        : "**FAILED**: "
                                + String.valueOf(failure.getMessage())
                                        .lines()
                                        .findFirst()
                                        .orElse(""));
    }

    @Property
    void aClientReadingAHostileQueueEndsCleanly(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5) int batches,
            @ForAll @IntRange(min = 1, max = 4) int mutations)
            throws Exception {
        try {
            for (int attempt = 0; !oneInput(seed, batches, mutations); attempt++) {
                if (attempt == 2) {
                    throw new AssertionError("the stream never fitted in one cycle file");
                }
            }
        } catch (Exception | AssertionError e) {
            failure = e;
            throw e;
        } finally {
            report();
        }
    }

    /**
     * Inputs that once failed (seed, batches, mutations), replayed every run. The first turns the END into an empty
     * batch: the client reads every byte and then waits as for an idle server (this test counted it as a hang
     * before it read the control file's counts); the second turns it into a CLOSE (PeerGoneException); the third truncates the file inside the END (the test
     * itself once failed reading past the new end).
     */
    private static final long[][] REGRESSIONS = {{-5210277541413809227L, 3, 3}, {-906, 2, 2}, {7261, 3, 2}};

    @net.jqwik.api.Example
    void regressionInputs() throws Exception {
        for (long[] input : REGRESSIONS) {
            aClientReadingAHostileQueueEndsCleanly(input[0], (int) input[1], (int) input[2]);
        }
    }

    @AfterContainer
    static void closeServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private static Server server() throws Exception {
        if (server == null) {
            server = PacketIpc.transport("shm").newServer(OPTIONS);
        }
        return server;
    }

    /** One input; false (nothing checked) if the stream happened to cross a cycle's boundary. */
    private static boolean oneInput(long seed, int batches, int mutations) throws Exception {
        Random random = new Random(seed);
        Server server = server();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return PacketIpc.connect(server.name(), OPTIONS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Connection connection = server.accept(Duration.ofSeconds(30));
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            try {
                for (int b = 0; b < batches; b++) {
                    connection.send(batch(random));
                }
                connection.sendEnd();
                Path queue = queueDirectory(server);
                Path file = cycleFile(queue);
                if (file == null) {
                    return false; // the five-minute cycle rolled while sending: two files, try again
                }
                List<long[]> documents = documents(queue);
                damage.setLength(0);
                damage.append(documents.size()).append(" documents at ");
                documents.forEach(
                        d -> damage.append(d[0]).append('+').append(d[1]).append(' '));
                for (int i = 0; i < mutations && damage.indexOf("truncated") < 0; i++) {
                    mutate(file, documents, random); // after a truncation, nothing more
                }
                tries++;
                read(client, queue.resolveSibling("control"), random.nextInt(64) + 1);
                return true;
            } finally {
                closeQuietly(connection);
            }
        }
    }

    /** Reads to the end or the first error on the reading thread, and checks the outcome and the bounds. */
    private static void read(Client client, Path control, int limit) throws Exception {
        AtomicReference<Throwable> inHandler = new AtomicReference<>();
        byte[] copy = new byte[MAX_FRAME];
        PacketHandler handler = packet -> {
            try {
                readAll(packet, copy);
            } catch (RuntimeException | Error e) {
                inHandler.compareAndSet(null, e);
            }
        };
        long start = System.nanoTime();
        Future<Object[]> reading = READER.submit(() -> {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long allocated = 0;
            Object outcome;
            try {
                long deadline = System.nanoTime() + TRY_BOUND.toNanos();
                while (true) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    int n;
                    try {
                        n = client.poll(handler, limit, Duration.ofMillis(200));
                    } finally {
                        allocated += threads.getCurrentThreadAllocatedBytes() - before;
                    }
                    if (n == Client.END_OF_STREAM) {
                        outcome = "end";
                        break;
                    }
                    if (n == 0 && caughtUp(control)) {
                        outcome = "idle";
                        break;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        outcome = "hang";
                        break;
                    }
                }
            } catch (PeerGoneException e) {
                // a CLOSE marker: the END damaged into the other valid end, from a server that is alive; fine only
                // as the last document (everything the server appended was read)
                outcome = caughtUp(control) ? "closed" : e;
            } catch (Throwable e) {
                outcome = e;
            }
            return new Object[] {outcome, allocated};
        });
        Object[] result;
        try {
            result = reading.get(TRY_BOUND.toSeconds() + 30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the client hangs inside one poll: " + stackOf("hostile-queue-reader"));
        }
        long took = (System.nanoTime() - start) / 1_000_000;
        slowestMillis = Math.max(slowestMillis, took);
        long allocated = (Long) result[1];
        mostAllocated = Math.max(mostAllocated, allocated);
        Object outcome = result[0];
        if (inHandler.get() != null) {
            throw new AssertionError("a packet handed out was not readable; damage: " + damage, inHandler.get());
        }
        if ("hang".equals(outcome)) {
            throw new AssertionError("the client neither ended nor failed within " + TRY_BOUND
                    + " although its server had sent everything and the end; damage: " + damage);
        }
        if (outcome instanceof ProtocolException) {
            ProtocolException e = (ProtocolException) outcome;
            if (e.getMessage() == null || e.getMessage().length() < 20) {
                throw new AssertionError("a ProtocolException without a message that says what happened", e);
            }
            refused++;
        } else if (outcome instanceof Throwable) {
            throw new AssertionError(
                    "the client threw " + outcome + " instead of a ProtocolException; damage: " + damage,
                    (Throwable) outcome);
        } else if ("idle".equals(outcome) || "closed".equals(outcome)) {
            idle++;
        } else {
            ended++;
        }
        if (allocated > MAX_FRAME + ALLOWANCE) {
            throw new AssertionError("the reading thread allocated " + allocated + " bytes, more than the frame limit "
                    + MAX_FRAME + " + " + ALLOWANCE + "; outcome " + outcome + "; damage: " + damage);
        }
    }

    /**
     * Whether the client has read every document byte its server appended (the control file's words, as
     * docs/shm-layout.md lays them out): then, without an END, it waits as it would for a live, idle server. That
     * is what damage that turns the END into a valid-looking document (an empty batch) leads to: indistinguishable
     * from a server that is still sending, so not an error, and bounded by the caller's time-out.
     */
    private static boolean caughtUp(Path control) throws IOException {
        ByteBuffer words = ByteBuffer.allocate(192).order(ByteOrder.LITTLE_ENDIAN);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(control)) {
            while (words.hasRemaining() && channel.read(words, words.position()) > 0) {
                // read the whole file
            }
        }
        long produced = words.getLong(64 + 40);
        long consumed = words.getLong(128 + 24);
        if (consumed > produced) {
            throw new AssertionError("the client counts " + consumed + " document bytes read, more than the " + produced
                    + " its server appended: it took damaged bytes for documents; damage: " + damage);
        }
        return consumed == produced;
    }

    private static void readAll(IpcPacket packet, byte[] copy) {
        ByteBuffer data = packet.data();
        if (packet.length() < 0 || packet.length() > MAX_FRAME) {
            throw new IllegalStateException("a packet of " + packet.length() + " bytes was handed out");
        }
        if (data.remaining() != packet.length()) {
            throw new IllegalStateException("view length " + data.remaining() + " != " + packet.length());
        }
        data.get(data.position(), copy, 0, packet.length());
    }

    private static List<Packet> batch(Random random) {
        int n = 1 + random.nextInt(40);
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = random.nextInt(20) == 0 ? random.nextInt(MAX_FRAME - 20) : random.nextInt(600);
            byte[] data = new byte[size];
            random.nextBytes(data);
            packets.add(Packet.of(random.nextLong(), data));
        }
        return packets;
    }

    // ---- the damage ----

    private static final int[] INTERESTING = {
        0,
        1,
        2,
        3,
        4,
        -1,
        -8,
        7,
        8,
        9,
        12,
        20,
        255,
        4096,
        MAX_FRAME - 1,
        MAX_FRAME,
        MAX_FRAME + 1,
        1 << 20,
        1 << 30,
        Integer.MAX_VALUE,
        Integer.MIN_VALUE
    };

    private static void mutate(Path file, List<long[]> documents, Random random) throws IOException {
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            long used = documents.isEmpty() ? 4096 : documents.get(documents.size() - 1)[0] + 64;
            long[] doc = documents.get(random.nextInt(documents.size()));
            switch (random.nextInt(8)) {
                case 0: // a document's kind
                    note("kind", doc[0], writeInt(raw, doc[0], pick(random)));
                    return;
                case 1: // a document's count
                    note("count", doc[0] + 4, writeInt(raw, doc[0] + 4, pick(random)));
                    return;
                case 2: { // a packet's length
                    int count = readInt(raw, doc[0] + 4);
                    int entry = count <= 0 ? 0 : random.nextInt(Math.min(count, 64));
                    if (8 + 12L * entry + 12 <= doc[1]) {
                        long at = doc[0] + 8 + 12L * entry + 8;
                        note("length", at, writeInt(raw, at, pick(random)));
                    }
                    return;
                }
                case 3: { // Chronicle's header of a document: length, not-complete and metadata bits
                    int header = readInt(raw, doc[0] - 4);
                    int[] headers = {
                        0,
                        header | 0x80000000,
                        header | 0x40000000,
                        header + 1 + random.nextInt(64),
                        header - 1 - random.nextInt(8),
                        0x3fffffff,
                        0xC0000000,
                        pick(random),
                        random.nextInt()
                    };
                    note("header", doc[0] - 4, writeInt(raw, doc[0] - 4, headers[random.nextInt(headers.length)]));
                    return;
                }
                case 4: { // a bit anywhere in the used part, Chronicle's file header and index first of all
                    long at = random.nextBoolean()
                            ? random.nextInt((int) Math.min(used, 1 << 16))
                            : nextLong(random, used);
                    raw.seek(at);
                    int b = raw.read();
                    raw.seek(at);
                    int bit = 1 << random.nextInt(8);
                    raw.write(b ^ bit);
                    note("bit", at, bit);
                    return;
                }
                case 5: { // an aligned word anywhere set to an interesting value
                    long at = nextLong(random, used) & ~3L;
                    note("word", at, writeInt(raw, at, pick(random)));
                    return;
                }
                case 6: { // a run of garbage
                    byte[] garbage = new byte[1 + random.nextInt(512)];
                    random.nextBytes(garbage);
                    long at = nextLong(random, used);
                    raw.seek(at);
                    raw.write(garbage);
                    note("garbage", at, garbage.length);
                    return;
                }
                default: { // the file cut short, inside the documents or anywhere before them
                    // Cut, then grown back to its length: the rest reads as zeros. A file that stays shorter than
                    // the client's mapping of it faults the client's reads (SIGBUS), which the JVM reports as an
                    // InternalError at a later point of the thread: transport-shm's README says so, and only the
                    // owner of the 0700 directory can do it. Chronicle itself grows a file it maps past the end.
                    long length = raw.length();
                    long at = random.nextBoolean() ? doc[0] + nextLong(random, doc[1] + 1) : nextLong(random, used);
                    raw.setLength(at);
                    raw.setLength(length);
                    note("truncated at", at, length);
                }
            }
        }
    }

    private static int pick(Random random) {
        return INTERESTING[random.nextInt(INTERESTING.length)];
    }

    private static long nextLong(Random random, long bound) {
        return bound <= 0 ? 0 : Math.floorMod(random.nextLong(), bound);
    }

    /** The int at {@code at}, or 0 past the end of a file an earlier mutation truncated. */
    private static int readInt(RandomAccessFile raw, long at) throws IOException {
        if (at < 0 || at + 4 > raw.length()) {
            return 0;
        }
        byte[] b = new byte[4];
        raw.seek(at);
        raw.readFully(b);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static int writeInt(RandomAccessFile raw, long at, int value) throws IOException {
        raw.seek(at);
        raw.write(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(value)
                .array());
        return value;
    }

    private static void note(String what, long at, long value) {
        damage.append("; ").append(what).append(" at ").append(at).append(" = ").append(value);
    }

    // ---- where things are ----

    private static Path queueDirectory(Server server) throws IOException {
        Path directory = Path.of(server.name().substring("shm://".length()));
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("c-"))
                    .findFirst()
                    .orElseThrow()
                    .resolve("queue");
        }
    }

    private static Path cycleFile(Path queue) throws IOException {
        try (Stream<Path> files = Files.list(queue)) {
            List<Path> cycles =
                    files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
            return cycles.size() == 1 ? cycles.get(0) : null;
        }
    }

    /** Each document's offset in the cycle file and its length, as an undamaged reader finds them. */
    private static List<long[]> documents(Path queue) {
        List<long[]> documents = new ArrayList<>();
        try (SingleChronicleQueue reader = SingleChronicleQueueBuilder.binary(queue)
                .rollCycle(RollCycles.FIVE_MINUTELY)
                .blockSize(16L << 20)
                .build()) {
            ExcerptTailer tailer = reader.createTailer();
            while (true) {
                try (DocumentContext context = tailer.readingDocument()) {
                    if (!context.isPresent()) {
                        break;
                    }
                    Bytes<?> bytes = context.wire().bytes();
                    documents.add(new long[] {bytes.readPosition(), bytes.readRemaining()});
                }
            }
        }
        if (documents.isEmpty()) {
            throw new AssertionError("no document found in " + queue);
        }
        return documents;
    }

    private static String stackOf(String threadName) {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, frames) -> {
            if (thread.getName().equals(threadName)) {
                Arrays.stream(frames).forEach(f -> out.append("\n\tat ").append(f));
            }
        });
        return out.toString();
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (RuntimeException | InternalError e) {
            // the server's side of a truncated queue file: not what this test is about
        }
    }
}
