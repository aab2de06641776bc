package dev.packetipc.windows;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.spi.Timeouts;
import dev.packetipc.spi.stream.HandshakePool;
import dev.packetipc.spi.stream.SharedMemory;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A named-pipe server, written only against {@link Win32Pipes}. One pipe instance always listens, with an overlapped
 * {@code ConnectNamedPipe} pending on it, served by a listener thread: when a client connects, the thread creates the
 * next instance at once and hands the connected one to a small pool that runs its handshake, so any number of clients
 * are served at the same time, each on its own instance, and a client slow to say HELLO delays nobody. {@link
 * #accept()} takes the next connection whose handshake succeeded; a client that fails it is logged and dropped. {@link
 * #close()} cancels the pending connect ({@code CancelIoEx}), ends pending handshakes and wakes a blocked {@code
 * accept} with {@link ClosedException}.
 */
final class PipeServer implements Server {
    private static final System.Logger LOG = System.getLogger(PipeServer.class.getName());
    /** The size of each instance's in and out buffers. */
    static final int PIPE_BUFFER_BYTES = 64 << 10;
    /** Put in {@link #ready} to wake {@code accept}: the server closed or cannot listen any more. */
    private static final Object WAKE = new Object();

    private final Win32Pipes os;
    private final PipeName name;
    private final String sddl;
    private final long connectIo;
    private final BlockingQueue<Object> ready = new LinkedBlockingQueue<>();
    private final HandshakePool handshakes;
    private final Thread listener;
    /** The instance waiting for the next client; guarded by this. */
    private long listening;

    private volatile boolean closed;
    private volatile IpcException listenFailure;

    private PipeServer(
            Win32Pipes os,
            PipeName name,
            String sddl,
            IpcOptions options,
            SharedMemory sharedMemory,
            long connectIo,
            long firstInstance) {
        this.os = os;
        this.name = name;
        this.sddl = sddl;
        this.connectIo = connectIo;
        this.listening = firstInstance;
        this.handshakes = new HandshakePool(name.serverName(), options, sharedMemory, ready::add);
        this.listener = new Thread(this::listen, "packet-ipc-listener " + name);
        listener.setDaemon(true);
    }

    /**
     * Creates the pipe's first instance ({@code FILE_FLAG_FIRST_PIPE_INSTANCE}, so that no other server's pipe of the
     * same name is joined) and starts listening on it.
     */
    static PipeServer open(Win32Pipes os, IpcOptions options, SharedMemory sharedMemory) throws IpcException {
        PipeName name = PipeName.forServer(options.get(IpcOptions.SERVER_NAME));
        String sddl;
        try {
            sddl = SecurityDescriptors.currentUserOnly(os.currentUserSid());
        } catch (Win32Error e) {
            throw new IpcException(
                    "cannot read this process's user to secure the pipe " + name + ": " + e.getMessage(), e);
        }
        long first;
        try {
            first = os.createPipe(name.path(), true, sddl, PIPE_BUFFER_BYTES);
        } catch (Win32Error e) {
            if (e.code() == Win32Error.ERROR_ACCESS_DENIED) {
                throw new IpcException(
                        "a pipe named " + name.path() + " exists already (another server, perhaps of another user);"
                                + " close it, or pick another IpcOptions.SERVER_NAME",
                        e);
            }
            throw new IpcException("cannot create the pipe " + name.path() + ": " + e.getMessage(), e);
        }
        long io;
        try {
            io = os.newIo();
        } catch (Win32Error e) {
            os.closeHandle(first);
            throw new IpcException("cannot set up overlapped I/O for " + name + ": " + e.getMessage(), e);
        }
        PipeServer server = new PipeServer(os, name, sddl, options, sharedMemory, io, first);
        server.listener.start();
        return server;
    }

