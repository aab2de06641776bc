package dev.packetipc.wire;

import dev.packetipc.PacketHandler;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.PacketView;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Walks the packets of one BATCH frame in place, handing each to a handler through one reused {@link PacketView}.
 * It can stop after a packet limit and resume where it stopped. Reusable for frame after frame; allocates nothing
 * unless it throws (and when a frame comes in a buffer other than the previous frame's: then it makes one duplicate).
 * Every entry is checked against the frame's bounds before it is handed out.
 *
 * <p>Not thread-safe: one reader belongs to one receiving thread. It reads the frame's bytes in place, so the caller
 * must leave them unchanged until the frame is read to its end or the reader is wrapped on another frame.
 */
public final class BatchReader {
    private final PacketView view = new PacketView();
    private final SharedRegions regions;
    private ByteBuffer buffer;
    private ByteBuffer viewSource;
    private ByteBuffer viewBuffer;
    private int cursor;
    private int end;
    private int remaining;

    /**
     * A reader that resolves shared-memory entries with {@code regions}.
     *
     * @param regions the connection's regions, or {@link SharedRegions#NONE} where none can be announced
     */
    public BatchReader(SharedRegions regions) {
        this.regions = regions;
    }

    /**
     * Starts on the BATCH frame at {@code frameOffset} of {@code readOnlyBuffer}, whose header {@link
     * FrameDecoder#frameLength} accepted and whose bytes are all there. Packets of a previous frame not read yet are
     * dropped.
     *
     * @param readOnlyBuffer the received bytes, little-endian and read-only: inline payloads are handed to users as
     *     windows on a duplicate of it (the reader keeps a reference to both until it is wrapped on another buffer)
     * @param frameOffset where the frame's header starts in the buffer (absolute index)
     * @param frameLength the frame's length, header included, as {@link FrameDecoder#frameLength} returned it
     * @throws IllegalArgumentException if the buffer is not little-endian
     * @throws ProtocolException if the packet count cannot fit in the frame
     */
    public void wrap(ByteBuffer readOnlyBuffer, int frameOffset, int frameLength) throws ProtocolException {
        if (readOnlyBuffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("the receive buffer must be little-endian");
        }
        int body = frameOffset + FrameDescriptor.HEADER_LENGTH;
        int count = readOnlyBuffer.getInt(body + BatchDescriptor.COUNT_OFFSET);
        long room = (long) frameLength - FrameDescriptor.HEADER_LENGTH - BatchDescriptor.BATCH_HEADER_LENGTH;
        if (count < 0 || (long) count * BatchDescriptor.ENTRY_HEADER_LENGTH > room) {
            throw new ProtocolException("batch count=" + Integer.toUnsignedString(count)
                    + " cannot fit in frame length=" + frameLength + "; the stream is corrupt");
        }
        if (count == 0 && room != 0) {
            throw new ProtocolException(
                    "a batch of 0 packets has " + room + " bytes after its header; the stream is corrupt");
        }
        if (readOnlyBuffer.getInt(body + BatchDescriptor.RESERVED_OFFSET) != 0) {
            throw new ProtocolException("a batch has a non-zero reserved field, which version 1 does not define");
        }
        this.buffer = readOnlyBuffer;
        if (readOnlyBuffer != viewSource) { // views move position and limit: they get a duplicate of their own
            viewSource = readOnlyBuffer;
            viewBuffer = readOnlyBuffer.duplicate();
        }
        this.cursor = body + BatchDescriptor.BATCH_HEADER_LENGTH;
        this.end = frameOffset + frameLength;
        this.remaining = count;
    }

    /**
     * Packets of the current frame not handed out yet.
     *
     * @return 0 once the frame is read to its end (and before the first {@link #wrap}), else the count left
     */
    public int remaining() {
        return remaining;
    }

    /**
     * Hands up to {@code limit} packets to {@code handler}. A packet counts as read before the handler sees it: if the
     * handler throws, the exception propagates and the next call continues with the packet after it.
     *
     * @param handler takes each packet; the view it gets, and the payload buffer it returns, are valid only until
     *     {@code onPacket} returns
     * @param limit the most packets to hand out in this call; 0 or less hands out none
     * @return the number handed out
     * @throws ProtocolException if an entry overruns the frame, has an unknown kind, or names an unknown region or
     *     a range outside it
     */
    public int read(PacketHandler handler, int limit) throws ProtocolException {
        int delivered = 0;
        while (delivered < limit && remaining > 0) {
            int entry = cursor;
            if (end - entry < BatchDescriptor.ENTRY_HEADER_LENGTH) {
                throw overrun(entry);
            }
            long timestamp = buffer.getLong(entry + BatchDescriptor.TIMESTAMP_OFFSET);
            int length = buffer.getInt(entry + BatchDescriptor.LENGTH_OFFSET);
            int kind = buffer.getInt(entry + BatchDescriptor.KIND_OFFSET);
            if (kind == BatchDescriptor.KIND_INLINE) {
                long entryLength = BatchDescriptor.inlineEntryLength(length);
                if (length < 0 || entryLength > end - entry) {
                    throw overrun(entry);
                }
                view.wrap(timestamp, viewBuffer, entry + BatchDescriptor.ENTRY_HEADER_LENGTH, length);
                cursor = entry + (int) entryLength;
            } else if (kind == BatchDescriptor.KIND_SHARED) {
                if (end - entry < BatchDescriptor.SHARED_ENTRY_LENGTH) {
                    throw overrun(entry);
                }
                int regionId = buffer.getInt(entry + BatchDescriptor.REGION_ID_OFFSET);
                long offset = buffer.getLong(entry + BatchDescriptor.REGION_OFFSET_OFFSET);
                ByteBuffer region = regions.region(regionId);
                if (region == null) {
                    throw new ProtocolException("packet entry at offset=" + entry + " names region="
                            + Integer.toUnsignedString(regionId) + " that was never announced with a REGION frame");
                }
                // no sum that can overflow: offset and length are checked against the size each on its own
                if (length < 0 || offset < 0 || offset > region.capacity() - length) {
                    throw new ProtocolException("packet entry at offset=" + entry + " points outside region="
                            + regionId + " (offset=" + Long.toUnsignedString(offset) + " length="
                            + Integer.toUnsignedString(length) + " size=" + region.capacity() + ")");
                }
                if (buffer.getInt(entry + BatchDescriptor.SHARED_RESERVED_OFFSET) != 0) {
                    throw new ProtocolException("packet entry at offset=" + entry + " has a non-zero reserved field,"
                            + " which version 1 does not define");
                }
                regions.handedOut(regionId, offset, length);
                view.wrap(timestamp, region, (int) offset, length);
                cursor = entry + BatchDescriptor.SHARED_ENTRY_LENGTH;
            } else {
                throw new ProtocolException(
                        "packet entry at offset=" + entry + " has unknown kind=" + Integer.toUnsignedString(kind));
            }
            remaining--;
            if (remaining == 0 && cursor != end) {
                throw new ProtocolException(
                        "a batch has " + (end - cursor) + " bytes after its last entry; the stream is corrupt");
            }
            delivered++;
            handler.onPacket(view);
        }
        return delivered;
    }

    private ProtocolException overrun(int entry) {
        return new ProtocolException("packet entry at offset=" + entry + " overruns its frame (frame end=" + end
                + "); the stream is corrupt");
    }
}
