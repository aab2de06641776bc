package dev.packetipc.wire;

/**
 * The header every frame starts with, and the frame types. All fields are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 frame length (u32, header included)           |  offset 0
 *  +---------------+---------------+-------------------------------+
 *  |  type (u8)    |  flags (u8)=0 |        reserved (u16) = 0     |  offset 4
 *  +---------------+---------------+-------------------------------+
 *  |                        body ...                               |  offset 8
 * </pre>
 *
 * A frame's length is a multiple of {@link #ALIGNMENT}.
 */
public final class FrameDescriptor {
    /** Offset of the u32 frame length, which counts the header and the body. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the u8 frame type. */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the u8 flags; 0 in version 1. */
    public static final int FLAGS_OFFSET = 5;
    /** Offset of the u16 reserved field; 0 in version 1. */
    public static final int RESERVED_OFFSET = 6;
    /** Length of the header. */
    public static final int HEADER_LENGTH = 8;
    /** Every frame's length is a multiple of this. */
    public static final int ALIGNMENT = 8;
    /** The smallest maximum frame size a peer may announce. */
    public static final int MIN_MAX_FRAME_BYTES = 4096;

    /** Client to server: the first frame of a connection. */
    public static final byte TYPE_HELLO = 0x01;
    /** Server to client: the handshake's answer with the chosen version. */
    public static final byte TYPE_WELCOME = 0x02;
    /** Either way, instead of WELCOME: the handshake failed; a reason follows. */
    public static final byte TYPE_REJECT = 0x03;
    /**
     * Server to client, right after WELCOME (after RING if the ring is on), only if both set {@link
     * HandshakeDescriptor#FLAG_PROPERTIES}: the stream's properties.
     */
    public static final byte TYPE_PROPERTIES = 0x04;
    /** Server to client: packets. */
    public static final byte TYPE_BATCH = 0x10;
    /** Server to client: the end of the stream. */
    public static final byte TYPE_END = 0x11;
    /** Either way: the sender closes the connection; a reason code follows. */
    public static final byte TYPE_CLOSE = 0x12;
    /** Server to client: a shared-memory region whose descriptor travels out of band with this frame. */
    public static final byte TYPE_REGION = 0x20;
    /** Client to server: region space up to an offset may be reused. */
    public static final byte TYPE_RELEASE = 0x21;
    /** Either way, with the packet ring on: the doorbell; the peer published while this side's waiting word was set. */
    public static final byte TYPE_WAKE = 0x13;
    /** Server to client, right after WELCOME: the packet ring's region, whose descriptor travels out of band. */
    public static final byte TYPE_RING = 0x22;
    /**
     * Either way, only if both set {@link HandshakeDescriptor#FLAG_LIVENESS}: a sign of life from a side that has sent
     * nothing else for a while (wire format §8). No body; the receiver drops it.
     */
    public static final byte TYPE_HEARTBEAT = 0x14;

    private FrameDescriptor() {}

    /**
     * Rounds a length up to a multiple of {@link #ALIGNMENT}.
     *
     * @param length a length in bytes, from 0 to {@code Integer.MAX_VALUE - 7} (larger values overflow)
     * @return the smallest multiple of 8 that is at least {@code length}
     */
    public static int align(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * Whether the type is one version 1 defines; {@link FrameDecoder#frameLength} refuses every other type.
     *
     * @param type the type byte of a frame header
     * @return {@code true} for the {@code TYPE_*} constants of this class, else {@code false}
     */
    public static boolean isKnownType(byte type) {
        switch (type) {
            case TYPE_HELLO:
            case TYPE_WELCOME:
            case TYPE_REJECT:
            case TYPE_BATCH:
            case TYPE_END:
            case TYPE_CLOSE:
            case TYPE_REGION:
            case TYPE_RELEASE:
            case TYPE_WAKE:
            case TYPE_RING:
            case TYPE_PROPERTIES:
            case TYPE_HEARTBEAT:
                return true;
            default:
                return false;
        }
    }

    /**
     * The largest legal length of a frame of this type: the fixed length of END, CLOSE, WELCOME, REGION, RELEASE, WAKE, RING and HEARTBEAT,
     * the longest text for REJECT, 4096 for PROPERTIES, and no limit but the negotiated maximum for HELLO (a later version may extend it)
     * and BATCH.
     */
    static int maxLength(byte type) {
        switch (type) {
            case TYPE_REJECT:
                return HEADER_LENGTH + HandshakeDescriptor.REJECT_BODY_LENGTH + HandshakeDescriptor.MAX_TEXT_LENGTH;
            case TYPE_PROPERTIES:
                return HEADER_LENGTH + dev.packetipc.spi.StreamProperties.MAX_ENCODED_BYTES;
            case TYPE_WELCOME:
            case TYPE_END:
            case TYPE_CLOSE:
            case TYPE_REGION:
            case TYPE_RELEASE:
            case TYPE_WAKE:
            case TYPE_RING:
            case TYPE_HEARTBEAT:
                return minLength(type);
            default:
                return Integer.MAX_VALUE;
        }
    }

    /** The smallest legal length of a frame of this type. */
    static int minLength(byte type) {
        switch (type) {
            case TYPE_HELLO:
                return HEADER_LENGTH + HandshakeDescriptor.HELLO_BODY_LENGTH;
            case TYPE_WELCOME:
                return HEADER_LENGTH + HandshakeDescriptor.WELCOME_BODY_LENGTH;
            case TYPE_REJECT:
                return HEADER_LENGTH + HandshakeDescriptor.REJECT_BODY_LENGTH;
            case TYPE_BATCH:
                return HEADER_LENGTH + BatchDescriptor.BATCH_HEADER_LENGTH;
            case TYPE_CLOSE:
            case TYPE_PROPERTIES:
                return HEADER_LENGTH + 8;
            case TYPE_REGION:
            case TYPE_RELEASE:
            case TYPE_RING:
                return HEADER_LENGTH + HandshakeDescriptor.REGION_BODY_LENGTH;
            default:
                return HEADER_LENGTH;
        }
    }
}
