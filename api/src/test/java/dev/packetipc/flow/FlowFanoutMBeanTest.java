package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.flow.Packets.Dress;
import dev.packetipc.flow.Packets.Flow;
import dev.packetipc.flow.Packets.Frag;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A {@link FlowFanout}'s MBean: absent until asked for, readable through the platform MBean server, unregistered. */
@Timeout(60)
class FlowFanoutMBeanTest {
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();

    /** Two packets (one per direction) for each of {@code flows} TCP flows, plus one ARP packet. */
    private static List<AsIpcPacket> batch(int flows) {
        List<AsIpcPacket> batch = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            Flow flow = new Flow(false, 0, 0x0A000000L + i, 0, 0x0B000000L + i, Packets.TCP, 1000 + i, 80);
            for (boolean reverse : new boolean[] {false, true}) {
                Dress dress = new Dress(reverse, List.of(), 0, false, List.of(), List.of(0), Frag.NONE, 10, i);
                batch.add(Packet.of(
                        batch.size(),
                        Packets.build(LinkTypes.LINKTYPE_ETHERNET, flow, dress).bytes()));
            }
        }
        batch.add(Packet.of(batch.size(), Packets.arp(LinkTypes.LINKTYPE_ETHERNET, 1)));
        return batch;
    }

    private static Set<ObjectName> fanoutBeans() throws Exception {
        return PLATFORM.queryNames(new ObjectName(FlowFanoutMBean.DOMAIN + ":type=FlowFanout,*"), null);
    }

    @Test
    @SuppressWarnings("try") // the test closes the fan-out inside its block on purpose
    void nothingIsRegisteredUntilAskedThenTheCountersAreReadThroughThePlatformServerAndUnregistered() throws Exception {
        Set<ObjectName> before = fanoutBeans();
        try (Workers workers = new Workers(3);
                FlowFanout fanout =
                        FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET).build(workers.connections)) {
            List<AsIpcPacket> batch = batch(200);
            fanout.send(batch);
            fanout.send(batch);
            assertEquals(before, fanoutBeans(), "a fan-out registers nothing unless asked");

            FlowFanoutMBean registration = fanout.registerMBean(PLATFORM);
            ObjectName name = registration.objectName();
            assertTrue(PLATFORM.isRegistered(name));
            assertEquals("FlowFanout", name.getKeyProperty("type"));

            List<WorkerCounters> counters = fanout.counters();
            long packets = counters.stream().mapToLong(WorkerCounters::packets).sum();
            assertEquals(2L * batch.size(), packets);
            assertEquals(packets, PLATFORM.getAttribute(name, "Packets"));
            assertEquals(
                    counters.stream().mapToLong(WorkerCounters::bytes).sum(), PLATFORM.getAttribute(name, "Bytes"));
            assertEquals(3, PLATFORM.getAttribute(name, "WorkerCount"));
            assertEquals(3, PLATFORM.getAttribute(name, "LiveWorkers"));
            assertEquals(fanout.bucketCount(), PLATFORM.getAttribute(name, "BucketCount"));
            assertEquals(0L, PLATFORM.getAttribute(name, "DroppedPackets"));
            assertEquals(true, PLATFORM.getAttribute(name, "Open"));
            assertArrayEquals(
                    counters.stream().mapToLong(WorkerCounters::packets).toArray(),
                    (long[]) PLATFORM.getAttribute(name, "WorkerPackets"));
            assertArrayEquals(
                    counters.stream().mapToLong(WorkerCounters::batches).toArray(),
                    (long[]) PLATFORM.getAttribute(name, "WorkerBatches"));
            assertArrayEquals(
                    counters.stream().mapToInt(WorkerCounters::buckets).toArray(),
                    (int[]) PLATFORM.getAttribute(name, "WorkerBuckets"));

            // Through a proxy, as a JMX client sees it; the counters move with the fan-out.
            FlowFanoutMXBean proxy = JMX.newMXBeanProxy(PLATFORM, name, FlowFanoutMXBean.class);
            fanout.send(batch);
            assertEquals(3L * batch.size(), proxy.getPackets());
            assertTrue(proxy.getDescription().contains("LINKTYPE_ETHERNET"), proxy.getDescription());

            FlowFanoutMBean second = fanout.registerMBean(PLATFORM);
            assertTrue(PLATFORM.isRegistered(second.objectName()));
            IllegalStateException taken =
                    assertThrows(IllegalStateException.class, () -> fanout.registerMBean(PLATFORM, name));
            assertTrue(taken.getMessage().contains("already registered"), taken.getMessage());

            registration.close();
            assertFalse(PLATFORM.isRegistered(name));
            assertFalse(registration.isRegistered());
            registration.close(); // idempotent
            assertTrue(PLATFORM.isRegistered(second.objectName()), "only the closed registration went");

            fanout.close();
            assertFalse(PLATFORM.isRegistered(second.objectName()), "closing the fan-out unregisters its MBeans");
        }
        assertEquals(before, fanoutBeans());
    }
}
