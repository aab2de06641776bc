package dev.packetipc.cli.pcap;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads packets from a pcap or pcapng file, whichever the first bytes say it is, front to back without loading the
 * file. Timestamps become nanoseconds since the epoch exactly (pcap micro- and nanosecond files; pcapng with any
 * {@code if_tsresol} and {@code if_tsoffset}). A damaged file fails with a {@link CaptureFormatException} that names
 * the file and the byte offset; no length in the file can make the reader allocate more than
 * {@link #MAX_PACKET_BYTES} (plus a block's options) at once.
 */
public abstract class CaptureReader implements AutoCloseable {
    /** The largest captured packet accepted: larger lengths are taken for damage. */
    public static final int MAX_PACKET_BYTES = 64 << 20;

    static final int PCAP_MAGIC_MICROS = 0xa1b2c3d4;
    static final int PCAP_MAGIC_NANOS = 0xa1b23c4d;
    static final int PCAPNG_SECTION_HEADER = 0x0A0D0D0A;

    final CaptureInput in;

    CaptureReader(CaptureInput in) {
        this.in = in;
    }

    /** Opens the file {@code path}, or standard input when it is {@code "-"}. */
    public static CaptureReader open(String path) throws IOException {
        if ("-".equals(path)) {
            return open(System.in, "<standard input>", -1);
        }
        Path file = Path.of(path);
        if (Files.isDirectory(file)) {
            throw new FileSystemException(path, null, "is a directory, not a capture file");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(path);
        }
        // A pipe or a device (/dev/stdin, <(...)) is read to its end; only a regular file has a size to check against.
        long size = Files.isRegularFile(file) ? Files.size(file) : -1;
        return open(Files.newInputStream(file), path, size);
    }

    /**
     * Reads a capture from a stream, detecting its format.
     *
     * @param stream the bytes (buffered here)
     * @param source the name to put in messages
     * @param size the number of bytes, or -1 when unknown
     */
    public static CaptureReader open(InputStream stream, String source, long size) throws IOException {
        CaptureInput input = new CaptureInput(new BufferedInputStream(stream, 1 << 16), source, size);
        try {
            ByteBuffer magic = input.readSmall(4, ByteOrder.BIG_ENDIAN, "the file's magic number");
            int bigEndian = magic.getInt(0);
            int littleEndian = Integer.reverseBytes(bigEndian);
            if (bigEndian == PCAPNG_SECTION_HEADER) {
                return new PcapngReader(input);
            }
            if (bigEndian == PCAP_MAGIC_MICROS || bigEndian == PCAP_MAGIC_NANOS) {
                return new PcapReader(input, ByteOrder.BIG_ENDIAN, bigEndian == PCAP_MAGIC_NANOS);
            }
            if (littleEndian == PCAP_MAGIC_MICROS || littleEndian == PCAP_MAGIC_NANOS) {
                return new PcapReader(input, ByteOrder.LITTLE_ENDIAN, littleEndian == PCAP_MAGIC_NANOS);
            }
            throw input.error(
                    0,
                    String.format(
                            "not a pcap or pcapng file: it starts with 0x%08x, not a pcap magic number"
                                    + " (a1b2c3d4, a1b23c4d or swapped) or a pcapng section header (0a0d0d0a)",
                            bigEndian));
        } catch (IOException | RuntimeException e) {
            input.close();
            throw e;
        }
    }

    /** The next packet, or {@code null} at the end of the file. */
    public abstract CapturedPacket next() throws IOException;

    /** The link type of the first interface (the file's, for pcap), or -1 if the capture declares none. */
    public abstract int linkType();

    /**
     * The snap length of the first interface (the file's, for pcap): the most bytes of a packet the capture kept; 0
     * when it declares no limit, -1 when it declares no interface.
     */
    public abstract long snapLength();

    /** "pcap" or "pcapng". */
    public abstract String format();

    /** The name of the file in messages. */
    public String source() {
        return in.source();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads a packet's captured bytes, after checking the length against the limits and the rest of the file. */
    byte[] readPacketBytes(long length, long recordOffset) throws IOException {
        if (length > MAX_PACKET_BYTES) {
            throw in.error(
                    recordOffset,
                    "a packet claims " + length + " captured bytes, more than the " + MAX_PACKET_BYTES
                            + " this reader accepts: the file is damaged");
        }
        if (length > in.remaining()) {
            throw in.error(
                    recordOffset,
                    "truncated: a packet claims " + length + " captured bytes, but only " + in.remaining()
                            + " bytes are left in the file");
        }
        byte[] bytes = new byte[(int) length];
        in.readFully(bytes, bytes.length, "a packet's " + length + " captured bytes");
        return bytes;
    }
}
