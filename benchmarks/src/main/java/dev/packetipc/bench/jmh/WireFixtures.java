package dev.packetipc.bench.jmh;

import dev.packetipc.bench.Batch;
import dev.packetipc.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** What the codec benchmarks share: the frame size limit, buffer sizes and an encoded batch. */
final class WireFixtures {
    /** The default maximum frame size, 16 MiB. */
    static final int MAX_FRAME_BYTES = 16 << 20;

    private WireFixtures() {}

    /** A buffer size that holds the whole batch, capped at one maximum frame plus slack. */
    static int bufferBytes(int batch, int payload) {
        long whole = (long) batch * (payload + 32) + 4096;
        return (int) Math.min(whole, MAX_FRAME_BYTES + 4096L);
    }

    /** The batch encoded as consecutive frames (as many as fit in one buffer), read-only and little-endian. */
    static ByteBuffer encoded(Batch packets) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferBytes(packets.count(), packets.payloadBytes()));
        int next = 0;
        while (next < packets.count()) {
            int after = FrameEncoder.encodeBatch(packets.packets(), next, buffer, MAX_FRAME_BYTES);
            if (after == next) {
                break;
            }
            next = after;
        }
        buffer.flip();
        return buffer.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
}
