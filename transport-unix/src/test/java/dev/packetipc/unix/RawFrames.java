package dev.packetipc.unix;

import dev.packetipc.Packet;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;

/** Frames as raw bytes, for the hostile peers of the tests: some well formed, some not. */
final class RawFrames {
    private RawFrames() {}

    /** What {@code writer} encodes, as bytes. */
    static byte[] encode(Consumer<ByteBuffer> writer) {
        ByteBuffer buffer = ByteBuffer.allocate(64 << 10).order(ByteOrder.LITTLE_ENDIAN);
        writer.accept(buffer);
        buffer.flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    static byte[] hello(int minVersion, int maxVersion) {
        return encode(b -> FrameEncoder.encodeHello(b, (short) minVersion, (short) maxVersion, 1 << 20));
    }

    static byte[] welcome() {
        return encode(b -> FrameEncoder.encodeWelcome(b, HandshakeDescriptor.VERSION_1, 4096));
    }

    /** A frame header with any fields, and {@code bodyLength} zero bytes after it. */
    static byte[] header(int length, int type, int bodyLength) {
        return encode(b -> {
            b.putInt(length).put((byte) type).put((byte) 0).putShort((short) 0);
            b.put(new byte[bodyLength]);
        });
    }

    /** A well-formed BATCH of one inline packet, then {@code patch} applied to its bytes. */
    static byte[] batch(Consumer<ByteBuffer> patch) {
        byte[] bytes = encode(b -> FrameEncoder.encodeBatch(List.of(Packet.of(1, new byte[16])), 0, b, 1 << 20));
        patch.accept(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    /** Reads one frame: its type, and for REJECT the reason; -1 at the end of the stream. */
    static int[] readFrame(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] header = new byte[8];
        int n = data.read(header);
        if (n < 0) {
            return new int[] {-1, 0};
        }
        data.readFully(header, n, 8 - n);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int length = h.getInt(0);
        byte[] body = new byte[length - 8];
        data.readFully(body);
        int reason = body.length >= 4
                ? ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getInt(0)
                : 0;
        return new int[] {h.get(4), reason};
    }
}
