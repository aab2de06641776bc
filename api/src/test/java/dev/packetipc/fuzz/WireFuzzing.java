package dev.packetipc.fuzz;

import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import dev.packetipc.ProtocolException;
import dev.packetipc.wire.BatchReader;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import dev.packetipc.wire.PayloadPlacement;
import dev.packetipc.wire.SharedRegions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Valid frame streams to mutate, and a decoder loop that reads a stream as a client or server would: every frame
 * through {@link FrameDecoder}, every BATCH through {@link BatchReader}. It reports what happened and checks the
 * rules a hostile stream must not break.
 */
final class WireFuzzing {
    /** The maximum frame size the fuzzed decoder is configured with. */
    static final int MAX_FRAME_BYTES = 64 << 10;
    /** Region 1, announced by the valid streams' REGION frame. */
    static final int REGION_ID = 1;

    static final int REGION_BYTES = 16 << 10;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private WireFuzzing() {}

    /** A stream with every frame type: HELLO, WELCOME, REGION, BATCH (inline and shared), RELEASE, END, CLOSE. */
    static byte[] validStream(int packets, int payload, long seed) {
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeHello(out, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1, MAX_FRAME_BYTES, 0);
        FrameEncoder.encodeWelcome(out, HandshakeDescriptor.VERSION_1, MAX_FRAME_BYTES);
        FrameEncoder.encodeRegion(out, REGION_ID, 0, REGION_BYTES);
        List<Packet> batch = new ArrayList<>();
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < packets; i++) {
            byte[] data = new byte[i % 3 == 0 ? payload * 4 : payload];
            random.nextBytes(data);
            batch.add(Packet.of(i, data));
        }
        int[] placed = {0};
        PayloadPlacement placement = new PayloadPlacement() {
            @Override
            public int regionId() {
                return REGION_ID;
            }

            @Override
            public boolean wants(int length) {
                return length > payload;
            }

            @Override
            public long place(ByteBuffer data, int index, int length) {
                if (placed[0] + length > REGION_BYTES) {
                    return NO_ROOM;
                }
                long at = placed[0];
                placed[0] += length;
                return at;
            }
        };
        int from = 0;
        while (from < batch.size()) {
            int next = FrameEncoder.encodeBatch(batch, from, out, MAX_FRAME_BYTES, placement);
            if (next == from) {
                FrameEncoder.encodeRelease(out, REGION_ID, placed[0]);
                placed[0] = 0;
            }
            from = next;
        }
        FrameEncoder.encodeRelease(out, REGION_ID, placed[0]);
        FrameEncoder.encodeEnd(out);
        FrameEncoder.encodeClose(out, HandshakeDescriptor.REASON_PROTOCOL);
        FrameEncoder.encodeReject(out, HandshakeDescriptor.REASON_REFUSED, "fuzz");
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    /** What decoding a stream ended in. */
    static final class Outcome {
        int frames;
        int packets;
        boolean incomplete;
        ProtocolException refused;
        long allocatedBytes;
    }

