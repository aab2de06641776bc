package dev.packetipc.unix;

import dev.packetipc.IpcException;
import dev.packetipc.spi.RuntimeDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * Server names of the Unix transport: {@code unix://} plus the socket file's absolute path. A user may also name a
 * server by a plain name (no slash), which puts its socket in the private runtime directory. An absolute path may
 * point anywhere the user can bind, but never through {@code .} or {@code ..} segments: such a name is refused,
 * before any file is touched, so that a name that looks as if it were in one directory cannot land in another.
 */
final class SocketPath {
    /** The scheme, with its separator. */
    static final String PREFIX = "unix://";

    private static final SecureRandom RANDOM = new SecureRandom();

    private SocketPath() {}

    /** The socket path for a new server: from {@code requested} (a name, a path or a {@code unix://} name) or fresh. */
    static Path forServer(String requested) throws IpcException {
        Path path;
        if (requested == null) {
            path = RuntimeDirectory.ensure()
                    .resolve(String.format(
                            Locale.ROOT,
                            "s-%d-%08x.sock",
                            ProcessHandle.current().pid(),
                            RANDOM.nextInt()));
        } else {
            String bare = requested.startsWith(PREFIX) ? requested.substring(PREFIX.length()) : requested;
            if (bare.indexOf('/') < 0) {
                path = RuntimeDirectory.ensure().resolve(bare.endsWith(".sock") ? bare : bare + ".sock");
            } else if (bare.startsWith("/")) {
                path = Path.of(refuseDotSegments(bare, requested, "server"));
            } else {
                throw new IllegalArgumentException("the Unix server name " + requested + " must be a plain name or an"
                        + " absolute path, e.g. unix:///run/user/1000/packet-ipc/app.sock");
            }
        }
        checkLength(path);
        return path;
    }

    /** The socket path a client name points at. */
    static Path forClient(String name) {
        String bare = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
        if (!bare.startsWith("/")) {
            throw new IllegalArgumentException("'" + name + "' is not a Unix server name: expected unix:// followed by"
                    + " the absolute path of the server's socket, as Server.name() gives it");
        }
        return Path.of(refuseDotSegments(bare, name, "client"));
    }

    /**
     * Returns {@code path} (absolute) if none of its segments is {@code .} or {@code ..}; otherwise refuses {@code
     * name} with what to do instead.
     */
    private static String refuseDotSegments(String path, String name, String side) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                String advice = side.equals("server")
                        ? "; give the socket's path without them, e.g. unix:///run/user/1000/packet-ipc/app.sock, or a"
                                + " plain name such as app for a socket in the private runtime directory"
                        : "; pass exactly the name the server's Server.name() returned";
                throw new IllegalArgumentException("the Unix " + side + " name " + name + " has a '" + segment
                        + "' segment, which is not allowed: a name may not step out of or around a directory"
                        + advice);
            }
        }
        return path;
    }

    /** The name users see and pass to clients. */
    static String nameOf(Path path) {
        return PREFIX + path;
    }

    /**
     * Refuses a path too long for {@code sun_path} (107 bytes on Linux, 103 on macOS and the BSDs, plus the NUL).
     */
    static void checkLength(Path path) throws IpcException {
        int max = maxPathBytes();
        int length = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > max) {
            throw new IpcException("the socket path " + path + " has " + length + " bytes, more than the " + max
                    + " a Unix socket address holds on this system; use a shorter directory with -D"
                    + RuntimeDirectory.PROPERTY + "=/short/dir (or XDG_RUNTIME_DIR), or a shorter"
                    + " IpcOptions.SERVER_NAME");
        }
    }

    static int maxPathBytes() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.contains("linux") ? 107 : 103;
    }
}
