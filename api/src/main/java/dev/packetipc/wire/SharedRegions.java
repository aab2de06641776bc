package dev.packetipc.wire;

import java.nio.ByteBuffer;

/** Looks up the shared-memory regions a connection announced with REGION frames, for {@link BatchReader}. */
@FunctionalInterface
public interface SharedRegions {
    /** No regions: a shared-memory entry is then a protocol error. */
    SharedRegions NONE = id -> null;

    /**
     * The region's mapped bytes, read-only, or {@code null} if it was never announced. The packet views handed to
     * users move this buffer's position and limit, so return a buffer kept for that purpose, not one the transport
     * reads with relative gets.
     */
    ByteBuffer region(int regionId);

    /**
     * Called by {@link BatchReader} for every shared-memory entry, after its range was checked and before the packet
     * is handed to the user, so that the transport can tell the sender later what it may reuse. Must not allocate.
     */
    default void handedOut(int regionId, long offset, int length) {}
}
