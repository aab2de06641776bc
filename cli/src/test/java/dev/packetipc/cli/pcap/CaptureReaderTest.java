package dev.packetipc.cli.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CaptureReaderTest {
    private static final byte[] A = {1, 2, 3};
    private static final byte[] B = {4, 5, 6, 7, 8};

    static List<CapturedPacket> readAll(byte[] file) throws IOException {
        try (CaptureReader reader = CaptureReader.open(new ByteArrayInputStream(file), "test.cap", file.length)) {
            List<CapturedPacket> packets = new ArrayList<>();
            CapturedPacket packet;
            while ((packet = reader.next()) != null) {
                packets.add(packet);
            }
            return packets;
        }
    }

    private static ByteOrder order(String name) {
        return name.equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    @ParameterizedTest
    @ValueSource(strings = {"big", "little"})
    void pcapMicrosecondsInEitherByteOrder(String order) throws IOException {
        byte[] file = new CaptureBytes(order(order))
                .pcapHeader(0xa1b2c3d4, 1)
                .pcapRecord(1_700_000_000L, 123_456, A)
                .pcapRecord(4_000_000_000L, 999_999, B)
                .toByteArray();
        List<CapturedPacket> packets = readAll(file);
        assertEquals(2, packets.size());
        assertEquals(1_700_000_000_123_456_000L, packets.get(0).timestampNanos());
        assertEquals(4_000_000_000_999_999_000L, packets.get(1).timestampNanos());
        assertArrayEquals(A, packets.get(0).bytes());
        assertArrayEquals(B, packets.get(1).bytes());
        assertEquals(1, packets.get(1).linkType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"big", "little"})
    void pcapNanosecondsInEitherByteOrder(String order) throws IOException {
        byte[] file = new CaptureBytes(order(order))
                .pcapHeader(0xa1b23c4d, 113)
                .pcapRecord(1_700_000_000L, 123_456_789, A)
                .toByteArray();
        CapturedPacket packet = readAll(file).get(0);
        assertEquals(1_700_000_000_123_456_789L, packet.timestampNanos());
        assertEquals(113, packet.linkType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"big", "little"})
    void pcapngWithResolutionsOffsetsAndSeveralInterfaces(String order) throws IOException {
        byte[] file = new CaptureBytes(order(order))
                .sectionHeader()
                .block(0x0BAD, new byte[] {9, 9, 9, 9, 9}) // unknown: skipped
                .interfaceDescription(1, -1, 0) // default: microseconds
                .interfaceDescription(1, 9, 0) // nanoseconds
                .interfaceDescription(1, 0x80 | 10, 0) // 2^-10 s
                .interfaceDescription(1, 3, 100) // milliseconds, offset 100 s
                .enhancedPacket(0, 1_700_000_000_123_456L, A)
                .enhancedPacket(1, 1_700_000_000_123_456_789L, B)
                .enhancedPacket(2, 3L << 10 | 512, A)
                .enhancedPacket(3, 1_500, B)
                .simplePacket(A)
                .toByteArray();
        List<CapturedPacket> packets = readAll(file);
        assertEquals(5, packets.size());
        assertEquals(1_700_000_000_123_456_000L, packets.get(0).timestampNanos());
        assertEquals(1_700_000_000_123_456_789L, packets.get(1).timestampNanos());
        assertEquals(3_500_000_000L, packets.get(2).timestampNanos());
        assertEquals(101_500_000_000L, packets.get(3).timestampNanos());
        assertEquals(0L, packets.get(4).timestampNanos(), "a simple packet block has no timestamp");
        assertArrayEquals(B, packets.get(1).bytes());
        assertArrayEquals(A, packets.get(4).bytes());
    }

    @Test
    void aSecondSectionMayChangeByteOrderAndForgetsTheFirstSectionsInterfaces() throws IOException {
        byte[] first = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
                .sectionHeader()
                .interfaceDescription(1, 9, 0)
                .enhancedPacket(0, 5, A)
                .toByteArray();
        byte[] second = new CaptureBytes(ByteOrder.BIG_ENDIAN)
                .sectionHeader()
                .interfaceDescription(101, 9, 0)
                .enhancedPacket(0, 7, B)
                .toByteArray();
        List<CapturedPacket> packets = readAll(concat(first, second));
        assertEquals(
                List.of(5L, 7L),
                packets.stream().map(CapturedPacket::timestampNanos).toList());
        assertEquals(101, packets.get(1).linkType());
        byte[] orphan = new CaptureBytes(ByteOrder.BIG_ENDIAN)
                .sectionHeader()
                .enhancedPacket(0, 7, B)
                .toByteArray();
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> readAll(concat(first, orphan)));
        assertEquals(first.length + 28, e.offset());
        assertTrue(e.getMessage().contains("names interface 0, but its section describes 0 interfaces"), e::getMessage);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pcap", "pcapng"})
    void whatTheWritersWriteReadsBackExactly(String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long[] timestamps = {0, 1, 1_700_000_000_123_456_789L, 4_294_967_295_999_999_999L};
        try (CaptureWriter writer = CaptureWriter.create(format, out, 228)) {
            for (int i = 0; i < timestamps.length; i++) {
                writer.write(timestamps[i], ByteBuffer.wrap(i % 2 == 0 ? A : B).asReadOnlyBuffer());
            }
        }
        List<CapturedPacket> packets = readAll(out.toByteArray());
        assertEquals(timestamps.length, packets.size());
        for (int i = 0; i < timestamps.length; i++) {
            assertEquals(timestamps[i], packets.get(i).timestampNanos());
            assertArrayEquals(i % 2 == 0 ? A : B, packets.get(i).bytes());
            assertEquals(228, packets.get(i).linkType());
        }
    }

    @Test
    void timestampsAFormatCannotHoldAreRefusedWithAdvice() throws IOException {
        CaptureWriter pcap = CaptureWriter.create("pcap", new ByteArrayOutputStream(), 1);
        IOException e = assertThrows(IOException.class, () -> pcap.write(-1, ByteBuffer.wrap(A)));
        assertTrue(e.getMessage().contains("--format pcapng"), e::getMessage);
        CaptureWriter pcapng = CaptureWriter.create("pcapng", new ByteArrayOutputStream(), 1);
        assertThrows(IOException.class, () -> pcapng.write(-1, ByteBuffer.wrap(A)));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void anEmptyPcapngHasNoLinkTypeAndNoPackets() throws IOException {
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).sectionHeader().toByteArray();
        try (CaptureReader reader = CaptureReader.open(new ByteArrayInputStream(file), "empty", -1)) {
            assertEquals(-1, reader.linkType());
            assertNull(reader.next());
        }
    }
}
