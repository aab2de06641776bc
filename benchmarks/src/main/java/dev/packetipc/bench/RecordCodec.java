package dev.packetipc.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The minimal framing the raw-socket baselines use, what a user would hand-write: per packet a 16-byte header
 * (length u32, spare u32, timestamp u64, little-endian) followed by the payload. A length of {@code -1} is the end.
 */
final class RecordCodec {
    static final int HEADER = 16;
    static final int END_MARK = -1;

    private RecordCodec() {}

    /**
     * Writes packets of the batch from {@code from} while they fit into {@code dst}.
     *
     * @return the index of the first packet not written
     */
    static int encode(Batch batch, int from, ByteBuffer dst) {
        int i = from;
        while (i < batch.count() && dst.remaining() >= HEADER + batch.payloadBytes(i)) {
            int size = batch.payloadBytes(i);
            dst.putInt(size).putInt(0).putLong(batch.timestamp(i)).put(batch.payload(i), 0, size);
            i++;
        }
        return i;
    }

    /** Writes the end mark. */
    static void encodeEnd(ByteBuffer dst) {
        dst.putInt(END_MARK).putInt(0).putLong(0);
    }

    /** A little-endian direct buffer of at least {@code capacity} bytes that holds two records of the workload. */
    static ByteBuffer buffer(int capacity, Workload workload) {
        int size = Math.max(capacity, 2 * (HEADER + Math.max(workload.payloadBytes(), 1518)));
        return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Walks the complete records between the buffer's position and limit (handing each timestamp and payload to
     * {@code consume}, in place), leaving the position at the first incomplete record.
     *
     * @return packets walked, or {@link Inbound#END} if the end mark was reached
     */
    static int decode(ByteBuffer src, Consume consume, Tally tally) {
        int packets = 0;
        long bytes = 0;
        while (src.remaining() >= HEADER) {
            int at = src.position();
            int length = src.getInt(at);
            if (length == END_MARK) {
                tally.add(packets, bytes);
                return Inbound.END;
            }
            if (src.remaining() < HEADER + length) {
                break;
            }
            consume.timestamp(src.getLong(at + 8));
            consume.packet(src, at + HEADER, length);
            src.position(at + HEADER + length);
            packets++;
            bytes += length;
        }
        tally.add(packets, bytes);
        return packets;
    }
}
