package dev.packetipc.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Packets and payload bytes one receiver has taken in. Written by that receiver only, once per receive call (not
 * per packet); read by the meter on another thread.
 */
public final class Tally {
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private long sink;

    /** Adds what one receive call took in. Single writer. */
    public void add(long packetCount, long byteCount) {
        packets.lazySet(packets.get() + packetCount);
        bytes.lazySet(bytes.get() + byteCount);
    }

    /** Keeps a value the receiver read (timestamps) from being optimised away. Single writer; never read. */
    public void consume(long value) {
        sink += value;
    }

    /** Packets so far. */
    public long packets() {
        return packets.get();
    }

    /** Payload bytes so far. */
    public long bytes() {
        return bytes.get();
    }
}
