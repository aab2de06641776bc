package dev.packetipc.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.StreamProperties;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The PROPERTIES frame of wire format §2 and the limits of stream properties, including hostile encodings. */
class PropertiesCodecTest {
    private static final String[] SUFFIXES = {"", "\u00e9", "\u4e2d", "\ud83d\ude00", "\u00e9\ud83d\ude00"};

    private static ByteBuffer frame(Map<String, String> properties) {
        ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeProperties(out, properties);
        return out.flip();
    }

    private static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void aPropertiesFrameIsEncodedExactlyAsTheSpecificationsExampleSays() throws ProtocolException {
        ByteBuffer f = frame(Map.of("linktype", "276"));
        String expected = "20000000" + "04" + "00" + "0000" // header: length 32, type PROPERTIES
                + "01000000" // count 1
                + "0800" + "6c696e6b74797065" // key length 8, "linktype"
                + "03000000" + "323736" // value length 3, "276"
                + "000000"; // padding to 24 body bytes
        assertEquals(expected, hex(f));
        assertEquals(32, FrameDecoder.frameLength(f, 4096));
        assertEquals(Map.of("linktype", "276"), FrameDecoder.properties(f));
    }

    @Test
    void propertiesRoundTripInOrderWithUnicodeAndEmptyValues() throws ProtocolException {
        Random random = new Random(19);
        for (int round = 0; round < 200; round++) {
            Map<String, String> in = new LinkedHashMap<>();
            int n = random.nextInt(20);
            for (int i = 0; i < n; i++) {
                in.put("k" + i + SUFFIXES[random.nextInt(SUFFIXES.length)], "v".repeat(random.nextInt(40)));
            }
            ByteBuffer f = frame(in);
            assertEquals(f.remaining(), FrameDecoder.frameLength(f, 4096));
            Map<String, String> out = FrameDecoder.properties(f);
            assertEquals(in, out);
            assertEquals(new ArrayList<>(in.keySet()), new ArrayList<>(out.keySet()), "the order is kept");
            assertThrows(UnsupportedOperationException.class, () -> out.put("x", "y"));
        }
    }

