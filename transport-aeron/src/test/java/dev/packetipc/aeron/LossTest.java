package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.conformance.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every packet arrives once, in order and intact when the network loses and reorders datagrams: Aeron's NAKs and
 * retransmissions repair the stream below the transport. {@link AeronPeerMain}'s client checks each packet's
 * sequence number, length and bytes as it arrives, and both sides' checksums are compared.
 */
class LossTest {
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final int PACKETS = 3000;

    /**
     * With {@code tc netem} on both ends of a veth pair between two network namespaces: 3% loss, 25% of datagrams
     * reordered (sent ahead of their predecessors, which wait 2 ms). Needs root, {@code ip} and the kernel's netem
     * qdisc; otherwise SKIPPED with the reason.
     */
    @Test
    void netemLossAndReorderingOnAVethPair() throws Exception {
        String why = Namespaces.whyNot();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED: " + why);
        try (Namespaces ns = Namespaces.createOrSkip()) {
            for (String[] side :
                    List.of(new String[] {ns.serverNs, ns.serverLink}, new String[] {ns.clientNs, ns.clientLink})) {
                Namespaces.Result r = ns.inNamespace(
                        side[0], "tc", "qdisc", "add", "dev", side[1], "root", "netem", "delay", "2ms", "reorder",
                        "25%", "50%", "loss", "3%");
                Assumptions.assumeTrue(
                        r.exit() == 0,
                        () -> "SKIPPED: tc netem is not available here (the kernel needs CONFIG_NET_SCH_NETEM): "
                                + r.output());
            }
            String name = "aeron:udp?endpoint=" + Namespaces.SERVER_IP + ":40124";
            Namespaces.Peer server = ns.start(ns.serverNs, "server", name, "finite:" + PACKETS);
            server.awaitLine("NAME ", STEP);
            Namespaces.Peer client = ns.start(ns.clientNs, "client", name, Integer.toString(PACKETS));
            check(
                    client.awaitAny(STEP, "RECEIVED", "RECEIVE-FAILED", "CORRUPT", "FATAL"),
                    server.awaitAny(STEP, "SENT 1 ", "SEND-FAILED", "FATAL"),
                    client.describe() + server.describe());
            checkRepairs(server.awaitLine("REPAIRS 1 ", STEP).substring("REPAIRS 1 ".length()), server.describe());
        }
    }

    /**
     * With Aeron's own loss generators in both JVMs' media drivers (over loopback, on any machine): 5% of the data
     * and of the control frames (status messages, NAKs) each driver receives are dropped.
     */
    @Test
    void aeronLossGeneratorsInBothDrivers() throws Exception {
        List<String> flags = new ArrayList<>(JvmFlags.required());
        flags.add("-Daeron.ReceiveChannelEndpoint.supplier=io.aeron.driver.ext.DebugReceiveChannelEndpointSupplier");
        flags.add("-Daeron.debug.receive.data.loss.rate=0.05");
        flags.add("-Daeron.debug.receive.control.loss.rate=0.05");
        try (ChildJvm server = ChildJvm.start(
                        flags,
                        AeronPeerMain.class,
                        List.of("server", "aeron:udp?endpoint=127.0.0.1:0", "finite:" + PACKETS));
                ChildJvm client = ChildJvm.start(
                        flags,
                        AeronPeerMain.class,
                        List.of("client", server.awaitLine("NAME ", STEP), Integer.toString(PACKETS)))) {
            check(
                    awaitAny(client, "RECEIVED", "RECEIVE-FAILED", "CORRUPT", "FATAL"),
                    awaitAny(server, "SENT 1 ", "SEND-FAILED", "FATAL"),
                    client.describe() + server.describe());
            checkRepairs(server.awaitLine("REPAIRS 1 ", STEP), server.describe());
        }
    }

    private static String awaitAny(ChildJvm child, String... prefixes) throws Exception {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (System.nanoTime() < deadline) {
            String line = child.awaitLine("", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            for (String prefix : prefixes) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }
        throw new AssertionError("no line starting with any of " + List.of(prefixes) + child.describe());
    }

    /** The loss really happened: the server's driver had to retransmit. */
    private static void checkRepairs(String retransmits, String describe) {
        long n = Long.parseLong(retransmits.trim());
        System.out.println("[aeron loss] the server's driver retransmitted " + n + " times");
        assertTrue(n > 0, "no retransmission: no loss was injected" + describe);
    }

    private static void check(String received, String sent, String describe) {
        assertTrue(received.startsWith("RECEIVED " + PACKETS + " "), received + describe);
        assertTrue(sent.startsWith("SENT 1 " + PACKETS + " "), sent + describe);
        assertEquals(sent.substring("SENT 1 ".length()), received.substring("RECEIVED ".length()), "checksums");
    }
}
