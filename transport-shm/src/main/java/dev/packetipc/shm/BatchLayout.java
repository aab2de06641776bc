package dev.packetipc.shm;

import dev.packetipc.ProtocolException;
import java.nio.ByteBuffer;

/**
 * The layout of one Chronicle document, documented in {@code docs/shm-layout.md}. All numbers are little-endian
 * (Chronicle's byte order on every platform it supports):
 *
 * <pre>
 *  0  int  kind    1 = BATCH, 2 = END (end of stream), 3 = CLOSE (the server closed without the end)
 *  4  int  count   packets in this document (0 for END and CLOSE)
 *  8  count entries of 12 bytes: long timestampNanos, int length
 *  8 + 12 * count  the payloads, back to back, in order
 * </pre>
 *
 * A document's size is exactly {@code 8 + 12 * count + sum(length)}; anything else is a protocol error.
 */
final class BatchLayout {
    static final int KIND_BATCH = 1;
    static final int KIND_END = 2;
    static final int KIND_CLOSE = 3;
    static final int HEADER_BYTES = 8;
    static final int ENTRY_BYTES = 12;

    private BatchLayout() {}

    /** Where packet {@code index}'s entry starts. */
    static int entryOffset(int index) {
        return HEADER_BYTES + ENTRY_BYTES * index;
    }

    /** The bytes a document with these packets takes. */
    static long documentBytes(int count, long payloadBytes) {
        return HEADER_BYTES + (long) ENTRY_BYTES * count + payloadBytes;
    }

    /**
     * Checks a document held in {@code doc} (little-endian, from index 0 to {@code length}) against the layout.
     *
     * @return the document's kind
     * @throws ProtocolException if it does not follow the layout; the message says where it breaks
     */
    static int validate(ByteBuffer doc, int length) throws ProtocolException {
        if (length < HEADER_BYTES) {
            throw new ProtocolException("a queue document of " + length + " bytes is shorter than the " + HEADER_BYTES
                    + "-byte header; the queue file is corrupt or was not written by packet-ipc");
        }
        int kind = doc.getInt(0);
        int count = doc.getInt(4);
        if (kind == KIND_END || kind == KIND_CLOSE) {
            if (count != 0 || length != HEADER_BYTES) {
                throw new ProtocolException("an end or close document with count=" + count + " and length=" + length
                        + " does not follow the layout; the queue file is corrupt");
            }
            return kind;
        }
        if (kind != KIND_BATCH) {
            throw new ProtocolException("unknown document kind=" + kind + " (length=" + length
                    + "); the queue file is corrupt or was not written by packet-ipc");
        }
        if (count < 0 || documentBytes(count, 0) > length) {
            throw new ProtocolException("a batch document claims count=" + count + " packets, but has only " + length
                    + " bytes; the queue file is corrupt");
        }
        long payloads = 0;
        for (int i = 0; i < count; i++) {
            int packetLength = doc.getInt(entryOffset(i) + 8);
            if (packetLength < 0) {
                throw new ProtocolException("packet #" + i + " of a batch document has length=" + packetLength
                        + "; the queue file is corrupt");
            }
            payloads += packetLength;
        }
        if (documentBytes(count, payloads) != length) {
            throw new ProtocolException("a batch document of " + length + " bytes holds " + count
                    + " packets whose lengths add up to " + payloads + " bytes (expected "
                    + (length - documentBytes(count, 0)) + "); the queue file is corrupt");
        }
        return kind;
    }
}