    @Test
    void theLargestPropertiesFitTheSmallestMaximumFrameOfAnyPeer() throws ProtocolException {
        Map<String, String> big = new LinkedHashMap<>();
        big.put("k", "x".repeat(StreamProperties.MAX_ENCODED_BYTES - 4 - 6 - 1));
        ByteBuffer f = frame(big);
        assertEquals(FrameDescriptor.MIN_MAX_FRAME_BYTES, f.remaining());
        assertEquals(4096, FrameDecoder.frameLength(f, FrameDescriptor.MIN_MAX_FRAME_BYTES));
        assertEquals(big, FrameDecoder.properties(f));
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < StreamProperties.MAX_ENTRIES; i++) {
            many.put("key" + i, "value" + i);
        }
        assertEquals(many, FrameDecoder.properties(frame(many)));
    }

    @Test
    void theOptionRefusesWhatBreaksTheLimitsAndSaysWhich() {
        assertRefused(Map.of("k", "x".repeat(StreamProperties.MAX_ENCODED_BYTES)), "4088 bytes");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= StreamProperties.MAX_ENTRIES; i++) {
            many.put("key" + i, "");
        }
        assertRefused(many, "65 entries");
        assertRefused(Map.of("k".repeat(256), "v"), "more than the limit of 255");
        assertRefused(Map.of("", "v"), "empty key");
        Map<String, String> nulls = new HashMap<>();
        nulls.put("k", null);
        assertRefused(nulls, "null value");
        nulls.clear();
        nulls.put(null, "v");
        assertRefused(nulls, "null key");
        assertRefused(Map.of("k", "\ud800"), "not well-formed Unicode");
        // at the limit: accepted
        IpcOptions.builder()
                .set(IpcOptions.STREAM_PROPERTIES, Map.of("k", "x".repeat(StreamProperties.MAX_ENCODED_BYTES - 11)));
    }

    @Test
    void theOptionKeepsACopySoThatWhatWasCheckedIsWhatIsSent() {
        Map<String, String> mutable = new LinkedHashMap<>(Map.of("a", "1"));
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.STREAM_PROPERTIES, mutable).build();
        mutable.put("b", "x".repeat(10_000));
        assertEquals(Map.of("a", "1"), options.get(IpcOptions.STREAM_PROPERTIES));
        assertEquals(Map.of(), IpcOptions.defaults().get(IpcOptions.STREAM_PROPERTIES));
    }

    private static void assertRefused(Map<String, String> properties, String expected) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> IpcOptions.builder().set(IpcOptions.STREAM_PROPERTIES, properties));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** A PROPERTIES frame around {@code body} (padded with zeros to 8), bypassing the encoder's checks. */
    private static ByteBuffer raw(byte[] body) {
        int length = FrameDescriptor.align(8 + body.length);
        ByteBuffer f = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        f.putInt(length)
                .put(FrameDescriptor.TYPE_PROPERTIES)
                .put((byte) 0)
                .putShort((short) 0)
                .put(body);
        return f.position(0);
    }

    private static byte[] bytes(Object... parts) {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        for (Object p : parts) {
            if (p instanceof Integer) {
                b.putInt((Integer) p);
            } else if (p instanceof Short) {
                b.putShort((Short) p);
            } else if (p instanceof String) {
                b.put(((String) p).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                b.put((byte[]) p);
            }
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Test
    void hostileBodiesAreProtocolErrorsThatSayWhatWasWrong() {
        List<Object[]> cases = List.of(
                new Object[] {bytes(65), "65 entries"},
                new Object[] {bytes(-1), "entries"},
                new Object[] {bytes(1, (short) 0, 0), "key length of 0"},
                new Object[] {bytes(1, (short) 256, "k".repeat(256), 0), "key length of 256"},
                new Object[] {bytes(1, (short) 9, "k"), "key length of 9"},
                new Object[] {bytes(1, (short) 1, "k", 100), "value length of 100"},
                new Object[] {bytes(1, (short) 1, "k", -1), "value length of 4294967295"},
                new Object[] {bytes(2, (short) 1, "k", 0, (short) 1, "k", 0), "comes twice"},
                new Object[] {bytes(1, (short) 1, new byte[] {(byte) 0xC3}, 0), "not valid UTF-8"},
                new Object[] {bytes(1, (short) 1, "k", 1, new byte[] {(byte) 0xFF}), "not valid UTF-8"},
                new Object[] {bytes(0, 0, 0), "follow the last of 0"},
                new Object[] {bytes(0, 1), "padding"},
                new Object[] {bytes(1, (short) 1), "end in the middle"});
        for (Object[] c : cases) {
            ProtocolException e =
                    assertThrows(ProtocolException.class, () -> FrameDecoder.properties(raw((byte[]) c[0])));
            assertTrue(e.getMessage().contains((String) c[1]), c[1] + " expected in: " + e.getMessage());
        }
    }

    @Test
    void aFrameLongerThanTheLimitIsRefusedFromItsHeaderAlone() {
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(4104)
                .put(FrameDescriptor.TYPE_PROPERTIES)
                .put((byte) 0)
                .putShort((short) 0)
                .flip();
        ProtocolException e = assertThrows(ProtocolException.class, () -> FrameDecoder.frameLength(header, 1 << 20));
        assertTrue(e.getMessage().contains("maximum=4096"), e.getMessage());
        header.putInt(0, 8);
        assertThrows(ProtocolException.class, () -> FrameDecoder.frameLength(header, 1 << 20));
    }

    @Test
    void aPropertiesFrameWhereAnotherIsExpectedIsNamed() {
        ByteBuffer end = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeEnd(end);
        ProtocolException e = assertThrows(ProtocolException.class, () -> FrameDecoder.properties(end.flip()));
        assertTrue(e.getMessage().contains("expected a PROPERTIES frame"), e.getMessage());
    }
}
