package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.Packet;
import dev.packetipc.wire.FrameEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The receive buffer under every stream transport: frames that straddle the end of the buffer are moved to its front,
 * frames larger than the buffer make it grow, and every frame comes out whole and unchanged, however the bytes are
 * cut into reads and whenever the buffer is grown on request.
 */
class FrameInputTest {
    @Test
    void framesCutIntoRandomReadsComeOutWhole() throws IOException {
        for (long seed = 0; seed < 50; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            List<byte[]> frames = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                byte[] payload = new byte[random.nextInt(0, i % 50 == 0 ? 20_000 : 1500)];
                random.nextBytes(payload);
                ByteBuffer frame = ByteBuffer.allocate(payload.length + 64).order(ByteOrder.LITTLE_ENDIAN);
                FrameEncoder.encodeBatch(List.of(Packet.of(i, payload)), 0, frame, 1 << 20);
                byte[] bytes = new byte[frame.position()];
                frame.flip().get(bytes);
                frames.add(bytes);
                stream.write(bytes);
            }
            ScriptedChannel channel = new ScriptedChannel(stream.toByteArray(), random);
            FrameInput input = new FrameInput(channel, 4096, 1 << 20);
            for (int i = 0; i < frames.size(); i++) {
                int length;
                while ((length = input.frame()) == 0) {
                    assertEquals(true, input.fill(0) > 0, "seed " + seed + ": the stream ended inside frame " + i);
                }
                byte[] got = new byte[length];
                input.buffer().get(input.start(), got);
                assertEquals(ByteBuffer.wrap(frames.get(i)), ByteBuffer.wrap(got), "seed " + seed + ", frame " + i);
                input.consume(length);
                if (random.nextInt(10) == 0) { // grows with a partial frame in it, or not at all
                    int before = input.capacity();
                    input.reserve(random.nextInt(1, 1 << 17));
                    assertEquals(true, input.capacity() >= before, "reserve never shrinks the buffer");
                }
            }
        }
    }

    /** Hands out a fixed byte stream in reads of random sizes, the way a socket may. */
    private static final class ScriptedChannel implements StreamChannel {
        private final byte[] bytes;
        private final SplittableRandom random;
        private int at;

        ScriptedChannel(byte[] bytes, SplittableRandom random) {
            this.bytes = bytes;
            this.random = random;
        }

        @Override
        public int read(ByteBuffer dst, long timeoutNanos) {
            if (at == bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(dst.remaining(), bytes.length - at), random.nextInt(1, 9000));
            dst.put(bytes, at, n);
            at += n;
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, long timeoutNanos) {
            throw new UnsupportedOperationException("read only");
        }

        @Override
        public void close() {}
    }
}
