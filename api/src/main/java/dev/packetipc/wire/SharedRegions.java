package dev.packetipc.wire;

import java.nio.ByteBuffer;

/**
 * Looks up the shared-memory regions a connection announced with REGION frames, for {@link BatchReader}. The reader
 * calls it on the thread that reads, from inside {@link BatchReader#read} only.
 */
@FunctionalInterface
public interface SharedRegions {
    /** No regions: a shared-memory entry is then a protocol error. */
    SharedRegions NONE = id -> null;

    /**
     * The region's mapped bytes, read-only, or {@code null} if it was never announced. The packet views handed to
     * users move this buffer's position and limit, so return a buffer kept for that purpose, not one the transport
     * reads with relative gets.
     *
     * @param regionId the region id from a packet entry, a u32 read as an {@code int} (so possibly negative)
     * @return the region's bytes, read-only, whose capacity is the region's size (entries are checked against it);
     *     owned by the transport, which keeps them mapped while a packet view on them may be in use; or {@code null}
     */
    ByteBuffer region(int regionId);

    /**
     * Called by {@link BatchReader} for every shared-memory entry, after its range was checked and before the packet
     * is handed to the user, so that the transport can tell the sender later what it may reuse. Must not allocate.
     *
     * @param regionId the region's id, one {@link #region} returned a buffer for
     * @param offset where the payload starts in the region, in bytes; {@code offset + length} is within the region
     * @param length the payload's length in bytes, 0 or more
     */
    default void handedOut(int regionId, long offset, int length) {}
}
