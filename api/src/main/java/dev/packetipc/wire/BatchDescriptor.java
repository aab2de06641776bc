package dev.packetipc.wire;

/**
 * The body of a BATCH frame: a count, then one entry per packet. Offsets are from the start of the body (the
 * byte after the {@link FrameDescriptor 8-byte header}); all fields are little-endian; every entry starts on an
 * 8-byte boundary.
 *
 * <pre>
 * body:   0  u32 packet count            4  u32 reserved (0)
 *         8  entries, back to back
 * entry:  0  i64 timestamp (nanoseconds since the epoch)
 *         8  u32 payload length
 *        12  u32 kind: 0 = inline, 1 = shared memory
 *   inline:        16  payload bytes, then zero padding to a multiple of 8
 *   shared memory: 16  u32 region id   20 u32 reserved (0)   24 u64 offset in the region
 * </pre>
 *
 * An inline entry takes {@code 16 + align8(length)} bytes, a shared-memory entry 32.
 */
public final class BatchDescriptor {
    /** Offset of the u32 packet count in the body. */
    public static final int COUNT_OFFSET = 0;
    /** Offset of the u32 reserved field in the body, 0 in version 1. */
    public static final int RESERVED_OFFSET = 4;
    /** Length of the body's fixed part, before the first entry. */
    public static final int BATCH_HEADER_LENGTH = 8;

    /** Entry: offset of the i64 timestamp. */
    public static final int TIMESTAMP_OFFSET = 0;
    /** Entry: offset of the u32 payload length. */
    public static final int LENGTH_OFFSET = 8;
    /** Entry: offset of the u32 kind. */
    public static final int KIND_OFFSET = 12;
    /** Entry: length of the fixed part; an inline payload starts here. */
    public static final int ENTRY_HEADER_LENGTH = 16;
    /** Entry, shared memory: offset of the u32 region id. */
    public static final int REGION_ID_OFFSET = 16;
    /** Entry, shared memory: offset of the u32 reserved field, 0 in version 1. */
    public static final int SHARED_RESERVED_OFFSET = 20;
    /** Entry, shared memory: offset of the u64 offset in the region. */
    public static final int REGION_OFFSET_OFFSET = 24;
    /** Length of a shared-memory entry. */
    public static final int SHARED_ENTRY_LENGTH = 32;

    /** Kind: the payload follows the entry header. */
    public static final int KIND_INLINE = 0;
    /** Kind: the payload is in a shared-memory region. */
    public static final int KIND_SHARED = 1;

    private BatchDescriptor() {}

    /**
     * The bytes an inline entry takes: its 16-byte header, the payload, and the zero padding to a multiple of 8.
     *
     * @param payloadLength the payload's length in bytes, 0 or more
     * @return the entry's length in bytes; a {@code long}, so that it cannot overflow for any {@code int} length
     */
    public static long inlineEntryLength(int payloadLength) {
        return ENTRY_HEADER_LENGTH + (((long) payloadLength + 7) & ~7L);
    }

    /**
     * The largest payload that fits inline in one BATCH frame of at most {@code maxFrameBytes}, as its only packet.
     *
     * @param maxFrameBytes the largest frame the receiver accepts, header included, at least {@link
     *     FrameDescriptor#MIN_MAX_FRAME_BYTES}
     * @return the payload length in bytes: {@code maxFrameBytes} minus the 32 bytes of frame header, batch header and
     *     entry header
     */
    public static int maxInlinePayload(int maxFrameBytes) {
        return maxFrameBytes - FrameDescriptor.HEADER_LENGTH - BATCH_HEADER_LENGTH - ENTRY_HEADER_LENGTH;
    }
}
