package dev.packetipc.shm;

import dev.packetipc.IpcException;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Names and files of the shm transport:
 *
 * <pre>
 * $RUNTIME/shm/                    all shm servers of this user (RUNTIME is {@link RuntimeDirectory}, mode 0700)
 * $RUNTIME/shm/&lt;server&gt;/server.lease   the server's {@link ControlFile}: pid, heartbeat, open or closed
 * $RUNTIME/shm/&lt;server&gt;/t-&lt;id&gt;/        a client announcing itself (being written)
 * $RUNTIME/shm/&lt;server&gt;/c-&lt;id&gt;/        a client waiting for accept, then its connection:
 *     control                        the connection's {@link ControlFile}
 *     queue/                         the connection's Chronicle queue (server appends, client tails)
 * </pre>
 *
 * The server's name is {@code shm://} followed by the absolute path of its directory.
 */
final class ShmFiles {
    static final String SCHEME_PREFIX = "shm://";
    static final String SERVER_LEASE = "server.lease";
    static final String CONTROL = "control";
    static final String QUEUE = "queue";
    static final String ANNOUNCING = "t-";
    static final String CONNECTION = "c-";
    static final String NEW_SERVER = ".new-";

    private ShmFiles() {}

    /** The directory holding every shm server of this user, created if missing. */
    static Path root() throws IpcException {
        Path root = RuntimeDirectory.ensure().resolve("shm");
        try {
            Files.createDirectories(root);
            return root;
        } catch (IOException e) {
            throw new IpcException(
                    "cannot create " + root + ": " + e + "; choose another runtime directory with -D"
                            + RuntimeDirectory.PROPERTY + "=DIR",
                    e);
        }
    }

    /** The server name for a server directory. */
    static String nameOf(Path serverDirectory) {
        return SCHEME_PREFIX + serverDirectory.toAbsolutePath();
    }

    /**
     * The server directory a name points at.
     *
     * @throws IllegalArgumentException if the name is not an shm name
     */
    static Path directoryOf(String name) {
        if (!name.startsWith(SCHEME_PREFIX) || name.length() <= SCHEME_PREFIX.length()) {
            throw new IllegalArgumentException("'" + name + "' is not an shm server name like shm:///run/user/1000/"
                    + "packet-ipc/shm/4f2a; pass exactly the name the server's Server.name() returned");
        }
        Path path = Path.of(name.substring(SCHEME_PREFIX.length()));
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("the path in the shm server name '" + name + "' must be absolute");
        }
        return path;
    }

    /** Deletes a directory and everything in it; files that vanish meanwhile are fine. */
    static void deleteTree(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            // best effort: a later server start cleans what is left
        }
    }

    /** Deletes the directory if it is empty; does nothing otherwise. */
    static void deleteIfEmpty(Path directory) {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // not empty, or gone: either way nothing to do
        }
    }
}
