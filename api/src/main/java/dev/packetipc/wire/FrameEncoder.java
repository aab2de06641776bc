package dev.packetipc.wire;

import static dev.packetipc.wire.FrameDescriptor.HEADER_LENGTH;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.spi.StreamProperties;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes frames into a caller's buffer at its position, advancing the position. Stateless; allocates nothing. The
 * buffer's byte order is set to little-endian (except by {@link #encodeRecordHeader}, which writes at an absolute
 * index). Packets' payload buffers are read with absolute reads, so their positions are left alone.
 *
 * <p>Every method may be called from any thread. The caller owns the destination buffer: the encoder keeps no
 * reference to it after returning, and no other thread may use it during a call. Only {@link #encodeBatch} checks that
 * the buffer has room; for the other frames the caller makes sure it has room for the frame's length (stated on each
 * method) before calling. All lengths and sizes are in bytes.
 */
public final class FrameEncoder {
    private FrameEncoder() {}

    /**
     * Writes one BATCH frame with as many packets, starting at {@code from}, as fit in both the buffer's remaining
     * space and {@code maxFrameBytes}; every payload travels inline.
     *
     * @param packets the packets to send; each one's payload is its {@code data()} buffer from position to limit
     * @param from the index in {@code packets} of the first packet to write; {@code packets.size()} or more writes
     *     nothing and returns {@code from}
     * @param dst the buffer to write into, at its position; on return its position is after the frame, or unchanged if
     *     no frame was written
     * @param maxFrameBytes the largest frame the peer accepts, header included (the value negotiated in the handshake)
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
     * which the region has no room ({@link PayloadPlacement#NO_ROOM}): the payloads placed before it stay in the region
     * and are sent in this frame.
     *
     * @param packets the packets to send; each one's payload is its {@code data()} buffer from position to limit
     * @param from the index in {@code packets} of the first packet to write; {@code packets.size()} or more writes
     *     nothing and returns {@code from}
     * @param dst the buffer to write into, at its position; on return its position is after the frame, or unchanged if
     *     no frame was written
     * @param maxFrameBytes the largest frame the peer accepts, header included (the value negotiated in the handshake)
     * @param placement where large payloads go, or {@code null} for inline only
     * @return the index of the first packet not written: {@code from} when not even one fits in the buffer or the
     *     region (flush, or wait for a RELEASE, and call again), {@code packets.size()} when all were written
     * @throws IllegalArgumentException if packet {@code from} is too large for any frame of {@code maxFrameBytes} and
     *     {@code placement} does not want it
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
     *
     * @param dst the buffer to write into, at its position; needs room for 32 bytes, and its position ends after them
     * @param timestampNanos the packet's timestamp, nanoseconds since the Unix epoch
     * @param length the payload's length, 0 or more
     * @param maxFrameBytes the largest frame the peer accepts, header included
     * @throws IllegalArgumentException if {@code length} is negative or the whole frame (head, payload and padding)
     *     would be longer than {@code maxFrameBytes}; nothing was written then
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

    /**
     * The number of zero bytes that follow an inline payload, so that the next entry starts on an 8-byte boundary.
     *
     * @param length the payload's length, 0 or more
     * @return 0 to 7
     */
    public static int inlinePadding(int length) {
        return (int) (BatchDescriptor.inlineEntryLength(length) - BatchDescriptor.ENTRY_HEADER_LENGTH - length);
    }

    private static void entryHead(ByteBuffer dst, int at, long timestampNanos, int length, int kind) {
        dst.putLong(at + BatchDescriptor.TIMESTAMP_OFFSET, timestampNanos);
        dst.putInt(at + BatchDescriptor.LENGTH_OFFSET, length);
        dst.putInt(at + BatchDescriptor.KIND_OFFSET, kind);
    }

