package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sender waits while the client lags by more than BUFFER_BYTES, and resumes when it reads. */
class BackpressureTest {
    private static final int BUFFER = 64 * 1024;
    private static final int PAYLOAD = 1000;

    @Test
    void aSenderAheadByTheBufferTimesOutThenResumesWhenTheClientReads() throws Exception {
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, BUFFER).build();
        try (LocalPair pair = LocalPair.open(options)) {
            List<Packet> batch = List.of(Packet.of(1, new byte[PAYLOAD]), Packet.of(2, new byte[PAYLOAD]));
            long documentBytes = BatchLayout.documentBytes(2, 2 * PAYLOAD);
            int sent = 0;
            IpcTimeoutException timeout = null;
            while (timeout == null && sent < 1000) {
                try {
                    pair.connection.send(batch, Duration.ofMillis(200));
                    sent++;
                } catch (IpcTimeoutException e) {
                    timeout = e;
                }
            }
            assertTrue(timeout != null, "the sender was never held back after " + sent + " batches");
            assertEquals(BUFFER / documentBytes, (long) sent, "batches that fit in the buffer");
            assertTrue(timeout.getMessage().contains("BUFFER_BYTES"), timeout.getMessage());

            assertEquals(
                    4,
                    pair.client.receivePackets(4, LocalPair.WAIT).orElseThrow().size());
            pair.connection.send(batch, LocalPair.WAIT);
            pair.connection.send(batch, LocalPair.WAIT);
            assertThrows(IpcTimeoutException.class, () -> pair.connection.send(batch, Duration.ofMillis(100)));
        }
    }
}
