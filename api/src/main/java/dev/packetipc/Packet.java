package dev.packetipc;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An owned, immutable packet: a timestamp in nanoseconds since the epoch and a payload.
 *
 * <p>{@link #of(long, byte[])} takes the array as it is, without copying, as {@link ByteBuffer#wrap(byte[])}
 * does: do not change it afterwards.
 */
public final class Packet implements IpcPacket {
    private final long timestampNanos;
    private final byte[] data;

    private Packet(long timestampNanos, byte[] data) {
        this.timestampNanos = timestampNanos;
        this.data = Objects.requireNonNull(data, "data");
    }

    /**
     * A packet with the given timestamp (nanoseconds since the epoch) and payload (not copied).
     *
     * @param timestampNanos nanoseconds since the Unix epoch, any value
     * @param data the payload; not copied, so do not change it before the packet is sent
     * @return the packet
     */
    public static Packet of(long timestampNanos, byte[] data) {
        return new Packet(timestampNanos, data);
    }

    /**
     * A packet with the given timestamp and payload (not copied).
     *
     * @param timestamp the timestamp, to the nanosecond
     * @param data the payload; not copied, so do not change it before the packet is sent
     * @return the packet
     * @throws ArithmeticException if the instant does not fit in a {@code long} of nanoseconds (years before 1677 or
     *     after 2262)
     */
    public static Packet of(Instant timestamp, byte[] data) {
        long nanos = Math.addExact(Math.multiplyExact(timestamp.getEpochSecond(), 1_000_000_000L), timestamp.getNano());
        return new Packet(nanos, data);
    }

    @Override
    public long timestampNanos() {
        return timestampNanos;
    }

    /** A new read-only buffer over the payload, positioned at 0. */
    @Override
    public ByteBuffer data() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public byte[] toByteArray() {
        return data.clone();
    }

    @Override
    public Packet toPacket() {
        return this;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Packet
                && ((Packet) other).timestampNanos == timestampNanos
                && Arrays.equals(((Packet) other).data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(timestampNanos) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Packet[timestampNanos=" + timestampNanos + ", length=" + data.length + "]";
    }
}
