package dev.packetipc.flow;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** N in-process clients (the {@code inprocess} transport, selected by id) and the connections that serve them. */
final class Workers implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final Server server;
    final List<Client> clients = new ArrayList<>();
    final List<Connection> connections = new ArrayList<>();

    Workers(int n, IpcOptions options) throws IpcException {
        server = PacketIpc.transport("inprocess").newServer(options);
        for (int i = 0; i < n; i++) {
            clients.add(PacketIpc.connect(server.name()));
            connections.add(server.accept(WAIT)); // one at a time: worker i is client i
        }
    }

    Workers(int n) throws IpcException {
        this(n, IpcOptions.defaults());
    }

    /** Everything the client receives until the end of the stream, as owned copies. */
    static List<IpcPacket> drain(Client client) throws IpcException {
        List<IpcPacket> all = new ArrayList<>();
        Optional<List<IpcPacket>> batch;
        while ((batch = client.receivePackets(1024, WAIT)).isPresent()) {
            for (IpcPacket packet : batch.get()) {
                all.add(packet.toPacket());
            }
        }
        return all;
    }

    /** Exactly {@code count} packets, without waiting for the end of the stream. */
    static List<IpcPacket> take(Client client, long count) throws IpcException {
        List<IpcPacket> all = new ArrayList<>();
        while (all.size() < count) {
            List<IpcPacket> batch = client.receivePackets((int) Math.min(1024, count - all.size()), WAIT)
                    .orElseThrow(() -> new AssertionError("the stream ended early"));
            for (IpcPacket packet : batch) {
                all.add(packet.toPacket());
            }
        }
        return all;
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
        connections.forEach(Connection::close);
        server.close();
    }
}
