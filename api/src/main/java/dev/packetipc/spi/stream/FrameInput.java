package dev.packetipc.spi.stream;

import dev.packetipc.ProtocolException;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.FrameDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The receive side of a {@link StreamChannel}: one reusable direct buffer that frames are read into and handed out in
 * place. It grows, up to the maximum frame size, only for a frame whose header was validated.
 *
 * <pre>
 *   0          start                 end                capacity
 *   | consumed | frame, frame, part… | free               |
 * </pre>
 */
final class FrameInput {
    private final StreamChannel channel;
    private final int maxFrameBytes;
    private ByteBuffer buffer;
    private ByteBuffer readOnly;
    private int start;
    private int end;

    FrameInput(StreamChannel channel, int initialCapacity, int maxFrameBytes) {
        this.channel = channel;
        this.maxFrameBytes = maxFrameBytes;
        allocate(Math.min(Math.max(initialCapacity, FrameDescriptor.HEADER_LENGTH), maxFrameBytes));
    }

    /**
     * The length of the complete frame at {@link #start()}, or 0 when more bytes must be {@linkplain #fill read}.
     *
     * @throws ProtocolException if the next frame's header is illegal
     */
    int frame() throws ProtocolException {
        buffer.limit(end).position(start);
        int length = FrameDecoder.frameLength(buffer, maxFrameBytes);
        if (length > 0 && end - start >= length) {
            return length;
        }
        makeRoom(Math.max(length, FrameDescriptor.HEADER_LENGTH));
        return 0;
    }

    /** The buffer, positioned at the current frame, for {@link FrameDecoder}'s methods. */
    ByteBuffer buffer() {
        buffer.limit(end).position(start);
        return buffer;
    }

    /** A read-only, little-endian twin of the buffer, for packet views. */
    ByteBuffer readOnly() {
        return readOnly;
    }

    /** Where the current frame starts in the buffer. */
    int start() {
        return start;
    }

    /** Drops the current frame of {@code length} bytes. */
    void consume(int length) {
        start += length;
        if (start == end) {
            start = 0;
            end = 0;
        }
    }

    /**
     * Grows the buffer to at least {@code capacity} bytes (at most the maximum frame size), keeping what it holds: a
     * client whose batches come on the stream reads in large chunks, one whose batches come through the packet ring
     * reads only small control frames and keeps the small buffer it did the handshake with.
     */
    void reserve(int capacity) {
        int wanted = Math.min(capacity, maxFrameBytes);
        if (wanted <= buffer.capacity()) {
            return;
        }
        ByteBuffer old = buffer;
        old.limit(end).position(start);
        allocate(wanted);
        buffer.clear();
        buffer.put(old);
        end -= start;
        start = 0;
    }

    /** The buffer's size now. */
    int capacity() {
        return buffer.capacity();
    }

    /** Whether a {@link #fill} has room to read into without first moving or growing the buffer. */
    boolean hasRoom() {
        return end < buffer.capacity();
    }

    /**
     * Reads what the channel has, waiting at most {@code timeoutNanos}.
     *
     * @return bytes read, 0 if the time ran out, -1 at the end of the stream
     */
    int fill(long timeoutNanos) throws IOException {
        buffer.limit(buffer.capacity()).position(end);
        int n = channel.read(buffer, timeoutNanos);
        if (n > 0) {
            end += n;
        }
        return n;
    }

    private void makeRoom(int needed) {
        if (start + needed <= buffer.capacity()) {
            return;
        }
        ByteBuffer old = buffer;
        old.limit(end).position(start);
        if (needed > old.capacity()) {
            allocate((int) Math.min(maxFrameBytes, Math.max(needed, 2L * old.capacity())));
            buffer.clear();
            buffer.put(old);
        } else {
            old.compact(); // ByteBuffer.put refuses its own buffer as the source
        }
        end -= start;
        start = 0;
    }

    private void allocate(int capacity) {
        buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        readOnly = buffer.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
}
