package dev.packetipc.cli.pcap;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The pcapng format: blocks of {@code type, length, body, length}. Reads section headers (either byte order, several
 * sections), interface descriptions (link type, {@code if_tsresol}, {@code if_tsoffset}) and enhanced, simple and
 * obsolete packet blocks; skips every other block.
 */
final class PcapngReader extends CaptureReader {
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int OBSOLETE_PACKET = 2;
    private static final int SIMPLE_PACKET = 3;
    private static final int ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPTION_TSRESOL = 9;
    private static final int OPTION_TSOFFSET = 14;
    /** A block may hold the largest packet plus its options. */
    private static final long MAX_BLOCK_BYTES = MAX_PACKET_BYTES + (1L << 20);

    private ByteOrder order = ByteOrder.BIG_ENDIAN;
    private final List<Interface> interfaces = new ArrayList<>();
    private int firstLinkType = -1;
    private long firstSnapLength = -1;
    /** A packet met while looking for the first interface description, handed out first. */
    private CapturedPacket pending;

    /** One interface of the current section. */
    private record Interface(int linkType, long snapLength, TimestampUnit unit, long offsetSeconds) {}

    /** Called with the section header's type already read. */
    PcapngReader(CaptureInput in) throws IOException {
        super(in);
        readSectionHeader(0);
        while (firstLinkType < 0) {
            long start = in.offset();
            CapturedPacket packet = readBlock();
            if (packet != null) {
                pending = packet;
                break;
            }
            if (in.offset() == start) {
                break;
            }
        }
    }

    @Override
    public CapturedPacket next() throws IOException {
        if (pending != null) {
            CapturedPacket packet = pending;
            pending = null;
            return packet;
        }
        while (true) {
            long start = in.offset();
            CapturedPacket packet = readBlock();
            if (packet != null) {
                return packet;
            }
            if (in.offset() == start) {
                return null;
            }
        }
    }

    @Override
    public int linkType() {
        return firstLinkType;
    }

    @Override
    public long snapLength() {
        return firstSnapLength;
    }

    @Override
    public String format() {
        return "pcapng";
    }

    /** Reads one block; returns its packet, or null for other blocks and, without moving, at the end of the file. */
    private CapturedPacket readBlock() throws IOException {
        long start = in.offset();
        byte[] typeBytes = new byte[4];
        if (!in.readFullyOrEnd(typeBytes, 4, "a block header")) {
            return null;
        }
        int type = ByteBuffer.wrap(typeBytes).order(order).getInt();
        if (type == PCAPNG_SECTION_HEADER) {
            readSectionHeader(start);
            return null;
        }
        long length =
                Integer.toUnsignedLong(in.readSmall(4, order, "a block length").getInt(0));
        checkBlockLength(start, length, 12);
        long bodyLength = length - 12;
        CapturedPacket packet = null;
        switch (type) {
            case INTERFACE_DESCRIPTION:
                readInterface(start, readBody(bodyLength, "an interface description block"));
                break;
            case ENHANCED_PACKET:
                packet = enhancedPacket(start, readBody(bodyLength, "an enhanced packet block"));
                break;
            case SIMPLE_PACKET:
                packet = simplePacket(start, readBody(bodyLength, "a simple packet block"));
                break;
            case OBSOLETE_PACKET:
                packet = obsoletePacket(start, readBody(bodyLength, "a packet block"));
                break;
            default:
                in.skip(bodyLength, String.format("the body of a block of type 0x%08x", type));
        }
        readTrailer(start, length);
        return packet;
    }

    private void readSectionHeader(long start) throws IOException {
        ByteBuffer head = in.readSmall(8, ByteOrder.BIG_ENDIAN, "a section header block");
        int magic = head.getInt(4);
        if (magic == BYTE_ORDER_MAGIC) {
            order = ByteOrder.BIG_ENDIAN;
        } else if (Integer.reverseBytes(magic) == BYTE_ORDER_MAGIC) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else {
            throw in.error(
                    start + 8, String.format("a section header's byte-order magic is 0x%08x, not 0x1a2b3c4d", magic));
        }
        long length = Integer.toUnsignedLong(head.order(order).getInt(0));
        checkBlockLength(start, length, 28);
        ByteBuffer version = in.readSmall(4, order, "a section header's version");
        int major = Short.toUnsignedInt(version.getShort(0));
        if (major != 1) {
            throw in.error(start + 12, "unsupported pcapng version " + major + " (only 1.x exists)");
        }
        in.skip(length - 16 - 4, "the rest of a section header block");
        readTrailer(start, length);
        interfaces.clear();
    }

