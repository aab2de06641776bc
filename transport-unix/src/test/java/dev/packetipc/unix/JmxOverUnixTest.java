package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.ConnectionMetrics;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.jmx.IpcMBeans;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link IpcOptions#JMX} over Unix domain sockets (the ring on, the default, and plain socket framing): the server's,
 * connection's and client's MBeans read the counters exactly, and are gone after close. Through {@link PacketIpc} and
 * through {@link IpcMBeans#managed} around a transport made with its constructor.
 */
@Timeout(120)
class JmxOverUnixTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();

    @Test
    void throughPacketIpcWithTheRing() throws Exception {
        check(
                PacketIpc.transport(UnixTransport.ID),
                IpcOptions.builder().set(IpcOptions.JMX, true).build());
    }

    @Test
    void aroundATransportMadeWithItsConstructorOnSocketFraming() throws Exception {
        check(
                IpcMBeans.managed(new UnixTransport()),
                IpcOptions.builder()
                        .set(IpcOptions.JMX, true)
                        .set(IpcOptions.RING_BYTES, 0)
                        .build());
    }

    private static void check(IpcTransport transport, IpcOptions options) throws Exception {
        List<Packet> packets = Streams.packets(8, 11);
        long bytes = packets.stream().mapToLong(p -> p.data().remaining()).sum();
        Server server = transport.newServer(options);
        String name = server.name();
        ObjectName serverBean = IpcMBeans.serverObjectName(name);
        ObjectName connectionBean = IpcMBeans.connectionObjectName(name, 1);
        ObjectName clients = new ObjectName(IpcMBeans.DOMAIN + ":type=Client,server=" + ObjectName.quote(name) + ",*");
        try {
            assertTrue(MBEANS.isRegistered(serverBean));
            assertEquals("unix", MBEANS.getAttribute(serverBean, "Transport"));
            CompletableFuture<Connection> accepted = server.acceptAsync();
            Client client = transport.connect(name, options);
            Connection connection = accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            try {
                assertTrue(MBEANS.isRegistered(connectionBean));
                Set<ObjectName> clientBeans = MBEANS.queryNames(clients, null);
                assertEquals(1, clientBeans.size(), clientBeans.toString());
                ObjectName clientBean = clientBeans.iterator().next();
                assertEquals(1L, MBEANS.getAttribute(serverBean, "ConnectionsAccepted"));
                assertEquals(1, MBEANS.getAttribute(serverBean, "ConnectionsOpen"));

                int batches = 0;
                for (int from = 0; from < packets.size(); from += 3, batches++) {
                    connection.send(packets.subList(from, Math.min(packets.size(), from + 3)), WAIT);
                }
                List<IpcPacket> received = new ArrayList<>();
                while (received.size() < packets.size()) {
                    Optional<List<IpcPacket>> batch = client.receivePackets(100, WAIT);
                    received.addAll(batch.orElseThrow());
                }
                assertEquals(Streams.crc(packets), Streams.crc(received));

                assertEquals((long) packets.size(), MBEANS.getAttribute(connectionBean, "PacketsSent"));
                assertEquals(bytes, MBEANS.getAttribute(connectionBean, "BytesSent"));
                assertEquals((long) batches, MBEANS.getAttribute(connectionBean, "BatchesSent"));
                ConnectionMetrics metrics = connection.metrics();
                assertTrue(metrics.sendWaitNanos() >= 0, "the unix transport measures send waits: " + metrics);
                assertEquals(metrics.sendWaitNanos(), MBEANS.getAttribute(connectionBean, "SendWaitNanos"));
                assertTrue((Long) MBEANS.getAttribute(connectionBean, "BytesQueued") >= 0, metrics.toString());
                assertEquals(true, MBEANS.getAttribute(connectionBean, "Open"));
                assertEquals((long) packets.size(), MBEANS.getAttribute(clientBean, "PacketsReceived"));
                assertEquals(bytes, MBEANS.getAttribute(clientBean, "BytesReceived"));
                assertEquals(false, MBEANS.getAttribute(clientBean, "EndOfStreamReceived"));

                connection.sendEnd();
                assertEquals(Optional.empty(), client.receivePackets(1, WAIT));
                assertEquals(true, MBEANS.getAttribute(clientBean, "EndOfStreamReceived"));
                client.close();
                assertFalse(MBEANS.isRegistered(clientBean));
                connection.close();
                assertFalse(MBEANS.isRegistered(connectionBean));
                assertEquals(0, MBEANS.getAttribute(serverBean, "ConnectionsOpen"));
            } finally {
                client.close();
                connection.close();
            }
        } finally {
            server.close();
        }
        assertFalse(MBEANS.isRegistered(serverBean));
        assertEquals(Set.of(), MBEANS.queryNames(clients, null));
    }
}
