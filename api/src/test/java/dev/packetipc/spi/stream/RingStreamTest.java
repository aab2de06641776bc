package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.wire.RingDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The packet ring in the stream engine, over a real socket pair: negotiation (on only when both sides offer it), the
 * sleep/wake race on both sides (no lost wake-up: every wait has a time-out that fails the test), a slow client
 * making {@code send(batch, timeout)} fail with the connection still usable, and the end and a vanished server seen
 * after everything published before them.
 */
@Timeout(180)
class RingStreamTest {
    /** A poll or send that waits this long in the race tests has lost a wake-up. */
    private static final Duration STALL = Duration.ofSeconds(5);

    private static StreamPair connect(IpcOptions server, IpcOptions client, SharedMemory memory) throws Exception {
        return StreamPair.open(server, client, memory);
    }

    private static IpcOptions ring(int bytes, IpcOptions.IdleStrategy idle) {
        return IpcOptions.builder()
                .set(IpcOptions.RING_BYTES, bytes)
                .set(IpcOptions.IDLE_STRATEGY, idle)
                .build();
    }

    private static final IpcOptions OFF =
            IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();

    /** The ring is on only if the client offers it and the server accepts; packets arrive either way. */
    @Test
    void theRingIsOnOnlyWhenBothSidesWantItAndPacketsArriveEitherWay() throws Exception {
        Object[][] cases = {
            {IpcOptions.defaults(), IpcOptions.defaults(), new InMemorySharedMemory(), true},
            {OFF, IpcOptions.defaults(), new InMemorySharedMemory(), false},
            {IpcOptions.defaults(), OFF, new InMemorySharedMemory(), false},
            {IpcOptions.defaults(), IpcOptions.defaults(), new InMemorySharedMemory(false), false},
            {IpcOptions.defaults(), IpcOptions.defaults(), null, false},
        };
        for (Object[] c : cases) {
            try (StreamPair ends = connect((IpcOptions) c[0], (IpcOptions) c[1], (SharedMemory) c[2])) {
                assertEquals(c[3], ends.ring(), () -> "server " + c[0] + " client " + c[1] + " memory " + c[2]);
                List<Packet> sent = new ArrayList<>();
                for (int i = 0; i < 100; i++) { // fits the socket's buffer: nobody reads while it is sent
                    sent.add(Packet.of(i, new byte[i % 50 == 7 ? 40 << 10 : i * 8]));
                }
                ends.connection.send(sent);
                ends.connection.sendEnd();
                List<Packet> received = new ArrayList<>();
                ends.client.stream().forEach(p -> received.add(p.toPacket()));
                assertEquals(sent, received);
            }
        }
    }