    private void checkBlockLength(long start, long length, int minimum) throws IOException {
        if (length < minimum || length % 4 != 0) {
            throw in.error(
                    start,
                    "a block claims a length of " + length + " bytes; it must be a multiple of 4, at least " + minimum);
        }
        if (length > MAX_BLOCK_BYTES) {
            throw in.error(
                    start,
                    "a block claims " + length + " bytes, more than the " + MAX_BLOCK_BYTES
                            + " this reader accepts: the file is damaged");
        }
        long consumed = in.offset() - start;
        if (length - consumed > in.remaining()) {
            throw in.error(
                    start,
                    "truncated: a block claims " + length + " bytes, but only " + (in.remaining() + consumed)
                            + " are left in the file from its start");
        }
    }

    private ByteBuffer readBody(long length, String what) throws IOException {
        byte[] body = new byte[(int) length];
        in.readFully(body, body.length, "the body of " + what);
        return ByteBuffer.wrap(body).order(order);
    }

    private void readTrailer(long start, long length) throws IOException {
        long trailer = Integer.toUnsignedLong(
                in.readSmall(4, order, "a block's trailing length").getInt(0));
        if (trailer != length) {
            throw in.error(
                    in.offset() - 4,
                    "the block that starts at offset " + start + " has length " + length + " but ends with length "
                            + trailer + ": the file is damaged");
        }
    }

    private void readInterface(long start, ByteBuffer body) throws IOException {
        if (body.remaining() < 8) {
            throw in.error(start, "an interface description block is too short (" + body.remaining() + " bytes)");
        }
        int linkType = Short.toUnsignedInt(body.getShort(0));
        long snapLength = Integer.toUnsignedLong(body.getInt(4));
        TimestampUnit unit = TimestampUnit.MICROSECONDS;
        long offsetSeconds = 0;
        int at = 8;
        while (at + 4 <= body.limit()) {
            int code = Short.toUnsignedInt(body.getShort(at));
            int length = Short.toUnsignedInt(body.getShort(at + 2));
            if (code == 0) {
                break;
            }
            if (at + 4 + length > body.limit()) {
                throw in.error(
                        start + 16 + at,
                        "an interface option (code " + code + ") claims " + length + " bytes, past its block's end");
            }
            if (code == OPTION_TSRESOL && length >= 1) {
                unit = TimestampUnit.of(body.get(at + 4), in, start + 16 + at);
            } else if (code == OPTION_TSOFFSET && length >= 8) {
                offsetSeconds = body.getLong(at + 4);
            }
            at += 4 + ((length + 3) & ~3);
        }
        interfaces.add(new Interface(linkType, snapLength, unit, offsetSeconds));
        if (firstLinkType < 0) {
            firstLinkType = linkType;
            firstSnapLength = snapLength;
        }
    }

    private Interface interfaceOf(long start, long id) throws IOException {
        if (id >= interfaces.size()) {
            throw in.error(
                    start,
                    "a packet names interface " + id + ", but its section describes " + interfaces.size()
                            + (interfaces.size() == 1 ? " interface" : " interfaces"));
        }
        return interfaces.get((int) id);
    }

    private CapturedPacket enhancedPacket(long start, ByteBuffer body) throws IOException {
        if (body.remaining() < 20) {
            throw in.error(start, "an enhanced packet block is too short (" + body.remaining() + " bytes)");
        }
        Interface from = interfaceOf(start, Integer.toUnsignedLong(body.getInt(0)));
        long ticks = ((long) body.getInt(4) << 32) | Integer.toUnsignedLong(body.getInt(8));
        long captured = Integer.toUnsignedLong(body.getInt(12));
        return packet(start, from, ticks, body, 20, captured, Integer.toUnsignedLong(body.getInt(16)));
    }

