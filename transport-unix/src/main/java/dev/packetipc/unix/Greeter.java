package dev.packetipc.unix;

import dev.packetipc.spi.Timeouts;
import dev.packetipc.spi.stream.HandshakePool;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Holds a server's new clients until they start to speak, on one thread and one selector for all of them, and only
 * then hands each to the {@link HandshakePool}: a peer that connects and says nothing holds no handshake thread, so
 * any number of them delays no other client. A client that sends nothing within its time (the HELLO deadline,
 * {@link dev.packetipc.IpcOptions#CONNECT_TIMEOUT}) is closed and logged. The thread runs only while clients wait.
 */
final class Greeter {
    private static final System.Logger LOG = System.getLogger(UnixServer.class.getName());
    /** How long {@link #close()} waits for the thread to let go of the clients it holds. */
    private static final long CLOSE_WAIT_MILLIS = 5000;

    private final String serverName;
    private final long helloTimeoutNanos;
    private final HandshakePool handshakes;
    private final Selector selector;
    /** Clients accepted but not yet registered with the selector (only the greeter thread registers). */
    private final Queue<Waiting> arrivals = new ArrayDeque<>();
    /** Clients registered with the selector, with their deadlines; touched by the greeter thread only. */
    private final Map<SelectionKey, Waiting> waiting = new HashMap<>();

    private Thread thread;
    private boolean closed;

    /** A client waiting for its first bytes. */
    private record Waiting(AFUNIXSocketChannel socket, UnixStreamChannel stream, long deadline) {}

    Greeter(String serverName, long helloTimeoutNanos, HandshakePool handshakes, SelectorProvider provider)
            throws IOException {
        this.serverName = serverName;
        this.helloTimeoutNanos = Math.min(helloTimeoutNanos, Timeouts.FOREVER / 4);
        this.handshakes = handshakes;
        this.selector = provider.openSelector();
    }

    /** Takes a freshly accepted, admitted client; its HELLO deadline starts now. After {@link #close()} closes it. */
    void add(AFUNIXSocketChannel socket, UnixStreamChannel stream) {
        Waiting client = new Waiting(socket, stream, System.nanoTime() + helloTimeoutNanos);
        synchronized (this) {
            if (!closed) {
                arrivals.add(client);
                if (thread == null) {
                    thread = new Thread(this::run, "packet-ipc-greeter " + serverName);
                    thread.setDaemon(true);
                    thread.start();
                } else {
                    selector.wakeup();
                }
                return;
            }
        }
        stream.close();
    }

    private void run() {
        boolean idle = false;
        try {
            while (true) {
                synchronized (this) {
                    if (closed) {
                        break;
                    }
                    if (arrivals.isEmpty() && waiting.isEmpty()) {
                        idle = true;
                        thread = null; // the next arrival starts a new thread
                        return;
                    }
                    for (Waiting client; (client = arrivals.poll()) != null; ) {
                        register(client);
                    }
                }
                long untilNext = dropLateClients();
                if (waiting.isEmpty()) {
                    continue;
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilNext + 999_999)));
                for (SelectionKey key : selector.selectedKeys()) {
                    Waiting client = waiting.remove(key);
                    if (client != null) {
                        key.cancel();
                        handshakes.start(client.stream(), Math.max(0, client.deadline() - System.nanoTime()));
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) { // ClosedSelectorException too
            if (!isClosed()) {
                LOG.log(
                        Level.ERROR,
                        "waiting for the HELLO of clients of {0} failed; they were dropped: {1}",
                        serverName,
                        e);
            }
        } finally {
            if (!idle) { // an idle thread holds nothing, and a new one may run already
                closeWaiting();
            }
        }
    }

    private void register(Waiting client) {
        try {
            waiting.put(client.socket().register(selector, SelectionKey.OP_READ), client);
        } catch (IOException | RuntimeException e) {
            client.stream().close();
            LOG.log(Level.WARNING, "a client of {0} could not be set up and was dropped: {1}", serverName, e);
        }
    }

    /** Closes the clients whose time ran out; returns the nanoseconds until the next one's runs out. */
    private long dropLateClients() {
        long now = System.nanoTime();
        long next = Timeouts.FOREVER;
        for (Iterator<Map.Entry<SelectionKey, Waiting>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<SelectionKey, Waiting> entry = it.next();
            long left = entry.getValue().deadline() - now;
            if (left > 0) {
                next = Math.min(next, left);
                continue;
            }
            it.remove();
            entry.getKey().cancel();
            entry.getValue().stream().close();
            LOG.log(
                    Level.WARNING,
                    "a client of {0} sent nothing within {1} ms (IpcOptions.CONNECT_TIMEOUT) and was dropped",
                    serverName,
                    TimeUnit.NANOSECONDS.toMillis(helloTimeoutNanos));
        }
        return next;
    }

    /** Closes what the thread held, when it ends (the server closed, or it failed). */
    private void closeWaiting() {
        for (Waiting client : waiting.values()) {
            client.stream().close();
        }
        waiting.clear();
        synchronized (this) {
            for (Waiting client; (client = arrivals.poll()) != null; ) {
                client.stream().close();
            }
            if (thread == Thread.currentThread()) {
                thread = null;
            }
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Closes every client still waiting, and waits (a few seconds at most) until the thread has let go of them. */
    void close() {
        Thread running;
        synchronized (this) {
            closed = true;
            running = thread;
            for (Waiting client; (client = arrivals.poll()) != null; ) {
                client.stream().close();
            }
        }
        selector.wakeup();
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
