package dev.packetipc.unix;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Packet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/** Deterministic test streams and their checksums. */
final class Streams {
    private Streams() {}

    /** {@code count} packets of 100 bytes and, every fourth one, 100 KiB (so shared memory is used). */
    static List<Packet> packets(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[i % 4 == 3 ? 100 << 10 : 100];
            random.nextBytes(data);
            packets.add(Packet.of(seed * 1_000_000 + i, data));
        }
        return packets;
    }

    /** Packets of sizes between {@code min} and {@code max} bytes. */
    static List<Packet> sized(int count, int min, int max, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[random.nextInt(min, max + 1)];
            random.nextBytes(data);
            packets.add(Packet.of(i, data));
        }
        return packets;
    }

    /** Adds a packet's timestamp and payload to a checksum. */
    static void update(CRC32 crc, AsIpcPacket packet) {
        long ts = packet.timestampNanos();
        for (int shift = 0; shift < 64; shift += 8) {
            crc.update((int) (ts >>> shift) & 0xff);
        }
        ByteBuffer data = packet.data();
        crc.update(data);
    }

    static long crc(List<? extends AsIpcPacket> packets) {
        CRC32 crc = new CRC32();
        packets.forEach(p -> update(crc, p));
        return crc.getValue();
    }
}