    /**
     * Decodes {@code bytes} frame by frame, handing out packets in chunks of {@code limit}. Returns normally with a
     * {@link ProtocolException} recorded, or throws {@link AssertionError} if a rule is broken (any other
     * exception, no progress, a packet outside its buffer, an exception inside the handler).
     */
    static Outcome decode(byte[] bytes, int limit) {
        ByteBuffer buffer =
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        buffer.order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer region = ByteBuffer.allocate(REGION_BYTES).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        SharedRegions regions = id -> id == REGION_ID ? region : null;
        BatchReader reader = new BatchReader(regions);
        Outcome outcome = new Outcome();
        Throwable[] inHandler = {null};
        PacketHandler handler = packet -> {
            try {
                checkInBounds(packet);
                outcome.packets++;
            } catch (RuntimeException e) {
                inHandler[0] = e;
            }
        };
        long thread = Thread.currentThread().getId();
        long allocatedBefore = THREADS.getThreadAllocatedBytes(thread);
        try {
            while (true) {
                int length = FrameDecoder.frameLength(buffer, MAX_FRAME_BYTES);
                if (length == 0 || length > buffer.remaining()) {
                    outcome.incomplete = buffer.hasRemaining();
                    break;
                }
                int at = buffer.position();
                switch (FrameDecoder.type(buffer)) {
                    case FrameDescriptor.TYPE_HELLO:
                        FrameDecoder.negotiate(buffer, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1);
                        FrameDecoder.peerMaxFrameBytes(buffer);
                        break;
                    case FrameDescriptor.TYPE_WELCOME:
                        FrameDecoder.welcome(buffer);
                        FrameDecoder.peerMaxFrameBytes(buffer);
                        break;
                    case FrameDescriptor.TYPE_REJECT:
                        try { // a REJECT is decoded into the exception that carries the server's reason
                            FrameDecoder.welcome(buffer);
                            throw new AssertionError("a REJECT was taken for a WELCOME");
                        } catch (ProtocolException reject) {
                            if (!reject.getMessage().startsWith("the server refused the connection: reason=")) {
                                throw reject;
                            }
                        }
                        break;
                    case FrameDescriptor.TYPE_BATCH:
                        reader.wrap(buffer, at, length);
                        while (reader.remaining() > 0) {
                            int before = reader.remaining();
                            int read = reader.read(handler, limit);
                            if (read <= 0 || reader.remaining() != before - read) {
                                throw new AssertionError("BatchReader made no progress: read " + read + " of " + before
                                        + " with limit " + limit);
                            }
                        }
                        break;
                    case FrameDescriptor.TYPE_REGION:
                    case FrameDescriptor.TYPE_RELEASE:
                        FrameDecoder.bodyInt(buffer, 0);
                        FrameDecoder.bodyLong(buffer, 8);
                        break;
                    default: // END, CLOSE: a header only
                }
                if (buffer.position() != at) {
                    throw new AssertionError("the decoder moved the buffer's position");
                }
                buffer.position(at + length);
                outcome.frames++;
            }
        } catch (ProtocolException e) {
            outcome.refused = e;
            if (e.getMessage() == null || e.getMessage().length() < 20) {
                throw new AssertionError("a ProtocolException that does not say what happened: " + e, e);
            }
        } catch (RuntimeException e) {
            throw new AssertionError("decoding threw " + e + " instead of ProtocolException", e);
        }
        outcome.allocatedBytes = THREADS.getThreadAllocatedBytes(thread) - allocatedBefore;
        if (inHandler[0] != null) {
            throw new AssertionError("a packet handed to the handler was not readable: " + inHandler[0], inHandler[0]);
        }
        return outcome;
    }

    /** Reads every byte of a packet with absolute gets: fails if the view points outside its buffer. */
    private static void checkInBounds(IpcPacket packet) {
        ByteBuffer data = packet.data();
        if (data.remaining() != packet.length() || packet.length() < 0) {
            throw new IllegalStateException("view length " + data.remaining() + " != " + packet.length());
        }
        int sum = 0;
        for (int i = data.position(); i < data.limit(); i++) {
            sum += data.get(i);
        }
        if (sum == Integer.MIN_VALUE) {
            throw new IllegalStateException("unreachable; keeps the reads");
        }
    }

    /**
     * The offsets and widths ({@code {offset, bytes}}) of the fields of every packet entry of the BATCH frames that
     * can still be walked: count, length, kind, region id, region offset.
     */
    static List<int[]> entryFields(byte[] bytes) {
        List<int[]> fields = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        while (at + FrameDescriptor.HEADER_LENGTH <= bytes.length) {
            int length = b.getInt(at);
            if (length < FrameDescriptor.HEADER_LENGTH || length > bytes.length - at) {
                break;
            }
            if (b.get(at + FrameDescriptor.TYPE_OFFSET) == FrameDescriptor.TYPE_BATCH && length >= 16) {
                fields.add(new int[] {at + 8, 4});
                int entry = at + 16;
                int end = at + length;
                while (entry + 16 <= end) {
                    int payload = b.getInt(entry + 8);
                    int kind = b.getInt(entry + 12);
                    fields.add(new int[] {entry + 8, 4});
                    fields.add(new int[] {entry + 12, 4});
                    if (kind == 1 && entry + 32 <= end) {
                        fields.add(new int[] {entry + 16, 4});
                        fields.add(new int[] {entry + 24, 8});
                        entry += 32;
                    } else if (kind == 0 && payload >= 0 && payload <= end - entry) {
                        entry += 16 + ((payload + 7) & ~7);
                    } else {
                        break;
                    }
                }
            }
            at += length;
        }
        return fields;
    }

