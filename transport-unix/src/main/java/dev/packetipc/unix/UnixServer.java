package dev.packetipc.unix;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.spi.Timeouts;
import dev.packetipc.spi.stream.HandshakePool;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamEndpoints;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

/**
 * A Unix domain socket server. Each {@link #accept()} checks the next client's credentials against the {@link
 * PeerPolicy}, runs the handshake and returns an independent {@link Connection}; a refused or broken client is
 * logged and skipped, and the server goes on. The socket file is removed on close, and a file left by a crashed
 * server is replaced, but a live server's socket is never taken over.
 */
final class UnixServer implements Server {
    private static final System.Logger LOG = System.getLogger(UnixServer.class.getName());
    /** How long a new server waits to learn whether a server already listens at its path. */
    private static final long PROBE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * Connections the kernel queues before {@code accept} takes them (Linux caps it at {@code net.core.somaxconn},
     * 4096 by default). junixsocket's default, 50, made clients of a storm (64 processes connecting at once) retry on a
     * full backlog while the server was busy, until some ran out of their connect time-out.
     */
    static final int BACKLOG = 1024;
    /** The name {@link SocketPath#forServer} gives a server by default; group 1 is its process id. */
    private static final Pattern DEFAULT_NAME = Pattern.compile("s-(\\d{1,19})-[0-9a-f]{8}\\.sock");

    private final Path path;
    private final String name;
    private final PeerPolicy policy;
    private final AFUNIXServerSocketChannel channel;
    private final Selector selector;
    private final List<Object> fileKey;
    private final long ownUid;
    private final HandshakePool handshakes;
    private final Greeter greeter;
    /** How long a client may take to send its HELLO, from its accept ({@link IpcOptions#CONNECT_TIMEOUT}). */
    private final long helloTimeoutNanos;

    private final Queue<Connection> ready = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private UnixServer(Path path, IpcOptions options, SharedMemory sharedMemory, AFUNIXServerSocketChannel channel)
            throws IOException {
        this.path = path;
        this.name = SocketPath.nameOf(path);
        this.policy = options.get(UnixOptions.PEER_POLICY);
        this.channel = channel;
        this.fileKey = identity(path);
        this.ownUid = ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        channel.configureBlocking(false);
        this.selector = channel.provider().openSelector();
        channel.register(selector, SelectionKey.OP_ACCEPT);
        this.handshakes = new HandshakePool(name, options, sharedMemory, connection -> {
            ready.add(connection);
            selector.wakeup();
        });
        this.helloTimeoutNanos =
                Math.min(Timeouts.toNanos(options.get(IpcOptions.CONNECT_TIMEOUT)), Timeouts.FOREVER / 4);
        this.greeter = new Greeter(name, helloTimeoutNanos, handshakes, channel.provider());
    }

