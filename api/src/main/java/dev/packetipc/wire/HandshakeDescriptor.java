package dev.packetipc.wire;

/**
 * Bodies of the handshake frames and of the small control frames. Offsets are from the start of the body, which
 * follows the 8-byte {@link FrameDescriptor header}. All fields are little-endian.
 *
 * <pre>
 * HELLO   (client to server, body 16 bytes)
 *   0  u32 magic = 0x43504950 ("PIPC" as bytes 50 49 50 43)
 *   4  u16 lowest version the client speaks
 *   6  u16 highest version the client speaks
 *   8  u32 largest frame the client accepts
 *  12  u32 flags: bit 0 {@link #FLAG_SHARED_MEMORY}, the client maps shared-memory regions;
 *                 bit 1 {@link #FLAG_RING}, the client offers the packet ring;
 *                 bit 2 {@link #FLAG_PROPERTIES}, the client accepts a PROPERTIES frame;
 *                 bit 3 {@link #FLAG_LIVENESS}, the client speaks heartbeats, and the body is 24 bytes:
 *  16  u32 the client's liveness time-out in milliseconds (only with bit 3)
 *  20  u32 reserved (0) (only with bit 3)
 * WELCOME (server to client, body 16 bytes)
 *   0  u32 magic
 *   4  u16 chosen version
 *   6  u16 with flag bit 3: the server's liveness time-out in milliseconds; else reserved (0)
 *   8  u32 largest frame the server accepts
 *  12  u32 flags: bit 1 {@link #FLAG_RING}, the packet ring is on and a RING frame follows;
 *                 bit 2 {@link #FLAG_PROPERTIES}, a PROPERTIES frame follows (after RING, if any);
 *                 bit 3 {@link #FLAG_LIVENESS}, both sides send heartbeats
 * REJECT  (body 8 bytes + text, padded to 8)
 *   0  u32 reason code ({@link #REASON_VERSION}, ...)
 *   4  u32 text length n, then n bytes of UTF-8 text
 * CLOSE   (body 8 bytes)
 *   0  u32 reason code, 4 u32 reserved
 * REGION  (body 16 bytes)   0 u32 region id, 4 u32 handle (Windows; 0 on Unix), 8 u64 region size in bytes
 * RELEASE (body 16 bytes)   0 u32 region id, 4 u32 reserved, 8 u64 released position (see below)
 * RING    (body 16 bytes)   0 u32 reserved (0), 4 u32 handle (Windows; 0 on Unix), 8 u64 region size in bytes
 * WAKE    (no body)
 * HEARTBEAT (no body)
 * PROPERTIES (server to client, body of 8 to 4088 bytes): the encoding of {@link dev.packetipc.spi.StreamProperties}
 * </pre>
 *
 * <p>A RELEASE position counts region bytes as if the region repeated end to end: the sender hands out region
 * space in order, wrapping to offset 0 when a payload does not fit before the end, and the receiver, which sees only
 * offsets, recovers the position of each payload as the first position at or after the end of the previous one
 * whose remainder modulo the region's size is the payload's offset. RELEASE p says the receiver holds nothing below
 * position p; the sender never lets its positions run more than one region size ahead of the released one.
 */
public final class HandshakeDescriptor {
    /** The magic number, "PIPC" in little-endian byte order. */
    public static final int MAGIC = 0x43504950;
    /** The only version so far. */
    public static final short VERSION_1 = 1;

    /** HELLO and WELCOME: offset of the u32 magic. */
    public static final int MAGIC_OFFSET = 0;
    /** HELLO: offset of the u16 lowest version; WELCOME: of the u16 chosen version. */
    public static final int MIN_VERSION_OFFSET = 4;
    /** HELLO: offset of the u16 highest version. */
    public static final int MAX_VERSION_OFFSET = 6;
    /** HELLO and WELCOME: offset of the u32 largest frame the sender accepts. */
    public static final int MAX_FRAME_OFFSET = 8;
    /** HELLO and WELCOME: offset of the u32 flags. */
    public static final int FLAGS_OFFSET = 12;
    /** Length of a HELLO body. */
    public static final int HELLO_BODY_LENGTH = 16;
    /** Length of a WELCOME body. */
    public static final int WELCOME_BODY_LENGTH = 16;

    /** REJECT and CLOSE: offset of the u32 reason code. */
    public static final int REASON_OFFSET = 0;
    /** REJECT: offset of the u32 text length. */
    public static final int TEXT_LENGTH_OFFSET = 4;
    /** REJECT: length of the fixed part of the body. */
    public static final int REJECT_BODY_LENGTH = 8;
    /** REJECT: the longest text, in bytes. */
    public static final int MAX_TEXT_LENGTH = 1024;

    /** REGION and RELEASE: offset of the u32 region id. */
    public static final int REGION_ID_OFFSET = 0;
    /** REGION: offset of the u32 handle (Windows; 0 on Unix). */
    public static final int REGION_HANDLE_OFFSET = 4;
    /** REGION: offset of the u64 size; RELEASE: of the u64 released position. */
    public static final int REGION_VALUE_OFFSET = 8;
    /** Length of a REGION or RELEASE body. */
    public static final int REGION_BODY_LENGTH = 16;

    /** HELLO flag: the client can map shared-memory regions, so the server may send payloads through them. */
    public static final int FLAG_SHARED_MEMORY = 1;
    /**
     * HELLO flag: the client offers the packet ring (wire format §7). WELCOME flag, same bit: the server accepted, and
     * a RING frame follows the WELCOME at once.
     */
    public static final int FLAG_RING = 2;
    /**
     * HELLO flag: the client accepts a PROPERTIES frame (wire format §2). WELCOME flag, same bit, only if the HELLO set
     * it: a PROPERTIES frame follows the WELCOME (after the RING frame when {@link #FLAG_RING} is set too).
     */
    public static final int FLAG_PROPERTIES = 4;
    /**
     * HELLO flag: the client sends and accepts HEARTBEAT frames, and its HELLO is {@link #HELLO_LIVENESS_LENGTH} bytes
     * long, with its liveness time-out at {@link #HELLO_LIVENESS_OFFSET} (wire format §8). WELCOME flag, same bit, only
     * if the HELLO set it: both sides send heartbeats, and the server's time-out is at {@link
     * #WELCOME_LIVENESS_OFFSET}.
     */
    public static final int FLAG_LIVENESS = 8;
    /** HELLO with {@link #FLAG_LIVENESS}: offset of the u32 liveness time-out of the client, in milliseconds. */
    public static final int HELLO_LIVENESS_OFFSET = 16;
    /** HELLO with {@link #FLAG_LIVENESS}: the length of the whole frame, header included. */
    public static final int HELLO_LIVENESS_LENGTH = 32;
    /**
     * WELCOME with {@link #FLAG_LIVENESS}: offset of the u16 liveness time-out of the server, in milliseconds (the
     * field that is reserved without the flag).
     */
    public static final int WELCOME_LIVENESS_OFFSET = 6;
    /** The longest liveness time-out the handshake can carry, in milliseconds: the u16 of the WELCOME. */
    public static final int MAX_LIVENESS_MILLIS = 65_535;

    /** Reason: closed normally. */
    public static final int REASON_NORMAL = 0;
    /** Reason: no common version. */
    public static final int REASON_VERSION = 1;
    /** Reason: the peer broke the protocol. */
    public static final int REASON_PROTOCOL = 2;
    /** Reason: the peer is not allowed to connect. */
    public static final int REASON_REFUSED = 3;

    private HandshakeDescriptor() {}
}
