package dev.packetipc.wire;

import dev.packetipc.ProtocolException;
import dev.packetipc.spi.StreamProperties;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Validates frame headers and reads the handshake. Works on a little-endian buffer of received bytes at its
 * position, reads with absolute gets (no method moves the buffer's position or limit), and allocates nothing unless
 * it throws. Stateless: every method may be called from any thread, on a buffer no other thread changes meanwhile.
 * Lengths and sizes are in bytes.
 */
public final class FrameDecoder {
    private FrameDecoder() {}

    /**
     * Checks the header of the frame at the buffer's position as soon as its 8 bytes are there, so that a hostile
     * length is refused before anything waits for, or allocates for, the body.
     *
     * @param buffer the bytes received so far, from its position (where the frame starts) to its limit;
     *     little-endian
     * @param maxFrameBytes the largest frame this side accepts, header included (what it announced in the handshake)
     * @return 0 if fewer than 8 bytes are there, else the frame's length (the caller waits until that many bytes
     *     are there)
     * @throws ProtocolException for an unknown type, a length that is too small, too large, or not aligned, or
     *     non-zero reserved fields
     * @throws IllegalArgumentException if the buffer is not little-endian (checked once 8 bytes are there)
     */
    public static int frameLength(ByteBuffer buffer, int maxFrameBytes) throws ProtocolException {
        int at = buffer.position();
        if (buffer.remaining() < FrameDescriptor.HEADER_LENGTH) {
            return 0;
        }
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("the receive buffer must be little-endian");
        }
        int length = buffer.getInt(at + FrameDescriptor.LENGTH_OFFSET);
        byte type = buffer.get(at + FrameDescriptor.TYPE_OFFSET);
        if (!FrameDescriptor.isKnownType(type)) {
            throw new ProtocolException("frame type=0x" + Integer.toHexString(type & 0xff) + " unknown (length="
                    + Integer.toUnsignedString(length)
                    + "); the peer speaks another protocol or the stream is corrupt");
        }
        int max = Math.min(maxFrameBytes, FrameDescriptor.maxLength(type));
        if (length < FrameDescriptor.minLength(type) || length > max || length % FrameDescriptor.ALIGNMENT != 0) {
            throw new ProtocolException("frame type=0x" + Integer.toHexString(type) + " length="
                    + Integer.toUnsignedString(length) + " is illegal (minimum=" + FrameDescriptor.minLength(type)
                    + " maximum=" + max + " alignment=" + FrameDescriptor.ALIGNMENT + ")"
                    + (max == maxFrameBytes
                            ? "; if the peer legitimately sends larger frames, raise IpcOptions.MAX_FRAME_BYTES"
                            : "; the peer does not speak version 1 of the wire format, or the stream is corrupt"));
        }
        if (buffer.get(at + FrameDescriptor.FLAGS_OFFSET) != 0
                || buffer.getShort(at + FrameDescriptor.RESERVED_OFFSET) != 0) {
            throw new ProtocolException("frame type=0x" + Integer.toHexString(type)
                    + " has non-zero flags or reserved bits, which version 1 does not define");
        }
        return length;
    }

    /**
     * The type of the frame at the buffer's position, after {@link #frameLength} accepted it. Nothing is checked.
     *
     * @param buffer the received bytes, the frame starting at its position
     * @return one of {@link FrameDescriptor}'s {@code TYPE_*} constants
     */
    public static byte type(ByteBuffer buffer) {
        return buffer.get(buffer.position() + FrameDescriptor.TYPE_OFFSET);
    }

    /**
     * Reads a HELLO at the buffer's position and picks the highest version both sides speak.
     *
     * @param hello the received bytes, a whole frame that {@link #frameLength} accepted starting at its position
     * @param ourMin the lowest protocol version this side speaks
     * @param ourMax the highest protocol version this side speaks, at least {@code ourMin}
     * @return the highest version in both ranges, to be sent back with WELCOME
     * @throws ProtocolException for a frame that is not HELLO, a wrong magic, or no common version
     */
    public static short negotiate(ByteBuffer hello, short ourMin, short ourMax) throws ProtocolException {
        int body = expect(hello, FrameDescriptor.TYPE_HELLO);
        short theirMin = hello.getShort(body + HandshakeDescriptor.MIN_VERSION_OFFSET);
        short theirMax = hello.getShort(body + HandshakeDescriptor.MAX_VERSION_OFFSET);
        short chosen = (short) Math.min(ourMax, theirMax);
        if (chosen < Math.max(ourMin, theirMin)) {
            throw new ProtocolException("no common protocol version: peer speaks " + theirMin + ".." + theirMax
                    + ", this side " + ourMin + ".." + ourMax + "; upgrade the older side");
        }
        return chosen;
    }

    /**
     * Reads a WELCOME (or REJECT) at the buffer's position.
     *
     * @param frame the received bytes, a whole frame that {@link #frameLength} accepted starting at its position
     * @return the version the server chose
     * @throws ProtocolException for a REJECT (with the server's reason), another frame, or a wrong magic
     */
    public static short welcome(ByteBuffer frame) throws ProtocolException {
        if (type(frame) == FrameDescriptor.TYPE_REJECT) {
            throw new ProtocolException("the server refused the connection: " + rejectText(frame));
        }
        int body = expect(frame, FrameDescriptor.TYPE_WELCOME);
        return frame.getShort(body + HandshakeDescriptor.MIN_VERSION_OFFSET);
    }

    /**
     * Reads a PROPERTIES frame at the buffer's position.
     *
     * @param frame the received bytes, a whole frame that {@link #frameLength} accepted starting at its position
     * @return the properties, unmodifiable, in the order the server sent them
     * @throws ProtocolException for another frame type, or a body that {@link StreamProperties#decode} refuses
     */
    public static java.util.Map<String, String> properties(ByteBuffer frame) throws ProtocolException {
        if (type(frame) != FrameDescriptor.TYPE_PROPERTIES) {
            throw new ProtocolException("expected a PROPERTIES frame (type=0x"
                    + Integer.toHexString(FrameDescriptor.TYPE_PROPERTIES) + ") but got type=0x"
                    + Integer.toHexString(type(frame) & 0xff) + " during the handshake");
        }
        int at = frame.position();
        int length = frame.getInt(at + FrameDescriptor.LENGTH_OFFSET);
        if (length < FrameDescriptor.HEADER_LENGTH + 8 || length > frame.limit() - at) {
            throw new ProtocolException("a PROPERTIES frame of length=" + Integer.toUnsignedString(length)
                    + " does not fit the " + (frame.limit() - at) + " bytes received");
        }
        return StreamProperties.decode(
                frame.duplicate().position(at + FrameDescriptor.HEADER_LENGTH).limit(at + length));
    }

    /**
     * The largest frame the peer accepts, from its HELLO or WELCOME at the buffer's position. The frame's type is not
     * checked: the caller has checked it already ({@link #negotiate} or {@link #welcome}).
     *
     * @param frame the received bytes, a whole HELLO or WELCOME starting at its position
     * @return the peer's maximum frame size in bytes, header included, rounded down to a multiple of {@link
     *     FrameDescriptor#ALIGNMENT} as the wire format says (every frame's length is one), at least {@link
     *     FrameDescriptor#MIN_MAX_FRAME_BYTES}
     * @throws ProtocolException if the peer announced less than {@link FrameDescriptor#MIN_MAX_FRAME_BYTES}, or more
     *     than {@link Integer#MAX_VALUE} (read as a negative {@code int})
     */
    public static int peerMaxFrameBytes(ByteBuffer frame) throws ProtocolException {
        int max = frame.getInt(frame.position() + FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.MAX_FRAME_OFFSET);
        if (max < FrameDescriptor.MIN_MAX_FRAME_BYTES) {
            throw new ProtocolException("the peer's maximum frame size=" + Integer.toUnsignedString(max)
                    + " is below the minimum of " + FrameDescriptor.MIN_MAX_FRAME_BYTES);
        }
        return max & -FrameDescriptor.ALIGNMENT;
    }

    /**
     * The liveness time-out a HELLO or WELCOME announces (wire format §8), or 0 if it does not set {@link
     * HandshakeDescriptor#FLAG_LIVENESS}: a HELLO with the flag must be at least {@link
     * HandshakeDescriptor#HELLO_LIVENESS_LENGTH} bytes long, and the time-out must be 1 to {@link
     * HandshakeDescriptor#MAX_LIVENESS_MILLIS} ms.
     *
     * @param frame a received HELLO or WELCOME, whole, starting at the buffer's position
     * @return the peer's time-out in milliseconds, or 0 if the peer does not speak heartbeats
     * @throws ProtocolException if the flag is set but the time-out is missing or out of range
     */
    public static int livenessMillis(ByteBuffer frame) throws ProtocolException {
        if ((bodyInt(frame, HandshakeDescriptor.FLAGS_OFFSET) & HandshakeDescriptor.FLAG_LIVENESS) == 0) {
            return 0;
        }
        int millis;
        if (type(frame) == FrameDescriptor.TYPE_HELLO) {
            int length = frame.getInt(frame.position() + FrameDescriptor.LENGTH_OFFSET);
            if (length < HandshakeDescriptor.HELLO_LIVENESS_LENGTH) {
                throw new ProtocolException("a HELLO with the liveness flag must be at least "
                        + HandshakeDescriptor.HELLO_LIVENESS_LENGTH + " bytes long, not " + length);
            }
            millis = bodyInt(frame, HandshakeDescriptor.HELLO_LIVENESS_OFFSET);
        } else {
            millis = frame.getShort(frame.position()
                            + FrameDescriptor.HEADER_LENGTH
                            + HandshakeDescriptor.WELCOME_LIVENESS_OFFSET)
                    & 0xffff;
        }
        if (millis < 1 || millis > HandshakeDescriptor.MAX_LIVENESS_MILLIS) {
            throw new ProtocolException("the liveness time-out=" + Integer.toUnsignedString(millis) + " ms announced"
                    + " in the handshake is outside [1, " + HandshakeDescriptor.MAX_LIVENESS_MILLIS + "]");
        }
        return millis;
    }

    /**
     * The u32 at {@code bodyOffset} of the frame at the buffer's position: a reason code, a region id, a handle or the
     * flags. Nothing is checked: the caller knows the frame's type and that its length covers the field.
     *
     * @param frame the received bytes, a whole frame starting at its position
     * @param bodyOffset the field's offset from the start of the body (the byte after the 8-byte header), one of the
     *     {@code *_OFFSET} constants of {@link HandshakeDescriptor}
     * @return the field's bits as an {@code int}: a u32 above {@link Integer#MAX_VALUE} comes back negative
     */
    public static int bodyInt(ByteBuffer frame, int bodyOffset) {
        return frame.getInt(frame.position() + FrameDescriptor.HEADER_LENGTH + bodyOffset);
    }

    /**
     * The u64 at {@code bodyOffset} of the frame at the buffer's position: a region's size or a released position.
     * Nothing is checked: the caller knows the frame's type and that its length covers the field.
     *
     * @param frame the received bytes, a whole frame starting at its position
     * @param bodyOffset the field's offset from the start of the body (the byte after the 8-byte header), such as
     *     {@link HandshakeDescriptor#REGION_VALUE_OFFSET}
     * @return the field's bits as a {@code long}: a u64 above {@link Long#MAX_VALUE} comes back negative
     */
    public static long bodyLong(ByteBuffer frame, int bodyOffset) {
        return frame.getLong(frame.position() + FrameDescriptor.HEADER_LENGTH + bodyOffset);
    }

    private static String rejectText(ByteBuffer frame) {
        int at = frame.position();
        int length = frame.getInt(at + FrameDescriptor.LENGTH_OFFSET);
        int n = bodyInt(frame, HandshakeDescriptor.TEXT_LENGTH_OFFSET);
        int room = length - FrameDescriptor.HEADER_LENGTH - HandshakeDescriptor.REJECT_BODY_LENGTH;
        if (n < 0 || n > room || n > HandshakeDescriptor.MAX_TEXT_LENGTH) {
            return "reason=" + bodyInt(frame, HandshakeDescriptor.REASON_OFFSET) + " (text unreadable)";
        }
        byte[] text = new byte[n];
        frame.get(at + FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.REJECT_BODY_LENGTH, text);
        return "reason=" + bodyInt(frame, HandshakeDescriptor.REASON_OFFSET) + " "
                + new String(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int expect(ByteBuffer frame, byte type) throws ProtocolException {
        if (type(frame) != type) {
            throw new ProtocolException("expected frame type=0x" + Integer.toHexString(type) + " but got type=0x"
                    + Integer.toHexString(type(frame) & 0xff) + " during the handshake");
        }
        int body = frame.position() + FrameDescriptor.HEADER_LENGTH;
        int magic = frame.getInt(body + HandshakeDescriptor.MAGIC_OFFSET);
        if (magic != HandshakeDescriptor.MAGIC) {
            throw new ProtocolException("magic=0x" + Integer.toHexString(magic) + " is not packet-ipc's 0x"
                    + Integer.toHexString(HandshakeDescriptor.MAGIC) + "; the peer is not a packet-ipc endpoint");
        }
        return body;
    }
}
