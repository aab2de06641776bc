package dev.packetipc.shm;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.spi.Timeouts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * An shm server: a directory with a lease. Clients announce themselves by renaming a prepared connection directory
 * into it; {@link #accept} picks them up, opens each one's queue and marks its side of the control file open.
 */
final class ShmServer implements Server {
    /** How often a waiting accept removes what dead clients left in this server's directory. */
    private static final long CLEANUP_EVERY_NANOS = 1_000_000_000L;

    private final Path directory;
    private final String name;
    private final Side self;
    private final ShmSettings settings;
    private final Set<Path> taken = new HashSet<>();
    private final Object acceptLock = new Object();
    private long nextCleanup = System.nanoTime();
    private volatile boolean closed;

    private ShmServer(Path directory, ControlFile lease, ShmSettings settings) {
        this.directory = directory;
        this.name = ShmFiles.nameOf(directory);
        this.self = lease.server();
        this.settings = settings;
    }

    /** Starts a server, cleaning what crashed servers left behind first. */
    static ShmServer start(IpcOptions options) throws IpcException {
        ShmSettings settings = new ShmSettings(options);
        String requested = options.get(IpcOptions.SERVER_NAME);
        Path directory;
        if (requested == null) {
            directory = ShmFiles.root().resolve(UUID.randomUUID().toString().substring(0, 13));
        } else {
            // Checked before any file is touched: a bare name, or the shm:// name of a directory in the shm root.
            directory = ShmFiles.serverDirectoryFor(requested, ShmFiles.rootPath());
        }
        Path root = ShmFiles.root();
        Leftovers.cleanAll(root, settings.leaseMillis);
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)
                && !Leftovers.cleanServer(directory, settings.leaseMillis)) {
            throw new IpcException("the shm server name " + ShmFiles.nameOf(directory) + " is taken by a live server,"
                    + " or by something that is not a packet-ipc shm server (left alone); choose another"
                    + " IpcOptions.SERVER_NAME or leave it unset");
        }
        // Prepared beside its final place, so that the rename stays on one file system.
        Path fresh = directory.resolveSibling(ShmFiles.NEW_SERVER + UUID.randomUUID());
        try {
            Files.createDirectory(fresh, ShmFiles.privateDirectory());
            ControlFile lease = ControlFile.create(fresh.resolve(ShmFiles.SERVER_LEASE), false);
            ShmServer server = new ShmServer(directory, lease, settings);
            Heartbeats.start(server.self);
            try {
                Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Heartbeats.stop(server.self);
                throw e;
            }
            return server;
        } catch (FileAlreadyExistsException e) {
            ShmFiles.deleteTree(fresh);
            throw new IpcException(
                    "the shm server name " + ShmFiles.nameOf(directory) + " was taken meanwhile; "
                            + "choose another IpcOptions.SERVER_NAME",
                    e);
        } catch (IOException e) {
            ShmFiles.deleteTree(fresh);
            throw new IpcException("cannot create the shm server directory " + directory + ": " + e, e);
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

    private Connection accept0(long timeoutNanos, Duration timeout) throws IpcException {
        long deadline = timeoutNanos == Timeouts.FOREVER ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        Backoff backoff = new Backoff();
        while (true) {
            if (closed) {
                throw new ClosedException("the shm server " + name + " is closed");
            }
            synchronized (acceptLock) {
                long now = System.nanoTime();
                if (now - nextCleanup >= 0) {
                    // What clients that died while connecting left here (t-* and c-* of dead processes).
                    Leftovers.cleanConnections(directory, settings.leaseMillis);
                    taken.removeIf(entry -> !Files.exists(entry, LinkOption.NOFOLLOW_LINKS));
                    nextCleanup = now + CLEANUP_EVERY_NANOS;
                }
                Connection connection = acceptWaiting();
                if (connection != null) {
                    return connection;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IpcTimeoutException("no client connected to " + name + " within " + timeout);
            }
            backoff.idle();
        }
    }

    /** Accepts the first announced client that still lives; deletes announcements of clients that died. */
    private Connection acceptWaiting() throws IpcException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, ShmFiles.CONNECTION + "*")) {
            for (Path entry : entries) {
                if (taken.contains(entry) || closed) {
                    continue;
                }
                ControlFile control;
                try {
                    control = ControlFile.open(entry.resolve(ShmFiles.CONTROL));
                } catch (IpcException e) {
                    taken.add(entry); // not a connection of this transport: left alone
                    continue;
                }
                Side client = control.client();
                taken.add(entry);
                if (client.state() != Side.OPEN) {
                    continue; // the client gave up and deletes its directory itself (or a later cleanup does)
                }
                if (client.isVerifiablyGone()) {
                    ShmFiles.deleteTree(entry);
                    continue;
                }
                try {
                    return new ShmConnection(entry, control, settings);
                } catch (RuntimeException e) {
                    ShmFiles.deleteTree(entry);
                    throw new IpcException("cannot open the queue for the client in " + entry + ": " + e, e);
                }
            }
            return null;
        } catch (IOException e) {
            if (closed) {
                throw new ClosedException("the shm server " + name + " is closed");
            }
            throw new IpcException("cannot list the shm server directory " + directory + ": " + e, e);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        self.markClosed();
        Heartbeats.stop(self);
        synchronized (acceptLock) {
            // What clients that died while connecting left since the last look (accept looks once a second).
            Leftovers.cleanConnections(directory, settings.leaseMillis);
            // The lease stays while connections remain: it marks the directory as the transport's to delete.
            ShmFiles.removeServerIfDone(directory);
        }
    }
}
