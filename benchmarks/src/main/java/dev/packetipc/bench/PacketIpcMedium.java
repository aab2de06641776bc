package dev.packetipc.bench;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTransport;
import dev.packetipc.PacketHandler;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One of our transports, used only through the public API: {@code PacketIpc.transport(id)}, {@code newServer},
 * {@code accept}, {@code send}/{@code sendEnd} on the server side; {@code connect} and either {@code poll} (the
 * zero-allocation path) or {@code receivePackets} (owned copies) on the client side.
 */
final class PacketIpcMedium implements Medium {
    private static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_WAIT = Duration.ofSeconds(1);
    private static final int RECEIVE_LIMIT = 4096;

    /** Which receive call the client uses. */
    enum ReceivePath {
        /** {@code Client.poll(handler, limit, timeout)}: one reused flyweight, nothing allocated per packet. */
        POLL,
        /** {@code Client.receivePackets(n)}: a list of owned packets. */
        RECEIVE_PACKETS
    }

    private final IpcTransport transport;
    private final ReceivePath path;

    /**
     * Looks the transport up.
     *
     * @throws IpcException if it is not on the class path or cannot run here; the message says why
     */
    PacketIpcMedium(String transportId, ReceivePath path) throws IpcException {
        this.transport = PacketIpc.transport(transportId);
        transport.ensureAvailable();
        this.path = path;
    }

    @Override
    public Listener listen(Workload workload) throws IpcException {
        Server server = transport.newServer(IpcOptions.defaults());
        return new Listener() {
            @Override
            public String address() {
                return server.name();
            }

            @Override
            public Outbound accept(int stream) throws IpcException {
                return new ConnectionOutbound(server.accept(ACCEPT_TIMEOUT));
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) throws IpcException {
        Client client = transport.connect(address, IpcOptions.defaults());
        return path == ReceivePath.POLL ? new PollingInbound(client) : new ReceivingInbound(client);
    }

    @Override
    public long volumeCapBytes(Workload workload) {
        // a shared-memory transport may keep files until the stream ends, as raw Chronicle does
        return transport.id().contains("shm") ? ChronicleMedium.VOLUME_CAP_BYTES / workload.clients() : Long.MAX_VALUE;
    }

    private static final class ConnectionOutbound implements Outbound {
        private final Connection connection;

        ConnectionOutbound(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void send(Batch batch) throws IpcException {
            connection.send(batch.packets());
        }

        @Override
        public void end() throws IpcException {
            connection.sendEnd();
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    private static final class PollingInbound implements Inbound, PacketHandler {
        private final Client client;
        private long bytes;
        private long timestamps;

        PollingInbound(Client client) {
            this.client = client;
        }

        @Override
        public void onPacket(IpcPacket packet) {
            bytes += packet.length();
            timestamps += packet.timestampNanos();
        }

        @Override
        public int receive(Tally tally) throws IpcException {
            bytes = 0;
            int packets = client.poll(this, RECEIVE_LIMIT, POLL_WAIT);
            if (packets == Client.END_OF_STREAM) {
                return END;
            }
            tally.consume(timestamps);
            tally.add(packets, bytes);
            return packets;
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private static final class ReceivingInbound implements Inbound {
        private final Client client;

        ReceivingInbound(Client client) {
            this.client = client;
        }

        @Override
        public int receive(Tally tally) throws IpcException {
            Optional<List<IpcPacket>> received = client.receivePackets(RECEIVE_LIMIT);
            if (received.isEmpty()) {
                return END;
            }
            List<IpcPacket> packets = received.get();
            long bytes = 0;
            long timestamps = 0;
            for (int i = 0; i < packets.size(); i++) {
                IpcPacket packet = packets.get(i);
                bytes += packet.length();
                timestamps += packet.timestampNanos();
            }
            tally.consume(timestamps);
            tally.add(packets.size(), bytes);
            return packets.size();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
