package dev.packetipc.conformance.selftest;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketHandler;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A correct client whose {@link #properties()} lose the last of the server's properties and come back modifiable, as a
 * transport whose encoding cuts off the final entry would. The fault R206 must catch.
 */
final class PropertyDroppingClient implements Client {
    private final Client delegate;

    PropertyDroppingClient(Client delegate) {
        this.delegate = delegate;
    }

    @Override
    public Map<String, String> properties() throws IpcException {
        Map<String, String> all = new LinkedHashMap<>(delegate.properties());
        String last = null;
        for (String key : all.keySet()) {
            last = key;
        }
        all.remove(last);
        return all;
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
        return delegate.stream();
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return delegate.isEndOfStreamReceived();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
