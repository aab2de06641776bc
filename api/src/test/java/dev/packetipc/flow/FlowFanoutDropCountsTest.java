package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Under {@link SlowWorkerPolicy#DROP}, a timed-out send that sent a leading part of the share (as the contract of
 * {@link Connection#send(List, Duration)} allows, and the stream transports' ring and shared memory do) counts that
 * part as sent and only the rest as dropped.
 */
@Timeout(60)
class FlowFanoutDropCountsTest {
    /**
     * An in-process connection that, while armed, sends the first {@code prefix} packets of a timed send and then
     * times out, leaving the connection open: what the unix transport does when its packet ring fills mid-batch.
     */
    static final class PrefixThenTimeout implements Connection {
        final Connection delegate;
        int prefix = -1;

        PrefixThenTimeout(Connection delegate) {
            this.delegate = delegate;
        }

        @Override
        public void send(List<? extends AsIpcPacket> batch) throws IpcException {
            delegate.send(batch);
        }

        @Override
        public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
            if (prefix < 0) {
                delegate.send(batch, timeout);
                return;
            }
            delegate.send(batch.subList(0, prefix), timeout);
            throw new IpcTimeoutException("the client did not make room in time; the first " + prefix + " of the "
                    + batch.size() + " packets were sent, the others were not; the connection is still usable");
        }

        @Override
        public void sendEnd() throws IpcException {
            delegate.sendEnd();
        }

        @Override
        public void sendEnd(Duration timeout) throws IpcException {
            delegate.sendEnd(timeout);
        }

        @Override
        public int maxPacketBytes() {
            return delegate.maxPacketBytes();
        }

        @Override
        public long packetsSent() {
            return delegate.packetsSent();
        }

        @Override
        public long bytesSent() {
            return delegate.bytesSent();
        }

        @Override
        public long batchesSent() {
            return delegate.batchesSent();
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private static List<AsIpcPacket> arp(int count, int first, int size) {
        List<AsIpcPacket> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] frame = new byte[size];
            frame[12] = 0x08;
            frame[13] = 0x06; // ARP: unclassified, so every packet goes to worker 0
            batch.add(Packet.of(first + i, frame));
        }
        return batch;
    }

    @Test
    void aPrefixSentBeforeTheTimeoutCountsAsSentAndOnlyTheRestAsDropped() throws Exception {
        try (Workers workers = new Workers(1)) {
            PrefixThenTimeout slow = new PrefixThenTimeout(workers.connections.get(0));
            try (FlowFanout fanout = FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET)
                    .slowWorker(SlowWorkerPolicy.DROP)
                    .build(List.of(slow))) {
                slow.prefix = 4;
                fanout.send(arp(10, 0, 64));
                WorkerCounters c = fanout.counters().get(0);
                assertEquals(4, c.packets(), c.toString());
                assertEquals(4 * 64, c.bytes(), c.toString());
                assertEquals(1, c.batches(), c.toString());
                assertEquals(6, c.droppedPackets(), c.toString());
                assertEquals(6 * 64, c.droppedBytes(), c.toString());

                slow.prefix = 0; // nothing sent: all dropped, no batch
                fanout.send(arp(3, 10, 60));
                c = fanout.counters().get(0);
                assertEquals(4, c.packets(), c.toString());
                assertEquals(1, c.batches(), c.toString());
                assertEquals(9, c.droppedPackets(), c.toString());
                assertEquals(6 * 64 + 3 * 60, c.droppedBytes(), c.toString());

                slow.prefix = -1;
                fanout.send(arp(5, 13, 64));
                fanout.sendEnd();
                c = fanout.counters().get(0);
                assertTrue(c.live(), c.toString());
                assertEquals(9, c.packets(), c.toString());
                assertEquals(9 * 64, c.bytes(), c.toString());
                assertEquals(2, c.batches(), c.toString());
                assertEquals(
                        List.of(0L, 1L, 2L, 3L, 13L, 14L, 15L, 16L, 17L),
                        Workers.drain(workers.clients.get(0)).stream()
                                .map(p -> p.timestampNanos())
                                .toList(),
                        "what the worker received is what the counters say was sent");
            }
        }
    }
}
