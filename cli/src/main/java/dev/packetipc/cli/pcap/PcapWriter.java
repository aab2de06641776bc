package dev.packetipc.cli.pcap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Writes the classic pcap format with the nanosecond magic number (0xa1b23c4d), little-endian. */
final class PcapWriter extends CaptureWriter {
    private static final long MAX_SECONDS = 0xFFFF_FFFFL;

    PcapWriter(OutputStream out, int linkType, int snapLength) throws IOException {
        super(out);
        ByteBuffer header = header();
        header.putInt(CaptureReader.PCAP_MAGIC_NANOS).putShort((short) 2).putShort((short) 4);
        header.putInt(0).putInt(0).putInt(snapLength).putInt(linkType);
        writeHeader();
    }

    @Override
    public void write(long timestampNanos, ByteBuffer data) throws IOException {
        long seconds = Math.floorDiv(timestampNanos, 1_000_000_000L);
        if (seconds < 0 || seconds > MAX_SECONDS) {
            throw new IOException("the timestamp " + timestampNanos + " ns (packet " + (packets() + 1)
                    + ") is outside what a pcap file holds (1970 to 2106); write pcapng instead (--format pcapng)");
        }
        ByteBuffer header = header();
        header.putInt((int) seconds).putInt((int) Math.floorMod(timestampNanos, 1_000_000_000L));
        header.putInt(data.remaining()).putInt(data.remaining());
        writeHeader();
        writeData(data, 0);
    }
}
