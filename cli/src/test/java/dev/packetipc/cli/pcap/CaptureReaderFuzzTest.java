package dev.packetipc.cli.pcap;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Structured mutations of valid pcap and pcapng files (both byte orders, micro- and nanosecond pcap, several
 * interfaces with {@code if_tsresol} and {@code if_tsoffset}, simple and enhanced packet blocks, unknown blocks, a
 * second section) through {@link CaptureReader}: every input ends in packets or a {@link CaptureFormatException},
 * never another exception, never a stall (at most one packet per 16 bytes, and a time limit), and, when the size is
 * known, never more allocation than a bounded multiple of the file's size. A fresh seed every run (printed on
 * failure); {@code -Dfuzz.iterations=N} for a longer run (default 3000 per seed file). Inputs that once broke a rule
 * are kept in {@code regressions.hex} beside this class's resources and replayed every run.
 */
class CaptureReaderFuzzTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** What reading may allocate beyond 8 bytes per byte of the file: the 64 KiB input buffer and small objects. */
    private static final long FIXED_ALLOCATION = 512 << 10;

    private static final byte[] DATA = "0123456789abcdef0123456789abcdef01234567".getBytes(StandardCharsets.US_ASCII);

    static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            seeds.add(new CaptureBytes(order)
                    .pcapHeader(CaptureReader.PCAP_MAGIC_MICROS, 1)
                    .pcapRecord(1, 999_999, DATA)
                    .pcapRecord(2, 0, new byte[0])
                    .pcapRecord(3, 5, DATA)
                    .toByteArray());
            seeds.add(new CaptureBytes(order)
                    .pcapHeader(CaptureReader.PCAP_MAGIC_NANOS, 113)
                    .pcapRecord(-1, 999_999_999, DATA)
                    .toByteArray());
            seeds.add(new CaptureBytes(order)
                    .sectionHeader()
                    .interfaceDescription(1, 9, 0)
                    .interfaceDescription(101, 0x80 | 20, 1_700_000_000L)
                    .interfaceDescription(228, -1, -5)
                    .enhancedPacket(0, 5, DATA)
                    .enhancedPacket(1, 1_000_000_000_000L, DATA)
                    .enhancedPacket(2, 7, new byte[1])
                    .simplePacket(DATA)
                    .block(0x0BAD, new byte[12])
                    .sectionHeader()
                    .interfaceDescription(1, 6, 0)
                    .enhancedPacket(0, 1, DATA)
                    .toByteArray());
        }
        return seeds;
    }

    @Test
    void mutatedCapturesEndInPacketsOrACaptureFormatException() {
        long seed = System.nanoTime();
        int iterations = Integer.getInteger("fuzz.iterations", 3000);
        SplittableRandom random = new SplittableRandom(seed);
        assertTimeoutPreemptively(Duration.ofSeconds(Math.max(45, iterations / 50)), () -> {
            for (byte[] whole : seeds()) {
                for (int i = 0; i < iterations; i++) {
                    byte[] input = whole;
                    for (int m = 1 + random.nextInt(6); m > 0; m--) {
                        input = mutate(input, random);
                    }
                    boolean sized = random.nextBoolean();
                    try {
                        check(input, sized);
                    } catch (AssertionError e) {
                        throw new AssertionError(
                                "seed " + seed + ", sized=" + sized + ", input "
                                        + HexFormat.of().formatHex(input) + ": " + e.getMessage(),
                                e);
                    }
                }
            }
        });
    }

    @Test
    void unmutatedSeedsAreReadWhole() throws IOException {
        for (byte[] seed : seeds()) {
            for (boolean sized : new boolean[] {true, false}) {
                try (CaptureReader reader =
                        CaptureReader.open(new ByteArrayInputStream(seed), "seed.cap", sized ? seed.length : -1)) {
                    int packets = 0;
                    while (reader.next() != null) {
                        packets++;
                    }
                    assertTrue(packets > 0);
                }
            }
        }
    }

    @Test
    void regressionInputsStillEndInPacketsOrACaptureFormatException() throws IOException {
        int n = 0;
        try (InputStream in = CaptureReaderFuzzTest.class.getResourceAsStream("regressions.hex")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    n++;
                    check(HexFormat.of().parseHex(line.trim()), true);
                    check(HexFormat.of().parseHex(line.trim()), false);
                }
            }
        }
        assertTrue(n > 0, "no regression inputs found");
    }

    /**
     * Reads a whole capture; returns the packets read, or -1 for a {@link CaptureFormatException}; fails for
     * anything else.
     */
    private static int check(byte[] input, boolean sized) {
        long thread = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(thread);
        int packets = 0;
        try (CaptureReader reader =
                CaptureReader.open(new ByteArrayInputStream(input), "fuzz.cap", sized ? input.length : -1)) {
            while (reader.next() != null) {
                packets++;
                if (packets > input.length / 16 + 1) {
                    throw new AssertionError(packets + " packets from " + input.length + " bytes: the reader loops");
                }
            }
        } catch (CaptureFormatException e) {
            assertTrue(e.getMessage().startsWith("fuzz.cap: at byte offset "), e.getMessage());
            packets = -1;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("reading threw " + e + " instead of CaptureFormatException", e);
        }
        long allocated = THREADS.getThreadAllocatedBytes(thread) - before;
        long bound = FIXED_ALLOCATION + 8L * input.length + (sized ? 0 : CaptureReader.MAX_PACKET_BYTES);
        if (allocated > bound) {
            throw new AssertionError("reading " + input.length + " bytes (size " + (sized ? "known" : "unknown")
                    + ") allocated " + allocated + " bytes, more than " + bound);
        }
        return packets;
    }

    private static byte[] mutate(byte[] bytes, SplittableRandom r) {
        byte[] b = bytes.clone();
        if (b.length == 0) {
            return new byte[] {(byte) r.nextInt(256)};
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(7)) {
            case 0:
                b[at] = (byte) r.nextInt(256);
                return b;
            case 1: { // a length, count, option code or resolution set to an edge value, in either byte order
                int aligned = at & ~3;
                if (aligned + 4 > b.length) {
                    return b;
                }
                int[] values = {
                    0,
                    1,
                    3,
                    4,
                    12,
                    16,
                    28,
                    -1,
                    Integer.MAX_VALUE,
                    Integer.MIN_VALUE,
                    0x7FFF_FFF0,
                    CaptureReader.MAX_PACKET_BYTES,
                    CaptureReader.MAX_PACKET_BYTES + 1,
                    b.length,
                    0x0A0D0D0A,
                    6,
                    9
                };
                ByteBuffer.wrap(b)
                        .order(r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                        .putInt(aligned, values[r.nextInt(values.length)]);
                return b;
            }
            case 2:
                return Arrays.copyOf(b, at);
            case 3: { // duplicate a range (a repeated block or record)
                int n = r.nextInt(Math.min(128, b.length - at) + 1);
                byte[] c = new byte[b.length + n];
                System.arraycopy(b, 0, c, 0, at + n);
                System.arraycopy(b, at, c, at + n, b.length - at);
                return c;
            }
            case 4: { // cut a range out
                int n = r.nextInt(Math.min(64, b.length - at) + 1);
                byte[] c = new byte[b.length - n];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + n, c, at, b.length - at - n);
                return c;
            }
            case 5: // a timestamp resolution byte with every bit pattern
                b[at] = (byte) (r.nextBoolean() ? 0x80 | r.nextInt(128) : r.nextInt(128));
                return b;
            default: { // a 64-bit edge value (timestamps, offsets)
                int aligned = at & ~7;
                if (aligned + 8 > b.length) {
                    return b;
                }
                long[] values = {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0, 1L << 32};
                ByteBuffer.wrap(b).putLong(aligned, values[r.nextInt(values.length)]);
                return b;
            }
        }
    }
}
