package dev.packetipc.wire;

import static dev.packetipc.wire.FrameDescriptor.HEADER_LENGTH;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes frames into a caller's buffer at its position, advancing the position. Stateless; allocates nothing. The
 * buffer's byte order is set to little-endian. Packets' payload buffers are read with absolute reads, so their
 * positions are left alone.
 */
public final class FrameEncoder {
    private FrameEncoder() {}

    /**
     * Writes one BATCH frame with as many packets, starting at {@code from}, as fit in both the buffer's remaining
     * space and {@code maxFrameBytes}; every payload travels inline.
     *
     * @return the index of the first packet not written: {@code from} when not even one fits in the buffer (flush it
     *     and call again), {@code packets.size()} when all were written
     * @throws IllegalArgumentException if packet {@code from} is too large for any frame of {@code maxFrameBytes}:
     *     such a payload must travel through shared memory, or the maximum frame size must be raised
     */
    public static int encodeBatch(List<? extends AsIpcPacket> packets, int from, ByteBuffer dst, int maxFrameBytes) {
        return encodeBatch(packets, from, dst, maxFrameBytes, null);
    }

    /**
     * As {@link #encodeBatch(List, int, ByteBuffer, int)}, but payloads that {@code placement} wants are copied into
     * its shared-memory region and written as 32-byte shared-memory entries. The frame also ends before a payload for
     * which the region has no room ({@link PayloadPlacement#NO_ROOM}).
     *
     * @param placement where large payloads go, or {@code null} for inline only
     */
    public static int encodeBatch(
            List<? extends AsIpcPacket> packets,
            int from,
            ByteBuffer dst,
            int maxFrameBytes,
            PayloadPlacement placement) {
        int size = packets.size();
        if (from >= size) {
            return from;
        }
        int first = packets.get(from).length();
        if (first > BatchDescriptor.maxInlinePayload(maxFrameBytes) && (placement == null || !placement.wants(first))) {
            throw new IllegalArgumentException("packet " + from + " has " + first + " bytes, more than fits in a"
                    + " frame of maxFrameBytes=" + maxFrameBytes + "; send it through shared memory or raise"
                    + " IpcOptions.MAX_FRAME_BYTES on both sides");
        }
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        long room = Math.min((long) dst.remaining(), maxFrameBytes);
        long used = HEADER_LENGTH + BatchDescriptor.BATCH_HEADER_LENGTH;
        int body = start + HEADER_LENGTH;
        int at = body + BatchDescriptor.BATCH_HEADER_LENGTH;
        int next = from;
        while (next < size) {
            AsIpcPacket packet = packets.get(next);
            ByteBuffer data = packet.data();
            int length = data.remaining();
            long entry;
            if (placement != null && placement.wants(length)) {
                entry = BatchDescriptor.SHARED_ENTRY_LENGTH;
                if (used + entry > room) {
                    break;
                }
                long offset = placement.place(data, data.position(), length);
                if (offset == PayloadPlacement.NO_ROOM) {
                    break;
                }
                entryHead(dst, at, packet.timestampNanos(), length, BatchDescriptor.KIND_SHARED);
                dst.putInt(at + BatchDescriptor.REGION_ID_OFFSET, placement.regionId());
                dst.putInt(at + BatchDescriptor.REGION_ID_OFFSET + 4, 0);
                dst.putLong(at + BatchDescriptor.REGION_OFFSET_OFFSET, offset);
            } else {
                entry = BatchDescriptor.inlineEntryLength(length);
                if (used + entry > room) {
                    break;
                }
                entryHead(dst, at, packet.timestampNanos(), length, BatchDescriptor.KIND_INLINE);
                int payload = at + BatchDescriptor.ENTRY_HEADER_LENGTH;
                dst.put(payload, data, data.position(), length);
                for (int pad = payload + length; pad < at + entry; pad++) {
                    dst.put(pad, (byte) 0);
                }
            }
            at += (int) entry;
            used += entry;
            next++;
        }
        if (next == from) {
            return from;
        }
        dst.putInt(body + BatchDescriptor.COUNT_OFFSET, next - from);
        dst.putInt(body + 4, 0);
        header(dst, start, (int) used, FrameDescriptor.TYPE_BATCH);
        dst.position(start + (int) used);
        return next;
    }

