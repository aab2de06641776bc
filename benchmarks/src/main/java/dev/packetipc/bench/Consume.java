package dev.packetipc.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.DirectBuffer;

/**
 * What a receiver does with every packet, the same for every contender ({@code --consume}):
 *
 * <ul>
 *   <li>{@link Mode#NONE}: reads the timestamp and the length only (descriptors only);
 *   <li>{@link Mode#TOUCH}: also reads every payload byte, an XOR fold of its longs into a sink;
 *   <li>{@link Mode#VERIFY}: checks that the packets arrive in the order sent, none missing and none twice, and that
 *       each payload's CRC32C matches the one the sender wrote ({@link Batch#stamp}); any difference throws a
 *       {@link VerifyFailure} that fails the run.
 * </ul>
 *
 * <p>A packet arrives whole ({@code packet(...)}) or, where the medium hands it out in pieces read in place (Aeron
 * fragments), as {@link #begin}, {@code part(...)} and {@link #end}. One instance per receiving stream and thread.
 */
final class Consume {
    /** The receiver's work per packet. */
    enum Mode {
        /** Length and timestamp only. */
        NONE,
        /** Every payload byte read (the default and every headline figure). */
        TOUCH,
        /** Order, completeness and a CRC32C of every payload checked. */
        VERIFY;

