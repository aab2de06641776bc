package dev.packetipc.aeron;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.spi.HeartbeatScheduler;
import dev.packetipc.spi.StreamProperties;
import dev.packetipc.spi.Timeouts;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.aeron.status.ChannelEndpointStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A server: one subscription on the control channel (the name), on which every client's exclusive publication
 * delivers one HELLO. Accepting a client means adding an exclusive publication to the reply channel the HELLO names,
 * waiting for it to connect, and sending WELCOME as its first message.
 *
 * <p>The control subscription also carries the clients' heartbeats ({@link IpcOptions#LIVENESS_TIMEOUT}). It is read
 * under {@link #controlLock} by whoever needs it: {@code accept}, a connection's {@code send} that waits for room and
 * wants to know whether its client still lives, and the {@link HeartbeatScheduler}'s thread, which drains it every
 * so often so that the clients' control publications never fill up. HELLOs read on the way wait in {@link #hellos}
 * for {@code accept}; any message of a client counts as its sign of life.
 */
final class AeronServer implements Server {
    /** Channel parameters of the name that the server also applies to each connection's publication. */
    private static final Set<String> PUBLICATION_PARAMS = Set.of("term-length", "mtu", "sparse", "linger", "so-sndbuf");

    private static final Set<String> NAMES_IN_USE = ConcurrentHashMap.newKeySet();
    private static final long HANDSHAKE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The most messages read from one client's control image in one go. */
    private static final int CONTROL_FRAGMENTS = 64;
    /** How often at most the heartbeat thread drains the control subscription. */
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Drivers.Lease lease;
    private final IpcOptions options;
    private final Map<String, String> publicationParams = new LinkedHashMap<>();
    private final Map<Integer, AeronConnection> connections = new ConcurrentHashMap<>();
    private final Set<Integer> goneSessions = ConcurrentHashMap.newKeySet();
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    private final int livenessMillis;
    private final ReentrantLock controlLock = new ReentrantLock();
    /** HELLOs read from the control subscription, for {@code accept}; guarded by {@link #controlLock}. */
    private final ArrayDeque<Hello> hellos = new ArrayDeque<>();

    private final FragmentHandler controlHandler = this::onControl;
    private Subscription control;
    private ScheduledFuture<?> drains;
    private String name;
    private volatile boolean closed;

    // The handshake under way (kept across accept calls that time out).
    private Pending pending;

    /** A client's HELLO; {@code livenessMillis} is its time-out, 0 if off or if the client predates liveness. */
    private record Hello(int sessionId, long nonce, int replyStream, String replyChannel, int livenessMillis) {}

    private record Pending(Hello hello, ExclusivePublication publication, long deadline) {}

    private AeronServer(Drivers.Lease lease, IpcOptions options) {
        this.lease = lease;
        this.options = options;
        this.livenessMillis = Protocol.livenessMillis(options.get(IpcOptions.LIVENESS_TIMEOUT));
    }

    static AeronServer start(IpcOptions options) throws IpcException {
        String requested = options.get(IpcOptions.SERVER_NAME);
        AeronName asked = AeronName.parse(requested == null ? "aeron:udp?endpoint=127.0.0.1:0" : requested);
        Drivers.Lease lease = Drivers.local();
        AeronServer server = new AeronServer(lease, options);
        try {
            server.listen(asked);
            if (server.livenessMillis > 0) {
                long interval = Math.min(DRAIN_NANOS, TimeUnit.MILLISECONDS.toNanos(server.livenessMillis) / 4);
                server.drains = HeartbeatScheduler.every(interval, server::drainQuietly);
            }
            return server;
        } catch (IpcException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void listen(AeronName asked) throws IpcException {
        asked.params().forEach((k, v) -> {
            if (PUBLICATION_PARAMS.contains(k)) {
                publicationParams.put(k, v);
            }
        });
        int stream = asked.controlStream();
        if (asked.isIpc() && stream == AeronName.DEFAULT_CONTROL_STREAM) {
            stream = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        }
        String channel = asked.channel();
        try {
            control = lease.aeron().addSubscription(channel, stream, image -> {}, this::onUnavailable);
        } catch (RuntimeException e) {
            throw new IpcException(
                    "cannot listen on the Aeron channel " + channel + ": " + e.getMessage()
                            + "; is the address this host's and the port free? Choose another name (IpcOptions.SERVER_NAME),"
                            + " or port 0 for a free one",
                    e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String resolved = channel;
        while (true) {
            long status = control.channelStatus();
            if (status == ChannelEndpointStatus.ERRORED) {
                Throwable error = lease.lastError();
                throw new IpcException("cannot listen on the Aeron channel " + channel + ": "
                        + (error == null ? "the media driver refused it" : error.getMessage())
                        + "; is the address this host's and the port free? Choose another name (IpcOptions"
                        + ".SERVER_NAME), or port 0 for a free one");
            }
            if (status == ChannelEndpointStatus.ACTIVE) {
                if (asked.isIpc()) {
                    break;
                }
                String r = control.tryResolveChannelEndpointPort();
                if (r != null) {
                    resolved = r;
                    break;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IpcException("the Aeron media driver did not open " + channel + " within 10 s");
            }
            idle.idle();
        }
        idle.reset();
        Map<String, String> params = AeronName.paramsOf(resolved);
        AeronName actual = asked.with(params, stream, asked.isIpc() ? lease.directory() : null);
        name = actual.name();
        if (!NAMES_IN_USE.add(actualKey(actual))) {
            name = null;
            throw new IpcException("another server of this process already listens on " + actual.channel()
                    + (asked.isIpc() ? "" : " (stream " + stream + ")") + "; choose another name");
        }
    }

    private static String actualKey(AeronName name) {
        return name.channel() + "#" + name.controlStream();
    }

    private void onUnavailable(Image image) {
        if (closed) {
            return; // our own close releases the images; that is not a client leaving
        }
        goneSessions.add(image.sessionId());
        AeronConnection connection = connections.get(image.sessionId());
        if (connection != null) {
            connection.clientGone();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Connection accept() throws IpcException {
        return accept0(Timeouts.FOREVER, null);
    }

    @Override
    public Connection accept(Duration timeout) throws IpcException {
        return accept0(Timeouts.toNanos(timeout), timeout);
    }

    private Connection accept0(long waitNanos, Duration timeout) throws IpcException {
        checkOpen();
        acceptLock.lock();
        try {
            long start = System.nanoTime();
            idle.reset();
            while (true) {
                checkOpen();
                boolean progress = false;
                if (pending != null) {
                    Connection connection = advance();
                    if (connection != null) {
                        return connection;
                    }
                    progress = pending == null;
                } else {
                    Hello hello = nextHello();
                    if (hello != null) {
                        begin(hello);
                        progress = true;
                    }
                }
                if (progress) {
                    idle.reset();
                    continue;
                }
                if (waitNanos != Timeouts.FOREVER && System.nanoTime() - start >= waitNanos) {
                    throw new IpcTimeoutException("no client connected to " + name + " within " + timeout
                            + "; the server still accepts: call accept again");
                }
                idle.idle();
            }
        } catch (RuntimeException e) {
            checkOpen();
            throw new IpcException("accepting on " + name + " failed in Aeron: " + e, e);
        } finally {
            acceptLock.unlock();
        }
    }

    /** The next HELLO to answer, reading the control subscription if none is waiting; null if there is none. */
    private Hello nextHello() {
        controlLock.lock();
        try {
            if (hellos.isEmpty()) {
                drain();
            }
            return hellos.poll();
        } finally {
            controlLock.unlock();
        }
    }

    /**
     * Reads what every client sent on the control subscription: HELLOs go to {@link #hellos}, and a connection whose
     * client sent anything is told it heard from it. The caller holds {@link #controlLock}.
     */
    private void drain() {
        Subscription subscription = control;
        for (int i = 0, n = subscription.imageCount(); i < n; i++) {
            Image image = subscription.imageAtIndex(i);
            if (image.poll(controlHandler, CONTROL_FRAGMENTS) > 0) {
                AeronConnection connection = connections.get(image.sessionId());
                if (connection != null) {
                    connection.heardFromClient();
                }
            }
        }
    }

    /**
     * Reads the control subscription now, for a connection's {@code send} that found its client silent for its
     * liveness time-out: a client that lives has a heartbeat waiting there.
     *
     * @return false if this server is closed, so the control subscription, and with it the clients' heartbeats, is
     *     gone
     */
    boolean drainForConnection() {
        controlLock.lock();
        try {
            if (closed) {
                return false;
            }
            drain();
            return true;
        } finally {
            controlLock.unlock();
        }
    }

    /** The heartbeat thread's drain: skipped while another thread reads the control subscription; never throws. */
    private void drainQuietly() {
        if (closed || !controlLock.tryLock()) {
            return;
        }
        try {
            if (!closed) {
                drain();
            }
        } catch (RuntimeException e) {
            // the Aeron client is closing; accept and send find out by themselves
        } finally {
            controlLock.unlock();
        }
    }

    private void onControl(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < Protocol.HELLO_HEADER
                || buffer.getByte(offset) != Protocol.HELLO
                || buffer.getByte(offset + 1) != Protocol.VERSION
                || buffer.getInt(offset + 4, Protocol.ORDER) != Protocol.MAGIC) {
            return; // a heartbeat, or not a packet-ipc client: nothing more to do
        }
        int liveness = buffer.getShort(offset + Protocol.LIVENESS_OFFSET, Protocol.ORDER) & 0xFFFF;
        long nonce = buffer.getLong(offset + 8, Protocol.ORDER);
        int replyStream = buffer.getInt(offset + 16, Protocol.ORDER);
        int channelLength = buffer.getInt(offset + 20, Protocol.ORDER);
        if (channelLength <= 0 || channelLength > length - Protocol.HELLO_HEADER) {
            return;
        }
        byte[] channel = new byte[channelLength];
        buffer.getBytes(offset + Protocol.HELLO_HEADER, channel);
        hellos.add(new Hello(
                header.sessionId(), nonce, replyStream, new String(channel, StandardCharsets.UTF_8), liveness));
    }

    private void begin(Hello h) {
        if (goneSessions.contains(h.sessionId())) {
            return; // the client left before we got to it
        }
        String channel;
        try {
            ChannelUri uri = ChannelUri.parse(h.replyChannel());
            publicationParams.forEach(uri::put);
            channel = uri.toString();
        } catch (RuntimeException e) {
            return; // a malformed reply channel: ignore this client
        }
        ExclusivePublication publication;
        try {
            publication = lease.aeron().addExclusivePublication(channel, h.replyStream());
        } catch (RuntimeException e) {
            return; // e.g. an unresolvable endpoint: the client waits in vain and times out
        }
        pending = new Pending(h, publication, System.nanoTime() + HANDSHAKE_NANOS);
    }

    /** Moves the pending handshake on: a connection when done, null while waiting or after giving up. */
    private Connection advance() throws IpcException {
        Pending p = pending;
        if (goneSessions.contains(p.hello().sessionId()) || System.nanoTime() > p.deadline()) {
            p.publication().close();
            pending = null;
            return null;
        }
        if (!p.publication().isConnected()) {
            return null;
        }
        byte[] properties = StreamProperties.encode(options.get(IpcOptions.STREAM_PROPERTIES));
        int length = Protocol.WELCOME_LENGTH + (properties.length > 4 ? properties.length : 0); // 4: none, say nothing
        int clientLiveness = p.hello().livenessMillis();
        int liveness = clientLiveness > 0 ? livenessMillis : 0; // on for both sides, or for neither
        UnsafeBuffer welcome = new UnsafeBuffer(new byte[length]);
        welcome.putByte(0, Protocol.WELCOME);
        welcome.putByte(1, Protocol.VERSION);
        welcome.putShort(Protocol.LIVENESS_OFFSET, (short) liveness, Protocol.ORDER);
        welcome.putInt(4, Protocol.MAGIC, Protocol.ORDER);
        welcome.putLong(8, p.hello().nonce(), Protocol.ORDER);
        if (length > Protocol.WELCOME_LENGTH) {
            welcome.putBytes(Protocol.WELCOME_LENGTH, properties);
        }
        long result = p.publication().offer(welcome, 0, length);
        if (result < 0) {
            return null; // back pressure or a hiccup: try again on the next turn
        }
        pending = null;
        AeronConnection connection;
        try {
            connection = new AeronConnection(
                    this, p.publication(), p.hello().sessionId(), Drivers.local(), options, clientLiveness, liveness);
        } catch (IpcException e) {
            p.publication().close();
            throw e;
        }
        connections.put(p.hello().sessionId(), connection);
        if (goneSessions.contains(p.hello().sessionId())) {
            connection.clientGone();
        }
        return connection;
    }

    void forget(int sessionId) {
        connections.remove(sessionId);
    }

    private void checkOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("the server " + name + " is closed; start a new one");
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        boolean locked = false;
        try {
            locked = acceptLock.tryLock(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drains != null) {
            drains.cancel(false);
        }
        controlLock.lock(); // a drain under way finishes first; later ones see closed
        try {
            if (pending != null) {
                pending.publication().close();
                pending = null;
            }
            if (control != null) {
                control.close();
            }
        } catch (RuntimeException e) {
            // the Aeron client is already gone
        } finally {
            if (name != null) {
                NAMES_IN_USE.remove(actualKey(AeronName.parse(name)));
            }
            controlLock.unlock();
            if (locked) {
                acceptLock.unlock();
            }
            lease.close();
        }
    }

    @Override
    public String toString() {
        return "AeronServer[" + name + "]";
    }
}
