package dev.packetipc.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link IpcOptions#JMX} over the in-process transport: what is registered, under which names, and when it goes. */
@Timeout(60)
class JmxRegistrationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final IpcOptions JMX =
            IpcOptions.builder().set(IpcOptions.JMX, true).build();
    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();

    /** Batches of 1, 2, ... {@code batches} packets, packet i of {@code 10 + i % 50} bytes. */
    static List<List<Packet>> batches(int batches) {
        List<List<Packet>> all = new ArrayList<>();
        int i = 0;
        for (int b = 1; b <= batches; b++) {
            List<Packet> batch = new ArrayList<>();
            for (int k = 0; k < b; k++, i++) {
                batch.add(Packet.of(i, new byte[10 + i % 50]));
            }
            all.add(batch);
        }
        return all;
    }

    static long bytes(List<List<Packet>> batches) {
        return batches.stream()
                .flatMap(List::stream)
                .mapToLong(p -> p.data().remaining())
                .sum();
    }

    static long packets(List<List<Packet>> batches) {
        return batches.stream().mapToLong(List::size).sum();
    }

    /** Every packet-ipc MBean name that names this server, itself included. */
    static Set<String> namesOf(String serverName) throws Exception {
        Set<String> names = new TreeSet<>();
        String quoted = ObjectName.quote(serverName);
        for (String pattern : List.of("type=Server,name=" + quoted, "server=" + quoted + ",*")) {
            for (ObjectName name : MBEANS.queryNames(new ObjectName(IpcMBeans.DOMAIN + ":" + pattern), null)) {
                names.add(name.getCanonicalName());
            }
        }
        return names;
    }

    static Object attribute(ObjectName name, String attribute) throws Exception {
        return MBEANS.getAttribute(name, attribute);
    }

    static long drain(Client client, long packets) throws Exception {
        long got = 0;
        while (got < packets) {
            got += client.receivePackets(1024, WAIT).orElseThrow().size();
        }
        return got;
    }

    @Test
    void aServerItsConnectionsAndItsClientsAreMBeansWhoseAttributesAreTheirCounters() throws Exception {
        Server server = PacketIpc.transport("inprocess").newServer(JMX);
        try {
            String name = server.name();
            ObjectName serverBean = IpcMBeans.serverObjectName(name);
            assertEquals(Set.of(serverBean.getCanonicalName()), namesOf(name));
            assertEquals(name, attribute(serverBean, "Name"));
            assertEquals("inprocess", attribute(serverBean, "Transport"));
            assertEquals(0L, attribute(serverBean, "ConnectionsAccepted"));

            Client client1 = PacketIpc.connect(name, JMX);
            Connection connection1 = server.accept(WAIT);
            Client client2 = PacketIpc.connect(name, JMX);
            Connection connection2 = server.acceptAsync().get(10, TimeUnit.SECONDS);
            ObjectName c1 = IpcMBeans.connectionObjectName(name, 1);
            ObjectName c2 = IpcMBeans.connectionObjectName(name, 2);
            Set<String> clients = new TreeSet<>();
            for (ObjectName n : MBEANS.queryNames(
                    new ObjectName(IpcMBeans.DOMAIN + ":type=Client,server=" + ObjectName.quote(name) + ",*"), null)) {
                clients.add(n.getCanonicalName());
            }
            assertEquals(2, clients.size(), clients.toString());
            assertEquals(3 + 2, namesOf(name).size(), namesOf(name).toString());
            assertTrue(
                    MBEANS.isRegistered(c1) && MBEANS.isRegistered(c2),
                    namesOf(name).toString());
            assertEquals(2L, attribute(serverBean, "ConnectionsAccepted"));
            assertEquals(2, attribute(serverBean, "ConnectionsOpen"));

            List<List<Packet>> sent = batches(12);
            for (List<Packet> batch : sent) {
                connection1.send(batch);
            }
            connection2.send(sent.get(2));
            assertEquals(packets(sent), drain(client1, packets(sent)));
            assertEquals(3, drain(client2, 3));

            assertEquals(78L, attribute(c1, "PacketsSent"));
            assertEquals(bytes(sent), attribute(c1, "BytesSent"));
            assertEquals(12L, attribute(c1, "BatchesSent"));
            assertEquals(connection1.metrics().sendWaitNanos(), attribute(c1, "SendWaitNanos"));
            assertEquals(connection1.metrics().bytesQueued(), attribute(c1, "BytesQueued"));
            assertEquals(true, attribute(c1, "Open"));
            assertEquals(name, attribute(c1, "ServerName"));
            assertEquals("inprocess", attribute(c1, "Transport"));
            assertEquals(3L, attribute(c2, "PacketsSent"));
            assertEquals(1L, attribute(c2, "BatchesSent"));

            ObjectName client1Bean = clientBean(name, client1, clients);
            assertEquals(78L, attribute(client1Bean, "PacketsReceived"));
            assertEquals(bytes(sent), attribute(client1Bean, "BytesReceived"));
            assertEquals(false, attribute(client1Bean, "EndOfStreamReceived"));
            assertEquals("inprocess", attribute(client1Bean, "Transport"));
            connection1.sendEnd();
            assertEquals(Optional.empty(), client1.receivePackets(1, WAIT));
            assertEquals(true, attribute(client1Bean, "EndOfStreamReceived"));

            connection1.close();
            assertFalse(MBEANS.isRegistered(c1));
            assertEquals(1, attribute(serverBean, "ConnectionsOpen"));
            assertEquals(2L, attribute(serverBean, "ConnectionsAccepted"));
            client1.close();
            assertFalse(MBEANS.isRegistered(client1Bean));
            assertEquals(3, namesOf(name).size(), namesOf(name).toString());

            server.close();
            assertFalse(MBEANS.isRegistered(serverBean));
            assertTrue(MBEANS.isRegistered(c2), "an accepted connection outlives its server, and so does its MBean");
            connection2.close();
            client2.close();
            connection2.close(); // idempotent
            assertEquals(Set.of(), namesOf(name));
        } finally {
            server.close();
        }
    }

    /** The name, of those found, whose PacketsReceived is this client's. */
    private static ObjectName clientBean(String server, Client client, Set<String> names) throws Exception {
        ObjectName found = null;
        for (String n : names) {
            ObjectName name = new ObjectName(n);
            if (((Long) attribute(name, "PacketsReceived")) == client.metrics().packetsReceived()) {
                assertEquals(null, found, "two client MBeans read " + client.metrics());
                found = name;
            }
        }
        assertNotEquals(null, found, "no client MBean of " + server + " reads " + client.metrics());
        return found;
    }

    @Test
    void withoutTheOptionNothingIsRegisteredAndTheObjectsAreTheTransportsOwn() throws Exception {
        IpcOptions off = IpcOptions.builder().set(IpcOptions.JMX, false).build();
        for (IpcOptions options : List.of(IpcOptions.defaults(), off)) {
            try (Server server = PacketIpc.transport("inprocess").newServer(options);
                    Client client = PacketIpc.connect(server.name(), options);
                    Connection connection = server.accept(WAIT)) {
                connection.send(batches(3).get(2));
                assertEquals(3, drain(client, 3));
                assertEquals(Set.of(), namesOf(server.name()));
                for (Object o : List.of(server, client, connection)) {
                    assertNotEquals(
                            IpcMBeans.class.getPackageName(), o.getClass().getPackageName(), o.toString());
                }
            }
        }
    }

    /** A stand-in that takes a connection's name before the connection is accepted. */
    public interface SquatterMBean {
        /**
         * Always 42.
         *
         * @return 42
         */
        int getAnswer();
    }

    @Test
    void aConnectionWhoseNameIsTakenWorksWithoutItsMBeanAndLeavesTheOtherMBeanAlone() throws Exception {
        try (Server server = PacketIpc.transport("inprocess").newServer(JMX)) {
            ObjectName taken = IpcMBeans.connectionObjectName(server.name(), 1);
            MBEANS.registerMBean(new StandardMBean(() -> 42, SquatterMBean.class), taken);
            try {
                try (Client client = PacketIpc.connect(server.name(), JMX);
                        Connection connection = server.accept(WAIT)) {
                    connection.send(batches(4).get(3));
                    assertEquals(4, drain(client, 4));
                    assertEquals(4, connection.metrics().packetsSent());
                    assertEquals(42, attribute(taken, "Answer"));
                    assertEquals(1L, attribute(IpcMBeans.serverObjectName(server.name()), "ConnectionsAccepted"));
                }
                assertEquals(42, attribute(taken, "Answer"), "closing the connection unregistered another's MBean");
            } finally {
                MBEANS.unregisterMBean(taken);
            }
        }
    }

    /** Keeps what is logged, level and message. */
    static final class RecordingLogger implements System.Logger {
        final List<String> records = new ArrayList<>();

        @Override
        public String getName() {
            return "dev.packetipc";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, java.util.ResourceBundle bundle, String message, Throwable thrown) {
            records.add(level + " " + message);
        }

        @Override
        public void log(Level level, java.util.ResourceBundle bundle, String format, Object... params) {
            records.add(level + " " + format);
        }
    }

    @Test
    void aRefusedNameIsLoggedAsAWarningTheFirstTimeAndAtDebugLevelAfter() throws Exception {
        RecordingLogger recording = new RecordingLogger();
        System.Logger saved = IpcMBeans.log;
        boolean warned = IpcMBeans.WARNED.getAndSet(false);
        IpcMBeans.log = recording;
        try (Server server = PacketIpc.transport("inprocess").newServer(JMX)) {
            List<ObjectName> taken = List.of(
                    IpcMBeans.connectionObjectName(server.name(), 1), IpcMBeans.connectionObjectName(server.name(), 2));
            for (ObjectName name : taken) {
                MBEANS.registerMBean(new StandardMBean(() -> 42, SquatterMBean.class), name);
            }
            try {
                for (int i = 0; i < 2; i++) {
                    try (Client client = PacketIpc.connect(server.name(), JMX);
                            Connection connection = server.accept(WAIT)) {
                        connection.send(batches(1).get(0));
                        assertEquals(1, drain(client, 1));
                    }
                }
            } finally {
                for (ObjectName name : taken) {
                    MBEANS.unregisterMBean(name);
                }
            }
        } finally {
            IpcMBeans.log = saved;
            IpcMBeans.WARNED.set(warned);
        }
        assertEquals(2, recording.records.size(), recording.records.toString());
        assertTrue(
                recording
                        .records
                        .get(0)
                        .startsWith("WARNING packet-ipc could not register the MBean " + IpcMBeans.DOMAIN
                                + ":type=Connection"),
                recording.records.get(0));
        assertTrue(
                recording.records.get(0).endsWith("later failures are logged at debug level"),
                recording.records.get(0));
        assertTrue(
                recording.records.get(1).startsWith("DEBUG packet-ipc could not register"), recording.records.get(1));
    }

    @Test
    void aSubscriberThatClosesTheConnectionOnErrorUnregistersIt() throws Exception {
        try (Server server = PacketIpc.transport("inprocess").newServer(JMX);
                Client client = PacketIpc.connect(server.name(), JMX)) {
            Connection connection = server.accept(WAIT);
            ObjectName bean = IpcMBeans.connectionObjectName(server.name(), 1);
            assertTrue(MBEANS.isRegistered(bean));
            connection.subscriber(4).onError(new IllegalStateException("the publisher failed"));
            assertFalse(connection.isOpen());
            assertFalse(MBEANS.isRegistered(bean), "the subscriber closed the connection, not its MBean");
            assertEquals(0, attribute(IpcMBeans.serverObjectName(server.name()), "ConnectionsOpen"));
            assertTrue(client.metrics().packetsReceived() == 0);
        }
    }

    @Test
    void closingAClientsStreamUnregistersIt() throws Exception {
        try (Server server = PacketIpc.transport("inprocess").newServer(JMX)) {
            Client client = PacketIpc.connect(server.name(), JMX);
            try (Connection connection = server.accept(WAIT)) {
                connection.send(batches(5).get(4));
                connection.sendEnd();
                Set<ObjectName> found = MBEANS.queryNames(
                        new ObjectName(
                                IpcMBeans.DOMAIN + ":type=Client,server=" + ObjectName.quote(server.name()) + ",*"),
                        null);
                assertEquals(1, found.size(), found.toString());
                ObjectName bean = found.iterator().next();
                try (Stream<IpcPacket> stream = client.stream()) {
                    assertEquals(5, stream.count());
                }
                assertFalse(MBEANS.isRegistered(bean));
                assertEquals(
                        Set.of(),
                        namesOf(server.name()).stream()
                                .filter(n -> n.contains("type=Client"))
                                .collect(java.util.stream.Collectors.toSet()));
            }
        }
    }

    @Test
    void managedWrapsOnceAndKeepsTheTransportsIdentity() throws Exception {
        IpcTransport inprocess = PacketIpc.transport("inprocess");
        assertSame(inprocess, IpcMBeans.managed(inprocess));
        assertEquals("inprocess", inprocess.id());
        assertTrue(inprocess.isAvailable());
    }

    /**
     * The wrappers override every method of the interfaces they wrap, so that a method a transport overrides (and
     * one added to the interfaces later) reaches the transport's object; only {@code acceptAsync} keeps the
     * interface's default, which accepts through the wrapper.
     */
    @Test
    void theWrappersForwardEveryMethod() {
        assertForwards(IpcTransport.class, ManagedTransport.class, Set.of());
        assertForwards(Server.class, ManagedServer.class, Set.of("acceptAsync"));
        assertForwards(Connection.class, ManagedConnection.class, Set.of());
        assertForwards(Client.class, ManagedClient.class, Set.of());
    }

    private static void assertForwards(Class<?> api, Class<?> wrapper, Set<String> defaultsKept) {
        List<String> missing = new ArrayList<>();
        for (Method method : api.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || defaultsKept.contains(method.getName())) {
                continue;
            }
            try {
                Method declared = wrapper.getMethod(method.getName(), method.getParameterTypes());
                if (declared.getDeclaringClass() != wrapper) {
                    missing.add(method.toString());
                }
            } catch (NoSuchMethodException e) {
                missing.add(method.toString());
            }
        }
        assertEquals(List.of(), missing, wrapper.getSimpleName() + " must forward these to the transport's object");
    }
}
