package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Aeron baseline: one media driver per pair, also for the round trip's answers. */
class AeronMediumTest {
    @Test
    void theAnsweringSideUsesTheServersDriver() throws Exception {
        Workload rtt = Workload.roundTrip(64);
        try (AeronMedium server = new AeronMedium();
                AeronMedium client = new AeronMedium()) {
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

    @Test
    void aPacketLargerThanOneFragmentArrivesWholeAndVerified() throws Exception {
        Workload workload = Workload.throughput(65536, 4, 1, Consume.Mode.VERIFY);
        try (AeronMedium server = new AeronMedium();
                AeronMedium client = new AeronMedium()) {
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

    private static String directory(String address) {
        return address.substring(0, address.lastIndexOf(','));
    }

    private static String stream(String address) {
        return address.substring(address.lastIndexOf(',') + 1);
    }
}
