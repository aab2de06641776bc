package dev.packetipc.windows;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.spi.Timeouts;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamEndpoints;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A named-pipe server, written only against {@link Win32Pipes}. One pipe instance always listens, with an overlapped
 * {@code ConnectNamedPipe} pending on it; when a client connects, {@link #accept()} takes that instance for the
 * client, creates the next one at once, and runs the handshake. So any number of clients are served at the same time,
 * each on its own instance. A client that fails the handshake is logged and dropped, and {@code accept} goes on.
 * {@link #close()} cancels the pending connect, which wakes a blocked {@code accept} with {@link ClosedException}.
 */
final class PipeServer implements Server {
    private static final System.Logger LOG = System.getLogger(PipeServer.class.getName());
    /** The size of each instance's in and out buffers. */
    static final int PIPE_BUFFER_BYTES = 64 << 10;

    private final Win32Pipes os;
    private final PipeName name;
    private final String sddl;
    private final IpcOptions options;
    private final SharedMemory sharedMemory;
    private final long connectIo;
    /** The instance waiting for the next client. */
    private long listening;
    /** True if a client connected to {@link #listening} already, found by {@link Win32Pipes#startConnect}. */
    private boolean connected;

    /** The client whose handshake runs in {@code accept}, closed by {@link #close()} to end it at once. */
    private PipeStreamChannel handshaking;

    private boolean accepting;
    private boolean closed;
    private boolean released;

    private PipeServer(
            Win32Pipes os, PipeName name, String sddl, IpcOptions options, SharedMemory sharedMemory, long connectIo) {
        this.os = os;
        this.name = name;
        this.sddl = sddl;
        this.options = options;
        this.sharedMemory = sharedMemory;
        this.connectIo = connectIo;
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
        long io;
        try {
            io = os.newIo();
        } catch (Win32Error e) {
            throw new IpcException("cannot set up overlapped I/O for " + name + ": " + e.getMessage(), e);
        }
        PipeServer server = new PipeServer(os, name, sddl, options, sharedMemory, io);
        try {
            server.listening = server.createInstance(true);
            server.connected = os.startConnect(server.listening, io);
        } catch (Win32Error e) {
            if (server.listening != 0) {
                os.closeHandle(server.listening);
            }
            os.freeIo(io);
            if (e.code() == Win32Error.ERROR_ACCESS_DENIED) {
                throw new IpcException(
                        "a pipe named " + name.path() + " exists already (another server, perhaps of another user);"
                                + " close it, or pick another IpcOptions.SERVER_NAME",
                        e);
            }
            throw new IpcException("cannot create the pipe " + name.path() + ": " + e.getMessage(), e);
        }
        return server;
    }

    private long createInstance(boolean first) throws Win32Error {
        return os.createPipe(name.path(), first, sddl, PIPE_BUFFER_BYTES);
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
        begin();
        try {
            while (true) {
                long client = awaitClient(waitNanos, deadline);
                PipeStreamChannel channel;
                try {
                    channel = new PipeStreamChannel(os, client);
                } catch (Win32Error e) {
                    LOG.log(Level.WARNING, "a client of {0} could not be set up and was dropped: {1}", name, e);
                    continue;
                }
                synchronized (this) {
                    handshaking = channel;
                }
                try {
                    checkOpen();
                    return StreamEndpoints.accept(
                            channel,
                            name.serverName(),
                            options,
                            sharedMemory,
                            Timeouts.toNanos(options.get(IpcOptions.CONNECT_TIMEOUT)));
                } catch (IpcException | RuntimeException e) {
                    channel.close();
                    checkOpen();
                    LOG.log(
                            Level.WARNING,
                            "a client of {0} failed the handshake and was dropped: {1}",
                            name,
                            e.getMessage());
                } finally {
                    synchronized (this) {
                        handshaking = null;
                    }
                }
            }
        } finally {
            end();
        }
    }

    /**
     * Waits for a client on the listening instance, then hands that instance over and starts listening on a new one.
     *
     * @return the connected instance, now the caller's
     */
    private long awaitClient(long waitNanos, long deadline) throws IpcException {
        while (true) {
            checkOpen();
            if (!connected) {
                long left = waitNanos == Timeouts.FOREVER ? Timeouts.FOREVER : deadline - System.nanoTime();
                boolean signalled = left == Timeouts.FOREVER
                        ? os.await(connectIo, Win32Pipes.INFINITE)
                        : left > 0
                                && os.await(
                                        connectIo,
                                        Math.min(TimeUnit.NANOSECONDS.toMillis(left + 999_999), Integer.MAX_VALUE));
                checkOpen();
                if (!signalled) {
                    if (waitNanos != Timeouts.FOREVER && deadline - System.nanoTime() <= 0) {
                        // the connect stays pending: the instance keeps listening for the next accept
                        throw new IpcTimeoutException("no client connected to " + name + " within "
                                + Duration.ofNanos(waitNanos) + "; accept again, or check that clients use this name");
                    }
                    continue;
                }
                try {
                    os.finish(listening, connectIo);
                } catch (Win32Error e) {
                    checkOpen();
                    // a client that came and went before the connect completed: listen again on a fresh instance
                    LOG.log(Level.DEBUG, "a connect on {0} failed and is retried: {1}", name, e.getMessage());
                    replaceListening(false);
                    continue;
                }
            }
            long client = listening;
            replaceListening(true);
            return client;
        }
    }

    /**
     * Creates the next listening instance and starts its connect; the old one is handed to the caller if {@code
     * keepOld}, else closed.
     */
    private void replaceListening(boolean keepOld) throws IpcException {
        long old = listening;
        try {
            listening = createInstance(false);
        } catch (Win32Error e) {
            listening = 0;
            if (!keepOld) {
                os.closeHandle(old);
            }
            throw new IpcException(
                    "cannot create another instance of the pipe " + name.path() + ": " + e.getMessage()
                            + "; the server cannot take more clients",
                    e);
        }
        if (!keepOld) {
            os.closeHandle(old);
        }
        try {
            connected = os.startConnect(listening, connectIo);
        } catch (Win32Error e) {
            connected = false;
            throw new IpcException("cannot listen on the pipe " + name.path() + ": " + e.getMessage(), e);
        }
    }

    private synchronized void begin() throws ClosedException {
        if (closed) {
            throw closedException();
        }
        if (accepting) {
            throw new IllegalStateException("another thread is in accept() on " + name + "; accept from one thread");
        }
        accepting = true;
    }

    private void end() {
        boolean release;
        synchronized (this) {
            accepting = false;
            release = closed && !released;
            released |= release;
        }
        if (release) {
            release();
        }
    }

    private synchronized void checkOpen() throws ClosedException {
        if (closed) {
            throw closedException();
        }
    }

    private ClosedException closedException() {
        return new ClosedException("the server " + name + " is closed; open a new one");
    }

    @Override
    public synchronized boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        boolean release;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            release = !accepting;
            released = release;
            if (!release && listening != 0) {
                os.cancel(listening, connectIo); // wakes the accepting thread, which releases on its way out
            }
            if (handshaking != null) {
                handshaking.close();
            }
        }
        if (release) {
            release();
        }
    }

    /** Stops listening: cancels the pending connect, closes the listening instance and frees the slot. */
    private void release() {
        if (listening != 0) {
            os.cancel(listening, connectIo);
            try {
                if (!connected) {
                    os.finish(listening, connectIo);
                }
            } catch (Win32Error e) {
                // cancelled, as intended
            }
            os.closeHandle(listening);
        }
        os.freeIo(connectIo);
    }

    @Override
    public String toString() {
        return "PipeServer[" + name + "]";
    }
}
