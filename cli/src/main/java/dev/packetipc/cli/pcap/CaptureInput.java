package dev.packetipc.cli.pcap;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bytes of a capture file, read front to back, with the offset of the next byte and the number of bytes left
 * when the size is known. Every problem becomes a {@link CaptureFormatException} that names the file and offset.
 */
final class CaptureInput implements AutoCloseable {
    private final InputStream in;
    private final String source;
    private final long size;
    private final ByteBuffer scratch = ByteBuffer.allocate(32);
    private long offset;

    /**
     * @param in the bytes, ideally buffered
     * @param source the file's name for messages
     * @param size the file's size, or -1 when unknown (standard input)
     */
    CaptureInput(InputStream in, String source, long size) {
        this.in = in;
        this.source = source;
        this.size = size;
    }

    String source() {
        return source;
    }

    long offset() {
        return offset;
    }

    /** Bytes left, or {@link Long#MAX_VALUE} when the size is unknown. */
    long remaining() {
        return size < 0 ? Long.MAX_VALUE : size - offset;
    }

    CaptureFormatException error(long at, String problem) {
        return new CaptureFormatException(source, at, problem);
    }

    /**
     * Reads exactly {@code length} bytes into {@code into}; returns false if the input ended before the first byte,
     * and fails if it ended after it (a truncated structure, described by {@code what}).
     */
    boolean readFullyOrEnd(byte[] into, int length, String what) throws IOException {
        int read = 0;
        while (read < length) {
            int n = in.read(into, read, length - read);
            if (n < 0) {
                if (read == 0) {
                    return false;
                }
                throw truncated(what, length, read);
            }
            read += n;
            offset += n;
        }
        return true;
    }

    /** Reads exactly {@code length} bytes, failing if the input ends first. */
    void readFully(byte[] into, int length, String what) throws IOException {
        long start = offset;
        if (!readFullyOrEnd(into, length, what)) {
            throw new CaptureFormatException(
                    source, start, "truncated: " + what + " needs " + length + " bytes, but the file ends here");
        }
    }

    private CaptureFormatException truncated(String what, int needed, int got) {
        long start = offset - got;
        EOFException cause = new EOFException();
        CaptureFormatException e = new CaptureFormatException(
                source,
                start,
                "truncated: " + what + " needs " + needed + " bytes, but the file ends after " + got + " of them");
        e.initCause(cause);
        return e;
    }

    /** Reads {@code length} (at most 32) bytes into a buffer of the given order, positioned at 0. */
    ByteBuffer readSmall(int length, ByteOrder order, String what) throws IOException {
        scratch.clear();
        readFully(scratch.array(), length, what);
        scratch.limit(length);
        return scratch.order(order);
    }

    /** Skips exactly {@code length} bytes, failing if the input ends first. */
    void skip(long length, String what) throws IOException {
        long start = offset;
        long left = length;
        while (left > 0) {
            long n = in.skip(left);
            if (n <= 0) {
                if (in.read() < 0) {
                    throw new CaptureFormatException(
                            source,
                            start,
                            "truncated: " + what + " needs " + length + " bytes, but the file ends after "
                                    + (length - left));
                }
                n = 1;
            }
            left -= n;
            offset += n;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