    /** The listener thread: waits for each client, starts listening on a new instance, hands the client over. */
    private void listen() {
        try {
            while (true) {
                boolean connected;
                synchronized (this) { // close() cancels under this lock: it sees this connect, or we see it closed
                    if (closed) {
                        return;
                    }
                    connected = os.startConnect(listening, connectIo);
                }
                if (!connected) {
                    os.await(connectIo, Win32Pipes.INFINITE);
                    try {
                        os.finish(listening, connectIo);
                    } catch (Win32Error e) {
                        if (closed) {
                            return;
                        }
                        // a client that came and went before the connect completed: listen on a fresh instance
                        LOG.log(Level.DEBUG, "a connect on {0} failed and is retried: {1}", name, e.getMessage());
                        replaceListening();
                        continue;
                    }
                }
                long client;
                synchronized (this) { // the next instance first, so that the pipe is busy for as short as can be
                    client = listening;
                    listening = 0;
                    if (closed) {
                        os.closeHandle(client);
                        return;
                    }
                    try {
                        listening = os.createPipe(name.path(), false, sddl, PIPE_BUFFER_BYTES);
                    } finally {
                        startHandshake(client);
                    }
                }
            }
        } catch (Win32Error | RuntimeException e) {
            listenFailure = new IpcException(
                    "the server " + name + " cannot listen for more clients: " + e.getMessage()
                            + "; close it and start a new one",
                    e);
            ready.add(WAKE);
            LOG.log(Level.WARNING, listenFailure.getMessage());
        } finally {
            synchronized (this) {
                if (listening != 0) {
                    os.closeHandle(listening);
                    listening = 0;
                }
                os.freeIo(connectIo);
            }
        }
    }

    private void replaceListening() throws Win32Error {
        synchronized (this) {
            os.closeHandle(listening);
            listening = 0;
            if (!closed) {
                listening = os.createPipe(name.path(), false, sddl, PIPE_BUFFER_BYTES);
            }
        }
    }

    /** Hands the client to the handshake pool; a finished connection is queued for {@code accept}. */
    private void startHandshake(long client) {
        try {
            handshakes.start(new PipeStreamChannel(os, client));
        } catch (Win32Error e) {
            LOG.log(Level.WARNING, "a client of {0} could not be set up and was dropped: {1}", name, e.getMessage());
        }
    }

    @Override
    public String name() {
        return name.serverName();
    }

    @Override
    public Connection accept() throws IpcException {
        return accept0(Timeouts.FOREVER);
    }

    @Override
    public Connection accept(Duration timeout) throws IpcException {
        Objects.requireNonNull(timeout, "timeout");
        return accept0(Timeouts.toNanos(timeout));
    }

    private Connection accept0(long waitNanos) throws IpcException {
        long deadline = System.nanoTime() + Math.min(waitNanos, Timeouts.FOREVER / 4);
        try {
            while (true) {
                checkOpen();
                Object next = waitNanos == Timeouts.FOREVER
                        ? ready.take()
                        : ready.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new IpcTimeoutException("no client connected to " + name + " within "
                            + Duration.ofNanos(waitNanos) + "; accept again, or check that clients use this name");
                }
                if (next == WAKE) {
                    ready.add(WAKE); // for any other thread in accept
                    checkOpen();
                    throw listenFailure;
                }
                return (Connection) next;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpcException("interrupted while waiting for a client of " + name, e);
        }
    }

    private void checkOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("the server " + name + " is closed; open a new one");
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
            if (listening != 0) {
                os.cancel(listening, connectIo); // the listener wakes, sees the server closed and releases
            }
        }
        handshakes.close(); // ends pending handshakes; nothing reaches the queue after this
        drainReady(); // accepted, but never handed out
        ready.add(WAKE);
        try {
            listener.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainReady() {
        for (Object next; (next = ready.poll()) != null; ) {
            if (next instanceof Connection) {
                ((Connection) next).close();
            }
        }
    }

    @Override
    public String toString() {
        return "PipeServer[" + name + "]";
    }
}
