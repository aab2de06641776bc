package dev.packetipc.jmx;

import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.flow.FlowFanoutMBean;
import java.lang.management.ManagementFactory;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The names of packet-ipc's MBeans, and the wrapper that registers them. With {@link IpcOptions#JMX} set, every
 * server, accepted connection and client registers an MXBean in the platform MBean server, under the domain
 * {@value #DOMAIN}:
 *
 * <ul>
 *   <li>a server: {@code dev.packetipc:type=Server,name="<server name>"} ({@link ServerMXBean}), from start to close;
 *   <li>a connection: {@code dev.packetipc:type=Connection,server="<server name>",name=connection-N}
 *       ({@link ConnectionMXBean}), N counting the server's accepted connections from 1, from accept to close;
 *   <li>a client: {@code dev.packetipc:type=Client,server="<server name>",name=client-N} ({@link ClientMXBean}), N
 *       counting the clients this JVM connected with the option set, from 1, from connect to close (also when
 *       closed through its {@link dev.packetipc.Client#stream()}).
 * </ul>
 *
 * <p>The server's name is quoted as {@link ObjectName#quote(String)} does. A flow fan-out registers its own
 * {@code dev.packetipc:type=FlowFanout,name=fanout-N} with {@link dev.packetipc.flow.FlowFanout#registerMBean}.
 *
 * <p>Registration never breaks what it watches: an MBean the MBean server refuses (its name taken, for example by a
 * connection of an earlier server of the same name that was never closed) is left out; the first such failure in a
 * JVM is logged as a warning on the {@code dev.packetipc} logger, later ones at debug level.
 */
public final class IpcMBeans {
    /** The JMX domain of every packet-ipc MBean. */
    public static final String DOMAIN = FlowFanoutMBean.DOMAIN;

    /** Where registration failures go; replaced only by tests. */
    static volatile System.Logger log = System.getLogger("dev.packetipc");

    /** Whether a registration failure was logged as a warning in this JVM; reset only by tests. */
    static final AtomicBoolean WARNED = new AtomicBoolean();

    private IpcMBeans() {}

    /**
     * The transport, made to honour {@link IpcOptions#JMX}: its servers and clients register their MXBeans when the
     * options they are made with have it set, and behave as the transport's own otherwise. {@link
     * dev.packetipc.PacketIpc} hands out transports wrapped so; use this for a transport made with its constructor.
     *
     * @param transport the transport
     * @return a transport that does what {@code transport} does, and registers MBeans when asked
     */
    public static IpcTransport managed(IpcTransport transport) {
        Objects.requireNonNull(transport, "transport");
        return transport instanceof ManagedTransport ? transport : new ManagedTransport(transport);
    }

    /**
     * The name of a server's MBean.
     *
     * @param serverName the server's name, as {@link dev.packetipc.Server#name()}
     * @return {@code dev.packetipc:type=Server,name="<serverName>"}
     */
    public static ObjectName serverObjectName(String serverName) {
        return objectName("type=Server,name=" + ObjectName.quote(serverName));
    }

    /**
     * The name of the MBean of a server's {@code n}th accepted connection.
     *
     * @param serverName the server's name, as {@link dev.packetipc.Server#name()}
     * @param n the connection's number: 1 for the first connection the server accepted
     * @return {@code dev.packetipc:type=Connection,server="<serverName>",name=connection-<n>}
     */
    public static ObjectName connectionObjectName(String serverName, long n) {
        return objectName("type=Connection,server=" + ObjectName.quote(serverName) + ",name=connection-" + n);
    }

    /**
     * The name of the MBean of the {@code n}th client this JVM connected with {@link IpcOptions#JMX} set.
     *
     * @param serverName the name of the server the client is connected to
     * @param n the client's number, counting from 1 in this JVM
     * @return {@code dev.packetipc:type=Client,server="<serverName>",name=client-<n>}
     */
    public static ObjectName clientObjectName(String serverName, long n) {
        return objectName("type=Client,server=" + ObjectName.quote(serverName) + ",name=client-" + n);
    }

    private static ObjectName objectName(String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (MalformedObjectNameException e) {
            throw new AssertionError(e); // every value is quoted or fixed
        }
    }

    /** Registers {@code bean} in the platform MBean server; false (and logged) if it refused. */
    static boolean register(Object bean, ObjectName name) {
        try {
            platform().registerMBean(bean, name);
            return true;
        } catch (JMException | RuntimeException e) {
            boolean first = WARNED.compareAndSet(false, true);
            log.log(
                    first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                    "packet-ipc could not register the MBean " + name + " (" + e
                            + "); it works on without it. Close what holds that name, or unset IpcOptions.JMX"
                            + (first ? "; later failures are logged at debug level" : ""),
                    e);
            return false;
        }
    }

    /** Unregisters {@code name} if it is registered; never throws. */
    static void unregister(ObjectName name) {
        try {
            platform().unregisterMBean(name);
        } catch (JMException | RuntimeException e) {
            log.log(System.Logger.Level.DEBUG, "packet-ipc could not unregister the MBean " + name, e);
        }
    }

    private static MBeanServer platform() {
        return ManagementFactory.getPlatformMBeanServer();
    }
}
