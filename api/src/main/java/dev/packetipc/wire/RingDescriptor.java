package dev.packetipc.wire;

/**
 * The layout of a connection's packet ring (wire format §7): a single-producer single-consumer ring of records in a
 * shared-memory region that both processes map read-write. The server produces, the client consumes. All fields are
 * little-endian; every header word is a u64 on a 128-byte line of its own, so that the words the two sides write never
 * share a cache line (nor an adjacent-line prefetch pair).
 *
 * <pre>
 *  region offset
 *     0  +----------------------------------------------------------+
 *        | u32 magic "PIPR"  | u32 version = 1 | u64 capacity C      |  written once by the server
 *   128  +----------------------------------------------------------+
 *        | i64 producer position   (server: release store)          |
 *   256  +----------------------------------------------------------+
 *        | i64 consumer position   (client: release store)          |
 *   384  +----------------------------------------------------------+
 *        | u64 consumer waiting    (client sets 1 before it sleeps)  |
 *   512  +----------------------------------------------------------+
 *        | u64 producer waiting    (server sets 1 before it sleeps)  |
 *   640  +----------------------------------------------------------+
 *        | data: C bytes of records, C a power of two                |
 *  640+C +----------------------------------------------------------+
 * </pre>
 *
 * <p>Positions count bytes since the start of the connection; a record at position p lies at data offset
 * {@code p & (C - 1)}. Every record starts on an 8-byte boundary with the 8-byte frame header of {@link
 * FrameDescriptor} (u32 length including the header, u8 type, u8 flags = 0, u16 reserved = 0) and never crosses the
 * end of the data: a record of type {@link #TYPE_PADDING} fills the tail that a record did not fit into, and the
 * next record starts at data offset 0. A record of type {@link FrameDescriptor#TYPE_BATCH} has exactly the layout
 * of a BATCH frame ({@link BatchDescriptor}).
 */
public final class RingDescriptor {
    /** Offset of the u32 magic. */
    public static final int MAGIC_OFFSET = 0;
    /** The magic, "PIPR" as bytes {@code 50 49 50 52}. */
    public static final int MAGIC = 0x52504950;
    /** Offset of the u32 layout version. */
    public static final int VERSION_OFFSET = 4;
    /** The layout version. */
    public static final int VERSION = 1;
    /** Offset of the u64 data capacity. */
    public static final int CAPACITY_OFFSET = 8;
    /** Offset of the i64 producer position, written only by the server. */
    public static final int PRODUCER_POSITION_OFFSET = 128;
    /** Offset of the i64 consumer position, written only by the client. */
    public static final int CONSUMER_POSITION_OFFSET = 256;
    /** Offset of the u64 consumer-waiting word: 1 while the client may sleep on the stream. */
    public static final int CONSUMER_WAITING_OFFSET = 384;
    /** Offset of the u64 producer-waiting word: 1 while the server may sleep on the stream for room. */
    public static final int PRODUCER_WAITING_OFFSET = 512;
    /** Length of the header; the data starts here. */
    public static final int HEADER_LENGTH = 640;
    /** Records start on a multiple of this, and their lengths are multiples of it. */
    public static final int ALIGNMENT = 8;
    /** Record type that fills the data's tail before a wrap; its body is ignored. */
    public static final byte TYPE_PADDING = 0x00;
    /** The smallest data capacity: 64 KiB. */
    public static final int MIN_CAPACITY = 64 << 10;
    /** The largest data capacity: 1 GiB. */
    public static final int MAX_CAPACITY = 1 << 30;

    private RingDescriptor() {}

    /**
     * Whether a data capacity is legal: a power of two from {@link #MIN_CAPACITY} to {@link #MAX_CAPACITY}.
     *
     * @param capacity the capacity in bytes
     * @return whether it is legal
     */
    public static boolean isLegalCapacity(long capacity) {
        return capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && Long.bitCount(capacity) == 1;
    }

    /**
     * The largest record a ring of this capacity carries: half the capacity, so that a record and the padding
     * before it always fit once the consumer caught up.
     *
     * @param capacity the data capacity
     * @return the largest record length, header included
     */
    public static int maxRecordLength(long capacity) {
        return (int) (capacity / 2);
    }
}
