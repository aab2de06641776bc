package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.wire.FrameDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class FrameInputTest {
    private static final int FRAME = 1032;

    /** Hands out a run of BATCH-typed frames a few bytes at a time, so frames straddle reads. */
    private static final class ChunkedChannel implements StreamChannel {
        private final ByteBuffer bytes;
        private final int chunk;

        ChunkedChannel(int frames, int chunk) {
            this.chunk = chunk;
            bytes = ByteBuffer.allocate(frames * FRAME).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < frames; i++) {
                int at = i * FRAME;
                bytes.putInt(at + FrameDescriptor.LENGTH_OFFSET, FRAME);
                bytes.put(at + FrameDescriptor.TYPE_OFFSET, FrameDescriptor.TYPE_BATCH);
                bytes.putInt(at + FrameDescriptor.HEADER_LENGTH + 100, i);
            }
        }

        @Override
        public int read(ByteBuffer dst, long timeoutNanos) {
            if (!bytes.hasRemaining()) {
                return -1;
            }
            int n = Math.min(chunk, Math.min(dst.remaining(), bytes.remaining()));
            ByteBuffer slice = bytes.slice(bytes.position(), n);
            dst.put(slice);
            bytes.position(bytes.position() + n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, long timeoutNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    /** A partial frame at the end of a buffer that is not full is moved to its front, within the same buffer. */
    @Test
    void framesThatStraddleTheEndOfTheBufferAreCompactedInPlace() throws Exception {
        int frames = 50;
        FrameInput input = new FrameInput(new ChunkedChannel(frames, 1500), 4096, 1 << 20);
        int seen = 0;
        while (seen < frames) {
            int length = input.frame();
            if (length == 0) {
                assertTrue(input.fill(StreamChannel.FOREVER) > 0, "the channel ended early");
                continue;
            }
            assertEquals(FRAME, length);
            assertEquals(seen, input.buffer().getInt(input.start() + FrameDescriptor.HEADER_LENGTH + 100));
            input.consume(length);
            seen++;
        }
    }
}
