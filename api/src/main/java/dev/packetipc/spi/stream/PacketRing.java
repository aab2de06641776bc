package dev.packetipc.spi.stream;

import static dev.packetipc.wire.RingDescriptor.CONSUMER_POSITION_OFFSET;
import static dev.packetipc.wire.RingDescriptor.CONSUMER_WAITING_OFFSET;
import static dev.packetipc.wire.RingDescriptor.HEADER_LENGTH;
import static dev.packetipc.wire.RingDescriptor.PRODUCER_POSITION_OFFSET;
import static dev.packetipc.wire.RingDescriptor.PRODUCER_WAITING_OFFSET;

import dev.packetipc.ProtocolException;
import dev.packetipc.wire.BatchDescriptor;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.RingDescriptor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One connection's packet ring (wire format §7, layout in {@link RingDescriptor}): a single-producer single-consumer
 * ring of records in a region both processes map. The server's {@link StreamConnection} uses the producer half, the
 * client's {@link StreamClient} the consumer half; each half is used by one thread at a time.
 *
 * <p>Memory ordering: the producer writes records with plain stores and publishes its position with one release
 * store per flush; the consumer reads the position with an acquire load, then the records with plain loads, and
 * publishes its own position with a release store once a record is consumed. The waiting words follow the Dekker
 * pattern: a side that wants to sleep stores 1 into its waiting word with a volatile store, then re-reads the other's
 * position; a side that publishes does a full fence after its release store and then reads the other's waiting word.
 * So either the sleeper sees the new position, or the publisher sees the word (and rings the doorbell): a wake-up
 * cannot be lost. Everything read from the peer is checked: a position or a record outside the ring ends in a {@link
 * ProtocolException}, never in an out-of-bounds read.
 *
 * <p>Unlike Agrona's {@code OneToOneRingBuffer}, whose records carry one message each and whose producer may be one of
 * several threads, a record here is a whole BATCH (the frame layout of the byte stream, so the same {@link
 * dev.packetipc.wire.BatchReader} walks both), the header is in front of the data rather than behind it, and there
 * are the two waiting words, since a side that has nothing to do may sleep on the stream instead of spinning.
 */
final class PacketRing {
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer region;
    /** The buffer the ring was made over, as mapped (client side: what to unmap). */
    private final ByteBuffer mapping;

    private final ByteBuffer data;
    private final ByteBuffer writer;
    private final int capacity;
    private final int mask;
    private final SharedMemory.SharedRegion owner;

    // producer
    private long tail;
    private long published;
    private long consumerSeen;

    // consumer
    private long head;
    private long headPublished;
    private long producerSeen;
    private int recordLength;