    /**
     * A producer of one-packet batches that sends the next only once the consumer took the last, then pauses at
     * random for nothing, a yield, or up to 50 µs of spinning, so that each publish meets the consumer somewhere
     * around its sleep point: for 3 seconds, every poll gets its packet within the stall bound, in order. A lost
     * wake-up (the consumer asleep on a ring that has a record, with no later publish to rescue it) fails it.
     */
    @ParameterizedTest
    @EnumSource(
            value = IpcOptions.IdleStrategy.class,
            names = {"BACKOFF", "BLOCK"})
    void theConsumerNeverSleepsThroughAPublish(IpcOptions.IdleStrategy idle) throws Exception {
        IpcOptions options = ring(64 << 10, idle);
        try (StreamPair ends = connect(options, options, new InMemorySharedMemory())) {
            assertTrue(ends.ring());
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            AtomicLong received = new AtomicLong();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a loaded machine: 1000 may take long
            Thread producer = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(idle.ordinal());
                byte[] payload = new byte[8];
                try {
                    for (long i = 0; (System.nanoTime() < until || i < 1000) && System.nanoTime() < stop; i++) {
                        ends.connection.send(List.of(Packet.of(i, payload)), STALL);
                        long deadline = System.nanoTime() + STALL.toNanos();
                        while (received.get() <= i && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                        pause(random);
                    }
                    ends.connection.sendEnd(STALL);
                } catch (Throwable e) {
                    producerFailure.set(e);
                }
            });
            producer.start();
            while (true) {
                int n = ends.client.poll(
                        packet -> assertEquals(received.getAndIncrement(), packet.timestampNanos()), 1024, STALL);
                if (n == Client.END_OF_STREAM) {
                    break;
                }
                assertTrue(
                        n > 0,
                        "the consumer slept through a publish (a lost wake-up) after " + received.get() + " packets");
            }
            producer.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(producer.isAlive());
            if (producerFailure.get() != null) {
                throw new AssertionError("the producer failed", producerFailure.get());
            }
            assertTrue(received.get() > 0, "the race ran");
        }
    }

    private static void pause(SplittableRandom random) {
        switch (random.nextInt(3)) {
            case 0:
                return;
            case 1:
                Thread.yield();
                return;
            default:
                long end = System.nanoTime() + random.nextInt(50_000);
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
        }
    }

    /**
     * The producer's side of the race: a 64 KiB ring kept full by batches of 1000-byte packets, drained by a consumer
     * that pauses at random, so the producer sleeps for room again and again; no send may wait out the stall bound.
     */
    @ParameterizedTest
    @EnumSource(
            value = IpcOptions.IdleStrategy.class,
            names = {"BACKOFF", "BLOCK"})
    void theProducerNeverSleepsThroughTheConsumersProgress(IpcOptions.IdleStrategy idle) throws Exception {
        IpcOptions options = ring(64 << 10, idle).toBuilder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 0)
                .build();
        try (StreamPair ends = connect(options, options, new InMemorySharedMemory())) {
            assertTrue(ends.ring());
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                batch.add(Packet.of(i, new byte[1000]));
            }
            Thread producer = new Thread(() -> {
                try {
                    while (System.nanoTime() < until) {
                        ends.connection.send(batch, STALL); // an IpcTimeoutException here is a lost wake-up
                    }
                    ends.connection.sendEnd(STALL);
                } catch (Throwable e) {
                    producerFailure.set(e);
                }
            });
            producer.start();
            SplittableRandom random = new SplittableRandom(7);
            AtomicLong received = new AtomicLong();
            while (true) {
                int n = ends.client.poll(packet -> received.incrementAndGet(), 1 + random.nextInt(64), STALL);
                if (n == Client.END_OF_STREAM) {
                    break;
                }
                assertTrue(n > 0, "the consumer waited in vain");
                pause(random);
            }
            producer.join(TimeUnit.SECONDS.toMillis(10));
            if (producerFailure.get() != null) {
                throw new AssertionError("the producer failed (a lost wake-up?)", producerFailure.get());
            }
            assertEquals(0, received.get() % batch.size());
            assertTrue(received.get() > 10 * batch.size(), "the race ran: " + received.get() + " packets");
        }
    }

    /**
     * A client that does not poll: the ring fills, {@code send(batch, timeout)} fails with {@link
     * IpcTimeoutException} saying how many packets went, the client then gets exactly those, and the connection goes
     * on.
     */
    @Test
    void aSlowClientMakesSendTimeOutAndTheConnectionGoesOn() throws Exception {
        IpcOptions options = ring(64 << 10, IpcOptions.IdleStrategy.BACKOFF).toBuilder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 0)
                .build();
        try (StreamPair ends = connect(options, options, new InMemorySharedMemory())) {
            assertTrue(ends.ring());
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(Packet.of(i, new byte[1000]));
            }
            assertThrows(IpcTimeoutException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    ends.connection.send(batch, Duration.ofMillis(200));
                }
            });
            assertTrue(ends.connection.isOpen());
            long sent = ends.connection.packetsSent();
            assertTrue(sent > 0 && sent < 100 * 100);
            AtomicLong received = new AtomicLong();
            while (ends.client.poll(p -> received.incrementAndGet(), 1000, Duration.ofMillis(500)) > 0) {
                // drain
            }
            assertEquals(sent, received.get(), "the client gets exactly the packets the server counted as sent");
            List<Packet> more = batch.subList(0, 10); // fits the emptied ring: nobody polls while it is sent
            ends.connection.send(more, STALL);
            ends.connection.sendEnd(STALL);
            assertEquals(more.size(), ends.client.stream().count());
        }
    }

    /**
     * The server goes away (its socket closed, nothing on it) while the client sleeps: the client gets what was
     * published, then {@link PeerGoneException}, within the stall bound.
     */
    @ParameterizedTest
    @EnumSource(IpcOptions.IdleStrategy.class)
    void aServerThatVanishesWakesASleepingOrSpinningClientWithPeerGone(IpcOptions.IdleStrategy idle) throws Exception {
        IpcOptions options = ring(64 << 10, idle);
        InMemorySharedMemory memory = new InMemorySharedMemory();
        try (StreamPair ends = connect(options, options, memory)) {
            assertTrue(ends.ring());
            ends.connection.send(List.of(Packet.of(1, new byte[10])));
            CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    assertEquals(1, ends.client.poll(p -> {}, 10, STALL));
                    ends.client.poll(p -> {}, 10, Duration.ofSeconds(30));
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            if (idle != IpcOptions.IdleStrategy.SPIN) { // wait until it is about to sleep: its waiting word is set
                long deadline = System.nanoTime() + STALL.toNanos();
                while (memory.firstShared().getLong(RingDescriptor.CONSUMER_WAITING_OFFSET) == 0) {
                    assertTrue(System.nanoTime() < deadline, "the client never went to sleep");
                    Thread.onSpinWait();
                }
            }
            ((StreamConnection) ends.connection).channel().close(); // gone without a word, as if it crashed
            Throwable thrown = waiting.get(STALL.toSeconds(), TimeUnit.SECONDS);
            assertTrue(thrown instanceof PeerGoneException, "got " + thrown);
        }
    }

    /**
     * One poll walks every record the ring holds, up to its limit of packets, as Aeron's poll walks fragments: a
     * stream of single-packet batches (one record each) is not handed out one packet per poll. A record cut by the
     * limit goes on at the next poll.
     */
    @Test
    void onePollWalksTheRecordsInTheRingUpToItsLimit() throws Exception {
        IpcOptions options = ring(64 << 10, IpcOptions.IdleStrategy.BACKOFF);
        try (StreamPair ends = connect(options, options, new InMemorySharedMemory())) {
            assertTrue(ends.ring());
            for (int i = 0; i < 5; i++) {
                ends.connection.send(List.of(Packet.of(i, new byte[] {(byte) i})), STALL);
            }
            ends.connection.send(
                    List.of(Packet.of(5, new byte[1]), Packet.of(6, new byte[1]), Packet.of(7, new byte[1])));
            List<Long> seen = new ArrayList<>();
            assertEquals(4, ends.client.poll(p -> seen.add(p.timestampNanos()), 4, STALL));
            assertEquals(List.of(0L, 1L, 2L, 3L), seen);
            assertEquals(3, ends.client.poll(p -> seen.add(p.timestampNanos()), 3, STALL), "record 4, then 2 of 3");
            assertEquals(1, ends.client.poll(p -> seen.add(p.timestampNanos()), 100, STALL), "the rest of the record");
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), seen);
            ends.connection.sendEnd(STALL);
            assertEquals(Client.END_OF_STREAM, ends.client.poll(p -> seen.add(-1L), 100, STALL));
        }
    }

    /**
     * A handler that throws in the middle of a walk over several records: the packets handed out, the one it threw
     * at included, are consumed, and their room goes back to the server at once (the server can fill the whole ring
     * again without another poll), not only at the next poll.
     */
    @Test
    void aHandlerThatThrowsMidWalkGivesBackTheRoomOfWhatItWasHanded() throws Exception {
        IpcOptions options = ring(64 << 10, IpcOptions.IdleStrategy.BACKOFF).toBuilder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 0)
                .build();
        try (StreamPair ends = connect(options, options, new InMemorySharedMemory())) {
            assertTrue(ends.ring());
            List<Packet> one = List.of(Packet.of(0, new byte[1000]));
            int records = 0;
            try {
                while (records < 1000) {
                    ends.connection.send(one, Duration.ofMillis(100));
                    records++;
                }
            } catch (IpcTimeoutException full) {
                // the ring is full: nobody polled
            }
            assertTrue(records > 10 && records < 1000, "records that filled a 64 KiB ring: " + records);
            int last = records;
            int[] handed = {0};
            RuntimeException boom = new RuntimeException("boom");
            RuntimeException thrown = assertThrows(
                    RuntimeException.class,
                    () -> ends.client.poll(
                            p -> {
                                if (++handed[0] == last) {
                                    throw boom;
                                }
                            },
                            last + 10,
                            STALL));
            assertEquals(boom, thrown);
            assertEquals(records, handed[0], "one poll walked every record");
            int refill =
                    records - 2; // a lap may start elsewhere in the ring: padding at the wrap may take a record's room
            for (int i = 0; i < refill; i++) { // the room is back with no poll in between
                ends.connection.send(one, STALL);
            }
            ends.connection.sendEnd(STALL);
            assertEquals(refill, ends.client.stream().count(), "nothing handed out twice, nothing lost");
        }
    }

    /**
     * With the ring, the socket carries only control frames, so neither side keeps a megabyte buffer for it (256
     * connections cost 256 MiB of RSS each side that way); without the ring, batches come on the socket and both
     * sides keep large buffers, so reads and writes move big chunks.
     */
    @Test
    void withTheRingTheSocketBuffersStaySmall() throws Exception {
        IpcOptions off = IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
        try (StreamPair ring = connect(IpcOptions.defaults(), IpcOptions.defaults(), new InMemorySharedMemory());
                StreamPair socket = connect(off, off, new InMemorySharedMemory())) {
            assertTrue(ring.ring());
            assertFalse(socket.ring());
            assertTrue(((StreamConnection) ring.connection).sendBufferCapacity() <= 4096);
            assertTrue(((StreamClient) ring.client).inputCapacity() <= 4096);
            assertEquals(1 << 20, ((StreamConnection) socket.connection).sendBufferCapacity());
            assertEquals(1 << 20, ((StreamClient) socket.client).inputCapacity());
            List<Packet> batch = List.of(Packet.of(1, new byte[100]), Packet.of(2, new byte[60_000]));
            for (StreamPair pair : List.of(ring, socket)) { // both still carry whatever fits a frame or the region
                pair.connection.send(batch, STALL);
                pair.connection.sendEnd(STALL);
                assertEquals(2, pair.client.stream().count());
            }
        }
    }
}
