package dev.packetipc.wire;

import java.nio.ByteBuffer;

/**
 * Decides, while {@link FrameEncoder#encodeBatch(java.util.List, int, ByteBuffer, int, PayloadPlacement)} encodes a
 * batch, which payloads go into a shared-memory region instead of inline, and copies them there.
 */
public interface PayloadPlacement {
    /** Returned by {@link #place}: the region has no room now; stop the frame here and retry after a RELEASE. */
    long NO_ROOM = -1;

    /** The id of the region payloads are placed in, as announced with REGION. */
    int regionId();

    /** Whether a payload of this length should travel through the region. Must not allocate. */
    boolean wants(int length);

    /**
     * Copies {@code length} bytes of {@code payload}, from its absolute index {@code index}, into the region.
     *
     * @return the offset in the region where the payload now is, or {@link #NO_ROOM}
     */
    long place(ByteBuffer payload, int index, int length);
}