    private PacketRing(ByteBuffer region, int capacity, SharedMemory.SharedRegion owner) {
        this.region = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.mapping = region;
        this.data = region.slice(HEADER_LENGTH, capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.writer = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.owner = owner;
    }

    /**
     * Server side: lays out a fresh ring over a region of {@code HEADER_LENGTH + capacity} zeroed bytes.
     *
     * @param owner what to close with the ring (the region's handle), or {@code null}
     */
    static PacketRing create(ByteBuffer region, int capacity, SharedMemory.SharedRegion owner) {
        if (!RingDescriptor.isLegalCapacity(capacity) || region.capacity() < HEADER_LENGTH + (long) capacity) {
            throw new IllegalArgumentException("a ring of " + capacity + " bytes does not fit a region of "
                    + region.capacity() + " bytes, or is not a power of two from 64 KiB to 1 GiB");
        }
        ByteBuffer header = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(RingDescriptor.MAGIC_OFFSET, RingDescriptor.MAGIC);
        header.putInt(RingDescriptor.VERSION_OFFSET, RingDescriptor.VERSION);
        header.putLong(RingDescriptor.CAPACITY_OFFSET, capacity);
        PacketRing ring = new PacketRing(region, capacity, owner);
        LONGS.setVolatile(ring.region, PRODUCER_POSITION_OFFSET, 0L);
        LONGS.setVolatile(ring.region, CONSUMER_POSITION_OFFSET, 0L);
        LONGS.setVolatile(ring.region, CONSUMER_WAITING_OFFSET, 0L);
        LONGS.setVolatile(ring.region, PRODUCER_WAITING_OFFSET, 0L);
        return ring;
    }

    /**
     * Client side: checks the header of a ring the server announced with a RING frame of size {@code regionSize}.
     *
     * @throws ProtocolException if the size, magic, version or capacity is not a legal ring's
     */
    static PacketRing open(ByteBuffer region, long regionSize) throws ProtocolException {
        long capacity = regionSize - HEADER_LENGTH;
        if (!RingDescriptor.isLegalCapacity(capacity) || region.capacity() < regionSize) {
            throw new ProtocolException("the RING frame announces " + regionSize + " bytes: not a " + HEADER_LENGTH
                    + "-byte header plus a power of two from 64 KiB to 1 GiB (or the mapping is smaller); the server"
                    + " is not a packet-ipc server of a compatible version");
        }
        ByteBuffer header = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (header.getInt(RingDescriptor.MAGIC_OFFSET) != RingDescriptor.MAGIC
                || header.getInt(RingDescriptor.VERSION_OFFSET) != RingDescriptor.VERSION
                || header.getLong(RingDescriptor.CAPACITY_OFFSET) != capacity) {
            throw new ProtocolException("the ring's header (magic, version, capacity) does not match its RING frame;"
                    + " the server is not a packet-ipc server of a compatible version");
        }
        return new PacketRing(region, (int) capacity, null);
    }

    /** The data capacity in bytes. */
    int capacity() {
        return capacity;
    }

    /** The largest record, header included. */
    int maxRecordLength() {
        return RingDescriptor.maxRecordLength(capacity);
    }

    /** The ring's data, little-endian, for walking records in place (consumer, through a read-only copy). */
    ByteBuffer data() {
        return data;
    }

    /**
     * The producer's view of the data, whose position and limit the producer sets around the room it {@link #claim
     * claimed} (the ring itself only uses absolute indexes on {@link #data()}).
     */
    ByteBuffer writer() {
        return writer;
    }

    // ---------------------------------------------------------------- producer

    /**
     * Makes room for a record of at least {@code minLength} bytes (a multiple of 8, at most {@link #maxRecordLength}),
     * writing a padding record first if it does not fit before the end of the data.
     *
     * @return the data index where the record goes, or -1 while the consumer has not freed enough
     * @throws ProtocolException if the consumer's position is impossible
     */
    int claim(int minLength) throws ProtocolException {
        if (!hasRoom(minLength)) {
            return -1;
        }
        int index = (int) (tail & mask);
        int toEnd = capacity - index;
        if (minLength > toEnd) {
            FrameEncoder.encodeRecordHeader(data, index, toEnd, RingDescriptor.TYPE_PADDING);
            tail += toEnd;
            index = 0;
        }
        return index;
    }

    /** Whether a record of {@code minLength} bytes fits now (with the padding it may need); reads the consumer. */
    boolean hasRoom(int minLength) throws ProtocolException {
        int toEnd = capacity - (int) (tail & mask);
        long needed = minLength <= toEnd ? minLength : (long) toEnd + minLength;
        if (tail + needed - consumerSeen <= capacity) {
            return true;
        }
        readConsumer();
        return tail + needed - consumerSeen <= capacity;
    }

    /** The bytes that can be written at the claimed index, after a successful {@link #claim}. */
    int writable() {
        return (int) Math.min(capacity - (tail - consumerSeen), capacity - (tail & mask));
    }

    /** Adds a record of {@code length} bytes, written at the claimed index, to what the next publish makes visible. */
    void commit(int length) {
        tail += length;
    }

    /** The producer's position: what it committed so far (for tests). */
    long producerPosition() {
        return tail;
    }

    /** Whether records were committed that are not published yet. */
    boolean hasUnpublished() {
        return tail != published;
    }

    /**
     * Makes the committed records visible with one release store, then (after a full fence) looks at the consumer's
     * waiting word.
     *
     * @return whether the consumer sleeps and this side must ring the doorbell (the word was taken back to 0)
     */
    boolean publish() {
        if (tail == published) {
            return false;
        }
        LONGS.setRelease(region, PRODUCER_POSITION_OFFSET, tail);
        published = tail;
        VarHandle.fullFence();
        return (long) LONGS.getVolatile(region, CONSUMER_WAITING_OFFSET) != 0
                && LONGS.compareAndSet(region, CONSUMER_WAITING_OFFSET, 1L, 0L);
    }

    /**
     * Producer about to sleep until the consumer frees room: sets the producer-waiting word, then checks again.
     *
     * @return true if there is still no room, so the producer may sleep until the doorbell; false (word cleared) if
     *     room appeared
     */
    boolean prepareToWaitForRoom(int minLength) throws ProtocolException {
        LONGS.setVolatile(region, PRODUCER_WAITING_OFFSET, 1L);
        VarHandle.fullFence(); // the store above before the load of the consumer's position below
        if (hasRoom(minLength)) {
            LONGS.setVolatile(region, PRODUCER_WAITING_OFFSET, 0L);
            return false;
        }
        return true;
    }

    /** Producer woke up (or gave up waiting): clears its waiting word. */
    void producerAwake() {
        LONGS.setVolatile(region, PRODUCER_WAITING_OFFSET, 0L);
    }

    private void readConsumer() throws ProtocolException {
        long position = (long) LONGS.getAcquire(region, CONSUMER_POSITION_OFFSET);
        if (position < consumerSeen || position > published || (position & (RingDescriptor.ALIGNMENT - 1)) != 0) {
            throw new ProtocolException("the client wrote consumer position=" + position + " into the ring, outside ["
                    + consumerSeen + ", " + published + "] or not a multiple of 8; its ring bookkeeping is corrupt");
        }
        consumerSeen = position;
    }

    // ---------------------------------------------------------------- consumer

    /**
     * The next BATCH record: skips padding records, checks the record's header against the ring.
     *
     * @return the record's data index (its length is then {@link #recordLength()}), or -1 if the ring is empty
     * @throws ProtocolException if the producer's position or the record is impossible
     */
    int next() throws ProtocolException {
        while (true) {
            if (head == producerSeen && !readProducer()) {
                return -1;
            }
            int index = (int) (head & mask);
            long available = Math.min(producerSeen - head, capacity - index);
            int length = data.getInt(index + FrameDescriptor.LENGTH_OFFSET);
            byte type = data.get(index + FrameDescriptor.TYPE_OFFSET);
            if (length < FrameDescriptor.HEADER_LENGTH
                    || length > available
                    || (length & (RingDescriptor.ALIGNMENT - 1)) != 0
                    || data.get(index + FrameDescriptor.FLAGS_OFFSET) != 0
                    || data.getShort(index + FrameDescriptor.RESERVED_OFFSET) != 0) {
                throw corrupt("record at position=" + head + " has length=" + Integer.toUnsignedString(length)
                        + " (published bytes after it: " + available + "), or non-zero flags or reserved bits");
            }
            if (type == RingDescriptor.TYPE_PADDING) {
                if (length != capacity - index) {
                    throw corrupt("padding record at position=" + head + " has length=" + length
                            + ", which does not reach the end of the ring");
                }
                head += length;
                continue;
            }
            if (type != FrameDescriptor.TYPE_BATCH
                    || length < FrameDescriptor.HEADER_LENGTH + BatchDescriptor.BATCH_HEADER_LENGTH
                    || length > maxRecordLength()) {
                throw corrupt("record at position=" + head + " has type=0x" + Integer.toHexString(type & 0xff)
                        + " length=" + length + "; only BATCH records of at most " + maxRecordLength()
                        + " bytes and padding may be in the ring");
            }
            recordLength = length;
            return index;
        }
    }

    /** The length of the record {@link #next()} returned. */
    int recordLength() {
        return recordLength;
    }

    /** The consumer is done with the record {@link #next()} returned. */
    void consumed() {
        head += recordLength;
        recordLength = 0;
    }

    /**
     * Makes the consumer's position visible with a release store, then (after a full fence) looks at the producer's
     * waiting word.
     *
     * @return whether the producer waits for room and this side must ring the doorbell (the word was taken to 0)
     */
    boolean publishConsumer() {
        if (head == headPublished) {
            return false;
        }
        LONGS.setRelease(region, CONSUMER_POSITION_OFFSET, head);
        headPublished = head;
        VarHandle.fullFence();
        return (long) LONGS.getVolatile(region, PRODUCER_WAITING_OFFSET) != 0
                && LONGS.compareAndSet(region, PRODUCER_WAITING_OFFSET, 1L, 0L);
    }

    /**
     * Consumer about to sleep on the stream: sets the consumer-waiting word, then checks the ring again.
     *
     * @return true if the ring is still empty, so the consumer may sleep until the doorbell; false (word cleared) if
     *     records arrived
     * @throws ProtocolException if the producer's position is impossible
     */
    boolean prepareToSleep() throws ProtocolException {
        LONGS.setVolatile(region, CONSUMER_WAITING_OFFSET, 1L);
        VarHandle.fullFence(); // the store above before the load of the producer's position below
        if (head != producerSeen || readProducer()) {
            LONGS.setVolatile(region, CONSUMER_WAITING_OFFSET, 0L);
            return false;
        }
        return true;
    }

    /** Consumer woke up: clears its waiting word. */
    void consumerAwake() {
        LONGS.setVolatile(region, CONSUMER_WAITING_OFFSET, 0L);
    }

    /** Reads the producer's position; returns whether it moved past {@link #head}. */
    private boolean readProducer() throws ProtocolException {
        long position = (long) LONGS.getAcquire(region, PRODUCER_POSITION_OFFSET);
        if (position < producerSeen || position - head > capacity || (position & (RingDescriptor.ALIGNMENT - 1)) != 0) {
            throw corrupt("the producer position=" + position + " is behind its last value=" + producerSeen
                    + ", more than the capacity=" + capacity + " ahead of the consumer's=" + head
                    + ", or not a multiple of 8");
        }
        producerSeen = position;
        return position != head;
    }

    private static ProtocolException corrupt(String what) {
        return new ProtocolException("the server's packet ring is corrupt: " + what + "; the server is broken or not"
                + " a packet-ipc server");
    }

    /** The region's handle on the server side, or {@code null}. */
    SharedMemory.SharedRegion owner() {
        return owner;
    }

    /** Closes the region's handle, if this side owns one. */
    void close() {
        if (owner != null) {
            owner.close();
        }
    }

    /**
     * Producer side: bytes committed that the consumer had not freed when the producer last looked (a plain read of
     * the producer's own fields, safe from any thread and after the ring is unmapped; possibly a little stale).
     */
    long bytesQueued() {
        return tail - consumerSeen;
    }

    /** The buffer the ring was made over, as it was mapped. */
    ByteBuffer mapping() {
        return mapping;
    }
}
