package dev.packetipc.cli.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The classic libpcap format: a 24-byte file header, then a 16-byte header before each packet. Either byte order. */
final class PcapReader extends CaptureReader {
    private final ByteOrder order;
    private final long nanosPerTick;
    private final int linkType;
    private final long snapLength;
    private final byte[] recordHeader = new byte[16];

    PcapReader(CaptureInput in, ByteOrder order, boolean nanosecond) throws IOException {
        super(in);
        this.order = order;
        this.nanosPerTick = nanosecond ? 1 : 1000;
        ByteBuffer header = in.readSmall(20, order, "the pcap file header");
        int major = Short.toUnsignedInt(header.getShort(0));
        int minor = Short.toUnsignedInt(header.getShort(2));
        if (major != 2) {
            throw in.error(4, "unsupported pcap version " + major + "." + minor + " (only 2.x exists)");
        }
        // thiszone (8) and sigfigs (12) are always 0 in practice and ignored by libpcap; snaplen (16) is advisory.
        this.linkType = header.getInt(16) & 0xFFFF;
        this.snapLength = Integer.toUnsignedLong(header.getInt(12));
    }

    @Override
    public CapturedPacket next() throws IOException {
        long recordOffset = in.offset();
        if (!in.readFullyOrEnd(recordHeader, 16, "a packet record header")) {
            return null;
        }
        ByteBuffer header = ByteBuffer.wrap(recordHeader).order(order);
        long seconds = Integer.toUnsignedLong(header.getInt(0));
        long fraction = Integer.toUnsignedLong(header.getInt(4));
        long captured = Integer.toUnsignedLong(header.getInt(8));
        long original = Integer.toUnsignedLong(header.getInt(12));
        byte[] bytes = readPacketBytes(captured, recordOffset);
        return new CapturedPacket(
                seconds * 1_000_000_000L + fraction * nanosPerTick, bytes, linkType, Math.max(original, captured));
    }

    @Override
    public int linkType() {
        return linkType;
    }

    @Override
    public long snapLength() {
        return snapLength;
    }

    @Override
    public String format() {
        return "pcap";
    }
}
