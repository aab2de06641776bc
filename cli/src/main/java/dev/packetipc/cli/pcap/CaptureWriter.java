package dev.packetipc.cli.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes packets as a capture file with nanosecond timestamps, so that nothing a packet-ipc timestamp holds is lost:
 * a pcap file with the nanosecond magic number, or a pcapng file whose interface has {@code if_tsresol=9}. Both are
 * written little-endian. Every packet is written whole: captured length = original length.
 */
public abstract class CaptureWriter implements AutoCloseable {
    /** The snapshot length written into the header: what tcpdump uses. */
    public static final int SNAP_LENGTH = 262_144;

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] copy = new byte[0];
    private long packets;

    CaptureWriter(OutputStream out) {
        this.out = new BufferedOutputStream(out, 1 << 16);
    }

    /** A writer of the given format ("pcap" or "pcapng") that writes the file header at once. */
    public static CaptureWriter create(String format, OutputStream out, int linkType) throws IOException {
        return create(format, out, linkType, SNAP_LENGTH);
    }

    /**
     * A writer of the given format ("pcap" or "pcapng") with the given snap length in its header, which it writes at
     * once.
     */
    public static CaptureWriter create(String format, OutputStream out, int linkType, int snapLength)
            throws IOException {
        switch (format) {
            case "pcap":
                return new PcapWriter(out, linkType, snapLength);
            case "pcapng":
                return new PcapngWriter(out, linkType, snapLength);
            default:
                throw new IllegalArgumentException("unknown capture format '" + format + "': use pcap or pcapng");
        }
    }

    /**
     * Writes one packet.
     *
     * @param timestampNanos nanoseconds since the epoch
     * @param data the payload, from its position to its limit; the position is not moved
     * @throws IOException if writing fails or the timestamp cannot be represented in this format
     */
    public abstract void write(long timestampNanos, ByteBuffer data) throws IOException;

    /** Packets written so far. */
    public long packets() {
        return packets;
    }

    /** A cleared little-endian buffer for a header. */
    ByteBuffer header() {
        return header.clear();
    }

    void writeHeader() throws IOException {
        out.write(header.array(), 0, header.position());
    }

    void writeData(ByteBuffer data, int padding) throws IOException {
        int length = data.remaining();
        if (data.hasArray()) {
            out.write(data.array(), data.arrayOffset() + data.position(), length);
        } else {
            if (copy.length < length) {
                copy = new byte[Math.max(length, 2 * copy.length)];
            }
            data.get(data.position(), copy, 0, length);
            out.write(copy, 0, length);
        }
        for (int i = 0; i < padding; i++) {
            out.write(0);
        }
        packets++;
    }

    /** Flushes what is buffered. */
    public void flush() throws IOException {
        out.flush();
    }

    /** Flushes and closes the stream. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
