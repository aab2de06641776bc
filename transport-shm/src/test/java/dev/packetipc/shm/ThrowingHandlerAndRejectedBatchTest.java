package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Over a real shm connection: a {@code poll} handler that throws consumes the packets handed out up to and including
 * the one it threw on, and the next poll goes on with the next; a batch that {@code send} refuses is refused whole.
 */
class ThrowingHandlerAndRejectedBatchTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX_PACKET = 64 << 10;

    @Test
    void aThrowingHandlerConsumesUpToItsPacketAndTheNextPollGoesOn() throws Exception {
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            pair.connection.send(numbered(0, 5));
            pair.connection.send(numbered(5, 10));
            List<Long> seen = new ArrayList<>();
            IllegalStateException thrown = new IllegalStateException("the user's handler failed");
            IllegalStateException caught = assertThrows(
                    IllegalStateException.class,
                    () -> pair.client.poll(
                            packet -> {
                                seen.add(packet.timestampNanos());
                                if (packet.timestampNanos() == 2) {
                                    throw thrown;
                                }
                            },
                            100,
                            WAIT));
            assertSame(thrown, caught, "the handler's exception reaches the caller unchanged");
            assertEquals(List.of(0L, 1L, 2L), seen);
            // Thrown on the last packet of a document: the next poll must read on into the next document.
            AssertionError error = new AssertionError("an Error from the handler");
            assertSame(
                    error,
                    assertThrows(
                            AssertionError.class,
                            () -> pair.client.poll(
                                    packet -> {
                                        seen.add(packet.timestampNanos());
                                        if (packet.timestampNanos() == 4) {
                                            throw error;
                                        }
                                    },
                                    100,
                                    WAIT)));
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seen);
            assertEquals(List.of(5L, 6L, 7L, 8L, 9L), receive(pair.client, 5));
            pair.connection.send(numbered(10, 12));
            pair.connection.sendEnd();
            assertEquals(List.of(10L, 11L), receive(pair.client, 2));
            assertEquals(Optional.empty(), pair.client.receivePackets(10, WAIT));
        }
    }

    @Test
    void aBatchWithAnOversizedPacketIsRefusedWholeAndTheConnectionGoesOn() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.MAX_PACKET_BYTES, MAX_PACKET)
                .build();
        try (LocalPair pair = LocalPair.open(options)) {
            List<Packet> batch = new ArrayList<>(sized(0, 3, 30 << 10)); // more than one document before the bad one
            batch.add(Packet.of(99, new byte[MAX_PACKET + 1]));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> pair.connection.send(batch));
            assertTrue(e.getMessage().contains("packet #3"), e.getMessage());
            assertTrue(e.getMessage().contains("MAX_PACKET_BYTES"), e.getMessage());
            assertTrue(e.getMessage().contains(Integer.toString(MAX_PACKET)), e.getMessage());
            assertTrue(e.getMessage().contains("nothing of the batch was sent"), e.getMessage());
            assertGoesOnWithNothingOfTheRefusedBatch(pair);
        }
    }

    @Test
    void aBatchWithAPacketWhoseDataIsShorterThanItsLengthIsRefusedWhole() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.MAX_PACKET_BYTES, MAX_PACKET)
                .build();
        try (LocalPair pair = LocalPair.open(options)) {
            List<AsIpcPacket> batch = new ArrayList<>(sized(0, 3, 30 << 10));
            batch.add(new AsIpcPacket() {
                @Override
                public long timestampNanos() {
                    return 99;
                }

                @Override
                public ByteBuffer data() {
                    return ByteBuffer.allocate(10).asReadOnlyBuffer();
                }

                @Override
                public int length() {
                    return 100;
                }
            });
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> pair.connection.send(batch));
            assertTrue(e.getMessage().contains("packet #3"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing of the batch was sent"), e.getMessage());
            List<AsIpcPacket> withNull = new ArrayList<>(sized(0, 3, 30 << 10));
            withNull.add(null);
            e = assertThrows(IllegalArgumentException.class, () -> pair.connection.send(withNull));
            assertTrue(e.getMessage().contains("packet #3 of the batch is null"), e.getMessage());
            assertGoesOnWithNothingOfTheRefusedBatch(pair);
        }
    }

    private static void assertGoesOnWithNothingOfTheRefusedBatch(LocalPair pair) throws Exception {
        assertTrue(pair.connection.isOpen());
        pair.connection.send(numbered(100, 102));
        pair.connection.sendEnd();
        assertEquals(List.of(100L, 101L), receive(pair.client, 2), "nothing of the refused batch arrives");
        assertEquals(Optional.empty(), pair.client.receivePackets(10, WAIT));
    }

    private static List<Packet> numbered(int from, int to) {
        List<Packet> packets = new ArrayList<>();
        for (int i = from; i < to; i++) {
            packets.add(Packet.of(i, new byte[] {(byte) i}));
        }
        return packets;
    }

    private static List<Packet> sized(int from, int to, int bytes) {
        List<Packet> packets = new ArrayList<>();
        for (int i = from; i < to; i++) {
            packets.add(Packet.of(i, new byte[bytes]));
        }
        return packets;
    }

    private static List<Long> receive(Client client, int count) throws Exception {
        List<Long> stamps = new ArrayList<>();
        while (stamps.size() < count) {
            for (IpcPacket packet :
                    client.receivePackets(count - stamps.size(), WAIT).orElseThrow()) {
                stamps.add(packet.timestampNanos());
            }
        }
        return stamps;
    }
}
