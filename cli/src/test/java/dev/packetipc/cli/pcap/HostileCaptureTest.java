package dev.packetipc.cli.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Damaged and hostile captures end in a {@link CaptureFormatException} naming the file and offset, never worse. */
class HostileCaptureTest {
    private static final byte[] DATA = new byte[100];

    private static byte[] pcap() {
        return new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
                .pcapHeader(0xa1b23c4d, 1)
                .pcapRecord(1, 2, DATA)
                .pcapRecord(3, 4, DATA)
                .toByteArray();
    }

    private static byte[] pcapng() {
        return new CaptureBytes(ByteOrder.BIG_ENDIAN)
                .sectionHeader()
                .interfaceDescription(1, 9, 0)
                .enhancedPacket(0, 5, DATA)
                .enhancedPacket(0, 6, DATA)
                .toByteArray();
    }

    /** Reads a whole file, with a size known ({@code sized}) or not (standard input). */
    private static int readAll(byte[] file, boolean sized) throws IOException {
        try (CaptureReader reader =
                CaptureReader.open(new ByteArrayInputStream(file), "bad.cap", sized ? file.length : -1)) {
            int count = 0;
            while (reader.next() != null) {
                count++;
            }
            return count;
        }
    }

    private static CaptureFormatException expectFormatError(byte[] file, boolean sized) {
        return assertThrows(CaptureFormatException.class, () -> readAll(file, sized));
    }

    @Test
    void everyTruncationIsEitherACleanEndOrAnErrorWithTheOffset() throws IOException {
        for (byte[] whole : List.of(pcap(), pcapng())) {
            for (int cut = 0; cut < whole.length; cut++) {
                byte[] prefix = Arrays.copyOf(whole, cut);
                for (boolean sized : new boolean[] {true, false}) {
                    try {
                        readAll(prefix, sized);
                        // a cut exactly between two records is a shorter, valid file
                    } catch (CaptureFormatException e) {
                        assertTrue(e.getMessage().startsWith("bad.cap: at byte offset "), e::getMessage);
                        assertTrue(e.offset() >= 0 && e.offset() <= cut, e::getMessage);
                    }
                }
            }
        }
        CaptureFormatException e = expectFormatError(Arrays.copyOf(pcap(), 24 + 16 + 50), true);
        assertEquals(24, e.offset());
        assertTrue(e.getMessage().contains("truncated"), e::getMessage);
    }

    @Test
    void hugeLengthsAreRefusedBeforeAnythingIsAllocated() {
        byte[] pcap = pcap();
        ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0x7FFF_FFF0);
        for (boolean sized : new boolean[] {true, false}) {
            CaptureFormatException e = expectFormatError(pcap, sized);
            assertEquals(24, e.offset());
        }
        byte[] pcapng = pcapng();
        int firstPacket = 28 + 32; // after the section header and the interface description
        ByteBuffer.wrap(pcapng).putInt(firstPacket + 4, 0xFFFF_FFF0);
        for (boolean sized : new boolean[] {true, false}) {
            CaptureFormatException e = expectFormatError(pcapng, sized);
            assertEquals(firstPacket, e.offset());
        }
    }

    @Test
    void aBlockWhoseTrailingLengthDiffersIsReported() {
        byte[] pcapng = pcapng();
        int firstPacket = 28 + 32; // after the section header and the interface description
        int length = ByteBuffer.wrap(pcapng).getInt(firstPacket + 4);
        ByteBuffer.wrap(pcapng).putInt(firstPacket + length - 4, length + 4);
        CaptureFormatException e = expectFormatError(pcapng, true);
        assertTrue(e.getMessage().contains("starts at offset " + firstPacket), e::getMessage);
    }

    @Test
    void aPacketLongerThanItsBlockIsReported() {
        byte[] pcapng = pcapng();
        int firstPacket = 28 + 32; // after the section header and the interface description
        ByteBuffer.wrap(pcapng).putInt(firstPacket + 8 + 12, 1000);
        CaptureFormatException e = expectFormatError(pcapng, true);
        assertEquals(firstPacket, e.offset());
        assertTrue(e.getMessage().contains("its block holds only 100"), e::getMessage);
    }

    @Test
    void otherFilesAreNamedForWhatTheyStartWith() {
        CaptureFormatException e =
                expectFormatError("GIF89a, not a capture".getBytes(java.nio.charset.StandardCharsets.US_ASCII), true);
        assertTrue(e.getMessage().contains("not a pcap or pcapng file"), e::getMessage);
        assertEquals(0, e.offset());
    }

    @Test
    void randomDamageNeverEscapesAsAnythingButACaptureFormatException() {
        SplittableRandom random = new SplittableRandom(42);
        for (byte[] whole : List.of(pcap(), pcapng())) {
            for (int round = 0; round < 2000; round++) {
                byte[] damaged = whole.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
                }
                try {
                    readAll(damaged, round % 2 == 0);
                } catch (CaptureFormatException expected) {
                    // reported with file and offset
                } catch (IOException | RuntimeException e) {
                    fail("damage escaped as " + e, e);
                }
            }
        }
    }
}
