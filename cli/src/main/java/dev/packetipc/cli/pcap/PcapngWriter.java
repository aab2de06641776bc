package dev.packetipc.cli.pcap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Writes pcapng, little-endian: one section header, one interface with {@code if_tsresol=9} (nanoseconds), then one
 * enhanced packet block per packet.
 */
final class PcapngWriter extends CaptureWriter {
    private static final int INTERFACE_BLOCK_LENGTH = 32;

    PcapngWriter(OutputStream out, int linkType, int snapLength) throws IOException {
        super(out);
        ByteBuffer header = header();
        header.putInt(CaptureReader.PCAPNG_SECTION_HEADER).putInt(28).putInt(0x1A2B3C4D);
        header.putShort((short) 1).putShort((short) 0).putLong(-1L).putInt(28);
        header.putInt(1)
                .putInt(INTERFACE_BLOCK_LENGTH)
                .putShort((short) linkType)
                .putShort((short) 0);
        header.putInt(snapLength);
        header.putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]); // if_tsresol = 10^-9
        header.putInt(0); // opt_endofopt
        header.putInt(INTERFACE_BLOCK_LENGTH);
        writeHeader();
    }

    @Override
    public void write(long timestampNanos, ByteBuffer data) throws IOException {
        if (timestampNanos < 0) {
            throw new IOException("the timestamp " + timestampNanos + " ns (packet " + (packets() + 1)
                    + ") is before 1970, which a pcapng file cannot hold");
        }
        int length = data.remaining();
        int padding = (4 - (length & 3)) & 3;
        long blockLength = 32L + length + padding;
        if (blockLength > Integer.toUnsignedLong(-1)) {
            throw new IOException("a packet of " + length + " bytes does not fit in a pcapng block");
        }
        ByteBuffer header = header();
        header.putInt(6).putInt((int) blockLength).putInt(0);
        header.putInt((int) (timestampNanos >>> 32)).putInt((int) timestampNanos);
        header.putInt(length).putInt(length);
        writeHeader();
        writeData(data, padding);
        header = header();
        header.putInt((int) blockLength);
        writeHeader();
    }
}
