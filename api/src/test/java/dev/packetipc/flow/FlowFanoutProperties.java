package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.flow.Packets.Dress;
import dev.packetipc.flow.Packets.Flow;
import dev.packetipc.flow.Packets.Frag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** {@link FlowFanout} end to end over the in-process transport, on generated streams of every header shape. */
class FlowFanoutProperties {
    /** One packet of the stream: a flow, how it is dressed, or (flow index -1) an ARP frame. */
    record Event(int flow, Dress dress) {}

    /** A stream to fan out. */
    record Stream(
            int linkType, FlowRule rule, int workers, List<Flow> flows, List<Event> events, List<Integer> batches) {}

    @Provide
    Arbitrary<Stream> streams() {
        return Combinators.combine(
                        Generators.linkTypes(),
                        Generators.rules(),
                        Arbitraries.integers().between(1, 6))
                .flatAs((linkType, rule, workers) -> {
                    Arbitrary<Event> event = Combinators.combine(
                                    Arbitraries.integers().between(-1, 40), Generators.dresses())
                            .as(Event::new);
                    return Combinators.combine(
                                    Generators.flows(linkType)
                                            .list()
                                            .ofMinSize(1)
                                            .ofMaxSize(40),
                                    event.list().ofMinSize(1).ofMaxSize(300),
                                    Arbitraries.integers()
                                            .between(1, 64)
                                            .list()
                                            .ofMinSize(1)
                                            .ofMaxSize(8))
                            .as((flows, events, batches) ->
                                    new Stream(linkType, rule, workers, flows, events, batches));
                });
    }

    /**
     * Every packet reaches exactly one worker, intact; each worker receives its packets in input order (so every
     * flow keeps its order); all packets with one flow key, both directions, every fragment of a datagram, reach
     * one worker; under {@link FlowRule#UDP_BY_ADDRESSES} so does all of a UDP conversation, fragmented or not, and
     * under {@link FlowRule#ADDRESSES_AND_PROTOCOL} all of any conversation; non-IP goes to worker 0; each worker's
     * counters equal what it received.
     */
    @Property(tries = 150)
    void everyPacketReachesItsFlowsOneWorkerInOrder(@ForAll("streams") Stream stream) throws Exception {
        List<AsIpcPacket> input = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> conversations = new ArrayList<>();
        for (Event event : stream.events()) {
            long timestamp = input.size();
            if (event.flow() < 0) {
                input.add(Packet.of(
                        timestamp, Packets.arp(stream.linkType(), event.dress().fill())));
                keys.add("non-IP");
                conversations.add("non-IP");
                continue;
            }
            int index = event.flow() % stream.flows().size();
            Flow flow = stream.flows().get(index);
            byte[] bytes = Packets.build(stream.linkType(), flow, event.dress()).bytes();
            input.add(Packet.of(timestamp, bytes));
            keys.add(Packets.modelKey(flow, event.dress().frag(), stream.rule()));
            conversations.add(Packets.modelKey(flow, Frag.NONE, stream.rule()) + "#" + flow.protocol());
        }
        List<List<IpcPacket>> received = new ArrayList<>();
        try (Workers workers = new Workers(stream.workers());
                FlowFanout fanout = FlowFanout.builder(stream.linkType())
                        .flowRule(stream.rule())
                        .build(workers.connections)) {
            int from = 0;
            for (int b = 0; from < input.size(); b++) {
                int to = Math.min(
                        input.size(),
                        from + stream.batches().get(b % stream.batches().size()));
                fanout.send(input.subList(from, to));
                from = to;
            }
            fanout.sendEnd();
            for (int w = 0; w < stream.workers(); w++) {
                received.add(Workers.drain(workers.clients.get(w)));
            }
            assertCounters(fanout, received);
        }

        int[] workerOf = new int[input.size()];
        Arrays.fill(workerOf, -1);
        for (int w = 0; w < received.size(); w++) {
            long last = -1;
            for (IpcPacket packet : received.get(w)) {
                int i = (int) packet.timestampNanos();
                assertEquals(-1, workerOf[i], "packet " + i + " arrived twice");
                workerOf[i] = w;
                assertArrayEquals(((Packet) input.get(i)).toByteArray(), packet.toByteArray());
                assertTrue(i > last, "worker " + w + " got packet " + i + " after " + last);
                last = i;
            }
        }
        for (int i = 0; i < input.size(); i++) {
            assertTrue(workerOf[i] >= 0, "packet " + i + " never arrived");
            if (keys.get(i).equals("non-IP")) {
                assertEquals(0, workerOf[i], "a non-IP packet went elsewhere than worker 0");
            }
        }
        assertTogether(keys, workerOf, "flow key");
        boolean conversationsTogether = stream.rule() == FlowRule.ADDRESSES_AND_PROTOCOL;
        if (conversationsTogether) {
            assertTogether(conversations, workerOf, "conversation");
        } else if (stream.rule() == FlowRule.UDP_BY_ADDRESSES) {
            List<String> udp = new ArrayList<>();
            for (int i = 0; i < input.size(); i++) {
                udp.add(conversations.get(i).endsWith("#" + Packets.UDP) ? conversations.get(i) : "other " + i);
            }
            assertTogether(udp, workerOf, "UDP conversation");
        }
    }

    /** Packets of a stream, with each one's flow key under the stream's rule. */
    private static List<AsIpcPacket> packets(Stream stream, List<String> keys) {
        List<AsIpcPacket> input = new ArrayList<>();
        for (Event event : stream.events()) {
            long timestamp = input.size();
            if (event.flow() < 0) {
                input.add(Packet.of(
                        timestamp, Packets.arp(stream.linkType(), event.dress().fill())));
                keys.add("non-IP");
            } else {
                Flow flow = stream.flows().get(event.flow() % stream.flows().size());
                input.add(Packet.of(
                        timestamp,
                        Packets.build(stream.linkType(), flow, event.dress()).bytes()));
                keys.add(Packets.modelKey(flow, event.dress().frag(), stream.rule()));
            }
        }
        return input;
    }

