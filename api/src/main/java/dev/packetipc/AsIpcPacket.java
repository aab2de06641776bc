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
    /**
     * Nanoseconds since the Unix epoch. Any {@code long} value is carried exactly, negative ones included.
     *
     * @return the packet's timestamp in nanoseconds since the Unix epoch
     */
    long timestampNanos();

    /**
     * The payload: the bytes between the buffer's position and its limit. Implementations return a read-only
     * buffer; senders read it without moving the caller's position (they use absolute reads or a duplicate).
     *
     * @return the payload, between the buffer's position and limit
     */
    ByteBuffer data();

    /**
     * The payload's length in bytes.
     *
     * @return the number of bytes in {@link #data()}
     */
    default int length() {
        return data().remaining();
    }

    /**
     * The timestamp as an {@link Instant}; {@link #timestampNanos()} is the exact value.
     *
     * @return the timestamp as an instant
     */
    default Instant timestamp() {
        long nanos = timestampNanos();
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