    /**
     * Writes END, the last frame of a stream: 8 bytes, no body.
     *
     * @param dst the buffer to write into, at its position; needs room for 8 bytes
     */
    public static void encodeEnd(ByteBuffer dst) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        header(dst, start, HEADER_LENGTH, FrameDescriptor.TYPE_END);
        dst.position(start + HEADER_LENGTH);
    }

    /**
     * Writes CLOSE: 16 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 16 bytes
     * @param reason the reason code, one of {@link HandshakeDescriptor}'s {@code REASON_*} constants
     */
    public static void encodeClose(ByteBuffer dst, int reason) {
        twoInts(dst, FrameDescriptor.TYPE_CLOSE, reason, 0);
    }

    /**
     * Writes HELLO without flags: the versions the client speaks and the largest frame it accepts; 24 bytes. The values
     * are written as given, not checked.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param minVersion the lowest protocol version the client speaks (u16)
     * @param maxVersion the highest protocol version the client speaks (u16), at least {@code minVersion}
     * @param maxFrameBytes the largest frame the client accepts, header included; the server refuses less than
     *     {@link FrameDescriptor#MIN_MAX_FRAME_BYTES}
     */
    public static void encodeHello(ByteBuffer dst, short minVersion, short maxVersion, int maxFrameBytes) {
        encodeHello(dst, minVersion, maxVersion, maxFrameBytes, 0);
    }

    /**
     * Writes HELLO with flags: 24 bytes. The values are written as given, not checked.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param minVersion the lowest protocol version the client speaks (u16)
     * @param maxVersion the highest protocol version the client speaks (u16), at least {@code minVersion}
     * @param maxFrameBytes the largest frame the client accepts, header included; the server refuses less than
     *     {@link FrameDescriptor#MIN_MAX_FRAME_BYTES}
     * @param flags a bit set of {@link HandshakeDescriptor#FLAG_SHARED_MEMORY}, {@link HandshakeDescriptor#FLAG_RING}
     *     and {@link HandshakeDescriptor#FLAG_PROPERTIES}
     */
    public static void encodeHello(ByteBuffer dst, short minVersion, short maxVersion, int maxFrameBytes, int flags) {
        handshake(dst, FrameDescriptor.TYPE_HELLO, minVersion, maxVersion, maxFrameBytes, flags);
    }

    /**
     * Writes HELLO with {@link HandshakeDescriptor#FLAG_LIVENESS} added to {@code flags}: 32 bytes, the client's
     * liveness time-out at {@link HandshakeDescriptor#HELLO_LIVENESS_OFFSET} (wire format §8).
     *
     * @param dst the buffer to write into, at its position; needs room for 32 bytes
     * @param minVersion the lowest protocol version the client speaks (u16)
     * @param maxVersion the highest protocol version the client speaks (u16)
     * @param maxFrameBytes the largest frame the client accepts, header included
     * @param flags the other HELLO flags
     * @param livenessMillis the client's liveness time-out, 1 to {@link HandshakeDescriptor#MAX_LIVENESS_MILLIS}
     */
    public static void encodeHelloWithLiveness(
            ByteBuffer dst, short minVersion, short maxVersion, int maxFrameBytes, int flags, int livenessMillis) {
        int start = dst.position();
        handshake(
                dst,
                FrameDescriptor.TYPE_HELLO,
                minVersion,
                maxVersion,
                maxFrameBytes,
                flags | HandshakeDescriptor.FLAG_LIVENESS);
        dst.putInt(start + HEADER_LENGTH + HandshakeDescriptor.HELLO_LIVENESS_OFFSET, livenessMillis);
        dst.putInt(start + HEADER_LENGTH + HandshakeDescriptor.HELLO_LIVENESS_OFFSET + 4, 0);
        header(dst, start, HandshakeDescriptor.HELLO_LIVENESS_LENGTH, FrameDescriptor.TYPE_HELLO);
        dst.position(start + HandshakeDescriptor.HELLO_LIVENESS_LENGTH);
    }

    /**
     * Writes WELCOME without flags: the chosen version and the largest frame the server accepts; 24 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param version the chosen protocol version, one the client's HELLO offered ({@link FrameDecoder#negotiate})
     * @param maxFrameBytes the largest frame the server accepts, header included, at least {@link
     *     FrameDescriptor#MIN_MAX_FRAME_BYTES}
     */
    public static void encodeWelcome(ByteBuffer dst, short version, int maxFrameBytes) {
        encodeWelcome(dst, version, maxFrameBytes, 0);
    }

    /**
     * Writes WELCOME with flags such as {@link HandshakeDescriptor#FLAG_RING}: 24 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param version the chosen version
     * @param maxFrameBytes the largest frame the server accepts, header included, at least {@link
     *     FrameDescriptor#MIN_MAX_FRAME_BYTES}
     * @param flags the WELCOME flags: {@link HandshakeDescriptor#FLAG_RING} and {@link
     *     HandshakeDescriptor#FLAG_PROPERTIES} are defined
     */
    public static void encodeWelcome(ByteBuffer dst, short version, int maxFrameBytes, int flags) {
        handshake(dst, FrameDescriptor.TYPE_WELCOME, version, (short) 0, maxFrameBytes, flags);
    }

    /**
     * Writes WELCOME with {@link HandshakeDescriptor#FLAG_LIVENESS} added to {@code flags} and the server's liveness
     * time-out in the u16 at {@link HandshakeDescriptor#WELCOME_LIVENESS_OFFSET}: 24 bytes (wire format §8).
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param version the chosen version
     * @param maxFrameBytes the largest frame the server accepts, header included
     * @param flags the other WELCOME flags
     * @param livenessMillis the server's liveness time-out, 1 to {@link HandshakeDescriptor#MAX_LIVENESS_MILLIS}
     */
    public static void encodeWelcomeWithLiveness(
            ByteBuffer dst, short version, int maxFrameBytes, int flags, int livenessMillis) {
        handshake(
                dst,
                FrameDescriptor.TYPE_WELCOME,
                version,
                (short) livenessMillis,
                maxFrameBytes,
                flags | HandshakeDescriptor.FLAG_LIVENESS);
    }

    /**
     * Writes RING: the packet ring's region, whose descriptor is sent out of band with this frame; 24 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param handle the region's handle in the receiving process where the system needs it (Windows), else 0
     * @param size the region's size in bytes, header included
     */
    public static void encodeRing(ByteBuffer dst, int handle, long size) {
        regionFrame(dst, FrameDescriptor.TYPE_RING, 0, handle, size);
    }

    /**
     * Writes WAKE, the packet ring's doorbell: 8 bytes, no body.
     *
     * @param dst the buffer to write into, at its position; needs room for 8 bytes
     */
    public static void encodeWake(ByteBuffer dst) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        header(dst, start, HEADER_LENGTH, FrameDescriptor.TYPE_WAKE);
        dst.position(start + HEADER_LENGTH);
    }

    /**
     * Writes HEARTBEAT, a sign of life (wire format §8): 8 bytes, no body.
     *
     * @param dst the buffer to write into, at its position; needs room for 8 bytes
     */
    public static void encodeHeartbeat(ByteBuffer dst) {
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        header(dst, start, HEADER_LENGTH, FrameDescriptor.TYPE_HEARTBEAT);
        dst.position(start + HEADER_LENGTH);
    }

    /**
     * Writes the header of a ring record at an absolute index, leaving the buffer's position alone. Unlike the other
     * methods it does not set the byte order: {@code dst} must be little-endian already.
     *
     * @param dst the ring's data, little-endian
     * @param index where the record starts (absolute index); 8 bytes from there are written
     * @param length the record's length, header included, a multiple of {@link RingDescriptor#ALIGNMENT}
     * @param type the record's type ({@link RingDescriptor})
     */
    public static void encodeRecordHeader(ByteBuffer dst, int index, int length, byte type) {
        header(dst, index, length, type);
    }

    /**
     * Writes REJECT: a reason code and a text the peer can show its user. The frame is 16 bytes plus the text's UTF-8
     * bytes, padded to a multiple of 8: at most 1040 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 16 + {@link
     *     HandshakeDescriptor#MAX_TEXT_LENGTH} bytes to be safe for any text
     * @param reason the reason code, one of {@link HandshakeDescriptor}'s {@code REASON_*} constants
     * @param text why; its UTF-8 encoding is cut to its first {@link HandshakeDescriptor#MAX_TEXT_LENGTH} bytes (which
     *     may end inside a character)
     */
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
     * Writes PROPERTIES: the stream's properties, encoded as {@link StreamProperties} says; 16 to 4096 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 4096 bytes to be safe for any properties
     * @param properties the properties, within the limits of {@link StreamProperties}
     * @throws IllegalArgumentException if they break those limits; nothing was written then
     */
    public static void encodeProperties(ByteBuffer dst, java.util.Map<String, String> properties) {
        byte[] body = StreamProperties.encode(properties);
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        dst.put(start + HEADER_LENGTH, body);
        header(dst, start, HEADER_LENGTH + body.length, FrameDescriptor.TYPE_PROPERTIES);
        dst.position(start + HEADER_LENGTH + body.length);
    }

    /**
     * Writes REGION: a shared-memory region whose descriptor is sent out of band with this frame; 24 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param regionId the region's id, which BATCH entries and RELEASE frames name
     * @param handle the region's handle in the receiving process where the system needs it (Windows), else 0
     * @param size the region's size in bytes, as the receiver maps it; shared-memory entries must lie within it
     */
    public static void encodeRegion(ByteBuffer dst, int regionId, int handle, long size) {
        regionFrame(dst, FrameDescriptor.TYPE_REGION, regionId, handle, size);
    }

    /**
     * Writes RELEASE: the client holds nothing of the region below {@code position}; 24 bytes.
     *
     * @param dst the buffer to write into, at its position; needs room for 24 bytes
     * @param regionId the region's id, as its REGION frame announced it
     * @param position the released position, counted as if the region repeated end to end (see {@link
     *     HandshakeDescriptor}); never below the previous RELEASE of the same region, which {@code
     *     docs/wire-format.md} §4 makes a protocol error
     */
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
