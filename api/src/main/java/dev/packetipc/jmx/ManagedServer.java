package dev.packetipc.jmx;

import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;

/** A server registered as a {@link ServerMXBean}, whose accepted connections register {@link ConnectionMXBean}s. */
final class ManagedServer implements Server, ServerMXBean {
    private final Server delegate;
    private final String transport;
    private final ObjectName objectName;
    private final boolean registered;
    private final AtomicLong accepted = new AtomicLong();
    private final Set<ManagedConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    ManagedServer(Server delegate, String transport) {
        this.delegate = delegate;
        this.transport = transport;
        this.objectName = IpcMBeans.serverObjectName(delegate.name());
        this.registered = IpcMBeans.register(this, objectName);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Connection accept() throws IpcException {
        return managed(delegate.accept());
    }

    @Override
    public Connection accept(Duration timeout) throws IpcException {
        return managed(delegate.accept(timeout));
    }

    // acceptAsync: the interface's default, which calls this.accept(), so that its connection is managed too

    private Connection managed(Connection connection) {
        long n = accepted.incrementAndGet();
        ManagedConnection managed =
                new ManagedConnection(connection, this, transport, IpcMBeans.connectionObjectName(delegate.name(), n));
        connections.add(managed);
        managed.register();
        return managed;
    }

    void closed(ManagedConnection connection) {
        connections.remove(connection);
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public void close() {
        try {
            delegate.close();
        } finally {
            if (registered && closed.compareAndSet(false, true)) {
                IpcMBeans.unregister(objectName);
            }
        }
    }

    @Override
    public String getName() {
        return delegate.name();
    }

    @Override
    public String getTransport() {
        return transport;
    }

    @Override
    public long getConnectionsAccepted() {
        return accepted.get();
    }

    @Override
    public int getConnectionsOpen() {
        int open = 0;
        for (ManagedConnection connection : connections) {
            open += connection.isOpen() ? 1 : 0;
        }
        return open;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
