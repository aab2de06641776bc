package dev.packetipc.shm;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.StreamProperties;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * The client's half of the handshake: check the server's lease, prepare a connection directory with a control file,
 * rename it into the server's directory (the announcement), and wait until the server marks its side open. A client
 * that gives up first withdraws its announcement, so that no server starts on it; one the server had already taken
 * leaves the connection as either side leaves any connection.
 */
final class ShmConnector {
    /** How often a waiting client looks at the server's lease (mapped: two words read, no file opened). */
    private static final long LEASE_CHECK_EVERY_NANOS = 20_000_000L;
    /** The longest pause between two looks at the control file while waiting for the accept. */
    private static final long MAX_PAUSE_NANOS = 10_000_000L;

    private ShmConnector() {}

    static ShmClient connect(String name, IpcOptions options) throws IpcException {
        long begun = System.nanoTime();
        Path server = ShmFiles.directoryOf(name);
        ShmSettings settings = new ShmSettings(options);
        checkServer(name, server);
        // A process's first connect loads the classes of an announcement first; CONNECT_TIMEOUT counts from the end of
        // that (issue 21: under a storm of starting JVMs it alone outlasted the 10 s default of then). Nothing in it
        // waits for a peer.
        long loading = FirstUse.ensure(server, settings.leaseMillis);
        long start = begun + loading; // IpcOptions.CONNECT_TIMEOUT counts from here
        String id = UUID.randomUUID().toString();
        Path announcing = server.resolve(ShmFiles.announcingName(id));
        Path connection = server.resolve(ShmFiles.CONNECTION + id);
        ControlFile control = null;
        Side self = null;
        boolean announced = false;
        boolean done = false;
        try {
            try {
                Files.createDirectory(announcing, ShmFiles.privateDirectory());
                control = ControlFile.create(announcing.resolve(ShmFiles.CONTROL), true);
                self = control.client();
                Heartbeats.start(self);
                Files.move(announcing, connection, StandardCopyOption.ATOMIC_MOVE);
                announced = true;
            } catch (IpcException e) {
                throw e;
            } catch (IOException e) {
                throw new NoSuchServerException(
                        "cannot announce a client in " + server + " (" + e + "); the server " + name
                                + " has closed, or the name is not a server's name",
                        e);
            }
            awaitAccept(
                    name,
                    server,
                    control,
                    start,
                    loading,
                    options.get(IpcOptions.CONNECT_TIMEOUT),
                    settings.leaseMillis);
            ShmClient client =
                    new ShmClient(name, connection, control, self, settings, readProperties(name, connection));
            done = true;
            return client;
        } finally {
            if (!done) {
                if (self != null) {
                    self.markClosed();
                    Heartbeats.stop(self);
                }
                if (!announced) {
                    ShmFiles.deleteTree(announcing);
                } else if (control.withdraw() || control.leaveAndIsLast()) {
                    // Withdrawn before any server took it, or left last: nobody else uses the directory.
                    ShmFiles.deleteTree(connection);
                }
                ShmFiles.removeServerIfDone(server);
            }
        }
    }

