package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Aeron baselines: over IPC one media driver per pair, also for the round trip's answers; over UDP a driver per
 * side on loopback, each large packet fragmented by Aeron and read whole.
 */
class AeronMediumTest {
    @Test
    void theAnsweringSideUsesTheServersDriver() throws Exception {
        Workload rtt = Workload.roundTrip(64);
        try (AeronMedium server = new AeronMedium(false);
                AeronMedium client = new AeronMedium(false)) {
            Listener pings = server.listen(rtt);
            String driver = directory(pings.address());
            assertTrue(Files.isDirectory(Path.of(driver)), "the server started a driver in " + driver);
            client.peer(pings.address());
            Listener answers = client.listen(rtt);
            assertEquals(driver, directory(answers.address()), "the client JVM must not start a second driver");
            assertNotEquals(stream(pings.address()), stream(answers.address()), "one driver, two stream ids");
            answers.close();
            pings.close();
        }
    }

    @ParameterizedTest(name = "udp={0}")
    @ValueSource(booleans = {false, true})
    void aPacketLargerThanOneFragmentArrivesWholeAndVerified(boolean udp) throws Exception {
        Workload workload = Workload.throughput(65536, 4, 1, Consume.Mode.VERIFY);
        try (AeronMedium server = new AeronMedium(udp);
                AeronMedium client = new AeronMedium(udp)) {
            Listener listener = server.listen(workload);
            try (Inbound inbound = client.connect(listener.address(), 0, workload);
                    Outbound outbound = listener.accept(0)) {
                Batch batch = new Batch(4, 65536, true, Batch.Fault.NONE);
                Tally tally = new Tally();
                long deadline = System.nanoTime() + 30_000_000_000L;
                for (int send = 0; send < 3; send++) {
                    batch.stamp();
                    outbound.send(batch);
                    while (tally.packets() < 4L * (send + 1)) {
                        inbound.receive(tally);
                        assertTrue(System.nanoTime() < deadline, "no packets within 30 s");
                    }
                }
                outbound.end();
                while (inbound.receive(tally) != Inbound.END) {
                    assertTrue(System.nanoTime() < deadline, "no end within 30 s");
                }
                assertEquals(12, tally.packets());
                assertEquals(12L * 65536, tally.bytes());
                assertEquals(12, inbound.consume().verified());
            }
            listener.close();
        }
    }

    @Test
    void overUdpEachStreamHasItsOwnPortAndTheAddressNamesThem() throws Exception {
        Workload two = Workload.throughput(64, 16, 2, Consume.Mode.TOUCH);
        try (AeronMedium server = new AeronMedium(true)) {
            Listener listener = server.listen(two);
            String[] parts = listener.address().split(",");
            assertEquals("udp", parts[0], listener.address());
            assertEquals(4, parts.length, listener.address());
            assertNotEquals(parts[2], parts[3], "two clients, two ports: " + listener.address());
            listener.close();
        }
    }

    private static String directory(String address) {
        return address.substring(0, address.lastIndexOf(','));
    }

    private static String stream(String address) {
        return address.substring(address.lastIndexOf(',') + 1);
    }
}
