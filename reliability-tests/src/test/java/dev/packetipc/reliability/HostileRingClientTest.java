package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PacketIpc;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.Server;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import dev.packetipc.wire.RingDescriptor;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A hostile client that writes into the packet ring's shared memory (wire format §7). A raw client speaks the
 * handshake on a real Unix socket to a real unix server of this JVM, offering only the ring (HELLO flag bit 1, 64 KiB
 * frames); it receives the ring's memfd with the RING frame, maps it read-write, and then, while the server streams
 * to it, writes into what it can reach: the consumer position (random, backwards, beyond the producer, huge, negative,
 * unaligned, or flipping between honest and bad values), the two waiting words, the header's other words (magic,
 * version, capacity, the producer position), and the data. Each {@link Attack} says which.
 *
 * <p>The test acts as a user's server: {@code accept}, then {@value #BATCHES} batches of 64 checked packets of 200
 * bytes (about 8 times the 64 KiB ring, so the server has to read the consumer position many times) and {@code
 * sendEnd}, each with a {@link #SEND} time-out. It checks: the sends end within {@link #ROUND_BOUND} in success or
 * in {@link ProtocolException}, {@link PeerGoneException} or {@link IpcTimeoutException} with a message, never in
 * another exception, and in an outcome its {@link Attack} allows (one that writes only consumer positions §7 forbids
 * must end in a {@link ProtocolException} that names the consumer position; one that lies only in ways §7 allows, or
 * writes only where the server never reads, must be served); the sending thread allocates at most {@link #ALLOWANCE}; the same
 * server then serves a new well-behaved client (with the ring) a full checked stream; after the server closed, no
 * descriptor, thread or runtime file is left.
 */
@ExtendWith(Results.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "the ring's memfd and /proc/self/fd; runs on Linux only")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HostileRingClientTest {
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int RING = 64 * 1024;
    private static final int BATCHES = 40;
    private static final int PER_BATCH = 64;
    private static final int SIZE = 200;
    private static final Duration SEND = Duration.ofMillis(500);
    /** One round's bound: 40 sends and the end, each at most 0.5 s when the client stalls, plus slack. */
    private static final Duration ROUND_BOUND = Duration.ofSeconds(15);
    /** What the sending thread may allocate per round: its own buffers and exceptions, nothing the client chose. */
    private static final long ALLOWANCE = 4L << 20;

    private static final IpcOptions OPTIONS = IpcOptions.builder()
            .set(IpcOptions.RING_BYTES, RING)
            .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofSeconds(5))
            .build();

    private static final String SERVED = "served";
    private static final String PROTOCOL = "ProtocolException";
    private static final String TIMEOUT = "IpcTimeoutException";
    /** A consumer position §7 forbids: "a protocol error (the server closes with CLOSE(2))". */
    private static final Set<String> REFUSED = Set.of(PROTOCOL);

    /** What the raw client does to the ring while the server sends. */
    enum Attack {
        /** Consumes honestly, as a correct client would (the control: the stream must be served in full). */
        HONEST(Set.of(SERVED), "consumes honestly (control)"),
        /** A random 64-bit value into the consumer position, again and again. */
        RANDOM_CONSUMER(REFUSED, "random 64-bit values into the consumer position, again and again"),
        /** After consuming two rings' worth honestly, a position the server has certainly read past. */
        BACKWARDS(REFUSED, "after two rings' worth honestly, a consumer position behind one the server read"),
        /** A position beyond anything the server can have published (two rings past the producer). */
        BEYOND_PRODUCER(REFUSED, "a consumer position 2 rings and more beyond the producer's"),
        /** Long.MAX_VALUE rounded down to a multiple of 8, or 2^62. */
        HUGE(REFUSED, "a huge consumer position (2^63 - 8 or 2^62)"),
        /** -8 or Long.MIN_VALUE. */
        NEGATIVE(REFUSED, "a negative consumer position (-8 or -2^63)"),
        /** The honest position plus 1 to 7. */
        UNALIGNED(REFUSED, "the honest consumer position plus 1-7 (not a multiple of 8)"),
        /** Honest, and every other write one of the bad values above. */
        FLIPPING(
                Set.of(SERVED, PROTOCOL),
                "the consumer position flipping between honest and bad values while the server sends"),
        /** The producer position as the consumer position, without reading (a lie the wire format allows). */
        SKIPS_WITHOUT_READING(Set.of(SERVED), "the consumer position set to the producer's without reading anything"),
        /** Honest, but the consumer-waiting word held at 1 and the producer-waiting word set to garbage. */
        WAITING_WORDS(
                Set.of(SERVED, TIMEOUT),
                "honest consumption with the consumer-waiting word held at 1 (a WAKE per publish),"
                        + " the producer-waiting word set to 0, 1, 2 or -1, and the socket never read"),
        /** Skips without reading, and writes garbage into magic, version, capacity and the producer position. */
        HEADER_GARBAGE(
                Set.of(SERVED), "garbage into magic, version, capacity, the producer position and unused header bytes"),
        /** Skips without reading, and writes garbage anywhere in the data. */
        DATA_GARBAGE(Set.of(SERVED), "garbage anywhere in the ring's data while the server writes records"),
        /** Random 8-byte words anywhere in the region, header and data, consumer position included. */
        ANYWHERE(
                Set.of(SERVED, PROTOCOL, TIMEOUT),
                "random words anywhere in the region, the consumer position included");

        /** The outcomes allowed: what the wire format makes of the values written. */
        final Set<String> allowed;

        final String what;

        Attack(Set<String> allowed, String what) {
            this.allowed = allowed;
            this.what = what;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Attack.class)
    @Proves(
            injects = "a raw unix client maps the packet ring's memfd and, while the server sends (40 batches of 64"
                    + " packets, 8 times the 64 KiB ring), writes into it: the consumer position (random, backwards,"
                    + " beyond the producer, huge, negative, unaligned, flipping), the waiting words, the header's"
                    + " other words, the data",
            bound = "every send ends within 15 s in success or ProtocolException, PeerGone or IpcTimeoutException with"
                    + " a message (ProtocolException for a position §7 forbids); no other exception; the sender"
                    + " allocates at most 4 MiB; the same server then serves a checked stream to a well-behaved"
                    + " client; nothing left after close")
    void aClientWritingIntoTheRingCannotHurtTheServer(Attack attack, TestInfo info) throws Exception {
        String only = System.getProperty("reliability.ringAttack", "");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                only.isEmpty() || only.equals(attack.name()), "-Dreliability.ringAttack=" + only);
        Resources before = Resources.now();
        TreeMap<String, Integer> outcomes = new TreeMap<>();
        long slowest = 0;
        long mostAllocated = 0;
        try (Server server = PacketIpc.transport("unix").newServer(OPTIONS)) {
            for (int round = 0; round < rounds(); round++) {
                long seed = new Random().nextLong();
                Round result = oneRound(server, attack, seed);
                outcomes.merge(result.outcome, 1, Integer::sum);
                slowest = Math.max(slowest, result.millis);
                mostAllocated = Math.max(mostAllocated, result.allocated);
                wellBehavedClient(server);
            }
        }
        before.assertNothingLeftSince("the hostile ring clients", Set.of());
        Results.observe(
                Results.id(info),
                rounds() + " rounds: " + outcomes + "; slowest " + slowest + " ms, most allocated by" + " the sender "
                        + mostAllocated / 1024 + " KiB");
    }

    /** Rounds per attack: 1 in the default run, 12 with -Psoak. */
    private static int rounds() {
        return Math.max(1, Transports.repetitions() / 2);
    }

    /** What one round ended in. */
    private static final class Round {
        final String outcome;
        final long millis;
        final long allocated;

        Round(String outcome, long millis, long allocated) {
            this.outcome = outcome;
            this.millis = millis;
            this.allocated = allocated;
        }
    }

    private static Round oneRound(Server server, Attack attack, long seed) throws Exception {
        String what = attack + " (seed " + seed + ")";
        CountDownLatch serverDone = new CountDownLatch(1);
        AtomicReference<Throwable> rogueFailure = new AtomicReference<>();
        CountDownLatch mapped = new CountDownLatch(1);
        Thread rogue = new Thread(
                () -> {
                    RawRingClient client;
                    try {
                        client = RawRingClient.connect(server.name());
                    } catch (Throwable t) { // the handshake with a well-behaved server must work
                        rogueFailure.set(t);
                        mapped.countDown();
                        return;
                    }
                    mapped.countDown();
                    try (client) {
                        client.attack(attack, new Random(seed), serverDone);
                    } catch (IOException e) {
                        // the server hung up (it refused the client): fine
                    } catch (Throwable t) {
                        rogueFailure.set(t);
                    }
                },
                "rogue-ring-client");
        rogue.setDaemon(true);
        rogue.start();
        long start = System.nanoTime();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocated = 0;
        String outcome;
        IpcException failure = null;
        try {
            // The unix server greets clients inside accept(): accept in short steps, and stop if the raw client failed.
            Connection accepted = null;
            long acceptDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (accepted == null) {
                if (rogueFailure.get() != null) {
                    throw new AssertionError("the raw client failed to set up (" + what + ")", rogueFailure.get());
                }
                try {
                    accepted = server.accept(Duration.ofMillis(100));
                } catch (IpcTimeoutException e) {
                    if (System.nanoTime() - acceptDeadline > 0) {
                        throw e;
                    }
                }
            }
            Connection connection = accepted;
            assertTrue(mapped.await(30, TimeUnit.SECONDS), "the raw client never mapped the ring");
            if (rogueFailure.get() != null) {
                throw new AssertionError("the raw client failed to set up (" + what + ")", rogueFailure.get());
            }
            try (connection) {
                long sequence = 0;
                for (int b = 0; b < BATCHES; b++) {
                    long at = threads.getCurrentThreadAllocatedBytes();
                    try {
                        connection.send(Checked.batch(sequence, PER_BATCH, SIZE), SEND);
                    } finally {
                        allocated += threads.getCurrentThreadAllocatedBytes() - at;
                    }
                    sequence += PER_BATCH;
                }
                long at = threads.getCurrentThreadAllocatedBytes();
                try {
                    connection.sendEnd(SEND);
                } finally {
                    allocated += threads.getCurrentThreadAllocatedBytes() - at;
                }
                outcome = SERVED;
            } catch (ProtocolException | PeerGoneException | IpcTimeoutException e) {
                assertTrue(
                        e.getMessage() != null && e.getMessage().length() > 20,
                        "no useful message for a hostile ring client (" + what + "): " + e);
                outcome = e.getClass().getSimpleName();
                failure = e;
            } catch (Exception | Error e) {
                throw new AssertionError(
                        "the server threw " + e + " to a client writing into the ring (" + what + "), not"
                                + " ProtocolException, PeerGone or IpcTimeoutException",
                        e);
            }
        } finally {
            serverDone.countDown();
            rogue.join(ROUND_BOUND.toMillis());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (rogue.isAlive()) {
            throw new AssertionError("the raw client (" + what + ") still runs after " + millis + " ms");
        }
        if (rogueFailure.get() != null) {
            throw new AssertionError("the raw client failed (" + what + ")", rogueFailure.get());
        }
        assertTrue(millis <= ROUND_BOUND.toMillis(), what + " took " + millis + " ms, more than " + ROUND_BOUND);
        assertTrue(
                allocated <= ALLOWANCE,
                "the sender allocated " + allocated + " bytes serving " + what + ", more than " + ALLOWANCE);
        assertTrue(
                attack.allowed.contains(outcome),
                what + " ended in " + outcome + (failure == null ? "" : " (" + failure + ")") + ", not one of "
                        + attack.allowed);
        if (attack.allowed.equals(REFUSED)) {
            assertTrue(
                    failure.getMessage().contains("consumer position"),
                    "the refusal does not say what the client did: " + failure.getMessage());
        }
        return new Round(outcome, millis, allocated);
    }

    /** A well-behaved client (ring on, the default) on the same server: it must get a full checked stream. */
    private static void wellBehavedClient(Server server) throws Exception {
        int count = 3000;
        CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
            try (Client client = PacketIpc.connect(server.name())) {
                Checked.Receiver receiver = new Checked.Receiver();
                Optional<List<IpcPacket>> batch;
                while ((batch = client.receivePackets(256, Duration.ofSeconds(30))).isPresent()) {
                    batch.get().forEach(receiver::accept);
                }
                return receiver.count();
            } catch (IpcException e) {
                throw new IllegalStateException("the well-behaved client failed: " + e, e);
            }
        });
        try (Connection connection = server.accept(Duration.ofSeconds(30))) {
            for (int sequence = 0; sequence < count; sequence += 100) {
                connection.send(Checked.batch(sequence, 100, SIZE), Duration.ofSeconds(30));
            }
            connection.sendEnd(Duration.ofSeconds(30));
        }
        assertEquals(count, received.get(60, TimeUnit.SECONDS), "the well-behaved client's packets");
    }

    /** The raw client: a socket that spoke the handshake, and the ring's region mapped read-write. */
    private static final class RawRingClient implements AutoCloseable {
        private final AFUNIXSocket socket;
        private final ByteBuffer region;
        private final int capacity;
        private final int mask;
        private final Object writeLock = new Object();
        private long consumer;

        private RawRingClient(AFUNIXSocket socket, ByteBuffer region, int capacity) {
            this.socket = socket;
            this.region = region.order(ByteOrder.LITTLE_ENDIAN);
            this.capacity = capacity;
            this.mask = capacity - 1;
        }

        static RawRingClient connect(String name) throws IOException {
            AFUNIXSocket socket = AFUNIXSocket.connectTo(
                    AFUNIXSocketAddress.of(new File(URI.create(name).getPath())));
            try {
                socket.setAncillaryReceiveBufferSize(1024);
                socket.setSoTimeout(10_000);
                ByteBuffer hello = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
                FrameEncoder.encodeHello(
                        hello,
                        HandshakeDescriptor.VERSION_1,
                        HandshakeDescriptor.VERSION_1,
                        64 * 1024,
                        HandshakeDescriptor.FLAG_RING);
                socket.getOutputStream().write(hello.array(), 0, hello.position());
                DataInputStream in = new DataInputStream(socket.getInputStream());
                FileDescriptor received = null;
                long size = -1;
                boolean welcomed = false;
                StringBuilder seen = new StringBuilder();
                while (size < 0) {
                    byte[] head = new byte[FrameDescriptor.HEADER_LENGTH];
                    try {
                        in.readFully(head);
                    } catch (IOException e) {
                        throw new IOException("after frames " + seen + ": " + e, e);
                    }
                    received = keep(received, socket.getReceivedFileDescriptors());
                    ByteBuffer header = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
                    int length = header.getInt(FrameDescriptor.LENGTH_OFFSET);
                    byte type = head[FrameDescriptor.TYPE_OFFSET];
                    seen.append(" type=").append(type).append(" length=").append(length);
                    if (length < FrameDescriptor.HEADER_LENGTH || length > 1 << 20) {
                        throw new IllegalStateException("the server sent a frame of length " + length);
                    }
                    byte[] body = new byte[length - FrameDescriptor.HEADER_LENGTH];
                    in.readFully(body);
                    received = keep(received, socket.getReceivedFileDescriptors());
                    if (type == FrameDescriptor.TYPE_WELCOME) {
                        welcomed = true;
                        int flags = ByteBuffer.wrap(body)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getInt(12);
                        if ((flags & HandshakeDescriptor.FLAG_RING) == 0) {
                            throw new IllegalStateException(
                                    "the server did not turn the ring on (flags " + flags + ")");
                        }
                    } else if (type == FrameDescriptor.TYPE_RING && welcomed) {
                        size = ByteBuffer.wrap(body)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getLong(8);
                    } else {
                        throw new IllegalStateException("the server sent frame type " + type + " in the handshake");
                    }
                }
                if (received == null) {
                    throw new IllegalStateException("the RING frame came without a descriptor");
                }
                ByteBuffer region;
                FileInputStream owner = new FileInputStream(received); // closes the received descriptor
                try {
                    int number = FileDescriptorCast.using(received).as(Integer.class);
                    try (RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + number, "rw")) {
                        region = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
                    }
                } finally {
                    owner.close();
                }
                socket.setSoTimeout(20);
                return new RawRingClient(socket, region, (int) (size - RingDescriptor.HEADER_LENGTH));
            } catch (IOException | RuntimeException | Error e) {
                socket.close();
                throw e;
            }
        }

        private static FileDescriptor keep(FileDescriptor kept, FileDescriptor[] received) throws IOException {
            if (received == null) {
                return kept;
            }
            for (FileDescriptor fd : received) {
                if (kept == null) {
                    kept = fd;
                } else {
                    new FileInputStream(fd).close();
                }
            }
            return kept;
        }

        private long producer() {
            return (long) LONGS.getAcquire(region, RingDescriptor.PRODUCER_POSITION_OFFSET);
        }

        private void writeConsumer(long position) {
            LONGS.setRelease(region, RingDescriptor.CONSUMER_POSITION_OFFSET, position);
            VarHandle.fullFence();
        }

        /** Walks the records the producer published, as a correct consumer would, and publishes the position. */
        private void consumeHonestly() throws IOException {
            long published = producer();
            while (consumer < published && published - consumer <= capacity) {
                int index = (int) (consumer & mask);
                int length = region.getInt(RingDescriptor.HEADER_LENGTH + index + FrameDescriptor.LENGTH_OFFSET);
                if (length < FrameDescriptor.HEADER_LENGTH || (length & 7) != 0 || length > capacity - index) {
                    return; // garbage (written by this client itself): stop consuming
                }
                consumer += length;
            }
            writeConsumer(consumer);
            ringDoorbellIfTheProducerWaits();
        }

        private void ringDoorbellIfTheProducerWaits() throws IOException {
            if ((long) LONGS.getVolatile(region, RingDescriptor.PRODUCER_WAITING_OFFSET) == 1L
                    && LONGS.compareAndSet(region, RingDescriptor.PRODUCER_WAITING_OFFSET, 1L, 0L)) {
                ByteBuffer wake =
                        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
                FrameEncoder.encodeWake(wake);
                synchronized (writeLock) {
                    OutputStream out = socket.getOutputStream();
                    out.write(wake.array(), 0, wake.position());
                    out.flush();
                }
            }
        }

        /** Reads (and drops) what the server sent on the stream, if anything is there. */
        private void drainStream() throws IOException {
            java.io.InputStream in = socket.getInputStream();
            int available = in.available();
            if (available > 0 && in.read(new byte[Math.min(available, 8192)]) < 0) {
                throw new EOFException("the server hung up");
            }
        }

        private long bad(Random random) {
            long[] values = {
                random.nextLong(),
                producer() + 2L * capacity + 8L * random.nextInt(1000),
                Long.MAX_VALUE & ~7L,
                1L << 62,
                -8,
                Long.MIN_VALUE,
                consumer + 1 + random.nextInt(7)
            };
            return values[random.nextInt(values.length)];
        }

        /** Attacks until the server is done with this client. */
        void attack(Attack attack, Random random, CountDownLatch serverDone) throws Exception {
            boolean readsStream = attack != Attack.WAITING_WORDS;
            boolean fired = false;
            long fixed = 0;
            while (serverDone.getCount() > 0) {
                if (readsStream) {
                    drainStream();
                }
                switch (attack) {
                    case HONEST:
                        consumeHonestly();
                        break;
                    case RANDOM_CONSUMER:
                        writeConsumer(random.nextLong());
                        break;
                    case BACKWARDS:
                        if (!fired && consumer > 2L * capacity) {
                            // the server read some position >= consumer - capacity; anything below that is backwards
                            fixed = ((consumer - capacity - 8) * (long) random.nextInt(1000) / 1000) & ~7L;
                            fired = true;
                        }
                        if (fired) {
                            writeConsumer(fixed);
                        } else {
                            consumeHonestly();
                        }
                        break;
                    case BEYOND_PRODUCER:
                        if (!fired) {
                            fixed = producer() + 2L * capacity + 8L * random.nextInt(1000);
                            fired = true;
                        }
                        writeConsumer(fixed);
                        break;
                    case HUGE:
                        writeConsumer(random.nextBoolean() ? Long.MAX_VALUE & ~7L : 1L << 62);
                        break;
                    case NEGATIVE:
                        writeConsumer(random.nextBoolean() ? -8 : Long.MIN_VALUE);
                        break;
                    case UNALIGNED:
                        if (!fired && consumer > capacity) {
                            fixed = consumer + 1 + random.nextInt(7);
                            fired = true;
                        }
                        if (fired) {
                            writeConsumer(fixed);
                        } else {
                            consumeHonestly();
                        }
                        break;
                    case FLIPPING:
                        if (random.nextBoolean()) {
                            consumeHonestly();
                        } else {
                            writeConsumer(bad(random));
                        }
                        break;
                    case SKIPS_WITHOUT_READING:
                        writeConsumer(producer());
                        ringDoorbellIfTheProducerWaits();
                        break;
                    case WAITING_WORDS: {
                        consumeHonestly();
                        LONGS.setVolatile(region, RingDescriptor.CONSUMER_WAITING_OFFSET, 1L);
                        long[] words = {0, 1, 2, -1};
                        LONGS.setVolatile(
                                region, RingDescriptor.PRODUCER_WAITING_OFFSET, words[random.nextInt(words.length)]);
                        break;
                    }
                    case HEADER_GARBAGE: {
                        long p = producer(); // this client's own garbage until the server publishes again
                        if (p >= consumer && p - consumer <= capacity && (p & 7) == 0) {
                            consumer = p;
                            writeConsumer(p);
                        }
                        ringDoorbellIfTheProducerWaits();
                        int[] offsets = {
                            RingDescriptor.MAGIC_OFFSET,
                            RingDescriptor.CAPACITY_OFFSET,
                            RingDescriptor.PRODUCER_POSITION_OFFSET,
                            16 + 8 * random.nextInt(14),
                            RingDescriptor.PRODUCER_POSITION_OFFSET + 8 + 8 * random.nextInt(15),
                            RingDescriptor.CONSUMER_POSITION_OFFSET + 8 + 8 * random.nextInt(15),
                            RingDescriptor.CONSUMER_WAITING_OFFSET + 8 + 8 * random.nextInt(15),
                            RingDescriptor.PRODUCER_WAITING_OFFSET + 8 + 8 * random.nextInt(15)
                        };
                        region.putLong(offsets[random.nextInt(offsets.length)], random.nextLong());
                        break;
                    }
                    case DATA_GARBAGE:
                        writeConsumer(producer());
                        ringDoorbellIfTheProducerWaits();
                        for (int i = 0; i < 16; i++) {
                            region.putLong(
                                    RingDescriptor.HEADER_LENGTH + 8 * random.nextInt(capacity / 8), random.nextLong());
                        }
                        break;
                    default: // ANYWHERE
                        ringDoorbellIfTheProducerWaits();
                        region.putLong(
                                8 * random.nextInt((RingDescriptor.HEADER_LENGTH + capacity) / 8), random.nextLong());
                        break;
                }
                if (random.nextInt(8) == 0) {
                    Thread.yield(); // the server's thread gets the core now and then (2 shared cores)
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
