package dev.packetipc.shm;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.spi.Timeouts;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * An shm server: a directory with a lease. Clients announce themselves by renaming a prepared connection directory
 * into it. A listener thread (and every waiting {@link #accept}) finds the announcements and queues them, oldest
 * first, for handshake threads, which take each client, open its queue and mark the server's side of the control
 * file open; the finished connections wait for {@code accept}, as a listening socket's backlog does, so clients are
 * answered whether or not anyone is in {@code accept} at the moment (a burst of client processes started one after
 * the other, say, before the first {@code accept}).
 *
 * <p>A handshake is work for the processor and the file system, not a wait for the client, so handshake threads are
 * started as they are needed until {@link #RUNNING_HANDSHAKES} of them are running; with all of a burst running at
 * once on a busy machine every handshake finished late together, past its client's deadline, where taking them in
 * order serves the oldest first. A handshake thread that waits (for a lock on a queue file, say) does not count, so a stuck handshake holds up no other: more threads are started, for up to {@value #MAX_HANDSHAKES}
 * announcements in hand at once. Threads end when no announcement is waiting.
 */
final class ShmServer implements Server {
    private static final System.Logger LOG = System.getLogger(ShmServer.class.getName());
    /** How often a waiting accept removes what dead clients left in this server's directory. */
    private static final long CLEANUP_EVERY_NANOS = 1_000_000_000L;
    /**
     * Announcements in hand at once (queued, being set up, or set up and waiting for {@code accept}); more wait,
     * unseen, for a later look at the directory.
     */
    static final int MAX_HANDSHAKES = 1024;
    /**
     * Handshake threads running (not blocked) at once: eight per processor, at least 64. Enough that a server's
     * handshakes get their share of processors that many other threads and processes compete for (the client JVMs
     * of a burst starting up, say: with 16 a burst of 256 client threads failed where 64 passed, on a shared 2-core
     * machine), few enough that a burst larger than that is served oldest first rather than all at once.
     */
    static final int RUNNING_HANDSHAKES = Math.max(64, 8 * Runtime.getRuntime().availableProcessors());
    /** The longest pause of a waiting accept between two looks at the directory. */
    private static final long MAX_PAUSE_NANOS = 1_000_000L;
    /** The listener's shortest pause between two looks at the directory. */
    private static final long MIN_LISTENER_PAUSE_NANOS = 1_000_000L;
    /** The listener's longest pause between two looks at the directory, while no client comes. */
    static final long LISTENER_MAX_PAUSE_MILLIS = 50;
    /** How long close waits for handshakes under way (each takes milliseconds). */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final Path directory;
    private final String name;
    private final Side self;
    private final ShmSettings settings;
    /** Connection directories already looked at (taken, left alone, or being handled): not looked at again. */
    private final Set<Path> seen = ConcurrentHashMap.newKeySet();
    /** Connection directories whose handshake is queued or under way: cleanup leaves them alone. */
    private final Set<Path> handshaking = ConcurrentHashMap.newKeySet();
    /**
     * Announcements waiting for a handshake thread, oldest first. Taken without a lock: with a lock, a handshake
     * thread descheduled while it held it (hundreds of threads on two processors) held up every other; in a burst of
     * 256 client threads the handshake threads waited 37 s in all for that lock, and 2 s for the one left (taken only
     * when nothing is pending), by JFR's monitor-enter events.
     */
    private final ConcurrentLinkedQueue<Path> pending = new ConcurrentLinkedQueue<>();
    /** The handshake threads; guarded by {@link #workersLock}. */
    private final Set<Thread> workers = new HashSet<>();
    /** Guards {@link #workers}: starting them, and a thread's end once nothing is pending; close waits on it. */
    private final Object workersLock = new Object();
    /** Finished connections that accept has not handed out yet. */
    private final LinkedBlockingQueue<ShmConnection> ready = new LinkedBlockingQueue<>();

    private final Object acceptLock = new Object();
    /** Answers clients in the background: see {@link #listen()}. */
    private final Thread listener;

    private long nextCleanup = System.nanoTime();
    private volatile boolean closed;
    /** Whether this JVM has opened a Chronicle queue once already ({@link #warmUp}). */
    private static volatile boolean warmedUp;

    private ShmServer(Path directory, ControlFile lease, ShmSettings settings) {
        this.directory = directory;
        this.name = ShmFiles.nameOf(directory);
        this.self = lease.server();
        this.settings = settings;
        this.listener = new Thread(this::listen, "packet-ipc-shm-listener " + name);
        listener.setDaemon(true);
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
            warmUp(directory);
            server.listener.start();
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

    /**
     * Once per JVM, opens and deletes a throw-away queue, so that Chronicle's one-time start-up (loading and
     * initialising its classes: about half a second on an idle machine, seconds on a loaded one) is paid by the first
     * {@code newServer}, not by the handshake of its first client, within that client's {@code CONNECT_TIMEOUT}.
     * The queue lives in a {@code t-} directory with a control file naming this process, so that what a crash in
     * the middle leaves is removed like any dead client's directory. A failure here changes nothing: the first
     * handshake then pays.
     */
    private static void warmUp(Path directory) {
        if (warmedUp) {
            return;
        }
        synchronized (ShmServer.class) {
            if (warmedUp) {
                return;
            }
            warmedUp = true;
        }
        Path warm = directory.resolve(ShmFiles.ANNOUNCING + "warm-up-" + UUID.randomUUID());
        try {
            Files.createDirectory(warm, ShmFiles.privateDirectory());
            Side owner =
                    ControlFile.create(warm.resolve(ShmFiles.CONTROL), true).client();
            Path queueDirectory = Files.createDirectory(warm.resolve(ShmFiles.QUEUE), ShmFiles.privateDirectory());
            try (SingleChronicleQueue queue = Queues.open(
                    queueDirectory,
                    ShmFiles.WARM_UP_DOCUMENT_BYTES,
                    new RollingClock(Queues.ROLL_CYCLE.lengthInMillis()),
                    StoreFileListener.noOp())) {
                ShmConnection.createFirstCycle(queue, queue.createAppender());
                queue.createTailer().readingDocument().close();
            }
            owner.markClosed();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "warming up Chronicle failed (the first handshake pays instead): {0}", e);
        } finally {
            ShmFiles.deleteTree(warm);
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
            checkOpen();
            // The backlog first: a look around lists the directory, and while clients wait in the backlog the listener
            // looks for new ones anyway.
            ShmConnection connection = ready.poll();
            if (connection != null) {
                return connection;
            }
            if (lookAround()) {
                backoff.reset();
            }
            connection = ready.poll();
            if (connection != null) {
                return connection;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IpcTimeoutException("no client connected to " + name + " within " + timeout);
            }
            if (!handshaking.isEmpty()) {
                // A handshake is under way: wait for it rather than spin (it may take a while on a busy machine).
                try {
                    connection = ready.poll(Math.min(left, MAX_PAUSE_NANOS), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IpcException("accept on " + name + " was interrupted; the server stays open", e);
                }
                if (connection != null) {
                    return connection;
                }
            } else {
                backoff.idle();
            }
        }
    }

    /**
     * Removes, once a second, what clients that died while connecting left; queues new announcements for handshakes
     * and starts handshake threads. True if it found new announcements. Called by waiting accepts and by the
     * listener.
     */
    private boolean lookAround() throws IpcException {
        boolean found;
        synchronized (acceptLock) {
            long now = System.nanoTime();
            if (now - nextCleanup >= 0) {
                // What clients that died while connecting left here (t-* and c-* of dead processes).
                Leftovers.cleanConnections(directory, settings.leaseMillis, handshaking);
                seen.removeIf(entry -> !Files.exists(entry, LinkOption.NOFOLLOW_LINKS));
                nextCleanup = now + CLEANUP_EVERY_NANOS;
            }
            found = discover();
        }
        dispatch();
        return found;
    }

    /**
     * The listener: looks for announcements while the server is open, whether or not anyone is in {@link #accept},
     * so that clients are answered (their handshakes done, the connections queued for {@code accept}) as a listening
     * socket's backlog answers them. It looks every millisecond while clients come, and less often, down to every
     * {@value #LISTENER_MAX_PAUSE_MILLIS} ms, while none do (a waiting {@code accept} looks every millisecond
     * itself).
     */
    private void listen() {
        long pause = MIN_LISTENER_PAUSE_NANOS;
        while (!closed) {
            try {
                pause = lookAround()
                        ? MIN_LISTENER_PAUSE_NANOS
                        : Math.min(2 * pause, LISTENER_MAX_PAUSE_MILLIS * 1_000_000L);
            } catch (IpcException | RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.DEBUG, "the listener of {0} could not look for clients: {1}", name, e.toString());
                }
                pause = LISTENER_MAX_PAUSE_MILLIS * 1_000_000L;
            }
            LockSupport.parkNanos(this, pause); // close unparks it
        }
    }

    /**
     * Queues each announcement not seen yet for a handshake, oldest first (as far as the directories' times tell),
     * as many as {@value #MAX_HANDSHAKES} in hand at once; true if it found any.
     */
    private boolean discover() throws IpcException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, ShmFiles.CONNECTION + "*")) {
            for (Path entry : entries) {
                if (closed || handshaking.size() + ready.size() + found.size() >= MAX_HANDSHAKES) {
                    break;
                }
                if (seen.add(entry)) {
                    found.add(entry);
                }
            }
        } catch (IOException e) {
            checkOpen();
            throw new IpcException("cannot list the shm server directory " + directory + ": " + e, e);
        }
        if (found.isEmpty()) {
            return false;
        }
        found.sort(Comparator.comparingLong(ShmServer::modified));
        handshaking.addAll(found);
        pending.addAll(found);
        return true;
    }

    private static long modified(Path entry) {
        try {
            return Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE; // gone meanwhile: its handshake will find nothing
        }
    }

    /**
     * Starts handshake threads while announcements wait and fewer than {@link #RUNNING_HANDSHAKES} threads are
     * running (a thread that waits or sleeps does not count).
     */
    private void dispatch() {
        synchronized (workersLock) {
            if (pending.isEmpty() || closed) {
                return;
            }
            int running = 0;
            for (Thread worker : workers) {
                Thread.State state = worker.getState();
                // Waiting for a monitor is brief; only a thread that waits or sleeps (on a file lock, say) is stuck.
                if (state == Thread.State.RUNNABLE || state == Thread.State.NEW || state == Thread.State.BLOCKED) {
                    running++;
                }
            }
            for (int i = running; i < Math.min(RUNNING_HANDSHAKES, running + pending.size()); i++) {
                Thread worker = new Thread(this::work, "packet-ipc-shm-handshake " + name);
                worker.setDaemon(true);
                workers.add(worker);
                worker.start();
            }
        }
    }

    /** A handshake thread: handles waiting announcements, oldest first, and ends when none is left. */
    private void work() {
        while (true) {
            Path entry = closed ? null : pending.poll();
            if (entry == null) {
                synchronized (workersLock) {
                    // Looked at again under the lock dispatch holds: an announcement queued since the poll is seen
                    // here, or else its dispatch finds this thread gone and starts another.
                    if (closed || pending.isEmpty()) {
                        workers.remove(Thread.currentThread());
                        workersLock.notifyAll(); // close waits for the last one
                        return;
                    }
                }
                continue;
            }
            try {
                handshake(entry);
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "a handshake of {0} failed: {1}", name, e.toString());
            }
        }
    }

    /**
     * On a handshake thread: takes the announced client (unless it withdrew, or is not the transport's), opens its
     * queue, marks side 0 open and queues the connection for {@link #accept}.
     */
    private void handshake(Path entry) {
        try {
            ControlFile control;
            try {
                control = ControlFile.open(entry.resolve(ShmFiles.CONTROL));
            } catch (IpcException e) {
                return; // not a connection of this transport (left alone), or withdrawn and deleted meanwhile
            }
            Side client = control.client();
            if (client.state() != Side.OPEN || !control.take()) {
                return; // the client gave up before it was taken: it deletes its directory itself
            }
            if (client.state() != Side.OPEN || client.isVerifiablyGone()) {
                leave(entry, control); // gave up (or died) just as it was taken: the connection ends here
                return;
            }
            ShmConnection connection;
            try {
                connection = new ShmConnection(entry, control, settings);
            } catch (RuntimeException e) {
                if (client.state() == Side.OPEN && !closed) {
                    LOG.log(
                            Level.WARNING,
                            "could not set up the connection of a client of {0} in {1}: {2}",
                            name,
                            entry,
                            e.toString());
                }
                leave(entry, control); // side 0 CLOSED: the waiting client gives up at once
                return;
            }
            synchronized (this) {
                if (!closed) {
                    ready.add(connection);
                    return;
                }
            }
            connection.close(); // finished after close: the client gets the close marker
        } finally {
            handshaking.remove(entry);
        }
    }

    /**
     * Ends a taken connection that was not set up: the handshake word failed, then side 0 closed; the side that leaves
     * last deletes it.
     */
    private static void leave(Path entry, ControlFile control) {
        control.markFailed();
        control.server().markClosed();
        boolean clientDead =
                control.client().state() == Side.OPEN && control.client().isVerifiablyGone();
        if (control.leaveAndIsLast() || clientDead) {
            ShmFiles.deleteTree(entry);
        }
    }

    private void checkOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("the shm server " + name + " is closed");
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Marks the lease closed (clients still waiting give up), ends the handshakes under way and closes the
     * connections never handed out, then removes what dead clients left (the connections of clients that were
     * frozen when their connection closed and died later included) and, if nothing else is left, the directory.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        self.markClosed();
        Heartbeats.stop(self);
        LockSupport.unpark(listener);
        try {
            listener.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Path entry; (entry = pending.poll()) != null; ) {
            handshaking.remove(entry); // never taken: its client sees the lease closed and withdraws
        }
        synchronized (workersLock) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
            try {
                while (!workers.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.log(
                                Level.WARNING,
                                "handshakes of {0} were still under way {1} s after close",
                                name,
                                CLOSE_WAIT_SECONDS);
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(workersLock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ShmConnection connection; (connection = ready.poll()) != null; ) {
            connection.close(); // set up, but never handed out
        }
        synchronized (acceptLock) {
            Leftovers.cleanConnections(directory, settings.leaseMillis, handshaking);
            // The lease stays while connections remain: it marks the directory as the transport's to delete.
            ShmFiles.removeServerIfDone(directory);
        }
    }
}
