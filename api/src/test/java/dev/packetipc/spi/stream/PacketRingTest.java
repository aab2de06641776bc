package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.ProtocolException;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.RingDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The packet ring's producer and consumer halves over one buffer: records of every size around the wrap, a full
 * ring, a consumer slower and faster than the producer, and a hostile peer's positions and record headers, which end
 * in {@link ProtocolException}, never in an out-of-bounds read.
 */
class PacketRingTest {
    private static final int CAPACITY = RingDescriptor.MIN_CAPACITY;

    private final ByteBuffer region =
            ByteBuffer.allocateDirect(RingDescriptor.HEADER_LENGTH + CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
    private final PacketRing producer = PacketRing.create(region, CAPACITY, null);
    private final PacketRing consumer = open();

    private PacketRing open() {
        try {
            return PacketRing.open(region, region.capacity());
        } catch (ProtocolException e) {
            throw new AssertionError(e);
        }
    }

    /** Writes one BATCH-typed record of {@code length} bytes filled with {@code stamp}, committed, not published. */
    private static void record(PacketRing ring, int index, int length, int stamp) {
        FrameEncoder.encodeRecordHeader(ring.data(), index, length, FrameDescriptor.TYPE_BATCH);
        for (int at = index + 8; stamp != -1 && at < index + length; at += 4) {
            ring.data().putInt(at, stamp);
        }
        ring.commit(length);
    }

    /** Reads every record there is, checking each is whole and stamped {@code stamp}; returns how many. */
    private int drain(int stamp) throws ProtocolException {
        int records = 0;
        for (int at = consumer.next(); at >= 0; at = consumer.next()) {
            for (int i = at + 8; stamp != -1 && i < at + consumer.recordLength(); i += 4) {
                assertEquals(stamp, consumer.data().getInt(i), "record at " + at);
            }
            consumer.consumed();
            records++;
        }
        consumer.publishConsumer();
        return records;
    }

    /**
     * Every record size from the smallest (16) to 4 KiB, each started at every 8-byte gap before the end of the data
     * up to its own length: it either fits before the end or is preceded by one padding record, and arrives whole.
     */
    @Test
    void recordsOfEverySizeAroundTheEndArriveWhole() throws ProtocolException {
        int stamp = 0;
        for (int length = 16; length <= 4096; length += 8) {
            for (int gap = 0; gap <= length + 8; gap += 8) {
                int toEnd = CAPACITY - (int) (producer.producerPosition() & (CAPACITY - 1));
                int filler = toEnd - gap;
                if (filler < 0) {
                    filler += CAPACITY;
                }
                if (filler == 8) {
                    continue; // no record is 8 bytes long
                }
                while (filler > 0) {
                    int chunk = Math.min(filler, RingDescriptor.maxRecordLength(CAPACITY));
                    if (filler - chunk == 8) {
                        chunk -= 16;
                    }
                    record(producer, producer.claim(chunk), chunk, -1);
                    filler -= chunk;
                    producer.publish();
                    drain(-1);
                }
                int index = producer.claim(length);
                assertTrue(index >= 0, "no room for " + length + " although the ring is empty");
                assertEquals(gap >= length ? CAPACITY - gap : 0, index, "length=" + length + " gap=" + gap);
                record(producer, index, length, stamp);
                producer.publish();
                assertEquals(1, drain(stamp), "length=" + length + " gap=" + gap);
                stamp++;
            }
        }
    }

    /** A full ring refuses a record until the consumer frees room, then takes it. */
    @Test
    void aFullRingRefusesUntilTheConsumerFreesRoom() throws ProtocolException {
        int length = 1024;
        for (int i = 0; i < CAPACITY / length; i++) {
            record(producer, producer.claim(length), length, 7);
        }
        producer.publish();
        assertEquals(-1, producer.claim(16));
        assertTrue(producer.prepareToWaitForRoom(16), "no room, so the producer may sleep");
        int at = consumer.next();
        assertTrue(at >= 0);
        consumer.consumed();
        assertTrue(consumer.publishConsumer(), "the waiting producer must be woken");
        assertFalse(consumer.publishConsumer(), "one doorbell per wait");
        producer.producerAwake();
        record(producer, producer.claim(length), length, 7);
        assertEquals(-1, producer.claim(16), "full again");
    }

    /** The consumer sleeps only when the ring is empty, and a publish while it sleeps asks for the doorbell once. */
    @Test
    void aPublishWhileTheConsumerSleepsAsksForOneDoorbell() throws ProtocolException {
        assertTrue(consumer.prepareToSleep());
        record(producer, producer.claim(64), 64, 1);
        assertTrue(producer.publish());
        record(producer, producer.claim(64), 64, 1);
        assertFalse(producer.publish(), "the word was taken back: no second doorbell");
        consumer.consumerAwake();
        assertEquals(2, drain(1));
        record(producer, producer.claim(64), 64, 1);
        assertFalse(producer.publish(), "nobody sleeps");
        assertFalse(consumer.prepareToSleep(), "a record is there: no sleep");
    }

    /** Producer and consumer in random step, the consumer sometimes far behind, sometimes right behind. */
    @Test
    void randomInterleavingsKeepEveryRecordInOrder() throws ProtocolException {
        SplittableRandom random = new SplittableRandom(14);
        int written = 0;
        int read = 0;
        for (int step = 0; step < 200_000; step++) {
            if (random.nextBoolean()) {
                int length = 16 + 8 * random.nextInt(random.nextInt(8) == 0 ? 4000 : 40);
                int index = producer.claim(length);
                if (index >= 0) {
                    FrameEncoder.encodeRecordHeader(producer.data(), index, length, FrameDescriptor.TYPE_BATCH);
                    producer.data().putInt(index + 8, written++);
                    producer.commit(length);
                    if (random.nextInt(4) == 0) {
                        producer.publish();
                    }
                }
            } else {
                int at = consumer.next();
                if (at >= 0) {
                    assertEquals(read++, consumer.data().getInt(at + 8));
                    consumer.consumed();
                    if (random.nextInt(3) == 0) {
                        consumer.publishConsumer();
                    }
                }
            }
        }
        producer.publish();
        for (int at = consumer.next(); at >= 0; at = consumer.next()) {
            assertEquals(read++, consumer.data().getInt(at + 8));
            consumer.consumed();
        }
        assertEquals(written, read);
    }

    private void producerPosition(long position) {
        region.putLong(RingDescriptor.PRODUCER_POSITION_OFFSET, position);
    }

    /** Producer positions that go back, run more than the capacity ahead, or are not aligned are refused. */
    @Test
    void hostileProducerPositionsAreRefused() {
        producerPosition(CAPACITY + 8L);
        assertThrows(ProtocolException.class, consumer::next);
        producerPosition(12);
        assertThrows(ProtocolException.class, consumer::next);
        producerPosition(-8);
        assertThrows(ProtocolException.class, consumer::next);
        producerPosition(Long.MIN_VALUE);
        assertThrows(ProtocolException.class, consumer::prepareToSleep);
    }

    /** Record headers that overrun what was published, the end of the data, or lie about their type are refused. */
    @Test
    void hostileRecordHeadersAreRefused() {
        int[][] cases = { // length, type, flags, published
            {0, FrameDescriptor.TYPE_BATCH, 0, 64},
            {8, FrameDescriptor.TYPE_BATCH, 0, 64},
            {72, FrameDescriptor.TYPE_BATCH, 0, 64},
            {-8, FrameDescriptor.TYPE_BATCH, 0, 64},
            {20, FrameDescriptor.TYPE_BATCH, 0, 64},
            {64, FrameDescriptor.TYPE_BATCH, 1, 64},
            {64, FrameDescriptor.TYPE_END, 0, 64},
            {64, RingDescriptor.TYPE_PADDING, 0, 64},
            {CAPACITY / 2 + 8, FrameDescriptor.TYPE_BATCH, 0, CAPACITY / 2 + 8},
        };
        for (int[] c : cases) {
            PacketRing fresh = freshConsumer();
            ByteBuffer data = fresh.data();
            data.putInt(0, c[0]);
            data.put(4, (byte) c[1]);
            data.put(5, (byte) c[2]);
            producerPosition(c[3]);
            assertThrows(ProtocolException.class, fresh::next, () -> "length=" + c[0] + " type=" + c[1]);
        }
    }

    private PacketRing freshConsumer() {
        PacketRing.create(region, CAPACITY, null);
        return open();
    }

    /** A padding record that does not reach the end of the data is refused. */
    @Test
    void paddingThatStopsShortOfTheEndIsRefused() throws ProtocolException {
        int index = producer.claim(CAPACITY / 2);
        record(producer, index, CAPACITY / 2, 1);
        record(producer, producer.claim(CAPACITY / 2 - 64), CAPACITY / 2 - 64, 1);
        producer.publish();
        assertEquals(2, drain(1));
        ByteBuffer data = consumer.data();
        FrameEncoder.encodeRecordHeader(data, CAPACITY - 64, 32, RingDescriptor.TYPE_PADDING);
        producerPosition(CAPACITY);
        assertThrows(ProtocolException.class, consumer::next);
    }

    /** Consumer positions beyond what was published, backwards, or unaligned are refused by the producer. */
    @Test
    void hostileConsumerPositionsAreRefused() throws ProtocolException {
        record(producer, producer.claim(CAPACITY / 2), CAPACITY / 2, 1);
        record(producer, producer.claim(CAPACITY / 2 - 64), CAPACITY / 2 - 64, 1);
        producer.publish(); // 64 bytes left: a claim of 128 must read the consumer's position
        region.putLong(RingDescriptor.CONSUMER_POSITION_OFFSET, CAPACITY + 8);
        assertThrows(ProtocolException.class, () -> producer.claim(128));
        region.putLong(RingDescriptor.CONSUMER_POSITION_OFFSET, 4);
        assertThrows(ProtocolException.class, () -> producer.claim(128));
        region.putLong(RingDescriptor.CONSUMER_POSITION_OFFSET, -8);
        assertThrows(ProtocolException.class, () -> producer.claim(128));
        region.putLong(RingDescriptor.CONSUMER_POSITION_OFFSET, CAPACITY / 2);
        assertTrue(producer.claim(128) >= 0, "a legal position is taken");
    }

    /** A RING size, magic or capacity that does not describe a legal ring is refused when the client opens it. */
    @Test
    void aRingHeaderThatDoesNotMatchItsFrameIsRefused() {
        assertThrows(ProtocolException.class, () -> PacketRing.open(region, region.capacity() - 8));
        region.putLong(RingDescriptor.CAPACITY_OFFSET, CAPACITY * 2L);
        assertThrows(ProtocolException.class, () -> PacketRing.open(region, region.capacity()));
        region.putLong(RingDescriptor.CAPACITY_OFFSET, CAPACITY);
        region.putInt(RingDescriptor.MAGIC_OFFSET, 0);
        assertThrows(ProtocolException.class, () -> PacketRing.open(region, region.capacity()));
    }
}