    /**
     * Workers go away mid-stream (their clients close between batches, up to all but one): what a lost worker had
     * not received is gone with it, every other packet arrives exactly once; a packet reaches a worker other than the
     * one its flow had only when that one was lost; and among what arrives, every flow key is at one worker, in
     * order.
     */
    @Property(tries = 100)
    void lostWorkersMoveOnlyTheirOwnFlows(@ForAll("streams") Stream stream, @ForAll("losses") List<Integer> losses)
            throws Exception {
        int n = Math.max(2, stream.workers());
        List<String> keys = new ArrayList<>();
        List<AsIpcPacket> input = packets(stream, keys);
        int[] planned = new int[input.size()];
        int[] delivered = new int[input.size()];
        int[] closedBefore = new int[n];
        Arrays.fill(closedBefore, Integer.MAX_VALUE);
        List<List<IpcPacket>> received = new ArrayList<>();
        try (Workers workers = new Workers(n);
                FlowFanout fanout = FlowFanout.builder(stream.linkType())
                        .flowRule(stream.rule())
                        .build(workers.connections)) {
            int from = 0;
            int closed = 0;
            for (int b = 0; from < input.size(); b++) {
                int lose = losses.get(b % losses.size());
                if (lose >= 0 && lose < n && closedBefore[lose] == Integer.MAX_VALUE && closed < n - 1) {
                    workers.clients.get(lose).close();
                    closedBefore[lose] = b;
                    closed++;
                }
                int to = Math.min(
                        input.size(),
                        from + stream.batches().get(b % stream.batches().size()));
                for (int i = from; i < to; i++) {
                    planned[i] = fanout.workerOf(input.get(i)); // before the send notices a loss
                }
                fanout.send(input.subList(from, to));
                for (int i = from; i < to; i++) {
                    delivered[i] = fanout.workerOf(input.get(i)); // after: where the send put it
                }
                from = to;
            }
            fanout.sendEnd();
            for (int w = 0; w < n; w++) {
                received.add(closedBefore[w] == Integer.MAX_VALUE ? Workers.drain(workers.clients.get(w)) : List.of());
            }
        }
        int[] workerOf = new int[input.size()];
        Arrays.fill(workerOf, -1);
        for (int w = 0; w < n; w++) {
            for (IpcPacket packet : received.get(w)) {
                int i = (int) packet.timestampNanos();
                assertEquals(-1, workerOf[i], "packet " + i + " arrived twice");
                workerOf[i] = w;
                assertArrayEquals(((Packet) input.get(i)).toByteArray(), packet.toByteArray());
                assertEquals(delivered[i], w, "packet " + i);
            }
        }
        for (int i = 0; i < input.size(); i++) {
            if (planned[i] != delivered[i]) {
                assertTrue(
                        closedBefore[planned[i]] != Integer.MAX_VALUE,
                        "packet " + i + " of live worker " + planned[i] + "'s flow went to worker " + delivered[i]);
            }
            boolean goneWithItsWorker = closedBefore[delivered[i]] != Integer.MAX_VALUE; // closed after it got it
            assertEquals(!goneWithItsWorker, workerOf[i] >= 0, "packet " + i + " sent to worker " + delivered[i]);
        }
        List<String> arrived = new ArrayList<>();
        int[] arrivedAt = new int[input.size()];
        int count = 0;
        for (int i = 0; i < input.size(); i++) {
            if (workerOf[i] >= 0) {
                arrived.add(keys.get(i));
                arrivedAt[count++] = workerOf[i];
            }
        }
        assertTogether(arrived, Arrays.copyOf(arrivedAt, count), "flow key");
        for (List<IpcPacket> got : received) { // one key at one worker: its order is the worker's order
            Map<String, Long> last = new HashMap<>();
            for (IpcPacket packet : got) {
                long i = packet.timestampNanos();
                Long before = last.put(keys.get((int) i), i);
                assertTrue(before == null || before < i, "flow " + keys.get((int) i) + " out of order at " + i);
            }
        }
    }

    @Provide
    Arbitrary<List<Integer>> losses() {
        return Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(-1)),
                        Tuple.of(1, Arbitraries.integers().between(0, 5)))
                .list()
                .ofMinSize(1)
                .ofMaxSize(8);
    }

    static void assertCounters(FlowFanout fanout, List<List<IpcPacket>> received) {
        List<WorkerCounters> counters = fanout.counters();
        int buckets = 0;
        for (int w = 0; w < received.size(); w++) {
            WorkerCounters c = counters.get(w);
            assertEquals(w, c.worker());
            assertEquals(received.get(w).size(), c.packets(), "packets of worker " + w);
            assertEquals(
                    received.get(w).stream().mapToLong(IpcPacket::length).sum(), c.bytes(), "bytes of worker " + w);
            assertEquals(0, c.droppedPackets());
            buckets += c.buckets();
        }
        assertEquals(fanout.bucketCount(), buckets, "every bucket has one owner");
    }

    static void assertTogether(List<String> groups, int[] workerOf, String what) {
        Map<String, Integer> worker = new HashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            Integer earlier = worker.putIfAbsent(groups.get(i), workerOf[i]);
            if (earlier != null && earlier != workerOf[i]) {
                throw new AssertionError("the " + what + " " + groups.get(i) + " reached workers " + earlier + " and "
                        + workerOf[i] + " (packet " + i + ")");
            }
        }
    }
}
