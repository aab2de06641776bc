package dev.packetipc.spi;

import dev.packetipc.Client;
import dev.packetipc.ClientMetrics;
import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PacketHandler;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The whole {@link Client} contract built on one primitive, {@link #pollPackets}. A transport implements that
 * primitive and {@link #closeTransport()}; this class supplies the copying receive, the time-outs, the stream and the
 * end-of-stream bookkeeping, so that every transport has exactly the same semantics.
 */
public abstract class AbstractClient implements Client {
    /** Passed as the wait to {@link #pollPackets} to wait without limit. */
    protected static final long FOREVER = Timeouts.FOREVER;

    private final String name;
    private volatile boolean closed;
    private boolean endHandedOut;
    /** Counts what passes to the caller's handler; one per client, reused by every poll. */
    private final Counting counting = new Counting();
    /** {@link #counting}'s counts as of the end of the last poll, for {@link #metrics()} on any thread. */
    private volatile long packetsHandedOut;

    private volatile long bytesHandedOut;

    /** What {@link #properties()} returns; set once, before the client is handed to the application. */
    private volatile Map<String, String> properties = Map.of();

    /**
     * A client of the server with this name.
     *
     * @param name the server's name, as {@link #name()} returns it
     */
    protected AbstractClient(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /**
     * Hands up to {@code limit} packets to {@code handler}, in order.
     *
     * @param handler to call once per packet, in order, with a view valid only during the call; if it throws, the
     *     packets handed to it so far, the one it threw on included, must count as consumed and the exception must
     *     come out of this method unchanged (conformance rule R113)
     * @param limit the most packets to hand out, at least 1
     * @param waitNanos how long to wait for the first packet: 0 not at all, {@link #FOREVER} without limit
     * @return the number handed out (at least 1 unless the wait ran out, then 0), or {@link Client#END_OF_STREAM}
     *     once the end has arrived and everything before it was handed out; from then on on every call
     * @throws dev.packetipc.PeerGoneException if the peer went away without the end, after what arrived was handed out
     * @throws ClosedException if {@link #close()} was called, also while waiting
     */
    protected abstract int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException;

    /**
     * Sets what {@link #properties()} returns: the properties the server sent in the handshake. A transport calls
     * this once, before {@code connect} returns the client.
     *
     * @param properties the server's properties; checked and copied ({@link StreamProperties#checked})
     * @throws IllegalArgumentException if they break the limits of {@link StreamProperties}
     */
    protected final void setProperties(Map<String, String> properties) {
        this.properties = StreamProperties.checked(properties);
    }

    /**
     * The properties set with {@link #setProperties}, else none. A transport that receives them after {@code connect}
     * returned overrides this to wait for them.
     *
     * @return the server's properties, unmodifiable
     * @throws IpcException where an override waits and that fails
     */
    @Override
    public Map<String, String> properties() throws IpcException {
        return properties;
    }

    /** Releases the transport's resources and wakes a thread blocked in {@link #pollPackets}. Called once. */
    protected abstract void closeTransport();

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Optional<List<IpcPacket>> receivePackets(int maxPackets) throws IpcException {
        return receive(maxPackets, FOREVER);
    }

    @Override
    public final Optional<List<IpcPacket>> receivePackets(int maxPackets, Duration timeout) throws IpcException {
        Optional<List<IpcPacket>> packets = receive(maxPackets, toNanos(timeout));
        if (packets.isPresent() && packets.get().isEmpty()) {
            throw new IpcTimeoutException("no packet and no end of stream arrived from " + name + " within " + timeout
                    + "; the server may be slow or stuck: wait longer, or close the client");
        }
        return packets;
    }

    private Optional<List<IpcPacket>> receive(int maxPackets, long waitNanos) throws IpcException {
        checkLimit(maxPackets);
        List<IpcPacket> packets = new ArrayList<>(Math.min(maxPackets, 1024));
        PacketHandler copier = packet -> packets.add(packet.toPacket());
        int n;
        do {
            n = poll0(copier, maxPackets, waitNanos);
        } while (n == 0 && waitNanos == FOREVER);
        return n == END_OF_STREAM ? Optional.empty() : Optional.of(packets);
    }

    @Override
    public final int poll(PacketHandler handler, int limit) throws IpcException {
        return poll0(handler, limit, 0);
    }

    @Override
    public final int poll(PacketHandler handler, int limit, Duration timeout) throws IpcException {
        return poll0(handler, limit, toNanos(timeout));
    }

    private int poll0(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        Objects.requireNonNull(handler, "handler");
        checkLimit(limit);
        if (closed) {
            throw new ClosedException("this client of " + name + " is closed; connect a new one");
        }
        if (endHandedOut) {
            return END_OF_STREAM;
        }
        counting.handler = handler;
        int n;
        try {
            n = pollPackets(counting, limit, waitNanos);
        } finally {
            counting.handler = null;
            packetsHandedOut = counting.packets; // one volatile write per poll, not two per packet
            bytesHandedOut = counting.bytes;
        }
        if (n == END_OF_STREAM) {
            endHandedOut = true;
        }
        return n;
    }

    /**
     * What this client handed out: the packets and payload bytes that reached the caller's handler or list, counted as
     * they pass (the packet whose handler threw included).
     */
    @Override
    public ClientMetrics metrics() {
        return new ClientMetrics(packetsHandedOut, bytesHandedOut, isEndOfStreamReceived());
    }

    /** The caller's handler behind a counter, for the receiving thread only: no allocation per poll or packet. */
    private static final class Counting implements PacketHandler {
        PacketHandler handler;
        long packets;
        long bytes;

        @Override
        public void onPacket(IpcPacket packet) {
            packets++;
            bytes += packet.length();
            handler.onPacket(packet);
        }
    }

    @Override
    public Stream<IpcPacket> stream() {
        Iterator<IpcPacket> iterator = new Iterator<>() {
            private Iterator<IpcPacket> batch = List.<IpcPacket>of().iterator();
            private boolean ended;

            @Override
            public boolean hasNext() {
                while (!batch.hasNext() && !ended) {
                    try {
                        Optional<List<IpcPacket>> next = receivePackets(1024);
                        if (next.isPresent()) {
                            batch = next.get().iterator();
                        } else {
                            ended = true;
                        }
                    } catch (IpcException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return batch.hasNext();
            }

            @Override
            public IpcPacket next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the stream from " + name + " has ended");
                }
                return batch.next();
            }
        };
        return StreamSupport.stream(
                        Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeTransport();
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return true once {@link #close()} has been called
     */
    protected final boolean isClosed() {
        return closed;
    }

    private static void checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the packet limit must be at least 1, was " + limit);
        }
    }

    /**
     * A timeout as nanoseconds for {@link #pollPackets}, saturating at {@link #FOREVER}.
     *
     * @param timeout the timeout, zero or positive
     * @return the timeout in nanoseconds, or {@link #FOREVER} if it does not fit in a {@code long}
     * @throws IllegalArgumentException if the timeout is negative
     */
    protected static long toNanos(Duration timeout) {
        return Timeouts.toNanos(timeout);
    }
}
