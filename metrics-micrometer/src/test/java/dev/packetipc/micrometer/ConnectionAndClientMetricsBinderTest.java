package dev.packetipc.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.ConnectionMetrics;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@link ConnectionMetricsBinder} and {@link ClientMetricsBinder} against a {@link SimpleMeterRegistry}, with real
 * connections: over the in-process transport, and over Unix domain sockets, which also measure send waits and queued
 * bytes.
 */
@Timeout(60)
class ConnectionAndClientMetricsBinderTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Batch b (from 1) has b packets; packet i has {@code 1 + i * 37 % 3000} bytes. */
    private static List<List<Packet>> batches(int batches) {
        List<List<Packet>> all = new ArrayList<>();
        int i = 0;
        for (int b = 1; b <= batches; b++) {
            List<Packet> batch = new ArrayList<>();
            for (int k = 0; k < b; k++, i++) {
                batch.add(Packet.of(i, new byte[1 + i * 37 % 3000]));
            }
            all.add(batch);
        }
        return all;
    }

    private static double counter(SimpleMeterRegistry registry, String meter, String tag, String value) {
        return registry.get(meter).tag(tag, value).functionCounter().count();
    }

    private static double gauge(SimpleMeterRegistry registry, String meter, String tag, String value) {
        return registry.get(meter).tag(tag, value).gauge().value();
    }

    /**
     * Binds before anything is sent, so every figure checked is read at scrape time; checks the meters equal what was
     * sent and received, exactly.
     */
    private static void sendAndCheck(String transport) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Server server = PacketIpc.transport(transport).newServer()) {
            CompletableFuture<Connection> accepting = server.acceptAsync();
            Client client = PacketIpc.connect(server.name());
            Connection connection = accepting.get(10, TimeUnit.SECONDS);
            new ConnectionMetricsBinder(connection, "c", Tags.of("site", "lab")).bindTo(registry);
            new ClientMetricsBinder(client, "r", Tags.of("site", "lab")).bindTo(registry);
            assertEquals(0, counter(registry, ConnectionMetricsBinder.PACKETS, "connection", "c"));
            assertEquals(0, counter(registry, ClientMetricsBinder.PACKETS, "client", "r"));
            assertEquals(1, gauge(registry, ConnectionMetricsBinder.OPEN, "connection", "c"));
            assertEquals(0, gauge(registry, ClientMetricsBinder.END, "client", "r"));

            List<List<Packet>> sent = batches(20);
            long packets = 0;
            long bytes = 0;
            for (List<Packet> batch : sent) {
                connection.send(batch);
                packets += batch.size();
                for (Packet p : batch) {
                    bytes += p.data().remaining();
                }
            }
            connection.sendEnd();
            assertEquals(packets, counter(registry, ConnectionMetricsBinder.PACKETS, "connection", "c"));
            assertEquals(bytes, counter(registry, ConnectionMetricsBinder.BYTES, "connection", "c"));
            assertEquals(20, counter(registry, ConnectionMetricsBinder.BATCHES, "connection", "c"));
            assertEquals(
                    "bytes",
                    registry.get(ConnectionMetricsBinder.BYTES)
                            .functionCounter()
                            .getId()
                            .getBaseUnit());
            assertEquals(
                    "lab",
                    registry.get(ConnectionMetricsBinder.PACKETS)
                            .functionCounter()
                            .getId()
                            .getTag("site"));

            long received = 0;
            long receivedBytes = 0;
            Optional<List<dev.packetipc.IpcPacket>> got;
            while ((got = client.receivePackets(1024, WAIT)).isPresent()) {
                for (dev.packetipc.IpcPacket p : got.get()) {
                    received++;
                    receivedBytes += p.length();
                }
            }
            assertEquals(packets, received);
            assertEquals(received, counter(registry, ClientMetricsBinder.PACKETS, "client", "r"));
            assertEquals(receivedBytes, counter(registry, ClientMetricsBinder.BYTES, "client", "r"));
            assertEquals(1, gauge(registry, ClientMetricsBinder.END, "client", "r"));

            ConnectionMetrics metrics = connection.metrics();
            if (metrics.sendWaitNanos() >= 0) {
                assertEquals(
                        metrics.sendWaitNanos() / 1e9,
                        counter(registry, ConnectionMetricsBinder.SEND_WAIT, "connection", "c"),
                        1e-3,
                        "send waits only while the client lags, and it does not lag any more");
                assertEquals(
                        "seconds",
                        registry.get(ConnectionMetricsBinder.SEND_WAIT)
                                .functionCounter()
                                .getId()
                                .getBaseUnit());
            } else {
                assertNull(registry.find(ConnectionMetricsBinder.SEND_WAIT).meter(), transport);
            }
            if (metrics.bytesQueued() < 0) {
                assertNull(registry.find(ConnectionMetricsBinder.QUEUED).meter(), transport);
            } else {
                double queued = gauge(registry, ConnectionMetricsBinder.QUEUED, "connection", "c");
                assertTrue(queued >= 0, "queued " + queued);
            }
            connection.close();
            assertEquals(0, gauge(registry, ConnectionMetricsBinder.OPEN, "connection", "c"));
            assertEquals(packets, counter(registry, ConnectionMetricsBinder.PACKETS, "connection", "c"));
            client.close();
        }
    }

    @Test
    void overTheInProcessTransportTheMetersAreTheCountersAndUnmeasuredOnesAreLeftOut() throws Exception {
        sendAndCheck("inprocess");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void overUnixDomainSocketsTheMetersAreTheCountersWithSendWaitAndQueuedBytes() throws Exception {
        sendAndCheck("unix");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Server server = PacketIpc.transport("unix").newServer()) {
            CompletableFuture<Connection> accepting = server.acceptAsync();
            Client client = PacketIpc.connect(server.name());
            Connection connection = accepting.get(10, TimeUnit.SECONDS);
            new ConnectionMetricsBinder(connection, "c").bindTo(registry);
            assertTrue(
                    registry.find(ConnectionMetricsBinder.SEND_WAIT).functionCounter() != null,
                    "the unix transport measures send waits");
            assertTrue(
                    registry.find(ConnectionMetricsBinder.QUEUED).gauge() != null,
                    "the unix transport knows the queued bytes");
            assertTrue(client.metrics().packetsReceived() == 0);
            connection.close();
            client.close();
        }
    }
}
