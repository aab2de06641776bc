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
     * space and {@code maxFrameBytes}.
     *
     * @return the index of the first packet not written: {@code from} when not even one fits in the buffer (flush it
     *     and call again), {@code packets.size()} when all were written
     * @throws IllegalArgumentException if packet {@code from} is too large for any frame of {@code maxFrameBytes}:
     *     such a payload must travel through shared memory, or the maximum frame size must be raised
     */
    public static int encodeBatch(List<? extends AsIpcPacket> packets, int from, ByteBuffer dst, int maxFrameBytes) {
        int size = packets.size();
        if (from >= size) {
            return from;
        }
        int first = packets.get(from).length();
        if (first > BatchDescriptor.maxInlinePayload(maxFrameBytes)) {
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
            long entry = BatchDescriptor.inlineEntryLength(length);
            if (used + entry > room) {
                break;
            }
            dst.putLong(at + BatchDescriptor.TIMESTAMP_OFFSET, packet.timestampNanos());
            dst.putInt(at + BatchDescriptor.LENGTH_OFFSET, length);
            dst.putInt(at + BatchDescriptor.KIND_OFFSET, BatchDescriptor.KIND_INLINE);
            int payload = at + BatchDescriptor.ENTRY_HEADER_LENGTH;
            dst.put(payload, data, data.position(), length);
            for (int pad = payload + length; pad < at + entry; pad++) {
                dst.put(pad, (byte) 0);
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

    /** Writes HELLO: the versions the client speaks and the largest frame it accepts. */
    public static void encodeHello(ByteBuffer dst, short minVersion, short maxVersion, int maxFrameBytes) {
        handshake(dst, FrameDescriptor.TYPE_HELLO, minVersion, maxVersion, maxFrameBytes);
    }

    /** Writes WELCOME: the chosen version and the largest frame the server accepts. */
    public static void encodeWelcome(ByteBuffer dst, short version, int maxFrameBytes) {
        handshake(dst, FrameDescriptor.TYPE_WELCOME, version, (short) 0, maxFrameBytes);
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

    /** Writes REGION: a shared-memory region whose descriptor is sent out of band with this frame. */
    public static void encodeRegion(ByteBuffer dst, int regionId, long size) {
        regionFrame(dst, FrameDescriptor.TYPE_REGION, regionId, size);
    }

    /** Writes RELEASE: the client holds nothing of the region below {@code offset}. */
    public static void encodeRelease(ByteBuffer dst, int regionId, long offset) {
        regionFrame(dst, FrameDescriptor.TYPE_RELEASE, regionId, offset);
    }

    private static void handshake(ByteBuffer dst, byte type, short a, short b, int maxFrameBytes) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int body = start + HEADER_LENGTH;
        dst.putInt(body + HandshakeDescriptor.MAGIC_OFFSET, HandshakeDescriptor.MAGIC);
        dst.putShort(body + HandshakeDescriptor.MIN_VERSION_OFFSET, a);
        dst.putShort(body + HandshakeDescriptor.MAX_VERSION_OFFSET, b);
        dst.putInt(body + HandshakeDescriptor.MAX_FRAME_OFFSET, maxFrameBytes);
        dst.putInt(body + HandshakeDescriptor.FLAGS_OFFSET, 0);
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

    private static void regionFrame(ByteBuffer dst, byte type, int regionId, long value) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int body = start + HEADER_LENGTH;
        dst.putInt(body + HandshakeDescriptor.REGION_ID_OFFSET, regionId);
        dst.putInt(body + 4, 0);
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
