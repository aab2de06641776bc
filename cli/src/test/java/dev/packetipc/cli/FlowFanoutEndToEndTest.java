package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CaptureWriter;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --workers 3} splits one capture among three {@code receive} processes by flow: every packet arrives
 * at exactly one receiver, both directions of a flow at the same one, in the capture's order, byte for byte.
 */
class FlowFanoutEndToEndTest {
    private static final int WORKERS = 3;
    private static final Pattern SERVE_WORKER =
            Pattern.compile("serve: worker (\\d+): packets (\\d+), bytes (\\d+), batches (\\d+), dropped (\\d+),.*");
    private static final Pattern RECEIVE_COUNTERS =
            Pattern.compile("receive: counters: packets (\\d+), bytes (\\d+), batches (\\d+),.*");

    @TempDir
    Path dir;

    /** A capture: the packets, and for each the flow it belongs to (-1: not IP). */
    record Synthetic(List<CapturedPacket> packets, List<Integer> flows, int flowCount) {}

    /**
     * 300 flows, half TCP and half UDP, each between its own pair of hosts, packets of both directions interleaved
     * across flows, and some ARP packets (not IP) between them. Every packet has its own timestamp, which names it.
     */
    private static Synthetic synthetic() {
        List<CapturedPacket> packets = new ArrayList<>();
        List<Integer> flows = new ArrayList<>();
        int flowCount = 300;
        long time = 1_800_000_000_000_000_000L;
        for (int round = 0; round < 8; round++) {
            for (int flow = 0; flow < flowCount; flow++) {
                boolean reply = ((round + flow) & 1) == 1;
                packets.add(new CapturedPacket(time++, ipv4(flow, reply, round), 1));
                flows.add(flow);
                if (flow % 50 == 7) {
                    packets.add(new CapturedPacket(time++, arp(flow + round), 1));
                    flows.add(-1);
                }
            }
        }
        return new Synthetic(packets, flows, flowCount);
    }

