package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transport across a real network interface: server and client JVMs in two network namespaces joined by a veth
 * pair (10.77.0.1 and 10.77.0.2), so that packets leave through a network device rather than loopback. Needs root
 * and the {@code ip} command; otherwise SKIPPED with the reason.
 */
class AcrossNamespacesTest {
    private static final Duration STEP = Duration.ofSeconds(90);
    /**
     * The longest the client may take to report the cut: Aeron's image liveness timeout (10 s by default) after the
     * last frame, plus the time for the poll loop to see it, plus a wide margin for a loaded machine.
     */
    private static final Duration CUT_REPORTED_WITHIN = Duration.ofSeconds(30);

    private static Namespaces ns;

    @BeforeAll
    static void createNamespaces() throws Exception {
        String why = Namespaces.whyNot();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED: " + why);
        ns = Namespaces.createOrSkip();
    }

    @AfterAll
    static void removeNamespaces() {
        if (ns != null) {
            ns.close();
        }
    }

    /**
     * A stream crosses the link intact (checksums of both sides agree); cutting the link mid-stream gives the client
     * a {@link dev.packetipc.PeerGoneException} within a bounded time and the server a failed send; once the link is
     * back a new client connects to the same server and gets its stream intact.
     */
    @Test
    void streamsCutsAndReconnectsAcrossAVethPair() throws Exception {
        String name = "aeron:udp?endpoint=" + Namespaces.SERVER_IP + ":40123";
        Namespaces.Peer server = ns.start(ns.serverNs, "server", name, "finite:6000", "forever", "finite:3000");
        String serverName = server.awaitLine("NAME ", STEP).substring(5);
        assertEquals(name, serverName, "the server's name is the channel it was given");

        // 1. A finite stream, verified packet by packet and by checksum.
        Namespaces.Peer first = ns.start(ns.clientNs, "client", serverName, "6000");
        String received = first.awaitAny(STEP, "RECEIVED", "RECEIVE-FAILED", "CORRUPT", "FATAL");
        String sent = server.awaitLine("SENT 1 ", STEP);
        assertTrue(received.startsWith("RECEIVED 6000 "), received + first.describe());
        assertEquals(sent.substring("SENT 1 ".length()), received.substring("RECEIVED ".length()), "checksums");
        assertEquals(0, first.awaitExit(STEP), first.describe());

        // 2. An endless stream, cut in the middle.
        Namespaces.Peer second = ns.start(ns.clientNs, "client", serverName, "-1");
        second.awaitLine("PROGRESS 10000", STEP);
        long cut = System.nanoTime();
        ns.linkUp(false);
        String failed = second.awaitAny(STEP, "RECEIVE-FAILED", "RECEIVED", "CORRUPT", "FATAL");
        Duration took = Duration.ofNanos(System.nanoTime() - cut);
        assertTrue(failed.startsWith("RECEIVE-FAILED PeerGoneException"), failed + second.describe());
        assertTrue(
                took.compareTo(CUT_REPORTED_WITHIN) < 0,
                "the client reported the cut link only after " + took + ": " + failed);
        System.out.println("[aeron netns] the client saw the cut after " + took.toMillis() + " ms: " + failed);
        String serverSaw = server.awaitLine("SEND-FAILED 2 ", STEP);
        assertTrue(serverSaw.contains("PeerGoneException"), serverSaw + server.describe());
        System.out.println("[aeron netns] the server saw: " + serverSaw);
        assertEquals(0, second.awaitExit(STEP), second.describe());

        // 3. The link back: a new client of the same server gets its stream intact.
        ns.linkUp(true);
        Namespaces.Peer third = ns.start(ns.clientNs, "client", serverName, "3000");
        String again = third.awaitAny(STEP, "RECEIVED", "RECEIVE-FAILED", "CORRUPT", "FATAL");
        String sentAgain = server.awaitLine("SENT 3 ", STEP);
        assertTrue(again.startsWith("RECEIVED 3000 "), again + third.describe());
        assertEquals(sentAgain.substring("SENT 3 ".length()), again.substring("RECEIVED ".length()), "checksums");
        assertEquals(0, server.awaitExit(STEP), server.describe());
    }
}