    /**
     * Writes the head of a BATCH frame of one inline packet: the frame header, the batch header and the entry header,
     * 32 bytes. The caller then writes the payload and {@link #inlinePadding(int)} zero bytes, for instance with a
     * gathering write straight from the packet's buffer, so that a payload larger than any send buffer is not copied.
     */
    public static void encodeInlineHead(ByteBuffer dst, long timestampNanos, int length, int maxFrameBytes) {
        long frame = HEADER_LENGTH + BatchDescriptor.BATCH_HEADER_LENGTH + BatchDescriptor.inlineEntryLength(length);
        if (length < 0 || frame > maxFrameBytes) {
            throw new IllegalArgumentException("a packet of " + length + " bytes does not fit in a frame of"
                    + " maxFrameBytes=" + maxFrameBytes + "; send it through shared memory or raise"
                    + " IpcOptions.MAX_FRAME_BYTES on both sides");
        }
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int body = start + HEADER_LENGTH;
        dst.putInt(body + BatchDescriptor.COUNT_OFFSET, 1);
        dst.putInt(body + 4, 0);
        entryHead(dst, body + BatchDescriptor.BATCH_HEADER_LENGTH, timestampNanos, length, BatchDescriptor.KIND_INLINE);
        header(dst, start, (int) frame, FrameDescriptor.TYPE_BATCH);
        dst.position(start + HEADER_LENGTH + BatchDescriptor.BATCH_HEADER_LENGTH + BatchDescriptor.ENTRY_HEADER_LENGTH);
    }

    /** The zero bytes that follow an inline payload of this length. */
    public static int inlinePadding(int length) {
        return (int) (BatchDescriptor.inlineEntryLength(length) - BatchDescriptor.ENTRY_HEADER_LENGTH - length);
    }

    private static void entryHead(ByteBuffer dst, int at, long timestampNanos, int length, int kind) {
        dst.putLong(at + BatchDescriptor.TIMESTAMP_OFFSET, timestampNanos);
        dst.putInt(at + BatchDescriptor.LENGTH_OFFSET, length);
        dst.putInt(at + BatchDescriptor.KIND_OFFSET, kind);
    }

