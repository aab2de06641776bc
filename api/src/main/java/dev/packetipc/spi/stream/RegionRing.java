package dev.packetipc.spi.stream;

import dev.packetipc.ProtocolException;

/**
 * The sender's book of one shared-memory region, used as a ring. Positions count bytes as if the region repeated end
 * to end; a payload's offset is its position modulo the size. Space is handed out in order, wrapping to offset 0
 * when a payload does not fit before the end, and never more than one region size ahead of what the receiver
 * released (see {@code docs/wire-format.md} §4).
 *
 * <pre>
 *  released            head
 *     |  held by client  |   free   ...  (free + held = size)
 * </pre>
 */
final class RegionRing {
    /** Every payload starts on a cache line. */
    static final int ALIGNMENT = 64;

    private final long size;
    private long head;
    private long released;

    RegionRing(long size) {
        this.size = size;
    }

    /** The offset for a payload of {@code length} bytes, or -1 while the receiver holds too much. */
    long allocate(int length) {
        long offset = head % size;
        long start = offset + length <= size ? head : head + (size - offset);
        long end = start + length;
        if (end - released > size) {
            return -1;
        }
        head = (end + ALIGNMENT - 1) & -ALIGNMENT;
        return start % size;
    }

    /**
     * Takes the receiver's RELEASE.
     *
     * @throws ProtocolException if the position goes backwards or beyond what was handed out
     */
    void release(long position) throws ProtocolException {
        if (position < released || position > head) {
            throw new ProtocolException("RELEASE position=" + position + " is outside [" + released + ", " + head
                    + "]; the client's bookkeeping of the shared region is corrupt");
        }
        released = position;
    }

    /** The receiver's side: the position of a payload at {@code offset}, given where the previous one ended. */
    static long positionOf(long offset, long previousEnd, long size) {
        return previousEnd + Math.floorMod(offset - previousEnd, size);
    }
}
