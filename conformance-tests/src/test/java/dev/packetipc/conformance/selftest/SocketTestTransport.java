package dev.packetipc.conformance.selftest;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.IpcTransport;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import dev.packetipc.spi.AbstractClient;
import dev.packetipc.spi.PacketLimits;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small but real cross-process transport over the JDK's Unix domain sockets, only to prove that the suite's
 * cross-process rules pass for a transport that can do it. Frames: {@code 'B'}, a count, then per packet a timestamp,
 * a length and the payload; {@code 'E'} for the end. Names look like {@code testuds:/tmp/pipc-<id>.sock}.
 */
public final class SocketTestTransport implements IpcTransport {
    private static final String SCHEME = "testuds";

    private final boolean claimsLiveness;

    /** For the contract and {@link java.util.ServiceLoader}-style instantiation. */
    public SocketTestTransport() {
        this(false);
    }

    /**
     * A transport that, if {@code claimsLiveness}, declares {@link TransportCapability#LIVENESS} although it sends no
     * heartbeats: the liveness rules must catch it.
     */
    SocketTestTransport(boolean claimsLiveness) {
        this.claimsLiveness = claimsLiveness;
    }

    @Override
    public String id() {
        return SCHEME;
    }

    @Override
    public int priority() {
        return -1;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return claimsLiveness
                ? Set.of(
                        TransportCapability.CROSS_PROCESS,
                        TransportCapability.MULTIPLE_CLIENTS,
                        TransportCapability.LIVENESS)
                : Set.of(TransportCapability.CROSS_PROCESS, TransportCapability.MULTIPLE_CLIENTS);
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
        Path path = Path.of("/tmp", "pipc-" + UUID.randomUUID().toString().substring(0, 13) + ".sock");
        try {
            return new SocketServer(path, options.get(IpcOptions.MAX_PACKET_BYTES));
        } catch (IOException e) {
            throw new IpcException("could not listen on " + path + ": " + e, e);
        }
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        if (!name.startsWith(SCHEME + ":")) {
            throw new IllegalArgumentException(name + " is not a " + SCHEME + " name");
        }
        Path path = Path.of(name.substring(SCHEME.length() + 1));
        if (!Files.exists(path)) {
            throw new NoSuchServerException("no server listens on " + path);
        }
        try {
            return new SocketClient(name, SocketChannel.open(UnixDomainSocketAddress.of(path)));
        } catch (IOException e) {
            throw new NoSuchServerException("no server answers on " + path + ": " + e, e);
        }
    }

    private static final class SocketServer implements Server {
        private final Path path;
        private final ServerSocketChannel channel;
        private final Selector selector;
        private final int maxPacketBytes;
        private volatile boolean closed;

        SocketServer(Path path, int maxPacketBytes) throws IOException {
            this.path = path;
            this.maxPacketBytes = maxPacketBytes;
            this.channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_ACCEPT);
        }

        @Override
        public String name() {
            return SCHEME + ":" + path;
        }

        @Override
        public Connection accept() throws IpcException {
            return accept(Duration.ofDays(365));
        }

