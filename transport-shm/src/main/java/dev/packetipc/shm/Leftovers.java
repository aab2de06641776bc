package dev.packetipc.shm;

import dev.packetipc.IpcException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Removes what crashed servers and clients left in the shm directory: a server directory whose server is dead, and
 * every connection in it whose two sides are both closed or dead. Live servers and live connections are never
 * touched. Only what carries the transport's marker is ever deleted: a server directory only if it holds a valid
 * {@code server.lease}, a connection directory ({@code c-*}, {@code t-*}) only if it holds a valid {@code control}
 * file (or is empty); symbolic links are never followed. A directory holding other files is never emptied.
 */
final class Leftovers {
    private static final Duration YOUNG = Duration.ofSeconds(30);

    private Leftovers() {}

    /** Cleans every server directory under the shm root. */
    static void cleanAll(Path root, long leaseMillis) {
        try (DirectoryStream<Path> servers = Files.newDirectoryStream(root)) {
            for (Path server : servers) {
                String name = server.getFileName().toString();
                if (!Files.isDirectory(server, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (name.startsWith(ShmFiles.NEW_SERVER)) {
                    cleanUnfinished(server, leaseMillis);
                } else if (ShmFiles.isValidServerName(name)) {
                    cleanServer(server, leaseMillis);
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /**
     * Cleans one server directory unless its server lives or the directory is not the transport's (no valid lease,
     * or a link); true if the directory is gone afterwards.
     */
    static boolean cleanServer(Path server, long leaseMillis) {
        if (!Files.isDirectory(server, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path lease = server.resolve(ShmFiles.SERVER_LEASE);
        if (!ControlFile.isOurs(lease) || isAlive(lease, false)) {
            return false;
        }
        cleanConnections(server, leaseMillis);
        ShmFiles.removeServerIfDone(server);
        return !Files.exists(server, LinkOption.NOFOLLOW_LINKS);
    }

    /** Deletes the connections in a server directory whose sides are both closed or dead. */
    static void cleanConnections(Path server, long leaseMillis) {
        cleanConnections(server, leaseMillis, Set.of());
    }

    /**
     * Deletes the connections in a server directory whose sides are both closed or dead, except those in {@code
     * busy} (connections the calling server is setting up: side 0 is not open yet, but it is at work on them).
     */
    static void cleanConnections(Path server, long leaseMillis, Set<Path> busy) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(server)) {
            for (Path entry : entries) {
                if (busy.contains(entry)) {
                    continue;
                }
                String name = entry.getFileName().toString();
                boolean ours = name.startsWith(ShmFiles.CONNECTION) || name.startsWith(ShmFiles.ANNOUNCING);
                if (!ours || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (ShmFiles.announcerMayLive(name)) {
                    continue; // its client still announces itself (its control file may be half written) or gave up
                    // and deletes it itself; once its process is gone, a later cleanup removes what is left
                }
                Path control = entry.resolve(ShmFiles.CONTROL);
                if (ControlFile.isOurs(control)) {
                    if (!isConnectionAlive(entry, leaseMillis)) {
                        ShmFiles.deleteTree(entry);
                    }
                } else if (name.startsWith(ShmFiles.ANNOUNCING) && ShmFiles.announcerIsVerifiablyGone(name)) {
                    deleteUnfinishedAnnouncement(entry); // its client died before its control file was complete
                } else if (!isYoung(entry)) {
                    ShmFiles.deleteIfEmpty(entry); // a client that died before writing its control file
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /**
     * Deletes an announcing directory whose client died while writing its control file: only if it holds nothing but
     * a regular file named {@code control} (or nothing at all).
     */
    private static void deleteUnfinishedAnnouncement(Path entry) {
        Path control = entry.resolve(ShmFiles.CONTROL);
        try (DirectoryStream<Path> inside = Files.newDirectoryStream(entry)) {
            for (Path path : inside) {
                if (!path.equals(control) || !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    return; // not the transport's alone: left alone
                }
            }
            Files.deleteIfExists(control);
        } catch (IOException e) {
            return;
        }
        ShmFiles.deleteIfEmpty(entry);
    }

    /** A server directory that was being created: deleted if its creator died, or if it is old and empty. */
    private static void cleanUnfinished(Path server, long leaseMillis) {
        Path lease = server.resolve(ShmFiles.SERVER_LEASE);
        if (ControlFile.isOurs(lease)) {
            if (!isAlive(lease, false)) {
                ShmFiles.removeServerIfDone(server);
            }
        } else if (!isYoung(server)) {
            ShmFiles.deleteIfEmpty(server);
        }
    }

    /** Whether either side of the connection in this directory still lives (or it is too young to judge). */
    static boolean isConnectionAlive(Path connection, long leaseMillis) {
        Path control = connection.resolve(ShmFiles.CONTROL);
        if (!Files.exists(control, LinkOption.NOFOLLOW_LINKS)) {
            return isYoung(connection);
        }
        return isAlive(control, false) || isAlive(control, true);
    }

    /** Whether the side may live: open and its process not verifiably gone (a silent side in another pid namespace
     * may, so its files are kept). */
    private static boolean isAlive(Path controlPath, boolean clientSide) {
        if (!ControlFile.exists(controlPath)) {
            return false;
        }
        try {
            ControlFile control = ControlFile.read(controlPath);
            Side side = clientSide ? control.client() : control.server();
            return side.mayLive();
        } catch (IpcException e) {
            return false;
        }
    }

    private static boolean isYoung(Path path) {
        try {
            FileTime modified = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS);
            return modified.toInstant().isAfter(Instant.now().minus(YOUNG));
        } catch (IOException e) {
            return false;
        }
    }
}
