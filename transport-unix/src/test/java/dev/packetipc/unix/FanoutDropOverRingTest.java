package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import dev.packetipc.flow.FlowFanout;
import dev.packetipc.flow.LinkTypes;
import dev.packetipc.flow.SlowWorkerPolicy;
import dev.packetipc.flow.WorkerCounters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A flow fan-out with {@link SlowWorkerPolicy#DROP} to a worker that does not read, over the packet ring and over the
 * socket framing: the ring (or the socket) fills, the send times out with the connection open, and the fan-out counts
 * what reached the worker as sent and only the rest as dropped, exactly.
 */
@Timeout(120)
@EnabledOnOs(OS.LINUX) // the packet ring
class FanoutDropOverRingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void whatTheFullRingTookCountsAsSentAndTheRestAsDropped() throws Exception {
        UnixTransport transport = new UnixTransport();
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.RING_BYTES, 64 << 10).build();
        try (Server server = transport.newServer(options)) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = transport.connect(server.name(), options);
                    FlowFanout fanout = FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET)
                            .slowWorker(SlowWorkerPolicy.DROP)
                            .build(List.of(accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS)))) {
                long total = 0;
                for (int b = 0; b < 4; b++) {
                    List<AsIpcPacket> batch = new ArrayList<>();
                    for (int i = 0; i < 1024; i++, total++) {
                        byte[] frame = new byte[64];
                        frame[12] = 0x08;
                        frame[13] = 0x06; // ARP: unclassified, to worker 0
                        batch.add(Packet.of(total, frame));
                    }
                    fanout.send(batch); // nobody reads: the 64 KiB ring fills during the first batch or two
                }
                WorkerCounters c = fanout.counters().get(0);
                assertTrue(c.live(), "a full ring keeps the connection: " + c);
                assertTrue(c.packets() > 0 && c.droppedPackets() > 0, "the ring took some and not all: " + c);
                assertEquals(total, c.packets() + c.droppedPackets(), c.toString());
                assertEquals(64 * c.packets(), c.bytes(), c.toString());
                assertEquals(64 * c.droppedPackets(), c.droppedBytes(), c.toString());

                long received = 0;
                long expectedTimestamp = 0;
                while (received < c.packets()) {
                    for (IpcPacket packet : client.receivePackets(1024, WAIT).orElseThrow()) {
                        assertEquals(expectedTimestamp++, packet.timestampNanos(), "a leading part, in order");
                        received++;
                    }
                }
                fanout.sendEnd();
                Optional<List<IpcPacket>> after = client.receivePackets(1024, WAIT);
                assertEquals(Optional.empty(), after, "the worker received more than the fan-out counted as sent");
                assertEquals(c.packets(), received);
            }
        }
    }

    /**
     * The same over the socket framing (the ring off), with one small packet per share: once the socket is full, a
     * share's send gets nothing out, times out with the connection open, and counts as dropped; the worker stays,
     * and receives exactly what was counted as sent. (The stream engine closed the connection on any write time-out,
     * so the fan-out lost a worker that was merely slow.) A share whose frame the socket takes only in part still
     * closes the connection: a frame cannot be taken back.
     */
    @Test
    void overAFullSocketSmallSharesAreDroppedAndTheWorkerStays() throws Exception {
        UnixTransport transport = new UnixTransport();
        IpcOptions options = IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
        try (Server server = transport.newServer(options)) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = transport.connect(server.name(), options);
                    FlowFanout fanout = FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET)
                            .slowWorker(SlowWorkerPolicy.DROP)
                            .build(List.of(accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS)))) {
                long total = 0;
                WorkerCounters c = fanout.counters().get(0);
                while (c.droppedPackets() < 100 && total < 1_000_000) { // until the full socket has dropped some
                    byte[] frame = new byte[64];
                    frame[12] = 0x08;
                    frame[13] = 0x06; // ARP: unclassified, to worker 0
                    fanout.send(List.of(Packet.of(total++, frame)));
                    c = fanout.counters().get(0);
                }
                assertTrue(c.live(), "a full socket keeps the worker: " + c);
                assertTrue(c.packets() > 0 && c.droppedPackets() >= 100, c.toString());
                assertEquals(total, c.packets() + c.droppedPackets(), c.toString());

                long received = 0;
                long last = -1;
                while (received < c.packets()) {
                    for (IpcPacket packet : client.receivePackets(1024, WAIT).orElseThrow()) {
                        assertTrue(packet.timestampNanos() > last, "in order");
                        last = packet.timestampNanos();
                        received++;
                    }
                }
                fanout.sendEnd();
                assertEquals(
                        Optional.empty(),
                        client.receivePackets(1024, WAIT),
                        "the worker received more than the fan-out counted as sent");
                assertEquals(c.packets(), received);
            }
        }
    }
}
