package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.Packet;
import dev.packetipc.wire.FrameEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receive buffer: frames that arrive in pieces are reassembled whether the buffer must move or grow. */
class FrameInputTest {
    @Test
    void aPartialFrameBehindConsumedOnesMovesToTheFrontOfTheSameBuffer() throws IOException {
        // frames of about 1.5 KiB read 3000 bytes at a time into a 4 KiB buffer: the third frame arrives in part
        // behind two consumed ones and must be moved to the front without a larger buffer
        assertEquals(40, framesThrough(4096, 1400, 40, 3000));
    }

    @Test
    void aFrameLargerThanTheBufferGrowsIt() throws IOException {
        assertEquals(10, framesThrough(4096, 10_000, 10, 3000));
    }

    private static int framesThrough(int capacity, int payload, int frames, int chunk) throws IOException {
        ByteBuffer wire = ByteBuffer.allocate(frames * (payload + 64));
        List<Packet> one = List.of(Packet.of(7, new byte[payload]));
        for (int i = 0; i < frames; i++) {
            FrameEncoder.encodeBatch(one, 0, wire, 1 << 20);
        }
        wire.flip();
        FrameInput input = new FrameInput(new ChunkedChannel(wire, chunk), capacity, 1 << 20);
        int seen = 0;
        while (true) {
            int length = input.frame();
            if (length > 0) {
                input.consume(length);
                seen++;
            } else if (input.fill(0) < 0) {
                return seen;
            }
        }
    }

    /** Hands out the bytes of a buffer at most {@code chunk} at a time, then the end of the stream. */
    private static final class ChunkedChannel implements StreamChannel {
        private final ByteBuffer source;
        private final int chunk;

        ChunkedChannel(ByteBuffer source, int chunk) {
            this.source = source;
            this.chunk = chunk;
        }

        @Override
        public int read(ByteBuffer dst, long timeoutNanos) {
            if (!source.hasRemaining()) {
                return -1;
            }
            int n = Math.min(Math.min(chunk, source.remaining()), dst.remaining());
            ByteBuffer slice = source.slice();
            slice.limit(n);
            dst.put(slice);
            source.position(source.position() + n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, long timeoutNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
