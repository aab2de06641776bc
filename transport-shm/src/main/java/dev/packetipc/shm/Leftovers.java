package dev.packetipc.shm;

import dev.packetipc.IpcException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

/**
 * Removes what crashed servers and clients left in the shm directory: a server directory whose lease is dead, and
 * every connection in it whose two sides are both closed or dead. Live servers and live connections are never
 * touched; a directory being created right now (young and without a control file yet) is left alone too. Only
 * the transport's own entries ({@code c-*}, {@code t-*}, {@code server.lease}) are ever deleted, so a directory
 * that also holds other files is never emptied.
 */
final class Leftovers {
    private static final Duration YOUNG = Duration.ofSeconds(30);

    private Leftovers() {}

    /** Cleans every server directory under the shm root. */
    static void cleanAll(Path root, long leaseMillis) {
        try (DirectoryStream<Path> servers = Files.newDirectoryStream(root)) {
            for (Path server : servers) {
                if (Files.isDirectory(server) && !isYoungAndNew(server)) {
                    cleanServer(server, leaseMillis);
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /** Cleans one server directory unless its server lives; true if the directory is gone afterwards. */
    static boolean cleanServer(Path server, long leaseMillis) {
        if (isAlive(server.resolve(ShmFiles.SERVER_LEASE), leaseMillis, false)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(server)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean ours = name.startsWith(ShmFiles.CONNECTION) || name.startsWith(ShmFiles.ANNOUNCING);
                if (ours && Files.isDirectory(entry) && !isConnectionAlive(entry, leaseMillis)) {
                    ShmFiles.deleteTree(entry);
                }
            }
        } catch (IOException e) {
            return false;
        }
        try {
            Files.deleteIfExists(server.resolve(ShmFiles.SERVER_LEASE));
        } catch (IOException e) {
            return false;
        }
        ShmFiles.deleteIfEmpty(server);
        return !Files.exists(server);
    }

    /** Whether either side of the connection in this directory still lives (or it is too young to judge). */
    static boolean isConnectionAlive(Path connection, long leaseMillis) {
        Path control = connection.resolve(ShmFiles.CONTROL);
        if (!Files.exists(control)) {
            return isYoung(connection);
        }
        return isAlive(control, leaseMillis, false) || isAlive(control, leaseMillis, true);
    }

    private static boolean isAlive(Path controlPath, long leaseMillis, boolean clientSide) {
        if (!Files.exists(controlPath)) {
            return false;
        }
        try {
            ControlFile control = ControlFile.open(controlPath);
            Side side = clientSide ? control.client() : control.server();
            return side.state() == Side.OPEN && side.goneReason(leaseMillis).isEmpty();
        } catch (IpcException e) {
            return false;
        }
    }

    private static boolean isYoungAndNew(Path path) {
        return path.getFileName().toString().startsWith(ShmFiles.NEW_SERVER) && isYoung(path);
    }

    private static boolean isYoung(Path path) {
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            return modified.toInstant().isAfter(Instant.now().minus(YOUNG));
        } catch (IOException e) {
            return false;
        }
    }
}