    private CapturedPacket obsoletePacket(long start, ByteBuffer body) throws IOException {
        if (body.remaining() < 20) {
            throw in.error(start, "a packet block is too short (" + body.remaining() + " bytes)");
        }
        Interface from = interfaceOf(start, Short.toUnsignedInt(body.getShort(0)));
        long ticks = ((long) body.getInt(4) << 32) | Integer.toUnsignedLong(body.getInt(8));
        long captured = Integer.toUnsignedLong(body.getInt(12));
        return packet(start, from, ticks, body, 20, captured, Integer.toUnsignedLong(body.getInt(16)));
    }

    /** A simple packet block has no timestamp: its packet gets 0 (the epoch). */
    private CapturedPacket simplePacket(long start, ByteBuffer body) throws IOException {
        if (body.remaining() < 4) {
            throw in.error(start, "a simple packet block is too short (" + body.remaining() + " bytes)");
        }
        Interface from = interfaceOf(start, 0);
        long original = Integer.toUnsignedLong(body.getInt(0));
        long captured = Math.min(original, body.remaining() - 4L);
        if (from.snapLength() > 0) {
            captured = Math.min(captured, from.snapLength());
        }
        return new CapturedPacket(
                0, Arrays.copyOfRange(body.array(), 4, 4 + (int) captured), from.linkType(), original);
    }

    private CapturedPacket packet(
            long start, Interface from, long ticks, ByteBuffer body, int dataAt, long captured, long original)
            throws IOException {
        if (captured > body.remaining() - dataAt) {
            throw in.error(
                    start,
                    "a packet claims " + captured + " captured bytes, but its block holds only "
                            + (body.remaining() - dataAt));
        }
        long nanos = from.unit().toNanos(ticks, from.offsetSeconds(), in, start);
        byte[] data = Arrays.copyOfRange(body.array(), dataAt, dataAt + (int) captured);
        return new CapturedPacket(nanos, data, from.linkType(), Math.max(original, captured));
    }

    /** An interface's timestamp unit, from its {@code if_tsresol} option: 10^-n or 2^-n seconds. */
    record TimestampUnit(boolean binary, int exponent) {
        static final TimestampUnit MICROSECONDS = new TimestampUnit(false, 6);
        private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
        private static final long[] POWERS_OF_TEN = {
            1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L
        };

        static TimestampUnit of(byte option, CaptureInput in, long at) throws IOException {
            boolean binary = (option & 0x80) != 0;
            int exponent = option & 0x7f;
            if (binary ? exponent > 63 : exponent > 18) {
                throw in.error(at, "if_tsresol " + (option & 0xff) + " is not a usable timestamp resolution");
            }
            return new TimestampUnit(binary, exponent);
        }

        /** Exact nanoseconds since the epoch (rounded down below a nanosecond); fails when it does not fit. */
        long toNanos(long ticks, long offsetSeconds, CaptureInput in, long at) throws IOException {
            if (!binary && exponent <= 9 && ticks >= 0) {
                try {
                    return Math.addExact(
                            Math.multiplyExact(ticks, POWERS_OF_TEN[9 - exponent]),
                            Math.multiplyExact(offsetSeconds, 1_000_000_000L));
                } catch (ArithmeticException outOfRange) {
                    // exact below, with the same message
                }
            }
            BigInteger nanos = new BigInteger(Long.toUnsignedString(ticks)).multiply(BigInteger.TEN.pow(9));
            nanos = binary ? nanos.shiftRight(exponent) : nanos.divide(BigInteger.TEN.pow(exponent));
            nanos = nanos.add(BigInteger.valueOf(offsetSeconds).multiply(BigInteger.TEN.pow(9)));
            if (nanos.abs().compareTo(MAX) > 0) {
                throw in.error(
                        at,
                        "a packet's timestamp is out of range: nanoseconds since the epoch must fit in a long"
                                + " (years 1677 to 2262)");
            }
            return nanos.longValue();
        }
    }
}