    /** Writes END. */
    public static void encodeEnd(ByteBuffer dst) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        header(dst, start, HEADER_LENGTH, FrameDescriptor.TYPE_END);
        dst.position(start + HEADER_LENGTH);
    }

    /** Writes CLOSE with a reason code from {@link HandshakeDescriptor}. */
    public static void encodeClose(ByteBuffer dst, int reason) {
        twoInts(dst, FrameDescriptor.TYPE_CLOSE, reason, 0);
    }

    /** Writes HELLO: the versions the client speaks and the largest frame it accepts, without flags. */
    public static void encodeHello(ByteBuffer dst, short minVersion, short maxVersion, int maxFrameBytes) {
        encodeHello(dst, minVersion, maxVersion, maxFrameBytes, 0);
    }

    /** Writes HELLO with flags such as {@link HandshakeDescriptor#FLAG_SHARED_MEMORY}. */
    public static void encodeHello(ByteBuffer dst, short minVersion, short maxVersion, int maxFrameBytes, int flags) {
        handshake(dst, FrameDescriptor.TYPE_HELLO, minVersion, maxVersion, maxFrameBytes, flags);
    }

    /** Writes WELCOME: the chosen version and the largest frame the server accepts. */
    public static void encodeWelcome(ByteBuffer dst, short version, int maxFrameBytes) {
        encodeWelcome(dst, version, maxFrameBytes, 0);
    }

    /**
     * Writes WELCOME with flags such as {@link HandshakeDescriptor#FLAG_RING}.
     *
     * @param dst the buffer to write into, at its position
     * @param version the chosen version
     * @param maxFrameBytes the largest frame the server accepts
     * @param flags the WELCOME flags
     */
    public static void encodeWelcome(ByteBuffer dst, short version, int maxFrameBytes, int flags) {
        handshake(dst, FrameDescriptor.TYPE_WELCOME, version, (short) 0, maxFrameBytes, flags);
    }

    /**
     * Writes RING: the packet ring's region, whose descriptor is sent out of band with this frame.
     *
     * @param dst the buffer to write into, at its position
     * @param handle the region's handle in the receiving process where the system needs it (Windows), else 0
     * @param size the region's size in bytes, header included
     */
    public static void encodeRing(ByteBuffer dst, int handle, long size) {
        regionFrame(dst, FrameDescriptor.TYPE_RING, 0, handle, size);
    }

    /**
     * Writes WAKE, the packet ring's doorbell: 8 bytes, no body.
     *
     * @param dst the buffer to write into, at its position
     */
    public static void encodeWake(ByteBuffer dst) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        header(dst, start, HEADER_LENGTH, FrameDescriptor.TYPE_WAKE);
        dst.position(start + HEADER_LENGTH);
    }

    /**
     * Writes the header of a ring record at an absolute index, leaving the buffer's position alone.
     *
     * @param dst the ring's data
     * @param index where the record starts
     * @param length the record's length, header included
     * @param type the record's type
     */
    public static void encodeRecordHeader(ByteBuffer dst, int index, int length, byte type) {
        header(dst, index, length, type);
    }

    /** Writes REJECT with a reason code and a text, cut to {@link HandshakeDescriptor#MAX_TEXT_LENGTH} bytes. */
    public static void encodeReject(ByteBuffer dst, int reason, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(utf8.length, HandshakeDescriptor.MAX_TEXT_LENGTH);
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int length = FrameDescriptor.align(HEADER_LENGTH + HandshakeDescriptor.REJECT_BODY_LENGTH + n);
        int body = start + HEADER_LENGTH;
        dst.putInt(body + HandshakeDescriptor.REASON_OFFSET, reason);
        dst.putInt(body + HandshakeDescriptor.TEXT_LENGTH_OFFSET, n);
        dst.put(body + HandshakeDescriptor.REJECT_BODY_LENGTH, utf8, 0, n);
        for (int pad = body + HandshakeDescriptor.REJECT_BODY_LENGTH + n; pad < start + length; pad++) {
            dst.put(pad, (byte) 0);
        }
        header(dst, start, length, FrameDescriptor.TYPE_REJECT);
        dst.position(start + length);
    }

    /**
     * Writes REGION: a shared-memory region whose descriptor is sent out of band with this frame.
     *
     * @param handle the region's handle in the receiving process where the system needs it (Windows), else 0
     */
    public static void encodeRegion(ByteBuffer dst, int regionId, int handle, long size) {
        regionFrame(dst, FrameDescriptor.TYPE_REGION, regionId, handle, size);
    }

    /** Writes RELEASE: the client holds nothing of the region below {@code position} (see HandshakeDescriptor). */
    public static void encodeRelease(ByteBuffer dst, int regionId, long position) {
        regionFrame(dst, FrameDescriptor.TYPE_RELEASE, regionId, 0, position);
    }

    private static void handshake(ByteBuffer dst, byte type, short a, short b, int maxFrameBytes, int flags) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int body = start + HEADER_LENGTH;
        dst.putInt(body + HandshakeDescriptor.MAGIC_OFFSET, HandshakeDescriptor.MAGIC);
        dst.putShort(body + HandshakeDescriptor.MIN_VERSION_OFFSET, a);
        dst.putShort(body + HandshakeDescriptor.MAX_VERSION_OFFSET, b);
        dst.putInt(body + HandshakeDescriptor.MAX_FRAME_OFFSET, maxFrameBytes);
        dst.putInt(body + HandshakeDescriptor.FLAGS_OFFSET, flags);
        header(dst, start, HEADER_LENGTH + HandshakeDescriptor.HELLO_BODY_LENGTH, type);
        dst.position(start + HEADER_LENGTH + HandshakeDescriptor.HELLO_BODY_LENGTH);
    }

    private static void twoInts(ByteBuffer dst, byte type, int first, int second) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        dst.putInt(start + HEADER_LENGTH, first);
        dst.putInt(start + HEADER_LENGTH + 4, second);
        header(dst, start, HEADER_LENGTH + 8, type);
        dst.position(start + HEADER_LENGTH + 8);
    }

    private static void regionFrame(ByteBuffer dst, byte type, int regionId, int handle, long value) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int body = start + HEADER_LENGTH;
        dst.putInt(body + HandshakeDescriptor.REGION_ID_OFFSET, regionId);
        dst.putInt(body + HandshakeDescriptor.REGION_HANDLE_OFFSET, handle);
        dst.putLong(body + HandshakeDescriptor.REGION_VALUE_OFFSET, value);
        header(dst, start, HEADER_LENGTH + HandshakeDescriptor.REGION_BODY_LENGTH, type);
        dst.position(start + HEADER_LENGTH + HandshakeDescriptor.REGION_BODY_LENGTH);
    }

    private static void header(ByteBuffer dst, int start, int length, byte type) {
        dst.putInt(start + FrameDescriptor.LENGTH_OFFSET, length);
        dst.put(start + FrameDescriptor.TYPE_OFFSET, type);
        dst.put(start + FrameDescriptor.FLAGS_OFFSET, (byte) 0);
        dst.putShort(start + FrameDescriptor.RESERVED_OFFSET, (short) 0);
    }
}
