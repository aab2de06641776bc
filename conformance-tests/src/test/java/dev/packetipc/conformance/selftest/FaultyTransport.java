package dev.packetipc.conformance.selftest;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import dev.packetipc.inprocess.InProcessTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The in-process transport with a deliberate fault in every server connection, to prove that the contract catches
 * it. Clients are the in-process transport's own.
 */
final class FaultyTransport implements IpcTransport {
    /** What a faulty connection does to the batches and the end it is asked to send. One instance per connection. */
    interface Fault {
        /** The packets actually sent for this batch. */
        List<AsIpcPacket> onSend(List<? extends AsIpcPacket> batch);

        /** The largest packet the connection says it sends, given what the real one says. */
        default int maxPacketBytes(int real) {
            return real;
        }

        /** Whether {@code sendEnd()} really sends the end. */
        default boolean deliversEnd() {
            return true;
        }
    }

    private final String id;
    private final Supplier<Fault> faults;
    private final Set<TransportCapability> capabilities;
    private final UnaryOperator<Client> clientFault;
    private final IpcTransport delegate = new InProcessTransport();

    FaultyTransport(String id, Supplier<Fault> faults, Set<TransportCapability> capabilities) {
        this(id, faults, capabilities, UnaryOperator.identity());
    }

    FaultyTransport(
            String id,
            Supplier<Fault> faults,
            Set<TransportCapability> capabilities,
            UnaryOperator<Client> clientFault) {
        this.id = id;
        this.faults = faults;
        this.capabilities = capabilities;
        this.clientFault = clientFault;
    }

    /**
     * Hands out the packets of a poll again after the handler threw: it marks them consumed only once the handler
     * returned for all of them, as the stream engine did before issue 12.
     */
    static FaultyTransport replayingAfterAThrow() {
        return new FaultyTransport(
                "replaying", () -> ArrayList::new, Set.of(TransportCapability.MULTIPLE_CLIENTS), ReplayingClient::new);
    }

