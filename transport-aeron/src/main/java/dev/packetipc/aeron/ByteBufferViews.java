package dev.packetipc.aeron;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;

/**
 * Read-only {@link ByteBuffer}s over the memory behind Aeron's {@link DirectBuffer}s (term buffers, the assembler's
 * buffer), made once per underlying buffer and reused, so that a {@link dev.packetipc.spi.PacketView} can point into
 * them without a copy or an allocation per packet. A buffer that wraps a raw address has no {@code ByteBuffer}; its
 * message is copied into a reused one.
 */
final class ByteBufferViews {
    private static final int SLOTS = 8;

    private final Object[] keys = new Object[SLOTS];
    private final ByteBuffer[] views = new ByteBuffer[SLOTS];
    private int next;
    private int adjustment;
    private ByteBuffer copy = ByteBuffer.allocateDirect(0);
    private ByteBuffer copyView = copy.asReadOnlyBuffer();

    /** A read-only view holding the message; {@link #adjustment()} maps the buffer's indices to the view's. */
    ByteBuffer of(DirectBuffer buffer, int offset, int length) {
        Object key = buffer.byteBuffer();
        if (key == null) {
            key = buffer.byteArray();
        }
        if (key == null) {
            return copied(buffer, offset, length);
        }
        adjustment = buffer.wrapAdjustment();
        for (int i = 0; i < SLOTS; i++) {
            if (keys[i] == key) {
                return views[i];
            }
        }
        ByteBuffer view = key instanceof ByteBuffer
                ? ((ByteBuffer) key).duplicate().clear().asReadOnlyBuffer()
                : ByteBuffer.wrap((byte[]) key).asReadOnlyBuffer();
        int slot = next;
        next = (next + 1) % SLOTS;
        keys[slot] = key;
        views[slot] = view;
        return view;
    }

    /** Add to an index of the {@link DirectBuffer} to get the index in the view last returned. */
    int adjustment() {
        return adjustment;
    }

    private ByteBuffer copied(DirectBuffer buffer, int offset, int length) {
        if (copy.capacity() < length) {
            copy = ByteBuffer.allocateDirect(Math.max(length, copy.capacity() * 2));
            copyView = copy.asReadOnlyBuffer();
        }
        buffer.getBytes(offset, copy, 0, length);
        adjustment = -offset;
        return copyView;
    }
}
