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
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One of our transports, used only through the public API: {@code PacketIpc.transport(id)}, {@code newServer},
 * {@code accept}, {@code send}/{@code sendEnd} on the server side; {@code connect} and either {@code poll} (the
 * zero-allocation path) or {@code receivePackets} (owned copies) on the client side. {@code poll} waits in the
 * transport ({@link Wait#BLOCK}: {@code poll(handler, limit, 1 s)}) or not at all ({@link Wait#SPIN}:
 * {@code poll(handler, limit)}, the caller spins); {@code receivePackets} has only the blocking form.
 */
final class PacketIpcMedium implements Medium {
    private static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_WAIT = Duration.ofSeconds(1);
    private static final int RECEIVE_LIMIT = 4096;

    /** The harness's id for the aeron transport over UDP on loopback (its default name). */
    static final String AERON_UDP = "aeron-udp";

    /** Which receive call the client uses. */
    enum ReceivePath {
        /** {@code Client.poll(handler, limit, timeout)}: one reused flyweight, nothing allocated per packet. */
        POLL,
        /** {@code Client.receivePackets(n)}: a list of owned packets. */
        RECEIVE_PACKETS
    }

    private final IpcTransport transport;
    private final ReceivePath path;
    private final Wait wait;

    /**
     * Looks the transport up.
     *
     * @throws IpcException if it is not on the class path or cannot run here; the message says why
     */
    PacketIpcMedium(String transportId, ReceivePath path, Wait wait) throws IpcException {
        if (path == ReceivePath.RECEIVE_PACKETS && wait == Wait.SPIN) {
            throw new IllegalArgumentException("receivePackets has no form that does not wait: block only");
        }
        // aeron-udp: the aeron transport with its default name, UDP on loopback (a free port per server)
        this.transport = PacketIpc.transport(transportId.equals(AERON_UDP) ? "aeron" : transportId);
        transport.ensureAvailable();
        this.path = path;
        this.wait = wait;
    }

    /**
     * The defaults, or with the system properties {@code packetipc.bench.idle} (an {@link IpcOptions.IdleStrategy}
     * name) and {@code packetipc.bench.ringBytes} set, those (pass them with {@code -D} to the harness and with
     * {@code --jvm-arg} to its children).
     */
    private static IpcOptions options() {
        IpcOptions.Builder options = IpcOptions.defaults().toBuilder();
        String idle = System.getProperty("packetipc.bench.idle");
        if (idle != null) {
            options.set(IpcOptions.IDLE_STRATEGY, IpcOptions.IdleStrategy.valueOf(idle));
        }
        String ringBytes = System.getProperty("packetipc.bench.ringBytes");
        if (ringBytes != null) {
            options.set(IpcOptions.RING_BYTES, Integer.parseInt(ringBytes));
        }
        return options.build();
    }

    @Override
    public Listener listen(Workload workload) throws IpcException {
        Server server = transport.newServer(options());
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
        Client client = transport.connect(address, options());
        Consume consume = new Consume(workload.consume());
        return path == ReceivePath.POLL
                ? new PollingInbound(client, consume, wait == Wait.BLOCK)
                : new ReceivingInbound(client, consume);
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

    /** Hands one packet to the consumer: its timestamp, then its payload in place (or only its length). */
    static void hand(IpcPacket packet, Consume consume) {
        consume.timestamp(packet.timestampNanos());
        if (consume.readsPayload()) {
            ByteBuffer data = packet.data();
            consume.packet(data, data.position(), data.remaining());
        } else {
            consume.length(packet.length());
        }
    }

    private static final class PollingInbound implements Inbound, PacketHandler {
        private final Client client;
        private final Consume consume;
        private final boolean block;
        private long bytes;
        private Tally tally;

        PollingInbound(Client client, Consume consume, boolean block) {
            this.client = client;
            this.consume = consume;
            this.block = block;
        }

        @Override
        public void onPacket(IpcPacket packet) {
            bytes += packet.length();
            hand(packet, consume);
        }

        @Override
        public Consume consume() {
            return consume;
        }

        @Override
        public int receive(Tally tally) throws IpcException {
            this.tally = tally;
            bytes = 0;
            int packets = block ? client.poll(this, RECEIVE_LIMIT, POLL_WAIT) : client.poll(this, RECEIVE_LIMIT);
            if (packets == Client.END_OF_STREAM) {
                return END;
            }
            tally.add(packets, bytes);
            return packets;
        }

        @Override
        public void close() {
            if (tally != null) {
                tally.consume(consume.sink());
            }
            client.close();
        }
    }

    private static final class ReceivingInbound implements Inbound {
        private final Client client;
        private final Consume consume;
        private Tally tally;

        ReceivingInbound(Client client, Consume consume) {
            this.client = client;
            this.consume = consume;
        }

        @Override
        public Consume consume() {
            return consume;
        }

        @Override
        public int receive(Tally tally) throws IpcException {
            this.tally = tally;
            Optional<List<IpcPacket>> received = client.receivePackets(RECEIVE_LIMIT);
            if (received.isEmpty()) {
                return END;
            }
            List<IpcPacket> packets = received.get();
            long bytes = 0;
            for (int i = 0; i < packets.size(); i++) {
                IpcPacket packet = packets.get(i);
                bytes += packet.length();
                hand(packet, consume);
            }
            tally.add(packets.size(), bytes);
            return packets.size();
        }

        @Override
        public void close() {
            if (tally != null) {
                tally.consume(consume.sink());
            }
            client.close();
        }
    }
}
