package dev.packetipc.spi.stream;

import dev.packetipc.ProtocolException;

/**
 * The sender's book of one shared-memory region, used as a ring (see {@code docs/wire-format.md} §4). Positions count
 * bytes as if the ring repeated end to end; a payload's offset is its position modulo the ring size, which is the
 * region size rounded down to a multiple of {@link #ALIGNMENT} (the bytes beyond it are never used). Each payload
 * starts at the first multiple of 64 at or after the end of the previous one, or, when it would not fit before the
 * end of the ring, at the start of the next lap: the skipped tail belongs to no payload and is free again as soon as
 * the payload before it is released.
 *
 * <p>A payload may be placed where it overlaps nothing the receiver still holds, which is the range from the released
 * position to the end of the last payload handed out. When the receiver holds nothing, any payload up to the ring
 * size fits: the ring always makes progress.
 *
 * <pre>
 *  released          lastEnd  head
 *     |  held by client  | pad |   free   ...
 * </pre>
 */
final class RegionRing {
    /** Every payload starts on a cache line, and the ring size is a multiple of it. */
    static final int ALIGNMENT = 64;

    private final long size;
    private long head;
    private long lastStart;
    private long lastEnd;
    private long released;

    /**
     * A ring over a region of {@code regionSize} bytes.
     *
     * @throws IllegalArgumentException if the region is smaller than {@link #ALIGNMENT}
     */
    RegionRing(long regionSize) {
        this.size = ringSize(regionSize);
        if (size <= 0) {
            throw new IllegalArgumentException(
                    "a shared-memory region needs at least " + ALIGNMENT + " bytes, got " + regionSize);
        }
    }

    /** The bytes of a region of {@code regionSize} that the ring uses: the size rounded down to a multiple of 64. */
    static long ringSize(long regionSize) {
        return regionSize & -ALIGNMENT;
    }

    /** The ring size: the largest payload that can ever be placed. */
    long size() {
        return size;
    }

    /**
     * The offset for a payload of {@code length} bytes (at most {@link #size()}), or -1 while the receiver holds
     * bytes the payload would overlap.
     */
    long allocate(int length) {
        if (!fits(length)) {
            return -1;
        }
        long start = startOf(length);
        long end = start + length;
        lastStart = start;
        lastEnd = end;
        head = (end + ALIGNMENT - 1) & -ALIGNMENT;
        return start % size;
    }

    /** Bytes from the released position to the end of the last payload placed: what the receiver may still hold. */
    long held() {
        return lastEnd - released;
    }

    /** Whether {@link #allocate} would place a payload of {@code length} bytes now. */
    boolean fits(int length) {
        return length >= 0 && length <= size && (startOf(length) + length - released <= size || released == lastEnd);
    }

    /** Where a payload of {@code length} bytes would start: at the head, or at the next lap if it would not fit. */
    private long startOf(int length) {
        long offset = head % size;
        return offset + length <= size ? head : head + (size - offset);
    }

    /** The position of the payload the last successful {@link #allocate} placed. */
    long lastPosition() {
        return lastStart;
    }

    /**
     * Takes the receiver's RELEASE.
     *
     * @throws ProtocolException if the position goes backwards or beyond the end of the last payload handed out
     */
    void release(long position) throws ProtocolException {
        if (position < released || position > lastEnd) {
            throw new ProtocolException("RELEASE position=" + position + " is outside [" + released + ", " + lastEnd
                    + "]; the client's bookkeeping of the shared region is corrupt");
        }
        released = position;
    }

    /**
     * The receiver's side: the position of a payload at {@code offset}, given where the previous one ended: the first
     * position at or after {@code previousEnd} whose remainder modulo {@code ringSize} is {@code offset}.
     */
    static long positionOf(long offset, long previousEnd, long ringSize) {
        return previousEnd + Math.floorMod(offset - previousEnd, ringSize);
    }
}
