package dev.packetipc.spi.stream;

import dev.packetipc.ProtocolException;
import dev.packetipc.wire.PayloadPlacement;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The sender's shared-memory region of one connection: created on first need, copied into in ring order, reused as
 * the receiver releases it. Tells the sending loop, through {@link #takeNeed()}, why a frame stopped early.
 */
final class SharedPayloads implements PayloadPlacement {
    /** The one region a connection uses. */
    static final int REGION_ID = 1;

    /** What the sending loop must do before the frame can go on. */
    enum Need {
        NOTHING,
        ANNOUNCE,
        RELEASE
    }

    private final SharedMemory memory;
    private final int threshold;
    private final long size;
    private final long ringSize;
    private SharedMemory.SharedRegion region;
    private ByteBuffer target;
    private RegionRing ring;
    private Need need = Need.NOTHING;
    private boolean failed;

    /**
     * Shared payloads for a connection.
     *
     * @param threshold payloads of at least this many bytes go into the region
     * @param maxInline the largest payload that fits inline in a frame: larger ones go into the region too
     * @param size the region's size
     */
    SharedPayloads(SharedMemory memory, int threshold, int maxInline, long size) {
        this.memory = memory;
        this.threshold = Math.min(threshold, maxInline + 1);
        this.size = size;
        this.ringSize = RegionRing.ringSize(size);
    }

    @Override
    public int regionId() {
        return REGION_ID;
    }

    @Override
    public boolean wants(int length) {
        return !failed && length >= threshold && length <= ringSize;
    }

    @Override
    public long place(ByteBuffer payload, int index, int length) {
        if (ring == null) {
            need = Need.ANNOUNCE;
            return NO_ROOM;
        }
        long offset = ring.allocate(length);
        if (offset < 0) {
            need = Need.RELEASE;
            return NO_ROOM;
        }
        target.put((int) offset, payload, index, length);
        return offset;
    }

    /** Bytes of the region the client holds, as of its last RELEASE (plain reads; safe from any thread). */
    long bytesHeld() {
        RegionRing current = ring;
        return current == null ? 0 : current.held();
    }

    /**
     * Whether the region has room for a payload of {@code length} bytes now. A RELEASE read since a placement found no
     * room (while publishing or flushing) may have made some: the sender waits for one only if this says no.
     */
    boolean hasRoomFor(int length) {
        return ring != null && ring.fits(length);
    }

    /** Whether the region exists (it was created; it is announced before any payload is placed in it). */
    boolean hasRegion() {
        return ring != null;
    }

    /** The largest payload the region can take: its size rounded down to a multiple of 64. */
    int largest() {
        return (int) ringSize;
    }

    /** Why the last frame stopped early, cleared by the call. */
    Need takeNeed() {
        Need was = need;
        need = Need.NOTHING;
        return was;
    }

    /**
     * Creates the region. If the system refuses, shared memory is switched off for this connection and every payload
     * goes inline (those too large for a frame then fail with a clear message).
     *
     * @return the region to announce, or {@code null} if it could not be created
     */
    SharedMemory.SharedRegion create() {
        try {
            region = memory.create(size);
            target = region.buffer().duplicate();
            ring = new RegionRing(size);
            return region;
        } catch (IOException | RuntimeException e) {
            giveUp(e);
            return null;
        }
    }

    /** Switches shared memory off for this connection, before any REGION was sent: every payload goes inline. */
    void giveUp(Exception cause) {
        failed = true;
        ring = null;
        close();
        region = null;
        System.getLogger(SharedPayloads.class.getName())
                .log(
                        System.Logger.Level.WARNING,
                        "shared memory of " + size + " bytes cannot be used with this client; payloads go inline: "
                                + cause);
    }

    SharedMemory memory() {
        return memory;
    }

    long size() {
        return size;
    }

    /** Takes the receiver's RELEASE. */
    void release(int regionId, long position) throws ProtocolException {
        if (regionId != REGION_ID || ring == null) {
            throw new ProtocolException("RELEASE names region=" + regionId + ", which this connection never announced");
        }
        ring.release(position);
    }

    /** Releases the region's handle. */
    void close() {
        if (region != null) {
            region.close();
        }
    }
}