    /** Loses the second packet sent on each connection. */
    static FaultyTransport dropping() {
        return new FaultyTransport(
                "dropping",
                () -> new Fault() {
                    private long index;

                    @Override
                    public List<AsIpcPacket> onSend(List<? extends AsIpcPacket> batch) {
                        List<AsIpcPacket> kept = new ArrayList<>();
                        for (AsIpcPacket packet : batch) {
                            if (index++ != 1) {
                                kept.add(packet);
                            }
                        }
                        return kept;
                    }
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /** Swaps the first two packets of every batch that has two or more. */
    static FaultyTransport reordering() {
        return new FaultyTransport(
                "reordering",
                () -> batch -> {
                    List<AsIpcPacket> copy = new ArrayList<>(batch);
                    if (copy.size() >= 2) {
                        copy.set(0, batch.get(1));
                        copy.set(1, batch.get(0));
                    }
                    return copy;
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /** Flips bits in the middle byte of the first non-empty payload sent on each connection. */
    static FaultyTransport corrupting() {
        return new FaultyTransport(
                "corrupting",
                () -> new Fault() {
                    private boolean done;

                    @Override
                    public List<AsIpcPacket> onSend(List<? extends AsIpcPacket> batch) {
                        List<AsIpcPacket> copy = new ArrayList<>(batch);
                        for (int i = 0; i < copy.size() && !done; i++) {
                            AsIpcPacket packet = copy.get(i);
                            if (packet.length() > 0) {
                                byte[] bytes = new byte[packet.length()];
                                packet.data().duplicate().get(bytes);
                                bytes[bytes.length / 2] ^= 0x5A;
                                copy.set(i, Packet.of(packet.timestampNanos(), bytes));
                                done = true;
                            }
                        }
                        return copy;
                    }
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /** Sends every packet but never the end of the stream. */
    static FaultyTransport neverEnding() {
        return new FaultyTransport(
                "never-ending",
                () -> new Fault() {
                    @Override
                    public List<AsIpcPacket> onSend(List<? extends AsIpcPacket> batch) {
                        return new ArrayList<>(batch);
                    }

                    @Override
                    public boolean deliversEnd() {
                        return false;
                    }
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /**
     * States the in-process transport's largest packet (16 MiB by default) but refuses a packet of more than 8 bytes
     * less, as a transport would that takes a header out of the same budget on one side of the check only.
     */
    static FaultyTransport offByAHeader() {
        return new FaultyTransport(
                "off-by-a-header",
                () -> batch -> {
                    int budget = IpcOptions.MAX_PACKET_BYTES.defaultValue() - 8;
                    for (int i = 0; i < batch.size(); i++) {
                        if (batch.get(i).length() > budget) {
                            throw new IllegalArgumentException("packet #" + i + " of the batch has "
                                    + batch.get(i).length() + " bytes, more than " + budget + " bytes");
                        }
                    }
                    return new ArrayList<>(batch);
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /** States a largest packet of 1 MiB but does not keep to it: its connections send up to the real 16 MiB. */
    static FaultyTransport notKeepingItsLimit() {
        return new FaultyTransport(
                "limitless",
                () -> new Fault() {
                    @Override
                    public List<AsIpcPacket> onSend(List<? extends AsIpcPacket> batch) {
                        return new ArrayList<>(batch);
                    }

                    @Override
                    public int maxPacketBytes(int real) {
                        return 1 << 20;
                    }
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /** Declares stream properties, but its clients lose the last one and hand out a map that can be changed. */
    static FaultyTransport droppingAProperty() {
        return new FaultyTransport(
                "property-dropping",
                () -> ArrayList::new,
                Set.of(TransportCapability.MULTIPLE_CLIENTS, TransportCapability.STREAM_PROPERTIES),
                PropertyDroppingClient::new);
    }

    /** No fault at all, but no declared capability either: every optional rule must be skipped. */
    static FaultyTransport withoutCapabilities() {
        return new FaultyTransport("bare", () -> ArrayList::new, Set.of());
    }

    @Override
    public String id() {
        return id;
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
        return capabilities;
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
        return new FaultyServer(delegate.newServer(options));
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        return clientFault.apply(delegate.connect(name, options));
    }

    private final class FaultyServer implements Server {
        private final Server server;

        FaultyServer(Server server) {
            this.server = server;
        }

        @Override
        public String name() {
            return server.name();
        }

        @Override
        public Connection accept() throws IpcException {
            return new FaultyConnection(server.accept(), faults.get());
        }

        @Override
        public Connection accept(Duration timeout) throws IpcException {
            return new FaultyConnection(server.accept(timeout), faults.get());
        }

        @Override
        public boolean isOpen() {
            return server.isOpen();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    private static final class FaultyConnection implements Connection {
        private final Connection connection;
        private final Fault fault;

        FaultyConnection(Connection connection, Fault fault) {
            this.connection = connection;
            this.fault = fault;
        }

        @Override
        public void send(List<? extends AsIpcPacket> batch) throws IpcException {
            connection.send(fault.onSend(batch));
        }

        @Override
        public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
            connection.send(fault.onSend(batch), timeout);
        }

        @Override
        public void sendEnd() throws IpcException {
            if (fault.deliversEnd()) {
                connection.sendEnd();
            }
        }

        @Override
        public void sendEnd(Duration timeout) throws IpcException {
            if (fault.deliversEnd()) {
                connection.sendEnd(timeout);
            }
        }

        @Override
        public int maxPacketBytes() {
            return fault.maxPacketBytes(connection.maxPacketBytes());
        }

        @Override
        public long packetsSent() {
            return connection.packetsSent();
        }

        @Override
        public long bytesSent() {
            return connection.bytesSent();
        }

        @Override
        public long batchesSent() {
            return connection.batchesSent();
        }

        @Override
        public boolean isOpen() {
            return connection.isOpen();
        }

        @Override
        public void close() {
            connection.close();
        }
    }
}
