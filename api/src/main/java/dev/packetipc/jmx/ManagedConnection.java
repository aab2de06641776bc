package dev.packetipc.jmx;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Connection;
import dev.packetipc.ConnectionMetrics;
import dev.packetipc.IpcException;
import dev.packetipc.PacketSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.management.ObjectName;

/** An accepted connection registered as a {@link ConnectionMXBean}; every call goes to the transport's connection. */
final class ManagedConnection implements Connection, ConnectionMXBean {
    private final Connection delegate;
    private final ManagedServer server;
    private final String transport;
    private final ObjectName objectName;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean registered;

    ManagedConnection(Connection delegate, ManagedServer server, String transport, ObjectName objectName) {
        this.delegate = delegate;
        this.server = server;
        this.transport = transport;
        this.objectName = objectName;
    }

    void register() {
        registered = IpcMBeans.register(this, objectName);
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch) throws IpcException {
        delegate.send(batch);
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
        delegate.send(batch, timeout);
    }

    @Override
    public void sendEnd() throws IpcException {
        delegate.sendEnd();
    }

    @Override
    public void sendEnd(Duration timeout) throws IpcException {
        delegate.sendEnd(timeout);
    }

    @Override
    public long transfer(Stream<? extends AsIpcPacket> packets, int batchSize) throws IpcException {
        return delegate.transfer(packets, batchSize);
    }

    @Override
    public PacketSubscriber subscriber(int batchSize) {
        return Connection.super.subscriber(batchSize); // on this wrapper, so that its close unregisters too
    }

    @Override
    public int maxPacketBytes() {
        return delegate.maxPacketBytes();
    }

    @Override
    public long packetsSent() {
        return delegate.packetsSent();
    }

    @Override
    public long bytesSent() {
        return delegate.bytesSent();
    }

    @Override
    public long batchesSent() {
        return delegate.batchesSent();
    }

    @Override
    public ConnectionMetrics metrics() {
        return delegate.metrics();
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
            if (closed.compareAndSet(false, true)) {
                server.closed(this);
                if (registered) {
                    IpcMBeans.unregister(objectName);
                }
            }
        }
    }

    @Override
    public String getServerName() {
        return server.name();
    }

    @Override
    public String getTransport() {
        return transport;
    }

    @Override
    public long getPacketsSent() {
        return delegate.metrics().packetsSent();
    }

    @Override
    public long getBytesSent() {
        return delegate.metrics().bytesSent();
    }

    @Override
    public long getBatchesSent() {
        return delegate.metrics().batchesSent();
    }

    @Override
    public long getSendWaitNanos() {
        return delegate.metrics().sendWaitNanos();
    }

    @Override
    public long getBytesQueued() {
        return delegate.metrics().bytesQueued();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
