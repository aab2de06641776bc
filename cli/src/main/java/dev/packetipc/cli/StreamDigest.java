package dev.packetipc.cli;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * A running checksum of a packet stream: CRC-32C over every packet's timestamp, length and payload, in order, with
 * the packet and byte counts. Sender and receiver each keep one; equal digests mean every byte arrived intact and in
 * order. Allocates nothing per packet.
 */
final class StreamDigest {
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    private long packets;
    private long bytes;

    /** Adds one packet. Moves the position of the packet's {@code data()} buffer, which callers get afresh. */
    void update(AsIpcPacket packet) {
        ByteBuffer data = packet.data();
        header.clear();
        header.putLong(packet.timestampNanos()).putInt(data.remaining()).flip();
        crc.update(header);
        bytes += data.remaining();
        crc.update(data);
        packets++;
    }

    long packets() {
        return packets;
    }

    long bytes() {
        return bytes;
    }

    /** The checksum so far, as 8 hex digits. */
    String checksum() {
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    /** The line the receiving child prints, which {@link #parse} reads back. */
    String resultLine() {
        return "received packets=" + packets + " bytes=" + bytes + " crc32c=" + checksum();
    }

    /** What a receiver reported. */
    record Result(long packets, long bytes, String checksum) {}

    /** Reads a {@link #resultLine()}, or returns null if the line is not one. */
    static Result parse(String line) {
        if (line == null || !line.startsWith("received ")) {
            return null;
        }
        long packets = -1;
        long bytes = -1;
        String checksum = null;
        for (String field : line.substring("received ".length()).split(" ")) {
            int eq = field.indexOf('=');
            if (eq < 0) {
                return null;
            }
            String value = field.substring(eq + 1);
            switch (field.substring(0, eq)) {
                case "packets":
                    packets = Long.parseLong(value);
                    break;
                case "bytes":
                    bytes = Long.parseLong(value);
                    break;
                case "crc32c":
                    checksum = value;
                    break;
                default:
                    return null;
            }
        }
        return packets < 0 || bytes < 0 || checksum == null ? null : new Result(packets, bytes, checksum);
    }
}
