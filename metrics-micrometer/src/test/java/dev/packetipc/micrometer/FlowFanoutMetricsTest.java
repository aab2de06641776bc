package dev.packetipc.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.flow.FlowFanout;
import dev.packetipc.flow.LinkTypes;
import dev.packetipc.flow.WorkerCounters;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link FlowFanoutMetrics} against a {@link SimpleMeterRegistry}, over the in-process transport. */
@Timeout(60)
class FlowFanoutMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** An Ethernet/IPv4/UDP packet between 10.0.x.1 and 10.0.x.2 (its flow is the host pair), then ARP ones. */
    private static List<AsIpcPacket> batch(int flows) {
        List<AsIpcPacket> batch = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + i % 17);
            b.position(12);
            b.putShort((short) 0x0800).put((byte) 0x45).put((byte) 0).putShort((short) (b.capacity() - 14));
            b.putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
            b.putInt(0x0A000001 | (i << 8)).putInt(0x0A000002 | (i << 8));
            b.putShort((short) 1000).putShort((short) 53).putShort((short) (b.capacity() - 34));
            batch.add(Packet.of(batch.size(), b.array()));
        }
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        batch.add(Packet.of(batch.size(), arp));
        return batch;
    }

    @Test
    void everyWorkersCountersAreMetersTaggedWithTheFanoutAndWorker() throws Exception {
        int n = 3;
        try (Server server = PacketIpc.transport("inprocess").newServer()) {
            List<Client> clients = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(PacketIpc.connect(server.name()));
                connections.add(server.accept(WAIT));
            }
            try (FlowFanout fanout =
                    FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET).build(connections)) {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new FlowFanoutMetrics(fanout, "ids", Tags.of("site", "lab")).bindTo(registry);
                List<AsIpcPacket> batch = batch(300);
                fanout.send(batch);
                fanout.send(batch);
                fanout.sendEnd();

                long packets = 0;
                for (int w = 0; w < n; w++) {
                    WorkerCounters counters = fanout.counters().get(w);
                    long received = 0;
                    long bytes = 0;
                    Optional<List<IpcPacket>> got;
                    while ((got = clients.get(w).receivePackets(1024, WAIT)).isPresent()) {
                        received += got.get().size();
                        for (IpcPacket packet : got.get()) {
                            bytes += packet.length();
                        }
                    }
                    String worker = Integer.toString(w);
                    assertEquals(received, counter(registry, FlowFanoutMetrics.PACKETS, worker));
                    assertEquals(bytes, counter(registry, FlowFanoutMetrics.BYTES, worker));
                    assertEquals(counters.batches(), counter(registry, FlowFanoutMetrics.BATCHES, worker));
                    assertEquals(2, counters.batches(), "one batch per send to every worker");
                    assertEquals(0, counter(registry, FlowFanoutMetrics.DROPPED_PACKETS, worker));
                    assertEquals(0, counter(registry, FlowFanoutMetrics.DROPPED_BYTES, worker));
                    assertEquals(0, counter(registry, FlowFanoutMetrics.BUCKETS_MOVED_IN, worker));
                    assertEquals(counters.buckets(), gauge(registry, FlowFanoutMetrics.BUCKETS, worker));
                    assertEquals(1, gauge(registry, FlowFanoutMetrics.LIVE, worker));
                    assertEquals(
                            "bytes",
                            registry.get(FlowFanoutMetrics.BYTES)
                                    .tag("worker", worker)
                                    .functionCounter()
                                    .getId()
                                    .getBaseUnit());
                    packets += received;
                }
                assertEquals(2L * batch.size(), packets);
                assertEquals(fanout.bucketCount(), (long) registry.get(FlowFanoutMetrics.BUCKETS).gauges().stream()
                        .mapToDouble(g -> g.value())
                        .sum());
                assertEquals(
                        n,
                        registry.get(FlowFanoutMetrics.PACKETS)
                                .functionCounters()
                                .size());
            } finally {
                clients.forEach(Client::close);
            }
        }
    }

    @Test
    void aLostWorkerShowsAsNotLiveAndItsBucketsAsMovedIn() throws Exception {
        try (Server server = PacketIpc.transport("inprocess").newServer()) {
            List<Client> clients = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(PacketIpc.connect(server.name()));
                connections.add(server.accept(WAIT));
            }
            try (FlowFanout fanout =
                    FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET).build(connections)) {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new FlowFanoutMetrics(fanout, "ids", Tags.of("site", "lab")).bindTo(registry);
                int lostBuckets = fanout.counters().get(1).buckets();
                clients.get(1).close();
                fanout.send(batch(300));
                assertEquals(0, gauge(registry, FlowFanoutMetrics.LIVE, "1"));
                assertEquals(0, gauge(registry, FlowFanoutMetrics.BUCKETS, "1"));
                assertEquals(
                        lostBuckets,
                        counter(registry, FlowFanoutMetrics.BUCKETS_MOVED_IN, "0")
                                + counter(registry, FlowFanoutMetrics.BUCKETS_MOVED_IN, "2"));
                assertEquals(
                        301,
                        counter(registry, FlowFanoutMetrics.PACKETS, "0")
                                + counter(registry, FlowFanoutMetrics.PACKETS, "2"));
            } finally {
                clients.forEach(Client::close);
            }
        }
    }

    private static long counter(SimpleMeterRegistry registry, String name, String worker) {
        return (long) registry.get(name)
                .tags("fanout", "ids", "site", "lab", "worker", worker)
                .functionCounter()
                .count();
    }

    private static long gauge(SimpleMeterRegistry registry, String name, String worker) {
        return (long) registry.get(name)
                .tags("fanout", "ids", "site", "lab", "worker", worker)
                .gauge()
                .value();
    }
}
