package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.ClientMetrics;
import dev.packetipc.ConnectionMetrics;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.wire.RingDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stream engine's counters: a client that does not read makes {@code send} wait, and the connection's metrics
 * say how long and how much the client has not taken; once it has read everything, its own metrics count exactly
 * what it was handed.
 */
@Timeout(60)
class StreamMetricsTest {
    @Test
    void aClientThatDoesNotReadShowsAsSendWaitAndQueuedBytes() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.RING_BYTES, RingDescriptor.MIN_CAPACITY)
                .set(IpcOptions.SHARED_MEMORY_BYTES, 1 << 20)
                .build();
        try (StreamPair pair = StreamPair.open(options, options, new InMemorySharedMemory())) {
            assertTrue(pair.ring(), "the ring is on");
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                batch.add(Packet.of(i, new byte[1000]));
            }
            batch.add(Packet.of(200, new byte[256 << 10])); // through the shared region
            long sent = 0;
            long bytes = 0;
            // fill the ring until a send times out: the client reads nothing meanwhile
            while (true) {
                try {
                    pair.connection.send(List.of(batch.get((int) (sent % batch.size()))), Duration.ofMillis(50));
                    bytes += batch.get((int) (sent % batch.size())).length();
                    sent++;
                } catch (IpcTimeoutException e) {
                    break;
                }
            }
            ConnectionMetrics full = pair.connection.metrics();
            assertEquals(sent, full.packetsSent());
            assertEquals(bytes, full.bytesSent());
            assertTrue(full.sendWaitNanos() >= 50_000_000L, "the timed-out send waited 50 ms: " + full);
            assertTrue(full.bytesQueued() > 0, "the client took nothing: " + full);
            assertTrue(full.open());
            pair.connection.sendEnd();
            int[] handed = {0};
            while (pair.client.poll(packet -> handed[0]++, 64, Duration.ofSeconds(10)) != Client.END_OF_STREAM) {
                // drains
            }
            assertEquals(new ClientMetrics(sent, bytes, true), pair.client.metrics());
            assertEquals(sent, handed[0]);
            pair.client.close();
            assertThrows(Exception.class, () -> pair.client.poll(packet -> {}, 1));
            assertEquals(new ClientMetrics(sent, bytes, true), pair.client.metrics(), "also after close");
        }
    }
}
