package dev.packetipc.wire;

import java.nio.ByteBuffer;

/**
 * Decides, while {@link FrameEncoder#encodeBatch(java.util.List, int, ByteBuffer, int, PayloadPlacement)} encodes a
 * batch, which payloads go into a shared-memory region instead of inline, and copies them there. The encoder calls it
 * on the thread that encodes, from that call only; an implementation that serves one connection's sender needs no
 * locking of its own. The region belongs to the implementation; the encoder only writes the offsets it returns into
 * the frame.
 */
public interface PayloadPlacement {
    /** Returned by {@link #place}: the region has no room now; stop the frame here and retry after a RELEASE. */
    long NO_ROOM = -1;

    /**
     * The id of the region payloads are placed in, as announced with REGION.
     *
     * @return the region id that the encoder writes into each shared-memory entry
     */
    int regionId();

    /**
     * Whether a payload of this length should travel through the region. Must not allocate. A payload too large for
     * any frame that this refuses ends the frame before it, and makes the next {@code encodeBatch} that starts with it
     * throw {@link IllegalArgumentException}.
     *
     * @param length the payload's length in bytes
     * @return {@code true} to have the encoder call {@link #place} for it, {@code false} to send it inline
     */
    boolean wants(int length);

    /**
     * Copies {@code length} bytes of {@code payload}, from its absolute index {@code index}, into the region.
     *
     * @param payload the packet's payload buffer; the user's, so read it with absolute gets and leave its position and
     *     limit alone, and keep no reference to it after returning
     * @param index where the payload starts in {@code payload} (absolute index)
     * @param length the payload's length in bytes, one {@link #wants} said yes to
     * @return the offset in the region where the payload now is, or {@link #NO_ROOM}
     */
    long place(ByteBuffer payload, int index, int length);
}
