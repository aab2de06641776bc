package dev.packetipc.nativeinterop;

import dev.packetipc.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** The deterministic packets both sides of the interop tests compute: the same as the C tests' pattern.h. */
final class PayloadPattern {
    private PayloadPattern() {}

    private static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** Packet {@code index}'s payload of {@code length} bytes. */
    static byte[] payload(long seed, long index, int length) {
        byte[] out = new byte[length];
        long base = seed * 0x100000001B3L ^ (index << 32);
        for (int j = 0; j < length; j += 8) {
            long v = mix(base ^ (j / 8));
            for (int k = 0; k < 8 && j + k < length; k++) {
                out[j + k] = (byte) (v >>> (8 * k));
            }
        }
        return out;
    }

    /** Packet {@code index}'s timestamp: large positive for even indexes, negative for odd ones. */
    static long timestamp(long index) {
        return index % 2 == 0 ? 1_700_000_000_000_000_000L + index : -index - 1;
    }

    /** Packet {@code index}'s length: the sizes, cycled. */
    static int length(int[] sizes, long index) {
        return sizes[(int) (index % sizes.length)];
    }

    /** Packet {@code index}. */
    static Packet packet(long seed, int[] sizes, long index) {
        return Packet.of(timestamp(index), payload(seed, index, length(sizes, index)));
    }

    /** Packets {@code from} (inclusive) to {@code to} (exclusive). */
    static List<Packet> packets(long seed, int[] sizes, long from, long to) {
        List<Packet> packets = new ArrayList<>();
        for (long i = from; i < to; i++) {
            packets.add(packet(seed, sizes, i));
        }
        return packets;
    }

    /** The CRC-32 that packet-ipc-cat prints, as 8 hex digits. */
    static String crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return String.format("%08x", crc.getValue());
    }

    /** The sizes as the C test server's --sizes argument. */
    static String sizesArgument(int[] sizes) {
        StringBuilder out = new StringBuilder();
        for (int size : sizes) {
            out.append(out.length() == 0 ? "" : ",").append(size);
        }
        return out.toString();
    }
}
