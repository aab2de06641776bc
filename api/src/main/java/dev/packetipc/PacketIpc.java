package dev.packetipc;

import dev.packetipc.jmx.IpcMBeans;
import java.util.List;

/**
 * The entry point: finds transports, picks one, and starts servers and clients with it.
 *
 * <pre>{@code
 * try (Server server = PacketIpc.newServer()) {
 *     String name = server.name();               // hand this to the client process
 *     try (Connection connection = server.accept()) {
 *         connection.send(List.of(Packet.of(System.nanoTime(), bytes)));
 *         connection.sendEnd();
 *     }
 * }
 * // in the client process:
 * try (Client client = PacketIpc.connect(name)) {
 *     Optional<List<IpcPacket>> batch;
 *     while ((batch = client.receivePackets(1024)).isPresent()) { ... }
 * }
 * }</pre>
 *
 * <p>Selection: the system property {@value #TRANSPORT_PROPERTY}, else the environment variable
 * {@value #TRANSPORT_ENV}, else the available transport with the highest priority. An explicit choice that cannot be
 * honoured fails with a message listing every transport found; it never falls back silently. Clients need no
 * selection: a server's name carries its transport.
 *
 * <p>The transports this class returns, and the servers and clients it makes, honour {@link IpcOptions#JMX} (see
 * {@link IpcMBeans}); with that option unset they are the transport's own.
 */
public final class PacketIpc {
    /** The system property that selects a transport by id, e.g. {@code -Dpacketipc.transport=unix}. */
    public static final String TRANSPORT_PROPERTY = "packetipc.transport";

    /** The environment variable that selects a transport by id when the system property is not set. */
    public static final String TRANSPORT_ENV = "PACKETIPC_TRANSPORT";

    private PacketIpc() {}

    private static final class Discovered {
        static final TransportRegistry REGISTRY = TransportRegistry.load(PacketIpc.class.getClassLoader());
    }

    /**
     * The selected transport (see the class documentation for the rules).
     *
     * @return the selected transport, available here
     * @throws NoSuchTransportException if nothing matches; the message lists what was found
     * @throws TransportUnavailableException if the selected transport cannot run here, with the reason
     */
    public static IpcTransport transport() throws IpcException {
        return IpcMBeans.managed(
                select(Discovered.REGISTRY, System.getProperty(TRANSPORT_PROPERTY), System.getenv(TRANSPORT_ENV)));
    }

    static IpcTransport select(TransportRegistry registry, String property, String env) throws IpcException {
        if (property != null && !property.isBlank()) {
            return registry.byId(property.trim(), "selected by -D" + TRANSPORT_PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return registry.byId(env.trim(), "selected by the environment variable " + TRANSPORT_ENV);
        }
        return registry.best();
    }

    /**
     * The transport with this id.
     *
     * @param id the transport's id, e.g. {@code "unix"}
     * @return the transport, available here
     * @throws NoSuchTransportException if none has the id
     * @throws TransportUnavailableException if it cannot run here
     */
    public static IpcTransport transport(String id) throws IpcException {
        return IpcMBeans.managed(Discovered.REGISTRY.byId(id, "requested by id"));
    }

    /**
     * Every transport provider found, available or not, with the reason for each unavailable one.
     *
     * @return one status per provider found, in the order discovery found them
     */
    public static List<TransportStatus> availableTransports() {
        return Discovered.REGISTRY.statuses();
    }

    /**
     * Starts a server on the selected transport.
     *
     * @return the server, open; {@link Server#name()} is the name to give clients
     * @throws NoSuchTransportException if no transport is available; the message lists what was found
     * @throws IpcException if the transport cannot start a server
     */
    public static Server newServer() throws IpcException {
        return transport().newServer();
    }

    /**
     * Starts a server on the selected transport with these options.
     *
     * @param options the server's options
     * @return the server, open; {@link Server#name()} is the name to give clients
     * @throws NoSuchTransportException if no transport is available; the message lists what was found
     * @throws IpcException if the transport cannot start a server with these options
     */
    public static Server newServer(IpcOptions options) throws IpcException {
        return transport().newServer(options);
    }

    /**
     * Connects to a server; the transport is the one the name's scheme names.
     *
     * @param name the server's name, exactly as {@link Server#name()} returned it
     * @return the client, connected
     * @throws NoSuchServerException if no server answers to the name
     * @throws IpcException if the name's transport is missing or cannot run here, or the connection fails
     */
    public static Client connect(String name) throws IpcException {
        return connect(name, IpcOptions.defaults());
    }

    /**
     * Connects to a server with these options; the transport is the one the name's scheme names.
     *
     * @param name the server's name, exactly as {@link Server#name()} returned it
     * @param options the client's options
     * @return the client, connected
     * @throws NoSuchServerException if no server answers to the name
     * @throws IpcException if the name's transport is missing or cannot run here, or the connection fails
     */
    public static Client connect(String name, IpcOptions options) throws IpcException {
        return IpcMBeans.managed(Discovered.REGISTRY.byScheme(schemeOf(name), name))
                .connect(name, options);
    }

    /**
     * The scheme of a server name: the part before the first {@code ':'}.
     *
     * @param name a server's name
     * @return the scheme, e.g. {@code "unix"}
     * @throws IllegalArgumentException if the name has no scheme
     */
    public static String schemeOf(String name) {
        int colon = name == null ? -1 : name.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + name + "' is not a packet-ipc server name: names look like"
                    + " unix:///path/to/socket or shm:///path; pass the exact string Server.name() returned");
        }
        return name.substring(0, colon);
    }
}
