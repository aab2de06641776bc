package dev.packetipc.bench;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The packets one {@code send} moves, made once per workload and sent again and again: {@code count} packets of
 * {@code payloadBytes} random bytes with distinct timestamps. Our transports get them as {@link #packets()}; the
 * baselines read the same bytes from {@link #payload(int)} and the same timestamps.
 *
 * <p>For {@code --consume verify} every packet has its own payload, and the sender calls {@link #stamp} before each
 * send: it writes each packet's sequence number and the payload's CRC32C (see {@link Consume}). A {@link Fault} set
 * with the system property {@value #FAULT_PROPERTY} breaks one packet on purpose, for the harness's own tests.
 */
public final class Batch {
    /** The system property that injects a {@link Fault} into a verified stream (tests only). */
    static final String FAULT_PROPERTY = "packetipc.bench.fault";
    /** The sequence number of the packet a fault is injected at. */
    static final long FAULT_AT = 100;

    /** A fault injected on purpose into a verified stream, to prove that {@code verify} catches it. */
    enum Fault {
        /** No fault. */
        NONE,
        /** Packet {@value #FAULT_AT} is left out. */
        GAP,
        /** Packet {@value #FAULT_AT} - 1 is sent twice. */
        DUPLICATE,
        /** One payload byte of packet {@value #FAULT_AT} is flipped after its CRC was written. */
        FLIP;

        /** The fault the system property asks for. */
        static Fault fromSystemProperty() {
            return valueOf(System.getProperty(FAULT_PROPERTY, "none").toUpperCase(Locale.ROOT));
        }
    }

    /** Simple IMIX: sizes and how many of each in twelve packets. */
    private static final int[] IMIX_SIZES = {64, 594, 1518};

    private static final int[] IMIX_WEIGHTS = {7, 4, 1};

    private final byte[] payload;
    private final byte[][] payloads;
    private final int[] sizes;
    private final long totalBytes;
    private final long[] timestamps;
    private final List<AsIpcPacket> packets;
    private final CRC32C crc = new CRC32C();
    private final Fault fault;
    private final boolean verified;
    private boolean faultInjected;
    private long nextSequence;
    private byte[] flipped;

    /** A batch of {@code count} packets with {@code payloadBytes} each, the same payload in every packet. */
    public Batch(int count, int payloadBytes) {
        this(count, payloadBytes, false);
    }

    /**
     * A batch of {@code count} packets with {@code payloadBytes} each.
     *
     * @param verified whether each packet gets its own payload for {@link #stamp}
     */
    Batch(int count, int payloadBytes, boolean verified) {
        this(count, payloadBytes, verified, verified ? Fault.fromSystemProperty() : Fault.NONE);
    }

    /** A batch as above with this fault injected (verified batches only). */
    Batch(int count, int payloadBytes, boolean verified, Fault fault) {
        if (verified && payloadBytes != Workload.IMIX && payloadBytes < Consume.MIN_VERIFY_BYTES) {
            throw new IllegalArgumentException("--consume verify needs payloads of at least " + Consume.MIN_VERIFY_BYTES
                    + " bytes, not " + payloadBytes);
        }
        SplittableRandom random = new SplittableRandom(payloadBytes * 31L + count);
        sizes = new int[count];
        int max = payloadBytes;
        if (payloadBytes == Workload.IMIX) {
            max = IMIX_SIZES[IMIX_SIZES.length - 1];
            int weights = 0;
            for (int weight : IMIX_WEIGHTS) {
                weights += weight;
            }
            for (int i = 0; i < count; i++) {
                int pick = random.nextInt(weights);
                int k = 0;
                while (pick >= IMIX_WEIGHTS[k]) {
                    pick -= IMIX_WEIGHTS[k++];
                }
                sizes[i] = IMIX_SIZES[k];
            }
        } else {
            Arrays.fill(sizes, payloadBytes);
        }
        payload = new byte[max];
        for (int i = 0; i < max; i++) {
            payload[i] = (byte) random.nextInt();
        }
        payloads = new byte[count][];
        timestamps = new long[count];
        List<AsIpcPacket> list = new ArrayList<>(count);
        long now = System.currentTimeMillis() * 1_000_000L;
        long total = 0;
        for (int i = 0; i < count; i++) {
            timestamps[i] = now + i;
            payloads[i] = verified ? Arrays.copyOf(payload, sizes[i]) : payload;
            ByteBuffer data = ByteBuffer.wrap(payloads[i], 0, sizes[i]).slice().asReadOnlyBuffer();
            list.add(new FixedPacket(timestamps[i], data));
            total += sizes[i];
        }
        totalBytes = total;
        packets = Collections.unmodifiableList(list);
        this.fault = verified ? fault : Fault.NONE;
        this.verified = verified;
    }

    /** Whether {@link #stamp} must be called before each send. */
    boolean verified() {
        return verified;
    }

    /**
     * Writes the next sequence numbers and the CRC32Cs into the packets (verified batches; nothing otherwise). Call it
     * before every send of the batch; the transports copy the bytes before {@code send} returns.
     */
    void stamp() {
        if (!verified()) {
            return;
        }
        if (flipped != null) {
            flipped[flipped.length - 1] ^= 0x5a;
            flipped = null;
        }
        for (byte[] packet : payloads) {
            long sequence = nextSequence++;
            boolean inject = !faultInjected && sequence == FAULT_AT;
            if (inject && fault == Fault.GAP) {
                sequence = nextSequence++;
            } else if (inject && fault == Fault.DUPLICATE) {
                sequence = FAULT_AT - 1;
                nextSequence--;
            }
            faultInjected |= inject;
            Consume.stamp(packet, sequence, crc);
            if (inject && fault == Fault.FLIP) {
                packet[packet.length - 1] ^= 0x5a;
                flipped = packet;
            }
        }
    }

    /** The packets, for {@code Connection.send}. */
    public List<AsIpcPacket> packets() {
        return packets;
    }

    /** Number of packets. */
    public int count() {
        return timestamps.length;
    }

    /** The payload packet {@code i} carries: its first {@link #payloadBytes(int)} bytes (do not modify). */
    public byte[] payload(int i) {
        return payloads[i];
    }

    /** The payload length of the largest packet (of every packet, unless the sizes are mixed). */
    public int payloadBytes() {
        return payload.length;
    }

    /** The payload length of packet {@code i}. */
    public int payloadBytes(int i) {
        return sizes[i];
    }

    /** Sets packet {@code i}'s timestamp for the next send. */
    void timestamp(int i, long nanos) {
        timestamps[i] = nanos;
        ((FixedPacket) packets.get(i)).timestampNanos(nanos);
    }

    /** Packet {@code i}'s timestamp. */
    public long timestamp(int i) {
        return timestamps[i];
    }

    /** Payload bytes of the whole batch. */
    public long totalBytes() {
        return totalBytes;
    }
}
