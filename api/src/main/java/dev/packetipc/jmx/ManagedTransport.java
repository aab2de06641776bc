package dev.packetipc.jmx;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import dev.packetipc.TransportUnavailableException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** A transport that wraps its servers and clients in MBean-registering ones when {@link IpcOptions#JMX} is set. */
final class ManagedTransport implements IpcTransport {
    private static final AtomicLong CLIENTS = new AtomicLong();

    private final IpcTransport delegate;

    ManagedTransport(IpcTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public String scheme() {
        return delegate.scheme();
    }

    @Override
    public int priority() {
        return delegate.priority();
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public boolean isAvailable() {
        return delegate.isAvailable();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return delegate.unavailabilityCause();
    }

    @Override
    public void ensureAvailable() throws TransportUnavailableException {
        delegate.ensureAvailable();
    }

    @Override
    public Server newServer() throws IpcException {
        return delegate.newServer();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        Server server = delegate.newServer(options);
        return options.get(IpcOptions.JMX) ? new ManagedServer(server, delegate.id()) : server;
    }

    @Override
    public Client connect(String name) throws IpcException {
        return delegate.connect(name);
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        Client client = delegate.connect(name, options);
        return options.get(IpcOptions.JMX)
                ? new ManagedClient(client, delegate.id(), CLIENTS.incrementAndGet())
                : client;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
