package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The receiver's work: verify passes an intact stream and fails on a gap, a duplicate and a flipped byte. */
class ConsumeTest {
    private static final int SIZE = 1500;

    @Test
    void anIntactStreamVerifies() {
        Consume consume = new Consume(Consume.Mode.VERIFY);
        Batch batch = new Batch(64, SIZE, true, Batch.Fault.NONE);
        for (int send = 0; send < 4; send++) {
            feed(batch, consume);
        }
        assertEquals(256, consume.verified());
    }

    @Test
    void aGapFails() {
        Consume.VerifyFailure failure = assertThrows(Consume.VerifyFailure.class, () -> run(Batch.Fault.GAP));
        assertTrue(failure.getMessage().contains("gap: expected packet 100, got packet 101"), failure.getMessage());
    }

    @Test
    void aDuplicateFails() {
        Consume.VerifyFailure failure = assertThrows(Consume.VerifyFailure.class, () -> run(Batch.Fault.DUPLICATE));
        assertTrue(
                failure.getMessage().contains("duplicate or out of order: expected packet 100, got packet 99"),
                failure.getMessage());
    }

    @Test
    void aFlippedByteFails() {
        Consume.VerifyFailure failure = assertThrows(Consume.VerifyFailure.class, () -> run(Batch.Fault.FLIP));
        assertTrue(failure.getMessage().contains("corrupted payload: packet 100 of 1500 bytes"), failure.getMessage());
    }

    @Test
    void aPacketReadInPartsVerifiesAndAShortOneFails() {
        Batch batch = new Batch(1, SIZE, true, Batch.Fault.NONE);
        batch.stamp();
        UnsafeBuffer buffer = new UnsafeBuffer(batch.payload(0));
        Consume consume = new Consume(Consume.Mode.VERIFY);
        consume.begin(SIZE);
        consume.part(buffer, 0, 1000);
        consume.part(buffer, 1000, SIZE - 1000);
        consume.end();
        assertEquals(1, consume.verified());
        batch.stamp();
        consume.begin(SIZE);
        consume.part(buffer, 0, 1000);
        assertThrows(Consume.VerifyFailure.class, consume::end, "a packet cut short");
    }

    @Test
    void touchReadsEveryByte() {
        byte[] payload = new byte[SIZE];
        Consume before = new Consume(Consume.Mode.TOUCH);
        before.packet(payload, 0, SIZE);
        payload[SIZE - 1] = 1; // the last byte, past the last whole long
        Consume after = new Consume(Consume.Mode.TOUCH);
        after.packet(payload, 0, SIZE);
        assertNotEquals(before.sink(), after.sink());
        Consume none = new Consume(Consume.Mode.NONE);
        none.packet(ByteBuffer.wrap(payload), 0, SIZE);
        assertEquals(SIZE, none.sink(), "none: the length only");
    }

    private static void run(Batch.Fault fault) {
        Consume consume = new Consume(Consume.Mode.VERIFY);
        Batch batch = new Batch(64, SIZE, true, fault);
        for (int send = 0; send < 4; send++) {
            feed(batch, consume);
        }
    }

    /** One send of the batch through the socket baselines' framing, decoded as their receivers decode it. */
    private static void feed(Batch batch, Consume consume) {
        batch.stamp();
        ByteBuffer wire = RecordCodec.buffer(1 << 20, Workload.throughput(SIZE, 64, 1));
        RecordCodec.encode(batch, 0, wire);
        wire.flip();
        assertEquals(batch.count(), RecordCodec.decode(wire, consume, new Tally()));
    }
}
