package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.flow.Packets.Dress;
import dev.packetipc.flow.Packets.Flow;
import dev.packetipc.flow.Packets.Frag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link FlowFanout}'s worker loss, slow-worker policies, ending and closing, over the in-process transport. */
@Timeout(60)
class FlowFanoutTest {
    private static final int ETHERNET = LinkTypes.LINKTYPE_ETHERNET;

    /** {@code count} TCP flows between random IPv4 hosts. */
    private static List<Flow> tcpFlows(int count, long seed) {
        Random random = new Random(seed);
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            flows.add(new Flow(
                    false,
                    0,
                    random.nextInt() & 0xFFFFFFFFL,
                    0,
                    random.nextInt() & 0xFFFFFFFFL,
                    Packets.TCP,
                    random.nextInt(65536),
                    random.nextInt(65536)));
        }
        return flows;
    }

    private static Dress plain(boolean reverse, long fill) {
        return new Dress(reverse, List.of(), 0, false, List.of(), List.of(0), Frag.NONE, 10, fill);
    }

    /** One packet per flow and direction, timestamps from {@code first} in order. */
    private static List<AsIpcPacket> round(List<Flow> flows, long first) {
        List<AsIpcPacket> batch = new ArrayList<>();
        for (Flow flow : flows) {
            for (boolean reverse : new boolean[] {false, true}) {
                long ts = first + batch.size();
                batch.add(Packet.of(
                        ts, Packets.build(ETHERNET, flow, plain(reverse, ts)).bytes()));
            }
        }
        return batch;
    }

    /** Which worker received each timestamp. */
    private static Map<Long, Integer> where(List<List<IpcPacket>> received) {
        Map<Long, Integer> where = new HashMap<>();
        for (int w = 0; w < received.size(); w++) {
            for (IpcPacket packet : received.get(w)) {
                assertEquals(null, where.put(packet.timestampNanos(), w), "twice: " + packet.timestampNanos());
            }
        }
        return where;
    }

    @Test
    void aLostWorkersFlowsAndOnlyThoseMoveAndNothingIsLost() throws Exception {
        List<Flow> flows = tcpFlows(2000, 7);
        int n = flows.size() * 2;
        try (Workers workers = new Workers(4);
                FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections)) {
            fanout.send(round(flows, 0));
            List<List<IpcPacket>> first = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                first.add(Workers.take(
                        workers.clients.get(w), fanout.counters().get(w).packets()));
            }
            Map<Long, Integer> before = where(first);
            assertEquals(n, before.size());
            int lostBuckets = fanout.counters().get(2).buckets();

            workers.clients.get(2).close(); // worker 2 goes away: its next send fails with PeerGoneException
            fanout.send(round(flows, n));
            fanout.sendEnd();
            List<List<IpcPacket>> second = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                second.add(w == 2 ? List.of() : Workers.drain(workers.clients.get(w)));
            }
            Map<Long, Integer> after = where(second);
            assertEquals(n, after.size(), "every packet of the round after the loss reached a live worker");

            Set<Integer> movedTo = new HashSet<>();
            int moved = 0;
            for (long i = 0; i < n; i++) {
                int was = before.get(i);
                int is = after.get(i + n);
                if (was == 2) {
                    assertNotEquals(2, is);
                    movedTo.add(is);
                    moved++;
                } else {
                    assertEquals(was, is, "packet " + i + " of a flow at live worker " + was + " moved");
                }
            }
            assertTrue(moved > 0, "worker 2 had no flows");
            assertEquals(Set.of(0, 1, 3), movedTo, "the lost flows spread over every remaining worker");
            Map<Long, Integer> position = new HashMap<>();
            for (List<IpcPacket> got : second) {
                for (int k = 0; k < got.size(); k++) {
                    position.put(got.get(k).timestampNanos(), k);
                }
            }
            for (long i = n; i < 2L * n; i += 2) { // packets i and i + 1 are one flow's two directions, in order
                assertTrue(position.get(i) < position.get(i + 1), "the flow of packet " + i + " lost its order");
            }

            List<WorkerCounters> counters = fanout.counters();
            assertFalse(counters.get(2).live());
            assertEquals(0, counters.get(2).buckets());
            assertEquals(
                    lostBuckets,
                    counters.stream().mapToLong(WorkerCounters::bucketsMovedIn).sum(),
                    "moved buckets counted");
            assertEquals(
                    fanout.bucketCount(),
                    counters.stream().mapToInt(WorkerCounters::buckets).sum());
            for (int w : new int[] {0, 1, 3}) {
                assertTrue(counters.get(w).live());
                assertEquals(
                        first.get(w).size() + second.get(w).size(),
                        counters.get(w).packets());
            }
        }
    }

    @Test
    void onlyTheLostWorkersBucketsMoveForEveryWorkerCountAndLoss() throws Exception {
        List<Flow> flows = tcpFlows(300, 11);
        List<AsIpcPacket> probes = round(flows, 0);
        for (int n = 2; n <= 6; n++) {
            for (int lost = 0; lost < n; lost++) {
                try (Workers workers = new Workers(n);
                        FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections)) {
                    int[] before = new int[probes.size()];
                    for (int i = 0; i < probes.size(); i++) {
                        before[i] = fanout.workerOf(probes.get(i));
                    }
                    workers.clients.get(lost).close();
                    fanout.send(probes); // notices the loss
                    for (int i = 0; i < probes.size(); i++) {
                        int now = fanout.workerOf(probes.get(i));
                        if (before[i] == lost) {
                            assertNotEquals(lost, now);
                        } else {
                            assertEquals(before[i], now, n + " workers, lost " + lost + ": probe " + i + " moved");
                        }
                    }
                    assertEquals(
                            n - 1,
                            fanout.counters().stream()
                                    .filter(WorkerCounters::live)
                                    .count());
                }
            }
        }
    }

    @Test
    void unclassifiedPacketsGoToTheLowestLiveWorker() throws Exception {
        try (Workers workers = new Workers(3);
                FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections)) {
            Packet arp = Packet.of(1, Packets.arp(ETHERNET, 1));
            assertEquals(0, fanout.workerOf(arp));
            workers.clients.get(0).close();
            fanout.send(List.of(arp, Packet.of(2, Packets.arp(ETHERNET, 2))));
            assertEquals(1, fanout.workerOf(arp));
            fanout.sendEnd();
            assertEquals(List.of(1L, 2L), timestamps(Workers.drain(workers.clients.get(1))));
            assertEquals(List.of(), Workers.drain(workers.clients.get(2)));
        }
    }

    @Test
    void endStreamPolicyClosesEveryConnectionWithoutTheEnd() throws Exception {
        List<Flow> flows = tcpFlows(200, 3);
        try (Workers workers = new Workers(3);
                FlowFanout fanout = FlowFanout.builder(ETHERNET)
                        .onWorkerLoss(WorkerLossPolicy.END_STREAM)
                        .build(workers.connections)) {
            workers.clients.get(1).close();
            PeerGoneException e = assertThrows(PeerGoneException.class, () -> fanout.send(round(flows, 0)));
            assertTrue(e.getMessage().contains("worker 1"), e.getMessage());
            assertTrue(e.getMessage().contains("END_STREAM"), e.getMessage());
            assertFalse(fanout.isOpen());
            assertThrows(ClosedException.class, () -> fanout.send(round(flows, 0)));
            assertThrows(ClosedException.class, fanout::sendEnd);
            for (int w : new int[] {0, 2}) {
                Client client = workers.clients.get(w);
                assertThrows(PeerGoneException.class, () -> Workers.drain(client), "worker " + w + " saw an end");
            }
        }
    }

    @Test
    void dropNeverWaitsAndCountsEveryDroppedPacket() throws Exception {
        List<Flow> flows = tcpFlows(50, 5);
        IpcOptions small =
                IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, 4096).build();
        try (Workers workers = new Workers(2, small);
                FlowFanout fanout = FlowFanout.builder(ETHERNET)
                        .slowWorker(SlowWorkerPolicy.DROP)
                        .build(workers.connections)) {
            // nobody receives while this runs: under BLOCK the second batch would wait forever
            List<Map<Integer, Set<Long>>> routed = new ArrayList<>();
            long ts = 0;
            for (int b = 0; b < 40; b++) {
                List<AsIpcPacket> batch = round(flows, ts);
                Map<Integer, Set<Long>> shares = new HashMap<>();
                for (AsIpcPacket packet : batch) {
                    shares.computeIfAbsent(fanout.workerOf(packet), w -> new HashSet<>())
                            .add(packet.timestampNanos());
                }
                routed.add(shares);
                fanout.send(batch);
                ts += batch.size();
            }
            fanout.sendEnd();
            List<WorkerCounters> counters = fanout.counters();
            for (int w = 0; w < 2; w++) {
                Set<Long> got = new HashSet<>(timestamps(Workers.drain(workers.clients.get(w))));
                long routedTo = 0;
                for (Map<Integer, Set<Long>> shares : routed) {
                    Set<Long> share = shares.getOrDefault(w, Set.of());
                    routedTo += share.size();
                    Set<Long> arrived = new HashSet<>(share);
                    arrived.retainAll(got);
                    assertTrue(
                            arrived.isEmpty() || arrived.size() == share.size(),
                            "a share arrived in part: " + arrived.size() + " of " + share.size());
                }
                WorkerCounters c = counters.get(w);
                assertTrue(c.live());
                assertEquals(got.size(), c.packets(), "worker " + w + " packets");
                assertEquals(routedTo, c.packets() + c.droppedPackets(), "worker " + w + ": sent + dropped");
                assertTrue(c.droppedPackets() > 0, "worker " + w + " dropped nothing: " + c);
                assertEquals(c.droppedPackets() * 64, c.droppedBytes(), "64-byte packets");
            }
        }
    }

    @Test
    void blockWaitsForASlowWorkerAndCloseWakesTheSender() throws Exception {
        List<Flow> flows = tcpFlows(50, 5);
        IpcOptions small =
                IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, 4096).build();
        try (Workers workers = new Workers(2, small)) {
            FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections);
            fanout.send(round(flows, 0)); // fills the buffers: the next batch must wait
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread sender = new Thread(() -> {
                try {
                    fanout.send(round(flows, 100));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            sender.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (sender.getState() != Thread.State.WAITING && sender.getState() != Thread.State.TIMED_WAITING) {
                assertTrue(System.nanoTime() < deadline, "the sender never blocked: " + sender.getState());
                Thread.onSpinWait();
            }
            assertTrue(sender.isAlive());
            fanout.close();
            sender.join(10_000);
            assertFalse(sender.isAlive(), "close did not wake the blocked send");
            assertTrue(failure.get() instanceof ClosedException, String.valueOf(failure.get()));
            assertEquals(
                    0,
                    fanout.counters().get(0).droppedPackets()
                            + fanout.counters().get(1).droppedPackets());
        }
    }

    @Test
    void acceptsItsWorkersFromAServerAndEndsEveryStream() throws Exception {
        try (Server server = PacketIpc.transport("inprocess").newServer()) {
            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(PacketIpc.connect(server.name()));
            }
            try (FlowFanout fanout = FlowFanout.builder(ETHERNET).accept(server, 3, Workers.WAIT)) {
                assertEquals(3, fanout.workerCount());
                List<AsIpcPacket> batch = round(tcpFlows(100, 9), 0);
                fanout.send(batch);
                fanout.sendEnd();
                fanout.sendEnd(); // a second end does nothing
                assertThrows(ClosedException.class, () -> fanout.send(batch));
                List<List<IpcPacket>> received = new ArrayList<>();
                for (Client client : clients) {
                    received.add(Workers.drain(client));
                    assertTrue(client.isEndOfStreamReceived());
                }
                assertEquals(batch.size(), where(received).size());
                FlowFanoutProperties.assertCounters(fanout, received);
            } finally {
                clients.forEach(Client::close);
            }
        }
    }

    @Test
    void acceptClosesWhatItAcceptedWhenAClientIsMissing() throws Exception {
        try (Server server = PacketIpc.transport("inprocess").newServer();
                Client one = PacketIpc.connect(server.name());
                Client two = PacketIpc.connect(server.name())) {
            assertThrows(
                    IpcTimeoutException.class,
                    () -> FlowFanout.builder(ETHERNET).accept(server, 3, Duration.ofMillis(50)));
            assertThrows(PeerGoneException.class, () -> Workers.drain(one));
            assertThrows(PeerGoneException.class, () -> Workers.drain(two));
        }
    }

    @Test
    void theLastLostWorkerEndsTheFanout() throws Exception {
        try (Workers workers = new Workers(2);
                FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections)) {
            workers.clients.forEach(Client::close);
            PeerGoneException e = assertThrows(PeerGoneException.class, () -> fanout.send(round(tcpFlows(10, 1), 0)));
            assertTrue(e.getMessage().contains("every worker"), e.getMessage());
            assertFalse(fanout.isOpen());
            assertThrows(PeerGoneException.class, () -> fanout.send(List.of()));
        }
    }

    @Test
    void theBuilderRejectsWhatCannotWork() throws Exception {
        FlowFanout.Builder builder = FlowFanout.builder(ETHERNET);
        assertThrows(IllegalArgumentException.class, () -> builder.build(List.of()));
        assertThrows(IllegalArgumentException.class, () -> builder.dropTimeout(Duration.ofMillis(-1)));
        try (Workers workers = new Workers(1)) {
            Connection connection = workers.connections.get(0);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> builder.build(List.of(connection, connection)));
            assertTrue(e.getMessage().contains("twice"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> builder.accept(workers.server, 0, Workers.WAIT));
        }
    }

    /** {@code count} flows of the protocol on loopback (127.0.0.1 both ends), ephemeral port to one of a few. */
    private static List<Flow> loopback(int count, int protocol, long seed) {
        Random random = new Random(seed);
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int server = new int[] {53, 80, 443, 8080}[random.nextInt(4)];
            flows.add(new Flow(false, 0, 0x7F000001L, 0, 0x7F000001L, protocol, 32768 + random.nextInt(28232), server));
        }
        return flows;
    }

    private static int[] flowsPerWorker(FlowFanout fanout, List<Flow> flows) throws Exception {
        int[] count = new int[fanout.workerCount()];
        for (Flow flow : flows) {
            byte[] bytes = Packets.build(ETHERNET, flow, plain(false, 0)).bytes();
            count[fanout.workerOf(Packet.of(0, bytes))]++;
        }
        return count;
    }

    @Test
    void loopbackFlowsSpreadEvenlyWhenTheirPortsAreKeyed() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            List<Flow> flows = new ArrayList<>(loopback(200, Packets.TCP, seed));
            flows.addAll(loopback(200, Packets.UDP, seed + 100));
            try (Workers workers = new Workers(4);
                    FlowFanout fanout = FlowFanout.builder(ETHERNET)
                            .flowRule(FlowRule.FIVE_TUPLE)
                            .build(workers.connections)) {
                for (int count : flowsPerWorker(fanout, flows)) {
                    assertTrue(count <= 1.5 * flows.size() / 4, Arrays.toString(flowsPerWorker(fanout, flows)));
                }
            }
        }
    }

    @Test
    void udpByAddressesKeepsAHostPairsUdpAtOneWorker() throws Exception {
        try (Workers workers = new Workers(4);
                FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections)) {
            int[] udp = flowsPerWorker(fanout, loopback(200, Packets.UDP, 1));
            assertEquals(200, Arrays.stream(udp).max().orElseThrow(), "the default rule's documented cost");
            int[] tcp = flowsPerWorker(fanout, loopback(200, Packets.TCP, 1));
            for (int count : tcp) {
                assertTrue(count <= 75, Arrays.toString(tcp));
            }
        }
    }

    @Test
    void bucketsAreSharedEvenlyForEveryWorkerCount() throws Exception {
        for (int n = 1; n <= 16; n++) {
            try (Workers workers = new Workers(n);
                    FlowFanout fanout = FlowFanout.builder(ETHERNET).build(workers.connections)) {
                double fair = (double) fanout.bucketCount() / n;
                for (WorkerCounters c : fanout.counters()) {
                    assertTrue(
                            Math.abs(c.buckets() - fair) <= 0.2 * fair,
                            n + " workers: worker " + c.worker() + " owns " + c.buckets() + " buckets, fair is "
                                    + fair);
                }
            }
        }
    }

    private static List<Long> timestamps(List<IpcPacket> packets) {
        List<Long> all = new ArrayList<>();
        for (IpcPacket packet : packets) {
            all.add(packet.timestampNanos());
        }
        return all;
    }
}
