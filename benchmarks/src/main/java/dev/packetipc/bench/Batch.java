package dev.packetipc.bench;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The packets one {@code send} moves, made once per workload and sent again and again: {@code count} packets of
 * {@code payloadBytes} random bytes with distinct timestamps. Our transports get them as {@link #packets()}; the
 * baselines read the same bytes from {@link #payload()} and the same timestamps.
 */
public final class Batch {
    private final byte[] payload;
    private final long[] timestamps;
    private final List<AsIpcPacket> packets;

    /** A batch of {@code count} packets with {@code payloadBytes} each. */
    public Batch(int count, int payloadBytes) {
        SplittableRandom random = new SplittableRandom(payloadBytes * 31L + count);
        payload = new byte[payloadBytes];
        for (int i = 0; i < payloadBytes; i++) {
            payload[i] = (byte) random.nextInt();
        }
        ByteBuffer shared = ByteBuffer.wrap(payload).asReadOnlyBuffer();
        timestamps = new long[count];
        List<AsIpcPacket> list = new ArrayList<>(count);
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < count; i++) {
            timestamps[i] = now + i;
            list.add(new FixedPacket(timestamps[i], shared.duplicate()));
        }
        packets = Collections.unmodifiableList(list);
    }

    /** The packets, for {@code Connection.send}. */
    public List<AsIpcPacket> packets() {
        return packets;
    }

    /** Number of packets. */
    public int count() {
        return timestamps.length;
    }

    /** The payload every packet carries (do not modify). */
    public byte[] payload() {
        return payload;
    }

    /** The payload length of each packet. */
    public int payloadBytes() {
        return payload.length;
    }

    /** Packet {@code i}'s timestamp. */
    public long timestamp(int i) {
        return timestamps[i];
    }

    /** Payload bytes of the whole batch. */
    public long totalBytes() {
        return (long) payload.length * timestamps.length;
    }
}
