package dev.packetipc.spi.stream;

import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.PeerGoneException;
import dev.packetipc.spi.Timeouts;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A stream server's handshakes, run on a pool of daemon threads rather than in {@code accept()}, so that a client that
 * is slow to say HELLO delays no other client. The pool starts a thread per handshake up to {@value #THREADS} at once
 * (threads idle for 10 s end, so an idle server keeps none); beyond that, handshakes wait their turn. Each handshake is
 * bounded by {@link IpcOptions#CONNECT_TIMEOUT}; a client that fails it is logged and dropped; a finished connection
 * goes to the server's sink. {@link #close()} ends pending handshakes, and no connection reaches the sink after it
 * returns.
 *
 * <p>A peer that sends nothing still holds a thread for up to that time-out here. A transport that can wait for a
 * channel's first bytes without a thread (the Unix server's selector) should hand channels over only once they have
 * spoken, with {@link #start(StreamChannel, long)}; then only peers that stop in the middle of a HELLO hold threads.
 */
public final class HandshakePool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HandshakePool.class.getName());
    /** Handshakes that run at once; more wait their turn. */
    static final int THREADS = 64;
    /** How long close waits for handshakes to end: a closed channel ends them at once. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final String serverName;
    private final IpcOptions options;
    private final SharedMemory sharedMemory;
    private final Consumer<Connection> sink;
    private final ThreadPoolExecutor threads;
    private final Set<StreamChannel> pending = ConcurrentHashMap.newKeySet();
    private boolean closed;

    /**
     * A pool for one server. Starts no thread until the first handshake.
     *
     * @param serverName the server's name, for thread names and messages
     * @param options the server's options; {@link IpcOptions#CONNECT_TIMEOUT} bounds each handshake
     * @param sharedMemory how to share regions with clients, or {@code null}
     * @param sink takes each finished connection (queues it for {@code accept} and wakes it); called on a pool thread
     * @throws IllegalArgumentException if the options ask for what a stream transport cannot do (see {@link
     *     StreamEndpoints#checkOptions}), so that {@code newServer} fails at once instead of refusing every client
     */
    public HandshakePool(String serverName, IpcOptions options, SharedMemory sharedMemory, Consumer<Connection> sink) {
        StreamEndpoints.checkOptions(options);
        this.serverName = serverName;
        this.options = options;
        this.sharedMemory = sharedMemory;
        this.sink = sink;
        this.threads = new ThreadPoolExecutor(
                THREADS, THREADS, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "packet-ipc-handshake " + serverName);
                    thread.setDaemon(true);
                    return thread;
                });
        threads.allowCoreThreadTimeOut(true); // an idle server keeps no thread
    }

    /**
     * Starts the handshake of a freshly accepted channel, which may take the whole {@link IpcOptions#CONNECT_TIMEOUT};
     * after {@link #close()} the channel is closed instead. Returns at once; may be called from any thread.
     *
     * @param channel the accepted channel; from here on the pool owns it: it goes, as a connection, to the sink, or is
     *     closed
     */
    public void start(StreamChannel channel) {
        start(channel, Timeouts.toNanos(options.get(IpcOptions.CONNECT_TIMEOUT)));
    }

    /**
     * Starts the handshake of a channel that has waited part of its time for the HELLO already. Returns at once; may
     * be called from any thread; after {@link #close()} the channel is closed instead.
     *
     * @param channel the accepted channel; from here on the pool owns it: it goes, as a connection, to the sink, or is
     *     closed
     * @param helloTimeoutNanos how long the HELLO may still take, in nanoseconds
     */
    public void start(StreamChannel channel, long helloTimeoutNanos) {
        pending.add(channel);
        try {
            threads.execute(() -> handshake(channel, helloTimeoutNanos));
        } catch (RejectedExecutionException e) { // closed meanwhile
            pending.remove(channel);
            channel.close();
        }
    }

    private void handshake(StreamChannel channel, long helloTimeoutNanos) {
        try {
            Connection connection =
                    StreamEndpoints.accept(channel, serverName, options, sharedMemory, helloTimeoutNanos);
            synchronized (this) {
                if (!closed) {
                    sink.accept(connection);
                    return;
                }
            }
            connection.close();
        } catch (IpcException | RuntimeException e) {
            if (!isClosed()) { // a peer that hung up at once is most likely another server probing this one's name
                LOG.log(
                        e instanceof PeerGoneException ? Level.DEBUG : Level.WARNING,
                        "a client of {0} failed the handshake and was dropped: {1}",
                        serverName,
                        e.getMessage());
            }
        } finally {
            pending.remove(channel);
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Ends pending handshakes (their channels are closed) and waits, a few seconds at most, until their threads have
     * let go of everything, so that nothing of theirs outlives the server's close. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        threads.shutdown();
        pending.forEach(StreamChannel::close);
        try {
            threads.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
