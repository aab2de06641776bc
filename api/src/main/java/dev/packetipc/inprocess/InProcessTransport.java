package dev.packetipc.inprocess;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Server and clients in one JVM, with the same semantics as the inter-process transports: batches are copied on
 * send, memory between sender and receiver is bounded by {@link IpcOptions#BUFFER_BYTES}, and close and
 * end-of-stream behave as everywhere else. Names look like {@code inprocess:<id>}.
 */
public final class InProcessTransport implements IpcTransport {
    /** The transport's id and the scheme of its names. */
    public static final String ID = "inprocess";

    private static final ConcurrentMap<String, InProcessServer> SERVERS = new ConcurrentHashMap<>();

    /** Used by {@link java.util.ServiceLoader}; all instances share one namespace of servers. */
    public InProcessTransport() {}

    @Override
    public String id() {
        return ID;
    }

    /** -1: only used when selected by id, because a client in another process could never reach it. */
    @Override
    public int priority() {
        return -1;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return EnumSet.of(
                TransportCapability.MULTIPLE_CLIENTS,
                TransportCapability.PACKET_SIZE_LIMIT,
                TransportCapability.STREAM_PROPERTIES);
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.empty();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        String requested = options.get(IpcOptions.SERVER_NAME);
        String name = ID + ":" + (requested == null ? UUID.randomUUID().toString() : requested);
        InProcessServer server = new InProcessServer(name, options, () -> SERVERS.remove(name));
        if (SERVERS.putIfAbsent(name, server) != null) {
            throw new IpcException("an in-process server named " + name + " is already running; choose another"
                    + " name or leave " + IpcOptions.SERVER_NAME + " unset for a unique one");
        }
        return server;
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        if (!name.startsWith(ID + ":")) {
            throw new IllegalArgumentException(
                    "'" + name + "' is not an in-process server name; those start with '" + ID + ":'");
        }
        InProcessServer server = SERVERS.get(name);
        if (server == null) {
            throw new NoSuchServerException("no in-process server is named " + name
                    + "; start it in this JVM first and pass the exact name Server.name() returned");
        }
        return server.connect();
    }
}