        /** The name on the command line and in the tables. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@link #label()}. */
        static Mode parse(String text) {
            for (Mode mode : values()) {
                if (mode.label().equals(text)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("--consume takes none, touch or verify, not '" + text + "'");
        }
    }

    /** Where the stamp sits in a verified payload: sequence number (8 bytes LE), then CRC32C (4 bytes LE). */
    static final int SEQUENCE_OFFSET = 0;

    static final int CRC_OFFSET = 8;
    /** The smallest payload {@code verify} can stamp. */
    static final int MIN_VERIFY_BYTES = 12;

    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final Mode mode;
    private final CRC32C crc = new CRC32C();
    private byte[] scratch = new byte[0];
    private int filled;
    private int expectedLength;
    private long sink;
    private long next;
    private long verified;
    private LongConsumer timestamps;

    Consume(Mode mode) {
        this.mode = mode;
    }

    Mode mode() {
        return mode;
    }

    /** Packets verified so far (verify mode). */
    long verified() {
        return verified;
    }

    /** Folded bytes; read once at the end so that no read is optimised away. */
    long sink() {
        return sink;
    }

    /** Whether the payload is read at all (not in {@link Mode#NONE}: there only {@link #length} is called). */
    boolean readsPayload() {
        return mode != Mode.NONE;
    }

    /** A packet's length, in {@link Mode#NONE} instead of its payload. */
    void length(int length) {
        sink += length;
    }

    /** The timestamp of a packet: read in every mode, and handed to the listener if there is one. */
    void timestamp(long nanos) {
        sink += nanos;
        if (timestamps != null) {
            timestamps.accept(nanos);
        }
    }

    /** Hands every packet's timestamp to {@code listener} as it is read (the open-loop latency run). */
    void listen(LongConsumer listener) {
        this.timestamps = listener;
    }

    /** A whole packet's payload in a buffer (absolute reads; the buffer's position is left alone). */
    void packet(ByteBuffer buffer, int at, int length) {
        switch (mode) {
            case NONE -> sink += length;
            case TOUCH -> sink ^= fold(buffer, at, length);
            case VERIFY -> {
                begin(length);
                buffer.get(at, scratch, 0, length);
                filled = length;
                end();
            }
        }
    }

    /** A whole packet's payload in an Agrona buffer. */
    void packet(DirectBuffer buffer, int at, int length) {
        begin(length);
        part(buffer, at, length);
        end();
    }

    /** A whole packet's payload in Chronicle bytes (absolute reads). */
    void packet(Bytes<?> bytes, long at, int length) {
        switch (mode) {
            case NONE -> sink += length;
            case TOUCH -> {
                long x = 0;
                int i = 0;
                for (; i + 8 <= length; i += 8) {
                    x ^= bytes.readLong(at + i);
                }
                for (; i < length; i++) {
                    x ^= bytes.readByte(at + i);
                }
                sink ^= x;
            }
            case VERIFY -> {
                begin(length);
                bytes.read(at, scratch, 0, length);
                filled = length;
                end();
            }
        }
    }

    /** A whole packet's payload in an array. */
    void packet(byte[] array, int at, int length) {
        packet(ByteBuffer.wrap(array), at, length);
    }

    /** The start of a packet of {@code length} payload bytes that arrives in parts. */
    void begin(int length) {
        if (mode == Mode.VERIFY) {
            if (scratch.length < length) {
                scratch = new byte[length];
            }
            filled = 0;
            expectedLength = length;
        } else {
            sink += length;
        }
    }

    /** The next part of the packet begun. */
    void part(DirectBuffer buffer, int at, int length) {
        switch (mode) {
            case NONE -> {}
            case TOUCH -> {
                long x = 0;
                int i = 0;
                for (; i + 8 <= length; i += 8) {
                    x ^= buffer.getLong(at + i);
                }
                for (; i < length; i++) {
                    x ^= buffer.getByte(at + i);
                }
                sink ^= x;
            }
            case VERIFY -> {
                if (filled + length > expectedLength) {
                    throw new VerifyFailure("corrupted stream: a packet of " + expectedLength
                            + " bytes arrived with more bytes than announced (packet " + next + ")");
                }
                buffer.getBytes(at, scratch, filled, length);
                filled += length;
            }
        }
    }

    /** The end of the packet begun: in verify mode, checks it. */
    void end() {
        if (mode != Mode.VERIFY) {
            return;
        }
        if (filled != expectedLength) {
            throw new VerifyFailure("corrupted stream: packet " + next + " announced " + expectedLength
                    + " bytes and carried " + filled);
        }
        check(scratch, filled);
    }

    private void check(byte[] payload, int length) {
        if (length < MIN_VERIFY_BYTES) {
            throw new VerifyFailure("a payload of " + length + " bytes is too short to verify (at least "
                    + MIN_VERIFY_BYTES + "): packet " + next);
        }
        long sequence = (long) LONG_LE.get(payload, SEQUENCE_OFFSET);
        if (sequence != next) {
            throw new VerifyFailure(
                    sequence > next
                            ? "gap: expected packet " + next + ", got packet " + sequence + " (" + (sequence - next)
                                    + " missing)"
                            : "duplicate or out of order: expected packet " + next + ", got packet " + sequence);
        }
        int expected = (int) INT_LE.get(payload, CRC_OFFSET);
        int actual = crc(payload, length, crc);
        if (actual != expected) {
            throw new VerifyFailure(String.format(
                    Locale.ROOT,
                    "corrupted payload: packet %d of %d bytes has CRC32C %08x, the sender wrote %08x",
                    sequence,
                    length,
                    actual,
                    expected));
        }
        next++;
        verified++;
    }

    /** CRC32C of a stamped payload: every byte except the CRC field itself. */
    static int crc(byte[] payload, int length, CRC32C crc) {
        crc.reset();
        crc.update(payload, 0, CRC_OFFSET);
        crc.update(payload, CRC_OFFSET + 4, length - CRC_OFFSET - 4);
        return (int) crc.getValue();
    }

    /** Writes sequence number and CRC32C into a payload (the sender's side of {@link Mode#VERIFY}). */
    static void stamp(byte[] payload, long sequence, CRC32C crc) {
        LONG_LE.set(payload, SEQUENCE_OFFSET, sequence);
        INT_LE.set(payload, CRC_OFFSET, crc(payload, payload.length, crc));
    }

    private static long fold(ByteBuffer buffer, int at, int length) {
        long x = 0;
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            x ^= buffer.getLong(at + i);
        }
        for (; i < length; i++) {
            x ^= buffer.get(at + i);
        }
        return x;
    }

    /** A verified stream was not what was sent: the message says what differed and where. */
    static final class VerifyFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        VerifyFailure(String message) {
            super("verify failed: " + message);
        }
    }
}
