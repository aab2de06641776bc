package dev.packetipc.jmx;

import dev.packetipc.Client;
import dev.packetipc.ClientMetrics;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.management.ObjectName;

/** A client registered as a {@link ClientMXBean}; every call goes to the transport's client. */
final class ManagedClient implements Client, ClientMXBean {
    private final Client delegate;
    private final String transport;
    private final ObjectName objectName;
    private final boolean registered;
    private final AtomicBoolean closed = new AtomicBoolean();

    ManagedClient(Client delegate, String transport, long n) {
        this.delegate = delegate;
        this.transport = transport;
        this.objectName = IpcMBeans.clientObjectName(delegate.name(), n);
        this.registered = IpcMBeans.register(this, objectName);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Optional<List<IpcPacket>> receivePackets(int maxPackets) throws IpcException {
        return delegate.receivePackets(maxPackets);
    }

    @Override
    public Optional<List<IpcPacket>> receivePackets(int maxPackets, Duration timeout) throws IpcException {
        return delegate.receivePackets(maxPackets, timeout);
    }

    @Override
    public int poll(PacketHandler handler, int limit) throws IpcException {
        return delegate.poll(handler, limit);
    }

    @Override
    public int poll(PacketHandler handler, int limit, Duration timeout) throws IpcException {
        return delegate.poll(handler, limit, timeout);
    }

    @Override
    public Stream<IpcPacket> stream() {
        return delegate.stream().onClose(this::unregister); // closing the stream closes the client
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return delegate.isEndOfStreamReceived();
    }

    @Override
    public ClientMetrics metrics() {
        return delegate.metrics();
    }

    @Override
    public Map<String, String> properties() throws IpcException {
        return delegate.properties();
    }

    @Override
    public void close() {
        try {
            delegate.close();
        } finally {
            unregister();
        }
    }

    private void unregister() {
        if (closed.compareAndSet(false, true) && registered) {
            IpcMBeans.unregister(objectName);
        }
    }

    @Override
    public String getServerName() {
        return delegate.name();
    }

    @Override
    public String getTransport() {
        return transport;
    }

    @Override
    public long getPacketsReceived() {
        return delegate.metrics().packetsReceived();
    }

    @Override
    public long getBytesReceived() {
        return delegate.metrics().bytesReceived();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
