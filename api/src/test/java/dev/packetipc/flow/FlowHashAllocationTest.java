package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.flow.Packets.Dress;
import dev.packetipc.flow.Packets.Ext;
import dev.packetipc.flow.Packets.Flow;
import dev.packetipc.flow.Packets.Frag;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FlowHash} allocates nothing per packet, whatever the packet's shape. */
class FlowHashAllocationTest {
    @Test
    void hashingAllocatesNothing() {
        assumeTrue(
                ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM does not count allocated bytes per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Flow v4 = new Flow(false, 0, 0x0A000001L, 0, 0x0A000002L, Packets.TCP, 40000, 443);
        Flow v6 = new Flow(true, 0x20010DB8L << 32, 1, 0x20010DB8L << 32, 2, Packets.UDP, 53, 5353);
        ByteBuffer[] packets = {
            ByteBuffer.wrap(Packets.build(
                            LinkTypes.LINKTYPE_ETHERNET,
                            v4,
                            new Dress(false, List.of(0x8100, 0x88A8), 2, true, List.of(), List.of(1), Frag.NONE, 20, 1))
                    .bytes()),
            ByteBuffer.allocateDirect(200),
            ByteBuffer.wrap(Packets.build(
                            LinkTypes.LINKTYPE_ETHERNET,
                            v6,
                            new Dress(
                                    true,
                                    List.of(0x8100),
                                    0,
                                    false,
                                    List.of(Ext.HOP_BY_HOP, Ext.ROUTING, Ext.AH, Ext.DESTINATION),
                                    List.of(1, 2),
                                    Frag.FIRST,
                                    20,
                                    2))
                    .bytes()),
            ByteBuffer.wrap(Packets.arp(LinkTypes.LINKTYPE_ETHERNET, 3)),
        };
        packets[1].put(packets[0].duplicate()).flip();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) { // warm up, so that what is measured is the compiled path too
            sink += hashAll(packets);
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            sink += hashAll(packets);
        }
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(allocated < 4096, allocated + " bytes allocated for 400000 packets (sink " + sink + ")");
    }

    private static long hashAll(ByteBuffer[] packets) {
        long sum = 0;
        for (ByteBuffer packet : packets) {
            sum += FlowHash.hash(packet, 0, packet.limit(), LinkTypes.LINKTYPE_ETHERNET, FlowRule.FIVE_TUPLE);
        }
        return sum;
    }
}