        @Override
        public Connection accept(Duration timeout) throws IpcException {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    if (closed) {
                        throw new ClosedException("the server " + name() + " is closed");
                    }
                    SocketChannel accepted = channel.accept();
                    if (accepted != null) {
                        accepted.configureBlocking(true);
                        return new SocketConnection(accepted, maxPacketBytes);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IpcTimeoutException("no client connected to " + name() + " within " + timeout);
                    }
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    selector.selectedKeys().clear();
                }
            } catch (IpcException e) {
                throw e;
            } catch (ClosedSelectorException | IOException e) {
                if (closed) {
                    throw new ClosedException("the server " + name() + " is closed", e);
                }
                throw new IpcException("accept on " + name() + " failed: " + e, e);
            }
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public void close() {
            closed = true;
            try {
                selector.close();
                channel.close();
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // best effort
            }
        }
    }

    private static final class SocketConnection implements Connection {
        private final SocketChannel channel;
        private final AtomicLong packets = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong batches = new AtomicLong();
        private final int maxPacketBytes;
        private volatile boolean ended;

        SocketConnection(SocketChannel channel, int maxPacketBytes) {
            this.channel = channel;
            this.maxPacketBytes = maxPacketBytes;
        }

        @Override
        public void send(List<? extends AsIpcPacket> batch) throws IpcException {
            checkOpen();
            if (batch.isEmpty()) {
                return;
            }
            PacketLimits.check(batch, maxPacketBytes, "raise IpcOptions.MAX_PACKET_BYTES on the server");
            int size = 5;
            for (AsIpcPacket packet : batch) {
                size += 12 + packet.length();
            }
            ByteBuffer frame = ByteBuffer.allocate(size);
            frame.put((byte) 'B').putInt(batch.size());
            for (AsIpcPacket packet : batch) {
                frame.putLong(packet.timestampNanos())
                        .putInt(packet.length())
                        .put(packet.data().duplicate());
            }
            write(frame.flip());
            packets.addAndGet(batch.size());
            bytes.addAndGet(size - 5 - 12L * batch.size());
            batches.incrementAndGet();
        }

        @Override
        public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
            send(batch);
        }

        /** Blocking socket writes cannot be bounded here; like {@link #send(List, Duration)}, this blocks. */
        @Override
        public void sendEnd(Duration timeout) throws IpcException {
            sendEnd();
        }

        @Override
        public void sendEnd() throws IpcException {
            if (ended) {
                return;
            }
            checkOpen();
            write(ByteBuffer.wrap(new byte[] {'E'}));
            ended = true;
        }

        private void checkOpen() throws IpcException {
            if (!channel.isOpen()) {
                throw new ClosedException("this connection is closed");
            }
            if (ended) {
                throw new ClosedException("the end of the stream was already sent");
            }
        }

        private void write(ByteBuffer frame) throws IpcException {
            try {
                while (frame.hasRemaining()) {
                    channel.write(frame);
                }
            } catch (IOException e) {
                throw new PeerGoneException("the client went away: " + e, e);
            }
        }

        @Override
        public int maxPacketBytes() {
            return maxPacketBytes;
        }

        @Override
        public long packetsSent() {
            return packets.get();
        }

        @Override
        public long bytesSent() {
            return bytes.get();
        }

        @Override
        public long batchesSent() {
            return batches.get();
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // best effort
            }
        }
    }

    private static final class SocketClient extends AbstractClient {
        private static final Object END = new Object();
        private static final Object GONE = new Object();
        private static final Object CLOSED = new Object();

        private final SocketChannel channel;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition arrived = lock.newCondition();
        private final Deque<Object> items = new ArrayDeque<>();
        private volatile boolean endReceived;

        SocketClient(String name, SocketChannel channel) {
            super(name);
            this.channel = channel;
            Thread reader = new Thread(this::read, "testuds-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (DataInputStream in = new DataInputStream(Channels.newInputStream(channel))) {
                while (true) {
                    int type = in.read();
                    if (type == 'E') {
                        endReceived = true;
                        add(END, false);
                        return;
                    }
                    if (type != 'B') {
                        add(GONE, false);
                        return;
                    }
                    int count = in.readInt();
                    for (int i = 0; i < count; i++) {
                        long timestamp = in.readLong();
                        byte[] data = new byte[in.readInt()];
                        in.readFully(data);
                        add(Packet.of(timestamp, data), false);
                    }
                }
            } catch (EOFException e) {
                add(GONE, false);
            } catch (IOException e) {
                add(GONE, false);
            }
        }

        private void add(Object item, boolean first) {
            lock.lock();
            try {
                if (first) {
                    items.addFirst(item);
                } else {
                    items.addLast(item);
                }
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
            int delivered = 0;
            lock.lock();
            try {
                long nanos = waitNanos;
                while (items.isEmpty() && nanos > 0) {
                    if (nanos == FOREVER) {
                        arrived.await();
                    } else {
                        nanos = arrived.awaitNanos(nanos);
                    }
                }
                while (delivered < limit && !items.isEmpty()) {
                    Object item = items.peekFirst();
                    if (item instanceof Packet) {
                        items.pollFirst();
                        handler.onPacket((Packet) item);
                        delivered++;
                    } else if (delivered > 0) {
                        break;
                    } else if (item == END) {
                        return END_OF_STREAM;
                    } else if (item == CLOSED) {
                        throw new ClosedException("this client of " + name() + " is closed");
                    } else {
                        throw new PeerGoneException("the server went away without the end of the stream");
                    }
                }
                return delivered;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClosedException("interrupted", e);
            } finally {
                lock.unlock();
            }
        }

        @Override
        protected void closeTransport() {
            add(CLOSED, true);
            try {
                channel.close();
            } catch (IOException e) {
                // best effort
            }
        }

        @Override
        public boolean isEndOfStreamReceived() {
            return endReceived;
        }
    }
}
