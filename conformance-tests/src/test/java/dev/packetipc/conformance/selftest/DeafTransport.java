package dev.packetipc.conformance.selftest;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTransport;
import dev.packetipc.PacketHandler;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import dev.packetipc.inprocess.InProcessTransport;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The in-process transport with {@code Server.close()} and {@code Client.close()} that do nothing, so that a blocked
 * {@code accept()} or receive is never woken: the contract must fail R107 and R108, not hang.
 */
final class DeafTransport implements IpcTransport {
    private final IpcTransport delegate = new InProcessTransport();

    @Override
    public String id() {
        return "deaf";
    }

    @Override
    public String scheme() {
        return delegate.scheme();
    }

    @Override
    public int priority() {
        return -1;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return Set.of();
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
        Server server = delegate.newServer(options);
        return new Server() {
            @Override
            public String name() {
                return server.name();
            }

            @Override
            public Connection accept() throws IpcException {
                return server.accept();
            }

            @Override
            public Connection accept(Duration timeout) throws IpcException {
                return server.accept(timeout);
            }

            @Override
            public boolean isOpen() {
                return server.isOpen();
            }

            @Override
            public void close() {
                // deaf: the name stays taken and a blocked accept() sleeps on
            }
        };
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        Client client = delegate.connect(name, options);
        return new Client() {
            @Override
            public String name() {
                return client.name();
            }

            @Override
            public Optional<List<IpcPacket>> receivePackets(int maxPackets) throws IpcException {
                return client.receivePackets(maxPackets);
            }

            @Override
            public Optional<List<IpcPacket>> receivePackets(int maxPackets, Duration timeout) throws IpcException {
                return client.receivePackets(maxPackets, timeout);
            }

            @Override
            public int poll(PacketHandler handler, int limit) throws IpcException {
                return client.poll(handler, limit);
            }

            @Override
            public int poll(PacketHandler handler, int limit, Duration timeout) throws IpcException {
                return client.poll(handler, limit, timeout);
            }

            @Override
            public Stream<IpcPacket> stream() {
                return client.stream();
            }

            @Override
            public boolean isEndOfStreamReceived() {
                return client.isEndOfStreamReceived();
            }

            @Override
            public void close() {
                // deaf: a blocked receive is not woken
            }
        };
    }
}
