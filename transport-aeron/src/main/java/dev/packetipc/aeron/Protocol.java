package dev.packetipc.aeron;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The messages of the transport (all little-endian). On the data stream, server to client: {@link #WELCOME} first,
 * then {@link #BATCH} and {@link #HEARTBEAT} messages, then {@link #END}. On the control stream, client to server:
 * one {@link #HELLO}, then {@link #HEARTBEAT} messages.
 *
 * <pre>
 * WELCOME    type(1) version(1) liveness(2) magic(4) nonce(8) [properties]
 * BATCH      type(1) 0(3) count(4), then count times: timestamp(8) length(4) payload(length)
 * END        type(1) 0(7)
 * HEARTBEAT  type(1) 0(7)
 * HELLO      type(1) version(1) liveness(2) magic(4) nonce(8) replyStream(4) channelLength(4) replyChannel(UTF-8)
 * </pre>
 *
 * <p>A WELCOME longer than 16 bytes carries the server's stream properties after the fixed part, encoded as {@link
 * dev.packetipc.spi.StreamProperties} says (a server without properties sends 16 bytes; a client of an earlier
 * version ignores the extra bytes).
 *
 * <p><b>Liveness</b> ({@link dev.packetipc.IpcOptions#LIVENESS_TIMEOUT}). The u16 {@code liveness} of the HELLO is
 * the client's time-out in milliseconds, 0 if it has liveness off; that of the WELCOME is the server's, and 0 unless
 * both sides have it on. Earlier versions wrote 0 there and ignore it, so a peer of an earlier version never gets a
 * HEARTBEAT and is never held to the rule. With liveness on, each side sends a HEARTBEAT every quarter of the smaller
 * time-out when it sent nothing else meanwhile (the server on the data stream, the client on the control stream), and
 * a side waiting for its peer gives up when it heard nothing at all from it for its own time-out.
 */
final class Protocol {
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int MAGIC = 0x41504950; // "PIPA" read little-endian
    static final byte VERSION = 1;

    static final byte WELCOME = 1;
    static final byte BATCH = 2;
    static final byte END = 3;
    static final byte HEARTBEAT = 4;
    static final byte HELLO = 16;

    static final int WELCOME_LENGTH = 16;
    static final int BATCH_HEADER = 8;
    static final int PACKET_HEADER = 12;
    static final int END_LENGTH = 8;
    static final int HEARTBEAT_LENGTH = 8;
    static final int HELLO_HEADER = 24;
    /** The offset of the u16 liveness time-out (milliseconds) in HELLO and WELCOME. */
    static final int LIVENESS_OFFSET = 2;

    private Protocol() {}

    /** The liveness time-out to announce, in milliseconds: 0 (off) or 100 to 60000, so it fits the u16. */
    static int livenessMillis(Duration timeout) {
        return (int) Math.min(timeout.toMillis(), 0xFFFF);
    }

    /** The heartbeat interval of a connection: a quarter of the smaller of the two time-outs (milliseconds). */
    static long heartbeatIntervalNanos(int clientMillis, int serverMillis) {
        return TimeUnit.MILLISECONDS.toNanos(Math.min(clientMillis, serverMillis)) / 4;
    }
}
