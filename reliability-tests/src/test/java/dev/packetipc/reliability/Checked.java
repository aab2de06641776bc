package dev.packetipc.reliability;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Packet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Packets that carry their own sequence number and a CRC32C of their bytes, and a checker that fails on any gap,
 * duplicate, reordering or corrupted byte. Layout of a payload: u64 sequence, u32 CRC32C of everything after it,
 * then bytes derived from the sequence. The timestamp is the sequence number too.
 */
final class Checked {
    /** The smallest payload: sequence and checksum. */
    static final int MIN_SIZE = 12;

    private Checked() {}

    /** Packet {@code sequence} of {@code size} bytes (at least {@link #MIN_SIZE}). */
    static Packet packet(long sequence, int size) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(MIN_SIZE, size)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, sequence);
        long x = sequence * 0x9E3779B97F4A7C15L + 1;
        for (int i = MIN_SIZE; i < b.capacity(); i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.put(i, (byte) x);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), MIN_SIZE, b.capacity() - MIN_SIZE);
        b.putInt(8, (int) crc.getValue());
        return Packet.of(sequence, b.array());
    }

    /** Packets {@code from} to {@code from + count - 1}. */
    static List<Packet> batch(long from, int count, int size) {
        List<Packet> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(packet(from + i, size));
        }
        return batch;
    }

    /** Checks packets of one stream in arrival order: the next must be exactly the expected one, intact. */
    static final class Receiver {
        private long next;

        /** The number of packets accepted so far (and the next sequence number expected). */
        long count() {
            return next;
        }

        /** Accepts the next packet or throws {@link AssertionError} saying what is wrong with it. */
        void accept(AsIpcPacket packet) {
            ByteBuffer data = packet.data().slice().order(ByteOrder.LITTLE_ENDIAN);
            if (data.remaining() < MIN_SIZE) {
                throw new AssertionError("packet after " + next + " has only " + data.remaining() + " bytes");
            }
            long sequence = data.getLong(0);
            if (sequence != next || packet.timestampNanos() != next) {
                throw new AssertionError((sequence < next ? "duplicate or reordered" : "gap") + ": expected packet "
                        + next + " but got " + sequence + " (timestamp " + packet.timestampNanos() + ")");
            }
            byte[] rest = new byte[data.remaining() - MIN_SIZE];
            data.get(MIN_SIZE, rest);
            CRC32C crc = new CRC32C();
            crc.update(rest);
            if ((int) crc.getValue() != data.getInt(8)) {
                throw new AssertionError("packet " + sequence + " is corrupt: CRC32C mismatch");
            }
            next++;
        }
    }
}
