package dev.packetipc.bench;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;

/**
 * A packet whose payload buffer is made once: {@link #data()} returns the same read-only buffer every time, which
 * the API allows (senders never move its position), so sending it allocates nothing.
 */
final class FixedPacket implements AsIpcPacket {
    private long timestampNanos;
    private final ByteBuffer data;

    FixedPacket(long timestampNanos, ByteBuffer readOnlyPayload) {
        this.timestampNanos = timestampNanos;
        this.data = readOnlyPayload;
    }

    /** Sets the timestamp the next send carries (the open-loop run sends each packet's intended send time). */
    void timestampNanos(long nanos) {
        this.timestampNanos = nanos;
    }

    @Override
    public long timestampNanos() {
        return timestampNanos;
    }

    @Override
    public ByteBuffer data() {
        return data;
    }

    @Override
    public int length() {
        return data.remaining();
    }
}