    /** Binds a new server at the path the options ask for, or at a fresh one. */
    static UnixServer open(IpcOptions options, SharedMemory sharedMemory) throws IpcException {
        Path path = SocketPath.forServer(options.get(IpcOptions.SERVER_NAME));
        removeSocketsOfDeadServers();
        removeIfStale(path);
        AFUNIXServerSocketChannel channel = null;
        boolean bound = false;
        try {
            channel = AFUNIXServerSocketChannel.open();
            channel.setDeleteOnClose(false); // close() deletes the file only if it is still this server's
            channel.bind(AFUNIXSocketAddress.of(path.toFile()), BACKLOG);
            bound = true;
            boolean others = options.get(UnixOptions.PEER_POLICY).admitsOthers();
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(others ? "rw-rw-rw-" : "rw-------"));
            return new UnixServer(path, options, sharedMemory, channel);
        } catch (IOException e) {
            if (channel != null) {
                closeQuietly(channel);
            }
            if (bound) { // a failed bind leaves the file at the path alone: it may be another server's
                deleteQuietly(path);
            }
            throw new IpcException(
                    "cannot listen on " + path + ": " + e.getMessage() + "; check that its directory"
                            + " exists and is writable, or pick another IpcOptions.SERVER_NAME",
                    e);
        }
    }

    /**
     * Deletes a socket file nobody listens on (its server crashed); refuses to touch a live server's socket or a file
     * that is not a socket.
     */
    private static void removeIfStale(Path path) throws IpcException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IpcException(path + " exists and is not a socket; refusing to replace it: remove it or pick"
                    + " another IpcOptions.SERVER_NAME");
        }
        try {
            SocketConnector.connect(path, path.toString(), PROBE_TIMEOUT_NANOS).close();
        } catch (NoSuchServerException stale) {
            LOG.log(Level.INFO, "replacing the stale socket file {0} of a server that is gone", path);
            deleteQuietly(path);
            return;
        } catch (IpcTimeoutException busy) {
            throw new IpcException("a server is already listening at " + path + " (busy: its accept backlog is"
                    + " full); close it first, or pick another IpcOptions.SERVER_NAME");
        } catch (IOException e) { // EACCES and the like: it may well be live, so it is left alone
            throw new IpcException(
                    "cannot tell whether a server still listens at " + path + " (" + e.getMessage()
                            + "); refusing to replace it: remove it, or pick another IpcOptions.SERVER_NAME",
                    e);
        }
        throw new IpcException("a server is already listening at " + path + "; close it first, or pick another"
                + " IpcOptions.SERVER_NAME");
    }

    /**
     * Deletes, in the runtime directory, the socket files that servers of this transport named by default ({@code
     * s-<pid>-<8 hex digits>.sock}) and could not remove because they were killed: only when no process has that pid
     * any more and nobody listens on the socket. Anything else (files of live processes, other names, files that are
     * not sockets, a socket that still answers, as a server in another pid namespace would) is left alone. Best effort:
     * a failure here never stops the server from starting.
     */
    static void removeSocketsOfDeadServers() {
        Path dir = RuntimeDirectory.path();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            dir = RuntimeDirectory.ensure(); // checks that it is ours
        } catch (IpcException e) {
            return;
        }
        long ownPid = ProcessHandle.current().pid();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "s-*.sock")) {
            for (Path file : files) {
                Matcher m = DEFAULT_NAME.matcher(file.getFileName().toString());
                if (!m.matches() || !isSocket(file)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid == ownPid || ProcessHandle.of(pid).isPresent()) {
                    continue;
                }
                try {
                    SocketConnector.connect(file, file.toString(), 0).close();
                    continue; // it answers: a live server after all (another pid namespace)
                } catch (NoSuchServerException stale) {
                    // nobody listens: its server is gone
                } catch (IOException e) {
                    continue; // busy, or cannot tell: leave it
                }
                try {
                    Files.deleteIfExists(file);
                    LOG.log(Level.INFO, "removed {0}, left by a server (pid {1}) that is gone", file, pid);
                } catch (IOException e) {
                    // another server removed it first, or it cannot be: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not look for socket files of dead servers in {0}: {1}", dir, e);
        }
    }

    /** What tells this server's socket file from a later one at the same path: inodes are reused, times differ. */
    private static List<Object> identity(Path path) throws IOException {
        BasicFileAttributes attributes =
                Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return List.of(attributes.fileKey(), attributes.lastModifiedTime(), attributes.creationTime());
    }

    private static boolean isSocket(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isOther();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String name() {
        return name;
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
                // The clients waiting in the backlog first (their connect time runs), then a finished handshake.
                AFUNIXSocketChannel client;
                for (int i = 0; i < BACKLOG && (client = channel.accept()) != null; i++) {
                    startHandshake(client);
                }
                Connection connection = ready.poll();
                if (connection != null) {
                    return connection;
                }
                long left = waitNanos == Timeouts.FOREVER ? Timeouts.FOREVER : deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IpcTimeoutException("no client connected to " + name + " within "
                            + Duration.ofNanos(waitNanos) + "; accept again, or check that clients use this name");
                }
                if (left == Timeouts.FOREVER) {
                    selector.select(); // a new client, a finished handshake (wakeup) or close (wakeup)
                } else {
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
                }
                selector.selectedKeys().clear();
            }
        } catch (ClosedChannelException | ClosedSelectorException e) {
            throw closedException();
        } catch (IOException e) {
            if (e instanceof IpcException) {
                throw (IpcException) e;
            }
            checkOpen();
            throw new IpcException("accepting a client on " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Checks the client's credentials, then hands it to the handshake pool if it has spoken already, else to the
     * greeter, which hands it to the pool once it speaks.
     */
    private void startHandshake(AFUNIXSocketChannel client) {
        UnixStreamChannel stream;
        try {
            stream = new UnixStreamChannel(client);
        } catch (IOException e) {
            closeQuietly(client);
            LOG.log(Level.WARNING, "a client of {0} could not be set up and was dropped: {1}", name, e);
            return;
        }
        String refusal = refusal(client);
        if (refusal != null) {
            LOG.log(Level.WARNING, "refused a client of {0}: {1}", name, refusal);
            StreamEndpoints.refuse(stream, refusal);
            return;
        }
        if (ReadableWaiter.readableNow(client)) { // it spoke already (a storm's clients have): no need to wait
            handshakes.start(stream, helloTimeoutNanos);
        } else {
            greeter.add(client, stream);
        }
    }

    /** Why the client may not connect, or {@code null} if it may. */
    private String refusal(AFUNIXSocketChannel client) {
        AFUNIXSocketCredentials credentials;
        try {
            credentials = client.getPeerCredentials();
        } catch (IOException | RuntimeException e) {
            credentials = null;
        }
        if (credentials == null || credentials.getUid() < 0) {
            return policy.admits(-1, ownUid) ? null : "its credentials are unknown, and " + policy + " needs them";
        }
        long uid = credentials.getUid();
        if (policy.admits(uid, ownUid)) {
            return null;
        }
        return "uid " + uid + " (pid " + credentials.getPid() + ") is not allowed by " + policy + " of a server run by"
                + " uid " + ownUid + "; let it in with UnixOptions.PEER_POLICY";
    }

    private void checkOpen() throws ClosedException {
        if (closed) {
            throw closedException();
        }
    }

    private ClosedException closedException() {
        return new ClosedException("the server " + name + " is closed; open a new one");
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
        greeter.close(); // closes the clients that have not spoken; none reaches the pool after this
        handshakes.close(); // ends pending handshakes; nothing reaches the queue after this
        for (Connection connection; (connection = ready.poll()) != null; ) {
            connection.close(); // accepted, but never handed out
        }
        selector.wakeup();
        closeQuietly(channel);
        try {
            selector.close();
        } catch (IOException e) {
            // nothing left to do
        }
        try { // only our own file: a new server may have taken the path already
            if (Objects.equals(identity(path), fileKey)) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // gone already
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // nothing left to do
        }
    }

    @Override
    public String toString() {
        return "UnixServer[" + name + "]";
    }
}
