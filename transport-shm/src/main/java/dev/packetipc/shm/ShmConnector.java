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

/**
 * The client's half of the handshake: check the server's lease, prepare a connection directory with a control file,
 * rename it into the server's directory (the announcement), and wait until the server marks its side open.
 */
final class ShmConnector {
    private ShmConnector() {}

    static ShmClient connect(String name, IpcOptions options) throws IpcException {
        Path server = ShmFiles.directoryOf(name);
        ShmSettings settings = new ShmSettings(options);
        checkServer(name, server, null);
        String id = UUID.randomUUID().toString();
        Path announcing = server.resolve(ShmFiles.announcingName(id));
        Path connection = server.resolve(ShmFiles.CONNECTION + id);
        Side self = null;
        boolean done = false;
        try {
            Files.createDirectory(announcing, ShmFiles.privateDirectory());
            ControlFile control = ControlFile.create(announcing.resolve(ShmFiles.CONTROL), true);
            self = control.client();
            Heartbeats.start(self);
            Files.move(announcing, connection, StandardCopyOption.ATOMIC_MOVE);
            awaitAccept(name, server, control, options.get(IpcOptions.CONNECT_TIMEOUT), settings.leaseMillis);
            ShmClient client =
                    new ShmClient(name, connection, control, self, settings, readProperties(name, connection));
            done = true;
            return client;
        } catch (IOException e) {
            throw new NoSuchServerException(
                    "cannot announce a client in " + server + " (" + e + "); the server " + name
                            + " has closed, or the name is not a server's name",
                    e);
        } finally {
            if (!done) {
                if (self != null) {
                    self.markClosed();
                    Heartbeats.stop(self);
                }
                ShmFiles.deleteTree(announcing);
                ShmFiles.deleteTree(connection);
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

    private static void checkServer(String name, Path server, PeerWatch watch) throws NoSuchServerException {
        Optional<String> problem = serverProblem(server, watch);
        if (problem.isPresent()) {
            throw new NoSuchServerException("no shm server answers to " + name + ": " + problem.get()
                    + "; check that the server is running and the name is exactly its Server.name()");
        }
    }

    /** What is wrong with the server: no lease, closed, its process gone, or (with a watch) silent for the lease. */
    private static Optional<String> serverProblem(Path server, PeerWatch watch) {
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
            return watch == null
                    ? Optional.empty()
                    : watch.check().map(verdict -> "the server is gone: " + verdict.reason());
        } catch (IpcException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static void awaitAccept(String name, Path server, ControlFile control, Duration timeout, long leaseMillis)
            throws IpcException {
        long deadline = System.nanoTime() + timeout.toNanos();
        PeerWatch lease;
        try {
            lease = new PeerWatch(
                    ControlFile.open(server.resolve(ShmFiles.SERVER_LEASE)).server(), leaseMillis);
        } catch (IpcException e) {
            throw new NoSuchServerException("no shm server answers to " + name + ": " + e.getMessage(), e);
        }
        Backoff backoff = new Backoff();
        long nextServerCheck = 0;
        while (control.server().state() == Side.NONE) {
            long now = System.nanoTime();
            if (now - nextServerCheck >= 0) {
                checkServer(name, server, lease);
                nextServerCheck = now + 20_000_000L;
            }
            if (now - deadline >= 0) {
                throw new IpcTimeoutException("the shm server " + name + " did not accept this client within " + timeout
                        + " (IpcOptions.CONNECT_TIMEOUT); is it calling Server.accept()?");
            }
            backoff.idle();
        }
    }
}
