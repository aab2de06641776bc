package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code poll} hands packets out without allocating per packet, and reads one document per batch. */
class PollAllocationTest {
    private static final int PACKETS_PER_BATCH = 1000;
    private static final int BATCHES = 40;

    @Test
    void pollingPacketsAllocatesNothingPerPacket() throws Exception {
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < PACKETS_PER_BATCH; i++) {
                batch.add(Packet.of(i, new byte[64]));
            }
            long[] sum = new long[2];
            PacketHandler handler = packet -> {
                sum[0] += packet.timestampNanos();
                sum[1] += packet.data().remaining();
            };
            for (int i = 0; i < 2 * BATCHES; i++) {
                pair.connection.send(batch, LocalPair.WAIT);
            }
            pollAll(pair, handler, BATCHES * PACKETS_PER_BATCH);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            pollAll(pair, handler, BATCHES * PACKETS_PER_BATCH);
            long allocated =
                    threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            int packets = BATCHES * PACKETS_PER_BATCH;
            assertTrue(allocated < packets, "polling " + packets + " packets allocated " + allocated + " bytes");
            assertEquals(2L * packets * 64, sum[1]);
        }
    }

    private static void pollAll(LocalPair pair, PacketHandler handler, int packets) throws Exception {
        int polled = 0;
        while (polled < packets) {
            int n = pair.client.poll(handler, Math.min(256, packets - polled), Duration.ofSeconds(30));
            assertTrue(n > 0, "poll returned " + n + " after " + polled + " packets");
            polled += n;
        }
    }
}
