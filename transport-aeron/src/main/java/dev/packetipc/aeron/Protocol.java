package dev.packetipc.aeron;

import java.nio.ByteOrder;

/**
 * The messages of the transport (all little-endian). On the data stream, server to client: {@link #WELCOME} first,
 * then {@link #BATCH} messages, then {@link #END}. On the control stream, client to server: one {@link #HELLO}.
 *
 * <pre>
 * WELCOME  type(1) version(1) 0(2) magic(4) nonce(8) [properties]
 * BATCH    type(1) 0(3) count(4), then count times: timestamp(8) length(4) payload(length)
 * END      type(1) 0(7)
 * HELLO    type(1) version(1) 0(2) magic(4) nonce(8) replyStream(4) channelLength(4) replyChannel(UTF-8)
 * </pre>
 *
 * <p>A WELCOME longer than 16 bytes carries the server's stream properties after the fixed part, encoded as {@link
 * dev.packetipc.spi.StreamProperties} says (a server without properties sends 16 bytes; a client of an earlier
 * version ignores the extra bytes).
 */
final class Protocol {
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int MAGIC = 0x41504950; // "PIPA" read little-endian
    static final byte VERSION = 1;

    static final byte WELCOME = 1;
    static final byte BATCH = 2;
    static final byte END = 3;
    static final byte HELLO = 16;

    static final int WELCOME_LENGTH = 16;
    static final int BATCH_HEADER = 8;
    static final int PACKET_HEADER = 12;
    static final int END_LENGTH = 8;
    static final int HELLO_HEADER = 24;

    private Protocol() {}
}
