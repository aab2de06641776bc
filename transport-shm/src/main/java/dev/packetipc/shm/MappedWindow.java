package dev.packetipc.shm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.internal.ByteBuffers;
import net.openhft.chronicle.core.Jvm;

/**
 * One direct little-endian {@link ByteBuffer} re-pointed, without allocating, at one document in Chronicle's mapped
 * queue file: the reader walks documents in place and the writer fills them in place. The buffer's capacity is
 * exactly the document, so every access is bounds-checked against it (an index outside it throws, it never touches
 * other memory). It is valid only while Chronicle keeps that part of the file mapped: for the reader until it reads
 * the next document or closes the queue, for the writer until the document is closed. {@link #detach()} makes it
 * empty in between. Re-pointing uses Chronicle's own helper (the one behind {@code toTemporaryDirectByteBuffer}),
 * which needs the same JVM flags as Chronicle itself.
 */
final class MappedWindow {
    private final ByteBuffer buffer;
    private final long ownAddress;

    private MappedWindow(ByteBuffer buffer, long ownAddress) {
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.ownAddress = ownAddress;
    }

    /** A window that its users can only read. */
    static MappedWindow readOnly() {
        ByteBuffer own = ByteBuffer.allocateDirect(0);
        return new MappedWindow(own.asReadOnlyBuffer(), addressOf(own));
    }

    /** A window to fill a document through. */
    static MappedWindow writable() {
        ByteBuffer own = ByteBuffer.allocateDirect(0);
        return new MappedWindow(own, addressOf(own));
    }

    private static long addressOf(ByteBuffer direct) {
        return Jvm.address(direct);
    }

    /**
     * Points the window at {@code length} bytes of {@code bytes} from {@code offset}, if they lie in one mapping.
     *
     * @param forWrite whether the bytes are about to be written (else read)
     * @return the buffer, positioned at 0 with its limit at {@code length}; {@code null} (and the window empty) if
     *     the region does not lie inside one mapped region of the file
     */
    ByteBuffer point(Bytes<?> bytes, long offset, int length, boolean forWrite) {
        long address = forWrite ? bytes.addressForWrite(offset) : bytes.addressForRead(offset, length);
        if (!bytes.bytesStore().inside(offset, length)) {
            detach();
            return null;
        }
        ByteBuffers.setAddressCapacity(buffer, address, length);
        buffer.clear();
        return buffer;
    }

    /** Makes the window empty: it no longer points into the queue file. */
    void detach() {
        ByteBuffers.setAddressCapacity(buffer, ownAddress, 0);
        buffer.clear();
    }
}
