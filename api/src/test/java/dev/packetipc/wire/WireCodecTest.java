package dev.packetipc.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Packet;
import dev.packetipc.ProtocolException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireCodecTest {
    private static final int MAX = 1 << 20;

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Decodes every frame in {@code bytes} (position 0..limit) and collects the packets, with a receive limit. */
    private static List<Packet> decodeAll(ByteBuffer bytes, int limit) throws ProtocolException {
        ByteBuffer in = bytes.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        List<Packet> out = new ArrayList<>();
        BatchReader reader = new BatchReader(SharedRegions.NONE);
        while (in.hasRemaining()) {
            int length = FrameDecoder.frameLength(in, MAX);
            assertTrue(length > 0 && length <= in.remaining(), "whole frames only");
            assertEquals(FrameDescriptor.TYPE_BATCH, FrameDecoder.type(in));
            reader.wrap(in, in.position(), length);
            while (reader.remaining() > 0) {
                int n = reader.read(p -> out.add(p.toPacket()), limit);
                assertTrue(n >= 1 && n <= limit);
            }
            in.position(in.position() + length);
        }
        return out;
    }

    @Test
    void aBatchIsEncodedExactlyAsTheSpecificationsTableSays() {
        ByteBuffer out = buffer(64);
        int next = FrameEncoder.encodeBatch(
                List.of(Packet.of(0x0102030405060708L, new byte[] {(byte) 0xAA, (byte) 0xBB, (byte) 0xCC})),
                0,
                out,
                MAX);
        assertEquals(1, next);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        String expected = "28000000" + "10" + "00" + "0000" // header: length 40, type BATCH
                + "01000000" + "00000000" // count 1, reserved
                + "0807060504030201" + "03000000" + "00000000" // timestamp, length 3, kind inline
                + "aabbcc0000000000"; // payload padded to 8
        assertEquals(expected, HexFormat.of().formatHex(bytes));
    }

    @Test
    void handshakeFramesMatchTheSpecification() throws ProtocolException {
        ByteBuffer out = buffer(64);
        FrameEncoder.encodeHello(out, (short) 1, (short) 3, 1 << 20);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.duplicate().get(bytes);
        assertEquals(
                "180000000100" + "0000" + "50495043" + "0100" + "0300" + "00001000" + "00000000",
                HexFormat.of().formatHex(bytes));
        assertEquals(24, FrameDecoder.frameLength(out, MAX));
        assertEquals(1, FrameDecoder.negotiate(out, (short) 1, (short) 1));
        assertEquals(1 << 20, FrameDecoder.peerMaxFrameBytes(out));
        ProtocolException none =
                assertThrows(ProtocolException.class, () -> FrameDecoder.negotiate(out, (short) 4, (short) 5));
        assertTrue(none.getMessage().contains("no common protocol version"), none.getMessage());

        ByteBuffer reject = buffer(64);
        FrameEncoder.encodeReject(reject, HandshakeDescriptor.REASON_REFUSED, "uid 65534 not allowed");
        reject.flip();
        assertEquals(0, FrameDecoder.frameLength(reject, MAX) % 8);
        ProtocolException refused = assertThrows(ProtocolException.class, () -> FrameDecoder.welcome(reject));
        assertTrue(refused.getMessage().contains("reason=3 uid 65534 not allowed"), refused.getMessage());

        ByteBuffer welcome = buffer(64);
        FrameEncoder.encodeWelcome(welcome, (short) 1, 8192);
        welcome.flip();
        assertEquals(1, FrameDecoder.welcome(welcome));
        assertEquals(8192, FrameDecoder.peerMaxFrameBytes(welcome));
    }

    /** Wire format §8: the HELLO of 32 bytes, the WELCOME's u16, and HEARTBEAT, byte for byte. */
    @Test
    void livenessFramesMatchTheSpecification() throws ProtocolException {
        ByteBuffer hello = buffer(64);
        FrameEncoder.encodeHelloWithLiveness(hello, (short) 1, (short) 1, 1 << 20, HandshakeDescriptor.FLAG_RING, 5000);
        hello.flip();
        assertEquals(
                "200000000100" + "0000" + "50495043" + "0100" + "0100" + "00001000" + "0a000000" + "88130000"
                        + "00000000",
                hex(hello));
        assertEquals(32, FrameDecoder.frameLength(hello, MAX));
        assertEquals(5000, FrameDecoder.livenessMillis(hello));

        ByteBuffer welcome = buffer(64);
        FrameEncoder.encodeWelcomeWithLiveness(welcome, (short) 1, 4096, 0, 65_535);
        welcome.flip();
        assertEquals("180000000200" + "0000" + "50495043" + "0100" + "ffff" + "00100000" + "08000000", hex(welcome));
        assertEquals(1, FrameDecoder.welcome(welcome));
        assertEquals(65_535, FrameDecoder.livenessMillis(welcome));

        ByteBuffer plain = buffer(64);
        FrameEncoder.encodeWelcome(plain, (short) 1, 4096);
        assertEquals(0, FrameDecoder.livenessMillis(plain.flip()), "no flag, no liveness");

        ByteBuffer zero = buffer(64);
        FrameEncoder.encodeWelcomeWithLiveness(zero, (short) 1, 4096, 0, 0);
        ProtocolException e = assertThrows(ProtocolException.class, () -> FrameDecoder.livenessMillis(zero.flip()));
        assertTrue(e.getMessage().contains("outside [1, 65535]"), e.getMessage());

        ByteBuffer heartbeat = buffer(8);
        FrameEncoder.encodeHeartbeat(heartbeat);
        heartbeat.flip();
        assertEquals("080000001400" + "0000", hex(heartbeat));
        assertEquals(8, FrameDecoder.frameLength(heartbeat, MAX));
        assertHostile(header(16, FrameDescriptor.TYPE_HEARTBEAT, 0), "is illegal");
    }

    private static String hex(ByteBuffer frame) {
        byte[] bytes = new byte[frame.remaining()];
        frame.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void randomBatchesRoundTripExactlyWhateverTheReceiveLimit() throws ProtocolException {
        Random random = new Random(42);
        ByteBuffer out = buffer(16 << 20);
        for (int round = 0; round < 200; round++) {
            out.clear();
            List<Packet> packets = new ArrayList<>();
            int count = random.nextInt(40);
            for (int i = 0; i < count; i++) {
                int size = random.nextInt(10) == 0 ? random.nextInt(200_000) : random.nextInt(100);
                byte[] data = new byte[size];
                random.nextBytes(data);
                long[] extremes = {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, random.nextLong()};
                packets.add(Packet.of(extremes[random.nextInt(extremes.length)], data));
            }
            int next = 0;
            int maxFrame = 4096 + random.nextInt(MAX - 4096);
            while (next < packets.size()) {
                int before = next;
                next = FrameEncoder.encodeBatch(packets, next, out, Math.max(maxFrame, 300_000));
                assertTrue(next > before);
            }
            out.flip();
            assertEquals(packets, decodeAll(out, 1 + random.nextInt(50)));
        }
    }

    @Test
    void batchesAreSplitAtTheMaximumFrameSizeAndAtTheBufferEnd() throws ProtocolException {
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            packets.add(Packet.of(i, new byte[100]));
        }
        ByteBuffer out = buffer(1 << 20);
        int frames = 0;
        int next = 0;
        while (next < packets.size()) {
            int start = out.position();
            next = FrameEncoder.encodeBatch(packets, next, out, 4096);
            assertTrue(out.position() - start <= 4096);
            frames++;
        }
        assertEquals(3, frames, "entries of 120 bytes: 34 fit in a frame of at most 4096 bytes, so 100 need 3");
        out.flip();
        assertEquals(packets, decodeAll(out, 7));

        ByteBuffer tiny = buffer(100);
        assertEquals(0, FrameEncoder.encodeBatch(packets, 0, tiny, 4096), "no room: nothing written");
        assertEquals(0, tiny.position());
        IllegalArgumentException tooBig = assertThrows(
                IllegalArgumentException.class,
                () -> FrameEncoder.encodeBatch(List.of(Packet.of(1, new byte[5000])), 0, buffer(8192), 4096));
        assertTrue(tooBig.getMessage().contains("shared memory"), tooBig.getMessage());
    }

    @Test
    void theHeaderIsJudgedBeforeTheBodyArrives() throws ProtocolException {
        ByteBuffer partial = buffer(16);
        partial.putInt(0x7fff_fff8)
                .put(FrameDescriptor.TYPE_BATCH)
                .put((byte) 0)
                .putShort((short) 0)
                .flip();
        ProtocolException huge = assertThrows(ProtocolException.class, () -> FrameDecoder.frameLength(partial, MAX));
        assertTrue(huge.getMessage().contains("length=2147483640 is illegal"), huge.getMessage());
        assertEquals(0, FrameDecoder.frameLength(buffer(16).limit(7), MAX), "an incomplete header waits");
    }

    @Test
    void hostileHeadersAreProtocolErrorsThatSayWhatWasWrong() {
        assertHostile(header(64, (byte) 0x7f, 0), "type=0x7f unknown");
        assertHostile(header(-8, FrameDescriptor.TYPE_END, 0), "is illegal");
        assertHostile(header(4, FrameDescriptor.TYPE_END, 0), "is illegal");
        assertHostile(header(12, FrameDescriptor.TYPE_END, 0), "is illegal");
        assertHostile(header(8, FrameDescriptor.TYPE_END, 1), "non-zero flags");
        assertHostile(header(8, FrameDescriptor.TYPE_BATCH, 0), "is illegal");
    }

    private static ByteBuffer header(int length, byte type, int flags) {
        ByteBuffer b = buffer(8);
        b.putInt(length).put(type).put((byte) flags).putShort((short) 0).flip();
        return b;
    }

    private static void assertHostile(ByteBuffer frame, String expected) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> FrameDecoder.frameLength(frame, MAX));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void hostileBatchBodiesAreCaughtBeforeAnythingIsHandedOut() {
        // count larger than the frame can hold
        ByteBuffer countLie = buffer(32);
        countLie.putInt(32).put(FrameDescriptor.TYPE_BATCH).put((byte) 0).putShort((short) 0);
        countLie.putInt(1_000_000).putInt(0).flip();
        ProtocolException e1 =
                assertThrows(ProtocolException.class, () -> new BatchReader(SharedRegions.NONE).wrap(countLie, 0, 32));
        assertTrue(e1.getMessage().contains("count=1000000"), e1.getMessage());

        // a packet length that overruns the frame, a wrong magic, an unknown kind, an unknown region
        ByteBuffer overrun = batchWithOneEntry(1_000_000, BatchDescriptor.KIND_INLINE);
        assertReadFails(overrun, "overruns its frame");
        assertReadFails(batchWithOneEntry(-5, BatchDescriptor.KIND_INLINE), "overruns its frame");
        assertReadFails(batchWithOneEntry(3, 9), "unknown kind=9");
        ByteBuffer shared = buffer(48);
        shared.putInt(48)
                .put(FrameDescriptor.TYPE_BATCH)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(1)
                .putInt(0);
        shared.putLong(5)
                .putInt(10)
                .putInt(BatchDescriptor.KIND_SHARED)
                .putInt(7)
                .putInt(0)
                .putLong(0)
                .flip();
        assertReadFails(shared, "region=7 that was never announced");

        ByteBuffer badMagic = buffer(32);
        FrameEncoder.encodeHello(badMagic, (short) 1, (short) 1, 4096);
        badMagic.putInt(8, 0xdeadbeef).flip();
        ProtocolException e2 =
                assertThrows(ProtocolException.class, () -> FrameDecoder.negotiate(badMagic, (short) 1, (short) 1));
        assertTrue(e2.getMessage().contains("not a packet-ipc endpoint"), e2.getMessage());
    }

    private static ByteBuffer batchWithOneEntry(int length, int kind) {
        ByteBuffer b = buffer(40);
        b.putInt(40)
                .put(FrameDescriptor.TYPE_BATCH)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(1)
                .putInt(0);
        b.putLong(1).putInt(length).putInt(kind).putLong(0).flip();
        return b;
    }

    private static void assertReadFails(ByteBuffer frame, String expected) {
        List<Packet> seen = new ArrayList<>();
        ProtocolException e = assertThrows(ProtocolException.class, () -> {
            BatchReader reader = new BatchReader(SharedRegions.NONE);
            reader.wrap(frame, 0, frame.limit());
            reader.read(p -> seen.add(p.toPacket()), 10);
        });
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(seen.isEmpty(), "nothing was handed out before the check");
    }

    @Test
    void sharedMemoryEntriesAreReadInPlaceFromTheirRegion() throws ProtocolException {
        ByteBuffer region = buffer(1024);
        region.put(100, new byte[] {9, 8, 7});
        ByteBuffer readOnlyRegion = region.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer frame = buffer(48);
        frame.putInt(48)
                .put(FrameDescriptor.TYPE_BATCH)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(1)
                .putInt(0);
        frame.putLong(-3)
                .putInt(3)
                .putInt(BatchDescriptor.KIND_SHARED)
                .putInt(2)
                .putInt(0)
                .putLong(100)
                .flip();
        BatchReader reader = new BatchReader(id -> id == 2 ? readOnlyRegion : null);
        reader.wrap(frame, 0, 48);
        List<Packet> seen = new ArrayList<>();
        assertEquals(1, reader.read(p -> seen.add(p.toPacket()), 5));
        assertEquals(-3, seen.get(0).timestampNanos());
        assertArrayEquals(new byte[] {9, 8, 7}, seen.get(0).toByteArray());

        frame.putLong(40, 1022);
        reader.wrap(frame, 0, 48);
        ProtocolException e = assertThrows(ProtocolException.class, () -> reader.read(p -> {}, 5));
        assertTrue(e.getMessage().contains("points outside region=2"), e.getMessage());
    }

    @Test
    void decodingAllocatesNothingPerPacket() throws ProtocolException {
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            packets.add(Packet.of(i, new byte[64]));
        }
        ByteBuffer out = buffer(1 << 20);
        FrameEncoder.encodeBatch(packets, 0, out, MAX);
        out.flip();
        ByteBuffer in = out.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        BatchReader reader = new BatchReader(SharedRegions.NONE);
        long[] sum = new long[1];
        dev.packetipc.PacketHandler handler =
                p -> sum[0] += p.timestampNanos() + p.data().remaining();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int length = FrameDecoder.frameLength(in, MAX);
        for (int warm = 0; warm < 200; warm++) {
            reader.wrap(in, 0, length);
            reader.read(handler, Integer.MAX_VALUE);
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int round = 0; round < 100; round++) {
            FrameDecoder.frameLength(in, MAX);
            reader.wrap(in, 0, length);
            reader.read(handler, Integer.MAX_VALUE);
        }
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(allocated < 100_000, "decoding 100000 packets allocated " + allocated + " bytes");
        assertTrue(sum[0] > 0);
    }
}
