package dev.packetipc.spi;

import dev.packetipc.IpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The private, per-user directory where transports keep their socket and queue files: {@value #PROPERTY} if set,
 * else {@code $XDG_RUNTIME_DIR/packet-ipc}, else {@code ${java.io.tmpdir}/packet-ipc-<uid>}. It is created with mode
 * 0700; an existing one must belong to this user and is made private if it is not.
 */
public final class RuntimeDirectory {
    /** System property that names the directory outright, for instance to get shorter socket paths. */
    public static final String PROPERTY = "packetipc.runtime.dir";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private RuntimeDirectory() {}

    /**
     * Where the directory is, without creating it.
     *
     * @return the directory's absolute path
     */
    public static Path path() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "packet-ipc").toAbsolutePath();
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "packet-ipc-" + userId())
                .toAbsolutePath();
    }

    /**
     * The directory, created with mode 0700 if missing.
     *
     * @return the directory's absolute path; it exists, belongs to this user and is private
     * @throws IpcException if it cannot be created, or belongs to another user
     */
    public static Path ensure() throws IpcException {
        Path dir = path();
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir);
            }
            if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                return dir;
            }
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (!String.valueOf(owner).equals(userId())) {
                throw new IpcException("the runtime directory " + dir + " belongs to uid " + owner + ", not to this"
                        + " user (uid " + userId() + "); remove it, or choose another with -D" + PROPERTY + "=DIR");
            }
            if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY)) {
                Files.setPosixFilePermissions(dir, OWNER_ONLY);
            }
            return dir;
        } catch (IOException | UnsupportedOperationException e) {
            if (e instanceof IpcException) {
                throw (IpcException) e;
            }
            throw new IpcException(
                    "cannot create the private runtime directory " + dir + ": " + e + "; choose a writable one with -D"
                            + PROPERTY + "=DIR",
                    e);
        }
    }

    /**
     * This process's user id on Unix (read from a file it creates), else its user name.
     *
     * @return the numeric user id as text on Unix, else the user name
     */
    public static String userId() {
        return UserId.VALUE;
    }

    private static final class UserId {
        static final String VALUE = find();

        private static String find() {
            try {
                Path probe = Files.createTempFile("packet-ipc-uid", ".probe");
                try {
                    return String.valueOf(Files.getAttribute(probe, "unix:uid"));
                } finally {
                    Files.deleteIfExists(probe);
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
            }
        }
    }
}
