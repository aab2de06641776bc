package dev.packetipc;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Anything that can be sent as a packet: a timestamp and a payload.
 *
 * <p>This is the Java form of the Rust packet-ipc trait of the same name. Implement it on your own packet type
 * to send it without copying it into a {@link Packet} first.
 */
public interface AsIpcPacket {
    /** Nanoseconds since the Unix epoch. Any {@code long} value is carried exactly, negative ones included. */
    long timestampNanos();

    /**
     * The payload: the bytes between the buffer's position and its limit. Implementations return a read-only
     * buffer; senders read it without moving the caller's position (they use absolute reads or a duplicate).
     */
    ByteBuffer data();

    /** The payload's length in bytes. */
    default int length() {
        return data().remaining();
    }

    /** The timestamp as an {@link Instant}; {@link #timestampNanos()} is the exact value. */
    default Instant timestamp() {
        long nanos = timestampNanos();
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
