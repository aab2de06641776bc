package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.RingDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packet ring's sleep and wake-up race on two threads, as the stream engine uses it: the consumer sleeps only
 * after its waiting word is set and the ring checked again, the producer likewise when the ring is full, and each
 * side rings the other's doorbell (here a semaphore standing for the socket's WAKE) when the ring says so. A lost
 * wake-up shows as a side that sleeps out its whole wait with work to do. Bounded in time: it stops after a few
 * seconds of running or a million records, whichever comes first. It catches a step left out of the protocol (a
 * publish that does not ring, a sleep without the second look); a missing fence it catches only by luck (tried: on
 * x86 without the two full fences it passed), which is why the fences are argued in wire-format §7 and not left to
 * this test.
 */
@Timeout(120)
class PacketRingRaceTest {
    private static final int CAPACITY = RingDescriptor.MIN_CAPACITY;
    private static final int RECORDS = 1_000_000;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);
    /** Far longer than any wake-up takes, even on a loaded machine: sleeping it out means nobody rang. */
    private static final long SLEEP_SECONDS = 10;

    private final ByteBuffer region =
            ByteBuffer.allocateDirect(RingDescriptor.HEADER_LENGTH + CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
    private final Semaphore consumerBell = new Semaphore(0);
    private final Semaphore producerBell = new Semaphore(0);
    private volatile int total = -1;

    @Test
    void neitherSideSleepsThroughWorkItHasToDo() throws Exception {
        PacketRing producer = PacketRing.create(region, CAPACITY, null);
        PacketRing consumer = PacketRing.open(region, region.capacity());
        // two threads of their own: the common pool may have only one, or be busy with another test's tasks
        ExecutorService sides = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<Integer> consuming = CompletableFuture.supplyAsync(() -> consume(consumer), sides);
            CompletableFuture<Integer> producing = CompletableFuture.supplyAsync(() -> produce(producer), sides);
            // the side that failed first is the news: a consumer that threw leaves the producer waiting for room
            CompletableFuture.anyOf(producing.exceptionally(e -> -1), consuming.exceptionally(e -> -1))
                    .get(60, TimeUnit.SECONDS);
            if (consuming.isCompletedExceptionally()) {
                get(consuming);
            }
            int written = get(producing);
            consumerBell.release(); // the end is known: a consumer asleep in its last wait may go
            assertEquals(written, get(consuming));
        } finally {
            sides.shutdownNow();
        }
    }

    private int produce(PacketRing ring) {
        SplittableRandom random = new SplittableRandom(2026);
        int largest = RingDescriptor.maxRecordLength(CAPACITY);
        long stop = System.nanoTime() + RUN_NANOS;
        int written = 0;
        try {
            while (written < RECORDS && System.nanoTime() < stop) {
                int length =
                        8 * (random.nextInt(10) == 0 ? 2 + random.nextInt(largest / 8 - 1) : 2 + random.nextInt(32));
                int index = ring.claim(length);
                while (index < 0) {
                    if (ring.publish()) { // the consumer can only free what it sees
                        consumerBell.release();
                    }
                    if (ring.prepareToWaitForRoom(length)) {
                        try {
                            if (!producerBell.tryAcquire(SLEEP_SECONDS, TimeUnit.SECONDS)) {
                                throw new AssertionError("the producer slept " + SLEEP_SECONDS + " s waiting for room"
                                        + " after record " + written + ": a lost wake-up");
                            }
                        } finally {
                            ring.producerAwake();
                        }
                    }
                    index = ring.claim(length);
                }
                FrameEncoder.encodeRecordHeader(ring.data(), index, length, FrameDescriptor.TYPE_BATCH);
                ring.data().putInt(index + FrameDescriptor.HEADER_LENGTH, written);
                ring.data().putInt(index + length - 4, ~written);
                ring.commit(length);
                written++;
                if (random.nextInt(4) == 0 && ring.publish()) {
                    consumerBell.release();
                }
            }
            total = written;
            if (ring.publish()) {
                consumerBell.release();
            }
            return written;
        } catch (dev.packetipc.ProtocolException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private int consume(PacketRing ring) {
        int read = 0;
        try {
            while (total < 0 || read < total) {
                int index = ring.next();
                if (index >= 0) {
                    int length = ring.recordLength();
                    int sequence = ring.data().getInt(index + FrameDescriptor.HEADER_LENGTH);
                    if (sequence != read || ring.data().getInt(index + length - 4) != ~read) {
                        throw new AssertionError("record " + read + " arrived as " + sequence + " or not whole");
                    }
                    ring.consumed();
                    read++;
                    if (ring.publishConsumer()) {
                        producerBell.release();
                    }
                    continue;
                }
                if (ring.publishConsumer()) { // padding skipped: the producer may wait for it
                    producerBell.release();
                }
                if (ring.prepareToSleep()) {
                    try {
                        if (!consumerBell.tryAcquire(SLEEP_SECONDS, TimeUnit.SECONDS)) {
                            throw new AssertionError("the consumer slept " + SLEEP_SECONDS + " s after record " + read
                                    + " with the producer running: a lost wake-up");
                        }
                    } finally {
                        ring.consumerAwake();
                    }
                }
            }
            return read;
        } catch (dev.packetipc.ProtocolException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static int get(CompletableFuture<Integer> side) throws Exception {
        try {
            return side.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError) {
                throw (AssertionError) e.getCause();
            }
            throw e;
        }
    }
}
