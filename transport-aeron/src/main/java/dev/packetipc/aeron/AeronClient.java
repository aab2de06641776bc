package dev.packetipc.aeron;

import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.AbstractClient;
import dev.packetipc.spi.HeartbeatScheduler;
import dev.packetipc.spi.PacketView;
import dev.packetipc.spi.StreamProperties;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.aeron.logbuffer.Header;
import io.aeron.status.ChannelEndpointStatus;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A client: a subscription on its own reply channel (where the server's publication for it lands) and an exclusive
 * publication on the server's control channel that carries its HELLO and stays open while the client lives.
 *
 * <p>{@link #pollPackets} polls the one image of the reply subscription through a {@link ControlledFragmentAssembler}
 * and points one {@link PacketView} at each packet in place: in the term buffer for a packet that shared a frame, in
 * the assembler's buffer for one Aeron reassembled. A message that holds more packets than the caller's limit is
 * aborted after the last one handed out and delivered again by Aeron on the next call, which skips the ones already
 * handed out; nothing is copied and nothing allocated per packet.
 *
 * <p><b>Liveness</b> ({@link IpcOptions#LIVENESS_TIMEOUT}). The HELLO carries this client's time-out; the server's
 * WELCOME carries its own if both have it on. Until the WELCOME is read, the {@link HeartbeatScheduler}'s thread looks
 * for it every {@value #WELCOME_LOOK_MILLIS} ms (with {@code tryLock}: a thread of the user that polls meanwhile reads
 * it itself), since the user may not poll for a long time; once liveness is agreed, it offers a HEARTBEAT on the
 * control publication every quarter of the smaller time-out, whether or not the user polls. A poll that finds nothing
 * at all to read, while nothing was read for this client's time-out, throws {@link PeerGoneException}: a living
 * server's heartbeats would be waiting in the image.
 */
final class AeronClient extends AbstractClient {
    private static final int FRAGMENT_LIMIT = 64;
    private static final SecureRandom NONCES = new SecureRandom();
    /** How often the heartbeat thread looks for the WELCOME until it has been read. */
    static final long WELCOME_LOOK_MILLIS = 25;

    private final Drivers.Lease lease;
    private final ReentrantLock pollLock = new ReentrantLock();
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this::onMessage);
    private final PacketView view = new PacketView();
    private final ByteBufferViews views = new ByteBufferViews();
    private final long nonce = NONCES.nextLong();
    private Subscription data;
    private ExclusivePublication control;
    private Image image;
    private boolean welcomed;
    /** Set by {@link #properties()}: the fragment handler stops after the WELCOME and hands out no packet. */
    private boolean welcomeOnly;

    private long connectTimeoutNanos = TimeUnit.SECONDS.toNanos(10);
    private volatile boolean ended;

    /** This client's liveness time-out in milliseconds, 0 if off. */
    private int livenessMillis;
    /** The server's liveness time-out from its WELCOME (0: off for this connection); -1 until the WELCOME is read. */
    private volatile int serverLivenessMillis = -1;
    /** Whether a poll that finds nothing checks the server's silence; set with the WELCOME. */
    private volatile boolean watching;
    /** When anything was last read from the server; guarded by {@link #pollLock}. */
    private long lastHeard;
    /** Set once the server was found silent: every later poll says so again. */
    private volatile boolean silent;

    /** Guards the heartbeat schedule and the control publication's heartbeats against {@code close}. */
    private final Object beatLock = new Object();
    /** Guarded by {@link #beatLock}. */
    private boolean beatsStopped;
    /** Guarded by {@link #beatLock}: the WELCOME look-out, then the heartbeats. */
    private ScheduledFuture<?> schedule;

    private final UnsafeBuffer heartbeat = new UnsafeBuffer(new byte[Protocol.HEARTBEAT_LENGTH]);

    // State of one poll, read by the fragment handler.
    private PacketHandler handler;
    private int remaining;
    private int delivered;
    private int skip;
    private Throwable handlerFailure;
    private IpcException failure;

    private AeronClient(String name, Drivers.Lease lease) {
        super(name);
        this.lease = lease;
    }

    static AeronClient connect(String name, AeronName parsed, IpcOptions options) throws IpcException {
        Drivers.Lease lease =
                parsed.isIpc() && parsed.driverDir() != null ? Drivers.at(parsed.driverDir()) : Drivers.local();
        AeronClient client = new AeronClient(name, lease);
        try {
            client.handshake(parsed, options);
            return client;
        } catch (IpcException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void handshake(AeronName server, IpcOptions options) throws IpcException {
        Duration connectTimeout = options.get(IpcOptions.CONNECT_TIMEOUT);
        connectTimeoutNanos = connectTimeout.toNanos();
        livenessMillis = Protocol.livenessMillis(options.get(IpcOptions.LIVENESS_TIMEOUT));
        Duration lookup = options.get(AeronOptions.LOOKUP_TIMEOUT);
        if (lookup.compareTo(connectTimeout) > 0) {
            lookup = connectTimeout;
        }
        long start = System.nanoTime();
        int replyStream = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        String replyRequest = server.isIpc() ? "aeron:ipc" : "aeron:udp?endpoint=" + replyEndpoint(server, options);
        data = lease.aeron().addSubscription(replyRequest, replyStream);
        String replyChannel = replyRequest;
        while (true) {
            long status = data.channelStatus();
            if (status == ChannelEndpointStatus.ERRORED) {
                Throwable error = lease.lastError();
                throw new IpcException("cannot receive on " + replyRequest + ": "
                        + (error == null ? "the media driver refused it" : error.getMessage())
                        + "; set AeronOptions.REPLY_ENDPOINT to an address of this host");
            }
            if (status == ChannelEndpointStatus.ACTIVE) {
                if (server.isIpc()) {
                    break;
                }
                String resolved = data.tryResolveChannelEndpointPort();
                if (resolved != null) {
                    replyChannel = resolved;
                    break;
                }
            }
            if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(10)) {
                throw new IpcException("the Aeron media driver did not open " + replyRequest + " within 10 s");
            }
            idle.idle();
        }
        idle.reset();
        control = lease.aeron().addExclusivePublication(controlChannel(server), server.controlStream());
        while (!control.isConnected()) {
            if (System.nanoTime() - start > lookup.toNanos()) {
                throw new NoSuchServerException("no packet-ipc server answers at " + name() + ": nothing subscribed"
                        + " to its control channel within " + lookup + ". It has closed or never started, the name"
                        + " is mistyped"
                        + (server.isIpc()
                                ? ""
                                : ", or a firewall drops UDP to " + server.host() + " port " + server.port()));
            }
            idle.idle();
        }
        idle.reset();
        byte[] channel = replyChannel.getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer hello = new UnsafeBuffer(new byte[Protocol.HELLO_HEADER + channel.length]);
        hello.putByte(0, Protocol.HELLO);
        hello.putByte(1, Protocol.VERSION);
        hello.putShort(Protocol.LIVENESS_OFFSET, (short) livenessMillis, Protocol.ORDER);
        hello.putInt(4, Protocol.MAGIC, Protocol.ORDER);
        hello.putLong(8, nonce, Protocol.ORDER);
        hello.putInt(16, replyStream, Protocol.ORDER);
        hello.putInt(20, channel.length, Protocol.ORDER);
        hello.putBytes(Protocol.HELLO_HEADER, channel);
        while (true) {
            long result = control.offer(hello, 0, hello.capacity());
            if (result > 0) {
                if (livenessMillis > 0) {
                    heartbeat.putByte(0, Protocol.HEARTBEAT);
                    synchronized (beatLock) {
                        schedule = HeartbeatScheduler.every(
                                TimeUnit.MILLISECONDS.toNanos(WELCOME_LOOK_MILLIS), this::lookForWelcome);
                    }
                }
                return;
            }
            if (result == io.aeron.Publication.CLOSED || result == io.aeron.Publication.MAX_POSITION_EXCEEDED) {
                throw new IpcException("could not send the handshake to " + name() + ": Aeron says " + result);
            }
            if (System.nanoTime() - start > connectTimeout.toNanos()) {
                throw new NoSuchServerException("the server at " + name() + " did not take the handshake within "
                        + connectTimeout + "; it may have closed");
            }
            idle.idle();
        }
    }

    /**
     * The server's channel for the control publication, with the smallest term length Aeron allows: it carries one
     * HELLO, and a term length given in the name is meant for the connections' publications.
     */
    private static String controlChannel(AeronName server) {
        Map<String, String> params = new LinkedHashMap<>(server.params());
        params.put("term-length", "64k");
        params.remove("sparse");
        return AeronName.format(server.media(), params);
    }

    /** The local host:0 the server can reach us at: the address this host routes to the server's endpoint from. */
    private static String replyEndpoint(AeronName server, IpcOptions options) throws IpcException {
        String explicit = options.get(AeronOptions.REPLY_ENDPOINT);
        if (explicit != null) {
            return explicit;
        }
        InetAddress local;
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.connect(new InetSocketAddress(InetAddress.getByName(server.host()), Math.max(server.port(), 1)));
            local = ((InetSocketAddress) probe.getLocalAddress()).getAddress();
        } catch (IOException | RuntimeException e) {
            throw new NoSuchServerException(
                    "cannot reach " + server.host() + " (the endpoint of " + server.name() + "): " + e
                            + "; check the name, or set AeronOptions.REPLY_ENDPOINT",
                    e);
        }
        String host = local.getHostAddress();
        int percent = host.indexOf('%');
        if (percent >= 0) {
            host = host.substring(0, percent);
        }
        return (local instanceof Inet6Address ? "[" + host + "]" : host) + ":0";
    }

    @Override
    protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        pollLock.lock();
        try {
            long start = System.nanoTime();
            idle.reset();
            while (true) {
                if (isClosed()) {
                    throw new ClosedException("this client of " + name() + " is closed; connect a new one");
                }
                if (ended) {
                    return END_OF_STREAM;
                }
                if (image == null) {
                    image = findImage();
                }
                if (silent) {
                    throw silence();
                }
                if (image != null) {
                    int n = pollImage(handler, limit);
                    if (n > 0) {
                        return n;
                    }
                    if (ended) {
                        return END_OF_STREAM;
                    }
                    if (image.isClosed() || image.isEndOfStream()) {
                        throw new PeerGoneException("the server " + name() + " went away without sending the end of"
                                + " the stream ("
                                + (image.isEndOfStream()
                                        ? "it closed the connection"
                                        : "nothing heard from it for Aeron's image liveness timeout")
                                + ")");
                    }
                    if (watching && System.nanoTime() - lastHeard >= TimeUnit.MILLISECONDS.toNanos(livenessMillis)) {
                        silent = true;
                        stopBeats();
                        throw silence();
                    }
                } else if (control.isClosed() || !control.isConnected()) {
                    throw new PeerGoneException("the server " + name() + " went away before it accepted this client");
                }
                if (waitNanos == 0 || (waitNanos != FOREVER && System.nanoTime() - start >= waitNanos)) {
                    return 0;
                }
                idle.idle();
            }
        } catch (RuntimeException e) {
            if (e == handlerFailure) {
                throw e;
            }
            if (isClosed()) {
                throw new ClosedException("this client of " + name() + " was closed while receiving", e);
            }
            throw new IpcException("receiving from " + name() + " failed in Aeron: " + e, e);
        } finally {
            handlerFailure = null;
            pollLock.unlock();
        }
    }

    /**
     * The server's stream properties, which come with its WELCOME: this client's {@code connect} returns before the
     * server accepts, so the first call waits for the WELCOME (at most the connect timeout), without handing out or
     * consuming any packet.
     */
    @Override
    public Map<String, String> properties() throws IpcException {
        pollLock.lock();
        try {
            long start = System.nanoTime();
            idle.reset();
            while (!welcomed) {
                if (isClosed()) {
                    throw new ClosedException("this client of " + name() + " is closed; connect a new one");
                }
                if (image == null) {
                    image = findImage();
                }
                if (image != null) {
                    welcomeOnly = true;
                    try {
                        image.controlledPoll(assembler, FRAGMENT_LIMIT);
                    } finally {
                        welcomeOnly = false;
                    }
                    if (failure != null) {
                        IpcException f = failure;
                        failure = null;
                        throw f;
                    }
                    if (welcomed) {
                        break;
                    }
                    if (image.isClosed() || image.isEndOfStream()) {
                        throw new PeerGoneException("the server " + name() + " went away before it sent its WELCOME");
                    }
                } else if (control.isClosed() || !control.isConnected()) {
                    throw new PeerGoneException("the server " + name() + " went away before it accepted this client");
                }
                if (System.nanoTime() - start > connectTimeoutNanos) {
                    throw new IpcTimeoutException("the server " + name() + " did not accept this client within "
                            + Duration.ofNanos(connectTimeoutNanos) + " (IpcOptions.CONNECT_TIMEOUT), so its stream"
                            + " properties are not known; is it calling Server.accept()?");
                }
                idle.idle();
            }
            return super.properties();
        } catch (RuntimeException e) {
            if (isClosed()) {
                throw new ClosedException("this client of " + name() + " was closed while waiting for the WELCOME", e);
            }
            throw new IpcException("waiting for the WELCOME of " + name() + " failed in Aeron: " + e, e);
        } finally {
            pollLock.unlock();
        }
    }

    private PeerGoneException silence() {
        return new PeerGoneException("the server " + name() + " showed no sign of life for " + livenessMillis + " ms"
                + " (no message, not even a heartbeat), so it counts as gone: it is frozen (stopped by a signal or a"
                + " debugger), starved of CPU, or cut off from this host. If it is only slow, raise"
                + " IpcOptions.LIVENESS_TIMEOUT; 0 on either side turns the check off. Close this client and connect"
                + " a new one");
    }

    /**
     * The heartbeat thread's turn until the WELCOME is read: reads it if no user thread is polling (never blocks,
     * never throws), then starts the heartbeats if the server agreed to them, or stops.
     */
    private void lookForWelcome() {
        int serverMillis = serverLivenessMillis;
        if (serverMillis < 0) {
            if (isClosed() || !pollLock.tryLock()) {
                return; // a user thread polls: it reads the WELCOME itself
            }
            try {
                if (!welcomed && !isClosed()) {
                    if (image == null) {
                        image = findImage();
                    }
                    if (image != null) {
                        welcomeOnly = true;
                        try {
                            image.controlledPoll(assembler, FRAGMENT_LIMIT);
                        } finally {
                            welcomeOnly = false;
                        }
                    }
                }
            } catch (RuntimeException e) {
                return; // closing: the user's calls find out
            } finally {
                pollLock.unlock();
            }
            serverMillis = serverLivenessMillis;
            if (serverMillis < 0) {
                return;
            }
        }
        synchronized (beatLock) {
            if (beatsStopped) {
                return;
            }
            schedule.cancel(false);
            schedule = serverMillis > 0 && livenessMillis > 0
                    ? HeartbeatScheduler.every(
                            Protocol.heartbeatIntervalNanos(livenessMillis, serverMillis), this::beat)
                    : null;
        }
        if (serverMillis > 0) {
            beat(); // the server hears from this client at once, not a quarter of the time-out later
        }
    }

    /** One heartbeat on the control publication, on the heartbeat thread: never blocks, never throws. */
    private void beat() {
        synchronized (beatLock) {
            if (beatsStopped || ended) {
                return;
            }
            try {
                control.offer(heartbeat, 0, Protocol.HEARTBEAT_LENGTH); // back pressure: the next turn tries again
            } catch (RuntimeException e) {
                // closing: the user's calls find out
            }
        }
    }

    /** Stops the heartbeats (and the look-out for the WELCOME) for good. */
    private void stopBeats() {
        synchronized (beatLock) {
            beatsStopped = true;
            if (schedule != null) {
                schedule.cancel(false);
                schedule = null;
            }
        }
    }

    private Image findImage() {
        int count = data.imageCount();
        return count == 0 ? null : data.imageAtIndex(0);
    }

    private int pollImage(PacketHandler h, int limit) throws IpcException {
        handler = h;
        remaining = limit;
        delivered = 0;
        try {
            if (image.controlledPoll(assembler, FRAGMENT_LIMIT) > 0 && watching) {
                lastHeard = System.nanoTime();
            }
        } finally {
            handler = null;
        }
        if (handlerFailure != null) {
            Throwable t = handlerFailure;
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            throw (Error) t;
        }
        if (failure != null) {
            IpcException f = failure;
            failure = null;
            throw f;
        }
        return delivered;
    }

    private Action onMessage(DirectBuffer buffer, int offset, int length, Header header) {
        byte type = buffer.getByte(offset);
        if (!welcomed) {
            if (type == Protocol.WELCOME
                    && length >= Protocol.WELCOME_LENGTH
                    && buffer.getInt(offset + 4, Protocol.ORDER) == Protocol.MAGIC
                    && buffer.getLong(offset + 8, Protocol.ORDER) == nonce) {
                if (length > Protocol.WELCOME_LENGTH) { // the server's stream properties follow the fixed part
                    ByteBuffer bytes = ByteBuffer.allocate(length - Protocol.WELCOME_LENGTH);
                    buffer.getBytes(offset + Protocol.WELCOME_LENGTH, bytes, bytes.remaining());
                    try {
                        setProperties(StreamProperties.decode(bytes.flip()));
                    } catch (ProtocolException e) {
                        failure = new ProtocolException(
                                "the server " + name() + " sent malformed stream properties: " + e.getMessage(), e);
                        return Action.BREAK;
                    }
                }
                int serverMillis = buffer.getShort(offset + Protocol.LIVENESS_OFFSET, Protocol.ORDER) & 0xFFFF;
                if (serverMillis > 0 && livenessMillis > 0) {
                    lastHeard = System.nanoTime();
                    watching = true;
                }
                serverLivenessMillis = livenessMillis > 0 ? serverMillis : 0;
                welcomed = true;
                return welcomeOnly ? Action.BREAK : Action.CONTINUE;
            }
            failure = new ProtocolException("the first message from " + name() + " is not the WELCOME this client"
                    + " expects (type " + type + "); something else publishes on its reply stream: connect again");
            return Action.BREAK;
        }
        if (type == Protocol.END) {
            ended = true;
            return Action.BREAK;
        }
        if (type == Protocol.HEARTBEAT) {
            return Action.CONTINUE; // a sign of life, counted by the poll
        }
        if (type != Protocol.BATCH || length < Protocol.BATCH_HEADER) {
            failure = new ProtocolException("an unknown message (type " + type + ", " + length + " bytes) from "
                    + name() + "; close this client");
            return Action.BREAK;
        }
        int count = buffer.getInt(offset + 4, Protocol.ORDER);
        ByteBuffer bytes = views.of(buffer, offset, length);
        int adjust = views.adjustment();
        int end = offset + length;
        int at = offset + Protocol.BATCH_HEADER;
        for (int index = 0; index < count; index++) {
            if (at + Protocol.PACKET_HEADER > end) {
                return truncated(count, length);
            }
            long timestamp = buffer.getLong(at, Protocol.ORDER);
            int len = buffer.getInt(at + 8, Protocol.ORDER);
            int payloadAt = at + Protocol.PACKET_HEADER;
            if (len < 0 || len > end - payloadAt) {
                return truncated(count, length);
            }
            if (index >= skip) {
                if (remaining == 0) {
                    skip = index;
                    return Action.ABORT; // delivered again on the next poll, from packet `skip` on
                }
                remaining--;
                delivered++;
                try {
                    handler.onPacket(view.wrap(timestamp, bytes, payloadAt + adjust, len));
                } catch (RuntimeException | Error e) {
                    handlerFailure = e;
                    if (index + 1 == count) {
                        skip = 0;
                        return Action.BREAK;
                    }
                    skip = index + 1;
                    return Action.ABORT;
                }
            }
            at = payloadAt + len;
        }
        skip = 0;
        return remaining == 0 ? Action.BREAK : Action.CONTINUE;
    }

    private Action truncated(int count, int length) {
        failure = new ProtocolException("a batch message of " + length + " bytes from " + name() + " does not hold the"
                + " " + count + " packets it announces; close this client");
        return Action.BREAK;
    }

    /**
     * Whether the end has been read. The end travels in order behind the packets, so this turns true only once the
     * packets before it were handed out.
     */
    @Override
    public boolean isEndOfStreamReceived() {
        return ended;
    }

    @Override
    protected void closeTransport() {
        stopBeats();
        boolean locked = false;
        try {
            locked = pollLock.tryLock(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (data != null) {
                data.close();
            }
            if (control != null) {
                control.close();
            }
        } catch (RuntimeException e) {
            // the Aeron client is already gone
        } finally {
            if (locked) {
                pollLock.unlock();
            }
            lease.close();
        }
    }
}