    /** Ethernet, IPv4, then TCP (even flows) or UDP (odd flows) between 10.a.b.1:port and 10.a.b.2:443. */
    private static byte[] ipv4(int flow, boolean reply, int round) {
        boolean tcp = flow % 2 == 0;
        int l4 = tcp ? 20 : 8;
        int payload = 10 + (flow * 7 + round * 13) % 90;
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4 + payload);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        int[] client = {10, flow >> 8, flow & 0xFF, 1};
        int[] server = {10, flow >> 8, flow & 0xFF, 2};
        int clientPort = 40000 + flow;
        int[] src = reply ? server : client;
        int[] dst = reply ? client : server;
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4 + payload)).putInt(0);
        b.put((byte) 64).put((byte) (tcp ? 6 : 17)).putShort((short) 0);
        for (int octet : src) {
            b.put((byte) octet);
        }
        for (int octet : dst) {
            b.put((byte) octet);
        }
        b.putShort((short) (reply ? 443 : clientPort)).putShort((short) (reply ? clientPort : 443));
        if (tcp) {
            b.putInt(round)
                    .putInt(0)
                    .putShort((short) 0x5010)
                    .putShort((short) 1024)
                    .putInt(0);
        } else {
            b.putShort((short) (8 + payload)).putShort((short) 0);
        }
        while (b.hasRemaining()) {
            b.put((byte) (flow * 31 + round + b.position()));
        }
        return b.array();
    }

    /** An Ethernet ARP request: no flow. */
    private static byte[] arp(int n) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0806);
        b.putShort((short) 1)
                .putShort((short) 0x0800)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) 1);
        b.put(new byte[] {2, 0, 0, 0, 0, 1}).putInt(0x0A000001);
        b.put(new byte[6]).putInt(0x0A000000 + n);
        return b.array();
    }

    @Test
    void threeReceiversGetEveryPacketOnceWithEachFlowWhole() throws Exception {
        Synthetic input = synthetic();
        Path capture = dir.resolve("flows.pcap");
        try (OutputStream out = Files.newOutputStream(capture);
                CaptureWriter writer = CaptureWriter.create("pcap", out, 1)) {
            for (CapturedPacket packet : input.packets()) {
                writer.write(packet.timestampNanos(), packet.data());
            }
        }
        fanOutAndCheck(capture, input, "UDP_BY_ADDRESSES");
    }

    /**
     * A real capture: tcpdump records 150 TCP connections and 100 UDP flows (a datagram each way, twice) on the
     * loopback interface; with the five-tuple rule every flow is at one receiver, both directions together, and no
     * receiver has more than 1.5x its fair share of the flows.
     */
    @Test
    void aTcpdumpCaptureOfHundredsOfTcpAndUdpFlowsIsSplitByFlowFairly() throws Exception {
        String missing = Tools.missing("tcpdump");
        assumeTrue(missing == null, missing);
        Path capture = dir.resolve("loopback.pcap");
        String failure = LoopbackFlows.capture(capture, 150, 100);
        assumeTrue(failure == null, () -> "SKIPPED: tcpdump could not capture on lo here: " + failure);
        Synthetic input = LoopbackFlows.read(capture);
        assertTrue(input.flowCount() >= 200, "only " + input.flowCount() + " flows were captured");
        int[] flows = fanOutAndCheck(capture, input, "FIVE_TUPLE");
        for (int r = 0; r < WORKERS; r++) {
            assertTrue(
                    flows[r] <= 1.5 * input.flowCount() / WORKERS,
                    "receiver " + r + " has " + flows[r] + " of " + input.flowCount() + " flows: "
                            + java.util.Arrays.toString(flows));
        }
    }

    /**
     * Runs {@code serve --workers 3 --flow-rule RULE} on the capture with three receivers and checks what they
     * wrote against the input; returns how many flows each receiver got.
     */
    private int[] fanOutAndCheck(Path capture, Synthetic input, String rule) throws Exception {
        Cli.Running serve = new Cli.Running(Cli.start(
                Cli.command(
                        "serve",
                        "--pcap",
                        capture.toString(),
                        "--workers",
                        "" + WORKERS,
                        "--flow-rule",
                        rule,
                        "--accept-timeout",
                        "120"),
                null,
                Map.of()));
        String name = serve.awaitStdout("");
        serve.awaitStderr("serve: splitting the capture by flow (" + rule + ", LINKTYPE_ETHERNET) among 3");
        List<Process> receivers = new ArrayList<>();
        for (int r = 0; r < WORKERS; r++) {
            receivers.add(Cli.start(
                    Cli.command("receive", name, "--linktype", "1", "--out", out(r).toString()), null, Map.of()));
        }
        List<Cli.Result> received = new ArrayList<>();
        for (Process receiver : receivers) {
            received.add(Cli.finish(receiver));
        }
        Cli.Result served = serve.finish();
        assertEquals(0, served.exitCode(), served::toString);
        for (Cli.Result result : received) {
            assertEquals(0, result.exitCode(), result::toString);
        }

        // Packets are told apart by timestamp and content; equal ones are taken in capture order.
        Map<String, java.util.ArrayDeque<Integer>> indexOf = new HashMap<>();
        for (int i = 0; i < input.packets().size(); i++) {
            indexOf.computeIfAbsent(identity(input.packets().get(i)), k -> new java.util.ArrayDeque<>())
                    .add(i);
        }
        int[] receiverOf = new int[input.packets().size()];
        java.util.Arrays.fill(receiverOf, -1);
        int[] receiverOfFlow = new int[input.flowCount()];
        java.util.Arrays.fill(receiverOfFlow, -1);
        long[] packetsAt = new long[WORKERS];
        for (int r = 0; r < WORKERS; r++) {
            List<CapturedPacket> got = read(out(r));
            CRC32C sent = new CRC32C();
            CRC32C arrived = new CRC32C();
            int previous = -1;
            for (CapturedPacket packet : got) {
                java.util.ArrayDeque<Integer> candidates = indexOf.get(identity(packet));
                assertTrue(
                        candidates != null && !candidates.isEmpty(),
                        "receiver " + r + " got a packet that was not sent, or got it twice: " + packet);
                int index = candidates.poll();
                receiverOf[index] = r;
                assertTrue(index > previous, "receiver " + r + " got packet " + index + " after " + previous);
                previous = index;
                CapturedPacket original = input.packets().get(index);
                assertArrayEquals(original.bytes(), packet.bytes(), "packet " + index);
                assertEquals(original.timestampNanos(), packet.timestampNanos(), "packet " + index);
                sent.update(original.bytes());
                arrived.update(packet.bytes());
                int flow = input.flows().get(index);
                if (flow >= 0) {
                    assertTrue(
                            receiverOfFlow[flow] == -1 || receiverOfFlow[flow] == r,
                            "flow " + flow + " went to receivers " + receiverOfFlow[flow] + " and " + r);
                    receiverOfFlow[flow] = r;
                }
            }
            assertEquals(sent.getValue(), arrived.getValue(), "checksum at receiver " + r);
            packetsAt[r] = got.size();
            long bytes = got.stream().mapToLong(p -> p.bytes().length).sum();
            Matcher counters = match(RECEIVE_COUNTERS, received.get(r).stderrLines());
            assertNotNull(counters, received.get(r)::toString);
            assertEquals(got.size(), Long.parseLong(counters.group(1)), received.get(r)::toString);
            assertEquals(bytes, Long.parseLong(counters.group(2)), received.get(r)::toString);
        }
        for (int i = 0; i < receiverOf.length; i++) {
            assertTrue(receiverOf[i] >= 0, "packet " + i + " arrived nowhere");
        }
        int[] flowsAt = new int[WORKERS];
        for (int at : receiverOfFlow) {
            if (at >= 0) {
                flowsAt[at]++;
            }
        }
        for (int r = 0; r < WORKERS; r++) {
            assertTrue(flowsAt[r] > 0, "receiver " + r + " got no flow of " + input.flowCount());
        }
        // serve's counters: one line per worker, summing to what was sent, each equal to one receiver's count.
        long total = 0;
        List<Long> workerPackets = new ArrayList<>();
        for (String line : served.stderrLines()) {
            Matcher m = SERVE_WORKER.matcher(line);
            if (m.matches()) {
                workerPackets.add(Long.parseLong(m.group(2)));
                total += Long.parseLong(m.group(2));
                assertEquals("0", m.group(5), line);
            }
        }
        assertEquals(WORKERS, workerPackets.size(), served::toString);
        assertEquals(input.packets().size(), total, served::toString);
        List<Long> atReceivers = new ArrayList<>();
        for (long p : packetsAt) {
            atReceivers.add(p);
        }
        workerPackets.sort(null);
        atReceivers.sort(null);
        assertEquals(workerPackets, atReceivers, served::toString);
        assertTrue(served.stderr().contains("serve: sent " + input.packets().size() + " packets"), served::toString);
        return flowsAt;
    }

    private static String identity(CapturedPacket packet) {
        return packet.timestampNanos() + ":" + packet.bytes().length + ":" + java.util.Arrays.hashCode(packet.bytes());
    }

    @Test
    void aWorkerCountOutOfRangeIsAUsageError() throws Exception {
        Cli.Result result = Cli.run("serve", "--pcap", "-", "--workers", "0");
        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("--workers must be 1 to 1024, was 0"), result::toString);
    }

    private Path out(int receiver) {
        return dir.resolve("worker-" + receiver + ".pcap");
    }

    private static Matcher match(Pattern pattern, List<String> lines) {
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.matches()) {
                return m;
            }
        }
        return null;
    }

    private static List<CapturedPacket> read(Path file) throws IOException {
        try (CaptureReader reader = CaptureReader.open(file.toString())) {
            List<CapturedPacket> packets = new ArrayList<>();
            CapturedPacket packet;
            while ((packet = reader.next()) != null) {
                packets.add(packet);
            }
            assertNull(reader.next());
            return packets;
        }
    }
}