    /** Applies one mutation, chosen and placed by {@code r}, to a copy of {@code bytes}. */
    static byte[] mutate(byte[] bytes, java.util.Random r) {
        byte[] b = bytes.clone();
        if (b.length == 0) {
            return new byte[] {(byte) r.nextInt()};
        }
        int at = r.nextInt(b.length);
        if (r.nextInt(3) == 0) { // structure-aware: a field of a packet entry set to an edge value
            List<int[]> fields = entryFields(b);
            if (!fields.isEmpty()) {
                int[] field = fields.get(r.nextInt(fields.size()));
                ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                long[] values = {
                    0,
                    1,
                    -1,
                    -8,
                    7,
                    8,
                    REGION_BYTES,
                    REGION_BYTES - 1,
                    REGION_BYTES + 1,
                    Integer.MAX_VALUE,
                    Integer.MIN_VALUE,
                    Long.MAX_VALUE,
                    Long.MIN_VALUE,
                    2,
                    REGION_ID
                };
                long value = values[r.nextInt(values.length)];
                if (field[1] == 8) {
                    w.putLong(field[0], value);
                } else {
                    w.putInt(field[0], (int) value);
                }
                return b;
            }
        }
        switch (r.nextInt(9)) {
            case 0: // flip a bit
                b[at] ^= (byte) (1 << r.nextInt(8));
                return b;
            case 1: // a random byte
                b[at] = (byte) r.nextInt();
                return b;
            case 2: { // an interesting 32-bit value at an aligned offset (lengths, counts, kinds, ids)
                int aligned = at & ~3;
                if (aligned + 4 > b.length) {
                    return b;
                }
                int[] values = {
                    0,
                    1,
                    -1,
                    7,
                    8,
                    9,
                    4096,
                    MAX_FRAME_BYTES,
                    MAX_FRAME_BYTES + 8,
                    1 << 30,
                    Integer.MAX_VALUE,
                    Integer.MIN_VALUE,
                    REGION_BYTES,
                    REGION_BYTES - 1,
                    2,
                    0x7f
                };
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(aligned, values[r.nextInt(values.length)]);
                return b;
            }
            case 3: { // an interesting 64-bit value (region offsets, sizes, RELEASE positions)
                int aligned = at & ~7;
                if (aligned + 8 > b.length) {
                    return b;
                }
                long[] values = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, REGION_BYTES, REGION_BYTES - 1, 1L << 32};
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(aligned, values[r.nextInt(values.length)]);
                return b;
            }
            case 4: // truncate
                return java.util.Arrays.copyOf(b, at);
            case 5: { // cut a range out
                int n = r.nextInt(Math.min(64, b.length - at) + 1);
                byte[] c = new byte[b.length - n];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + n, c, at, b.length - at - n);
                return c;
            }
            case 6: { // duplicate a range (a repeated frame, a second WELCOME)
                int n = r.nextInt(Math.min(256, b.length - at) + 1);
                byte[] c = new byte[b.length + n];
                System.arraycopy(b, 0, c, 0, at + n);
                System.arraycopy(b, at, c, at + n, b.length - at);
                return c;
            }
            case 7: { // insert random bytes
                int n = 1 + r.nextInt(16);
                byte[] c = new byte[b.length + n];
                System.arraycopy(b, 0, c, 0, at);
                for (int i = 0; i < n; i++) {
                    c[at + i] = (byte) r.nextInt();
                }
                System.arraycopy(b, at, c, at + n, b.length - at);
                return c;
            }
            default: { // a frame type byte replaced by another known or unknown type
                byte[] types = {0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x20, 0x21, 0x00, 0x7f, (byte) 0xff};
                b[at] = types[r.nextInt(types.length)];
                return b;
            }
        }
    }
}
