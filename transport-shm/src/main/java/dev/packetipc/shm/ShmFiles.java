package dev.packetipc.shm;

import dev.packetipc.IpcException;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names and files of the shm transport:
 *
 * <pre>
 * $RUNTIME/shm/                    all shm servers of this user (RUNTIME is {@link RuntimeDirectory}, mode 0700)
 * $RUNTIME/shm/&lt;server&gt;/server.lease   the server's {@link ControlFile}: pid, heartbeat, open or closed
 * $RUNTIME/shm/&lt;server&gt;/t-&lt;pid&gt;.&lt;start&gt;.&lt;ns&gt;-&lt;id&gt;/  a client announcing itself (being written)
 * $RUNTIME/shm/&lt;server&gt;/c-&lt;id&gt;/        a client waiting for accept, then its connection:
 *     control                        the connection's {@link ControlFile}
 *     queue/                         the connection's Chronicle queue (server appends, client tails)
 * </pre>
 *
 * The server's name is {@code shm://} followed by the absolute path of its directory; the directory's own name (the
 * last segment) is a {@linkplain #isValidServerName valid server name}. Every directory the transport creates is
 * private (0700). What the transport deletes carries its marker: a server directory its {@code server.lease}, a
 * connection directory its {@code control} file (both {@link ControlFile}s with the magic number); symbolic links
 * are never followed.
 */
final class ShmFiles {
    static final String SCHEME_PREFIX = "shm://";
    static final String SERVER_LEASE = "server.lease";
    static final String CONTROL = "control";
    static final String QUEUE = "queue";
    /** In a connection directory: the server's stream properties, written before it marks its side open. */
    static final String PROPERTIES = "properties";

    static final String ANNOUNCING = "t-";
    /** {@code t-<pid>.<start>.<namespace>-<id>}: the announcing client's {@link ProcessIdentity} in the name. */
    private static final Pattern ANNOUNCER = Pattern.compile("t-(\\d{1,19})\\.(\\d{1,19})\\.(-?\\d{1,19})-.+");
    /** The largest document of the throw-away queue a server opens once per JVM to warm Chronicle up. */
    static final int WARM_UP_DOCUMENT_BYTES = 64 << 10;

    static final String CONNECTION = "c-";
    static final String NEW_SERVER = ".new-";
    /** The longest server name (the last segment of the directory). */
    static final int MAX_NAME_LENGTH = 64;
    /** What a valid server name is, for error messages. */
    static final String VALID_NAME = "1 to " + MAX_NAME_LENGTH + " characters of letters, digits, '.', '_' and '-'"
            + " that does not start with '.'";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0," + (MAX_NAME_LENGTH - 1) + "}");
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private ShmFiles() {}

    /** The directory holding every shm server of this user, created (0700) if missing. */
    static Path root() throws IpcException {
        RuntimeDirectory.ensure();
        Path root = rootPath();
        try {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(root, privateDirectory());
            }
            return root;
        } catch (IOException e) {
            throw new IpcException(
                    "cannot create " + root + ": " + e + "; choose another runtime directory with -D"
                            + RuntimeDirectory.PROPERTY + "=DIR",
                    e);
        }
    }

    /** Where the directory holding every shm server of this user is, without creating it. */
    static Path rootPath() {
        return RuntimeDirectory.path().resolve("shm").toAbsolutePath().normalize();
    }

    /** The server name for a server directory. */
    static String nameOf(Path serverDirectory) {
        return SCHEME_PREFIX + serverDirectory.toAbsolutePath();
    }

    /** The attribute that creates a directory with mode 0700. */
    static FileAttribute<Set<PosixFilePermission>> privateDirectory() {
        return PosixFilePermissions.asFileAttribute(PRIVATE);
    }

    /** Whether a server's own name (its directory's name) is valid: no separator, no {@code ..}, a safe set. */
    static boolean isValidServerName(String name) {
        return NAME.matcher(name).matches();
    }

    /**
     * The server directory a name points at: {@code shm://} and an absolute, normalized path (no {@code .} or
     * {@code ..} segments) whose last segment is a valid server name.
     *
     * @throws IllegalArgumentException if the name is not such an shm name
     */
    static Path directoryOf(String name) {
        if (!name.startsWith(SCHEME_PREFIX) || name.length() <= SCHEME_PREFIX.length()) {
            throw new IllegalArgumentException("'" + name + "' is not an shm server name like shm:///run/user/1000/"
                    + "packet-ipc/shm/4f2a; pass exactly the name the server's Server.name() returned");
        }
        String text = name.substring(SCHEME_PREFIX.length());
        Path path;
        try {
            path = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("the path in the shm server name '" + name + "' is not valid: " + e, e);
        }
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("the path in the shm server name '" + name + "' must be absolute");
        }
        if (!path.normalize().toString().equals(text) || path.getFileName() == null) {
            throw new IllegalArgumentException("the path in the shm server name '" + name + "' must be normalized (no"
                    + " '.' or '..' segments, no repeated or trailing '/'); pass exactly the name Server.name()"
                    + " returned");
        }
        if (!isValidServerName(path.getFileName().toString())) {
            throw new IllegalArgumentException("'" + name + "' does not end in a valid shm server name (" + VALID_NAME
                    + "); pass exactly the name Server.name() returned");
        }
        return path;
    }

    /**
     * The directory for the name a user asked for in {@code IpcOptions.SERVER_NAME}: a bare name, placed in the
     * shm directory, or the {@code shm://} name of a directory in the shm directory (what {@code Server.name()}
     * returned). Checked before any file is touched.
     *
     * @throws IllegalArgumentException for anything else: a path, separators, {@code ..}, another directory
     */
    static Path serverDirectoryFor(String requested, Path root) {
        String problem = "the shm server name '" + requested + "' is not valid: give " + VALID_NAME + " (the server"
                + " then lives in the shm directory of the runtime directory), or exactly the shm:// name a server"
                + " of this runtime directory returned from Server.name()";
        if (requested.startsWith(SCHEME_PREFIX)) {
            Path path;
            try {
                path = directoryOf(requested);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(problem + " (" + e.getMessage() + ")", e);
            }
            if (!root.equals(path.getParent())) {
                throw new IllegalArgumentException(problem + "; " + path + " is not in " + root);
            }
            return path;
        }
        if (!isValidServerName(requested)) {
            throw new IllegalArgumentException(problem);
        }
        return root.resolve(requested);
    }

    /**
     * Deletes a server directory once it holds nothing but its lease and the lease's server no longer runs: closed,
     * or its process verifiably gone. Does nothing to a directory without a valid lease: it is not the transport's.
     */
    static void removeServerIfDone(Path server) {
        Path lease = server.resolve(SERVER_LEASE);
        if (!Files.isDirectory(server, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (ControlFile.read(lease).server().mayLive()) {
                return;
            }
        } catch (IpcException e) {
            return; // no valid lease: not the transport's, or already being removed
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(server)) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().equals(SERVER_LEASE)) {
                    return;
                }
            }
        } catch (IOException e) {
            return;
        }
        try {
            Files.deleteIfExists(lease);
        } catch (IOException e) {
            return;
        }
        deleteIfEmpty(server);
    }

    /**
     * Deletes a directory and everything in it; files that vanish meanwhile are fine. Symbolic links are deleted,
     * never followed; a {@code directory} that is not a directory (a link to one, for example) is left alone.
     */
    static void deleteTree(Path directory) {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
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

    /**
     * The name of a directory in which this process announces itself as a client: its {@link ProcessIdentity} is in
     * the name, so that a server can remove the directory once this process is verifiably gone even if it died
     * before its control file was complete (a control file without its magic number proves nothing).
     */
    static String announcingName(String id) {
        return ANNOUNCING + ProcessIdentity.PID + "." + ProcessIdentity.START + "." + ProcessIdentity.NAMESPACE + "-"
                + id;
    }

    /**
     * Whether an announcing directory's name ({@link #announcingName}) names a process that may live: one not
     * verifiably gone. False for any other name.
     */
    static boolean announcerMayLive(String name) {
        return ANNOUNCER.matcher(name).matches() && !announcerIsVerifiablyGone(name);
    }

    /**
     * Whether the process named in an announcing directory's name ({@link #announcingName}) is verifiably gone;
     * false for any other name.
     */
    static boolean announcerIsVerifiablyGone(String name) {
        Matcher identity = ANNOUNCER.matcher(name);
        if (!identity.matches()) {
            return false;
        }
        try {
            return ProcessIdentity.isVerifiablyGone(
                    Long.parseLong(identity.group(1)),
                    Long.parseLong(identity.group(2)),
                    Long.parseLong(identity.group(3)));
        } catch (NumberFormatException e) {
            return false; // beyond a long: not a name this transport made
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
