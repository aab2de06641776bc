package dev.packetipc;

import java.util.Optional;
import java.util.Set;

/**
 * A way of moving packets between processes, and the service-provider interface that transports implement.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader} (register with
 * {@code META-INF/services/dev.packetipc.IpcTransport}, for instance through auto-service) and chosen by
 * {@link PacketIpc}. A provider must have a public no-argument constructor that does no native work: availability is
 * checked lazily by {@link #isAvailable()}, in the style of Netty's {@code Epoll}.
 *
 * <p>Server names are URIs whose scheme is the transport's {@link #scheme()}, so that {@link PacketIpc#connect(String)}
 * finds the transport from the name alone.
 */
public interface IpcTransport {
    /**
     * The short id users select with {@code -Dpacketipc.transport=<id>}, e.g. {@code "unix"}.
     *
     * @return the transport's id, unique among transports
     */
    String id();

    /**
     * The URI scheme of this transport's server names; by default the {@link #id()}.
     *
     * @return the scheme, without the {@code ':'}
     */
    default String scheme() {
        return id();
    }

    /**
     * The rank in automatic selection: among available transports, the highest priority wins. A negative priority
     * means the transport is only used when selected by id (the {@code inprocess} transport, for example).
     *
     * @return the priority; higher wins
     */
    int priority();

    /**
     * What this transport can do beyond the required contract.
     *
     * @return the capabilities; the conformance suite runs the optional rules of these
     */
    Set<TransportCapability> capabilities();

    /**
     * Whether the transport can run in this JVM on this system. Cheap after the first call.
     *
     * @return true if {@link #unavailabilityCause()} is empty
     */
    boolean isAvailable();

    /**
     * Why the transport cannot run here, or empty when it can.
     *
     * @return the cause, whose message says what to do, or empty
     */
    Optional<Throwable> unavailabilityCause();

    /**
     * Throws unless the transport is available.
     *
     * @throws TransportUnavailableException with the cause attached and a message that says what to do
     */
    default void ensureAvailable() throws TransportUnavailableException {
        Optional<Throwable> cause = unavailabilityCause();
        if (cause.isPresent()) {
            Throwable t = cause.get();
            throw new TransportUnavailableException(
                    "transport '" + id() + "' is not available here: " + t.getMessage(), t);
        }
    }

    /**
     * Starts a server with default options.
     *
     * @return the server, open
     * @throws TransportUnavailableException if the transport cannot run here
     * @throws IpcException if the server cannot be started
     */
    default Server newServer() throws IpcException {
        return newServer(IpcOptions.defaults());
    }

    /**
     * Starts a server.
     *
     * @param options the server's options; options of other transports are ignored
     * @return the server, open
     * @throws TransportUnavailableException if the transport cannot run here
     * @throws IpcException if the server cannot be started (the name is taken, for example)
     */
    Server newServer(IpcOptions options) throws IpcException;

    /**
     * Connects to the server with this name, with default options.
     *
     * @param name the server's name, exactly as {@link Server#name()} returned it
     * @return the client, connected
     * @throws NoSuchServerException if no server answers to the name
     * @throws IpcException if the connection fails
     */
    default Client connect(String name) throws IpcException {
        return connect(name, IpcOptions.defaults());
    }

    /**
     * Connects to the server with this name.
     *
     * @param name the server's name, exactly as {@link Server#name()} returned it
     * @param options the client's options; options of other transports are ignored
     * @return the client, connected
     * @throws IpcException if the connection fails
     * @throws NoSuchServerException if no server answers to the name
     * @throws IllegalArgumentException if the name is not one of this transport's names
     */
    Client connect(String name, IpcOptions options) throws IpcException;
}