    /**
     * The server's stream properties, which it wrote into the connection directory before it marked its side open;
     * none if there is no such file. A link is not followed; a file larger than the limit is not read.
     */
    private static Map<String, String> readProperties(String name, Path connection) throws IpcException {
        Path path = connection.resolve(ShmFiles.PROPERTIES);
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return Map.of();
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = channel.size();
            if (size > StreamProperties.MAX_ENCODED_BYTES) {
                throw new ProtocolException("the stream properties of the shm server " + name + " (" + path + ") have "
                        + size + " bytes, more than the limit of " + StreamProperties.MAX_ENCODED_BYTES);
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                // read until full
            }
            try {
                return StreamProperties.decode(bytes.flip());
            } catch (ProtocolException e) {
                throw new ProtocolException(
                        "the shm server " + name + " wrote malformed stream properties: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new IpcException("cannot read the stream properties " + path + ": " + e, e);
        }
    }

    /** The one-shot look at the server's lease before announcing (read, not mapped). */
    private static void checkServer(String name, Path server) throws NoSuchServerException {
        Optional<String> problem = serverProblem(server);
        if (problem.isPresent()) {
            throw new NoSuchServerException("no shm server answers to " + name + ": " + problem.get()
                    + "; check that the server is running and the name is exactly its Server.name()");
        }
    }

    /** What is wrong with the server: no lease, closed, or its process gone. */
    private static Optional<String> serverProblem(Path server) {
        if (!Files.isDirectory(server, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(server + " is not a directory (symbolic links are not followed)");
        }
        Path leasePath = server.resolve(ShmFiles.SERVER_LEASE);
        if (!ControlFile.exists(leasePath)) {
            return Optional.of("there is no server lease " + leasePath);
        }
        try {
            Side side = ControlFile.read(leasePath).server();
            if (side.state() != Side.OPEN) {
                return Optional.of("the server has closed");
            }
            if (side.isVerifiablyGone()) {
                return Optional.of("the server is gone: its process " + side.pid() + " is no longer alive");
            }
            return Optional.empty();
        } catch (IpcException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Waits until the server marks side 0 open, at most until {@code timeout} after {@code start} (the start of
     * {@code connect}, or the end of the {@code loading} nanoseconds of a process's first connect that it spent in
     * {@link FirstUse}). Watches the server's lease meanwhile through one mapping of it: closed, or its process
     * verifiably gone, ends the wait with {@link NoSuchServerException}; a heartbeat that stands still (a frozen or
     * overloaded server: in a storm of 64 starting client JVMs on 2 cores a server's heartbeat stood still for 5 s)
     * only waits out the deadline, whose message then says so, as a server that does not answer does on every
     * transport. The pauses between looks grow with the wait, to a tenth of what has been waited (at most 10 ms), so
     * that hundreds of waiting clients leave the processor to the server that is accepting them.
     */
    private static void awaitAccept(
            String name, Path server, ControlFile control, long start, long loading, Duration timeout, long leaseMillis)
            throws IpcException {
        long deadline = start + timeout.toNanos();
        Side lease;
        try {
            lease = ControlFile.open(server.resolve(ShmFiles.SERVER_LEASE)).server();
        } catch (IpcException e) {
            throw new NoSuchServerException("no shm server answers to " + name + ": " + e.getMessage(), e);
        }
        PeerWatch watch = new PeerWatch(lease, leaseMillis);
        Backoff backoff = new Backoff();
        long waitStart = System.nanoTime();
        long nextLeaseCheck = waitStart;
        PeerWatch.Verdict stale = null;
        while (true) {
            if (control.server().state() != Side.NONE) {
                // Open, or closed already: a connection that was set up may end before this client looks.
                if (control.handshake() != ControlFile.FAILED) {
                    return;
                }
                throw new IpcException("the shm server " + name + " took this client but could not set up its"
                        + " connection (see the server's log); connect again");
            }
            long now = System.nanoTime();
            if (now - nextLeaseCheck >= 0) {
                if (lease.state() != Side.OPEN) {
                    throw new NoSuchServerException("no shm server answers to " + name + ": the server has closed");
                }
                Optional<PeerWatch.Verdict> gone = watch.check();
                if (gone.isPresent() && gone.get().verified()) {
                    throw new NoSuchServerException("no shm server answers to " + name + ": the server is gone: "
                            + gone.get().reason());
                }
                // A heartbeat that stands still while the process lives is a frozen or overloaded server: as a
                // server that does not answer on any transport, it gets the rest of CONNECT_TIMEOUT.
                stale = gone.orElse(null);
                nextLeaseCheck = now + LEASE_CHECK_EVERY_NANOS;
            }
            if (now - deadline >= 0) {
                long waited = (now - start) / 1_000_000L;
                String taken = control.handshake() == ControlFile.TAKEN
                        ? "; the server had begun to set up the connection, but not finished"
                        : "";
                throw new IpcTimeoutException("the shm server " + name + " did not accept this client within "
                        + timeout + " (IpcOptions.CONNECT_TIMEOUT): connect() gave up after " + waited + " ms, "
                        + (now - waitStart) / 1_000_000L + " ms of them waiting for the accept"
                        + (loading > 0
                                ? " (and " + loading / 1_000_000L + " ms before them loading what a process loads once"
                                        + " for its first connect, not counted)"
                                : "")
                        + taken
                        + (stale == null
                                ? "; the server is alive (its heartbeat advances) but did not answer in time: a server"
                                        + " or machine busy with many clients at once may need a longer CONNECT_TIMEOUT"
                                : "; the server's process is alive, but " + stale.reason()));
            }
            long waited = now - waitStart;
            if (waited < Backoff.SPIN_NANOS + Backoff.YIELD_NANOS) {
                backoff.idle();
            } else {
                LockSupport.parkNanos(
                        Math.min(Math.min(MAX_PAUSE_NANOS, Math.max(10_000L, waited / 10)), deadline - now));
            }
        }
    }
}
