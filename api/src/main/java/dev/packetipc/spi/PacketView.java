package dev.packetipc.spi;

import dev.packetipc.IpcPacket;
import java.nio.ByteBuffer;

/**
 * The reusable flyweight that {@link dev.packetipc.Client#poll} hands out: a timestamp and a window on a buffer the
 * transport owns. Re-pointed with {@link #wrap} for every packet; nothing is allocated per packet.
 *
 * <p>{@link #data()} returns the same read-only buffer on every call, positioned on this packet's payload. It is
 * valid only until the next {@code wrap}, which for users means: only inside the callback.
 */
public final class PacketView implements IpcPacket {
    private ByteBuffer buffer;
    private long timestampNanos;
    private int start;
    private int end;

    /** A view that must be {@linkplain #wrap wrapped} before use. */
    public PacketView() {}

    /**
     * Points this view at one packet.
     *
     * @param timestampNanos the packet's timestamp
     * @param readOnlyBuffer the transport's buffer, read-only; kept by reference, not copied or duplicated
     * @param offset where the payload starts in the buffer (absolute index)
     * @param length the payload's length
     * @return this view
     */
    public PacketView wrap(long timestampNanos, ByteBuffer readOnlyBuffer, int offset, int length) {
        this.buffer = readOnlyBuffer;
        this.timestampNanos = timestampNanos;
        this.start = offset;
        this.end = offset + length;
        return this;
    }

    @Override
    public long timestampNanos() {
        return timestampNanos;
    }

    @Override
    public ByteBuffer data() {
        buffer.limit(end);
        buffer.position(start);
        return buffer;
    }

    @Override
    public int length() {
        return end - start;
    }

    @Override
    public byte[] toByteArray() {
        byte[] bytes = new byte[end - start];
        buffer.limit(end); // data() of an earlier packet may have left the limit below this one
        buffer.get(start, bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "PacketView[timestampNanos=" + timestampNanos + ", length=" + (end - start) + "]";
    }
}
