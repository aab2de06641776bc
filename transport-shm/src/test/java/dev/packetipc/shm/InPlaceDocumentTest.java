package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Documents are written and read in place in Chronicle's mapped file: they must arrive intact wherever they lie
 * (also across the file's mapping chunks), and a packet view kept past its callback must never reach memory that is
 * no longer the document's.
 */
class InPlaceDocumentTest {
    /** With 1 MiB frames Chronicle maps the file in 16 MiB chunks, and cycles roll every 32 MiB. */
    private static final int FRAME = 1 << 20;

    private static final long STREAM_BYTES = 80L << 20;

    @Test
    void documentsAcrossMappingChunksArriveIntact() throws Exception {
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.MAX_FRAME_BYTES, FRAME).build();
        assertEquals(16L << 20, Queues.blockSize(FRAME), "the chunk size this test relies on");
        try (LocalPair pair = LocalPair.open(options)) {
            CompletableFuture<Long> receiving = CompletableFuture.supplyAsync(() -> receiveAndCheck(pair.client));
            long sent = 0;
            int sequence = 0;
            while (sent < STREAM_BYTES) {
                List<Packet> batch = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    int length = 1 + (sequence * 7919) % (60 * 1024);
                    batch.add(Packet.of(sequence, payload(sequence, length)));
                    sent += length;
                    sequence++;
                }
                pair.connection.send(batch, LocalPair.WAIT);
            }
            pair.connection.sendEnd();
            assertEquals(sequence, receiving.get(LocalPair.WAIT.toSeconds() * 4, TimeUnit.SECONDS));
        }
    }

    @Test
    void aViewKeptPastTheClientsCloseFailsInsteadOfReadingUnmappedMemory() throws Exception {
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            pair.connection.send(List.of(Packet.of(1, new byte[100]), Packet.of(2, new byte[200])));
            AtomicReference<IpcPacket> kept = new AtomicReference<>();
            assertEquals(1, pair.client.poll(kept::set, 1, LocalPair.WAIT));
            assertEquals(100, kept.get().data().remaining(), "inside the callback's poll the view is the packet");
            pair.client.close();
            assertThrows(RuntimeException.class, () -> kept.get().data().get(0));
            assertThrows(RuntimeException.class, () -> kept.get().toByteArray());
        }
    }

    private static long receiveAndCheck(Client client) {
        long[] next = {0};
        try {
            while (true) {
                int n = client.poll(
                        packet -> {
                            long sequence = next[0]++;
                            assertEquals(sequence, packet.timestampNanos());
                            int length = 1 + (int) ((sequence * 7919) % (60 * 1024));
                            ByteBuffer expected = ByteBuffer.wrap(payload((int) sequence, length));
                            assertTrue(
                                    expected.equals(packet.data()),
                                    "packet #" + sequence + " arrived with other bytes than were sent");
                        },
                        4096,
                        LocalPair.WAIT);
                if (n == Client.END_OF_STREAM) {
                    return next[0];
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] payload(int sequence, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (sequence * 31 + i);
        }
        return bytes;
    }
}
