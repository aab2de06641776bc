package dev.packetipc.unix;

import java.util.Locale;
import java.util.Optional;
import org.newsclub.net.unix.AFSocket;
import org.newsclub.net.unix.AFSocketCapability;
import org.newsclub.net.unix.AFUNIXSocket;

/**
 * Whether this transport works here, checked once, as Netty's {@code Epoll} does: the OS must be a Unix, junixsocket's
 * native library must load, and it must pass file descriptors and peer credentials. Nothing native is touched on
 * Windows. {@code -Dpacketipc.unix.disable=true} switches the transport off.
 */
final class UnixAvailability {
    /** Kill switch. */
    static final String DISABLE_PROPERTY = "packetipc.unix.disable";

    private static final Throwable CAUSE = check();

    private UnixAvailability() {}

    static Optional<Throwable> cause() {
        return Optional.ofNullable(CAUSE);
    }

    private static Throwable check() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            return new UnsupportedOperationException("switched off with -D" + DISABLE_PROPERTY + "=true");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return new UnsupportedOperationException("Unix domain sockets with descriptor passing need Linux, macOS or"
                    + " a BSD; on Windows use the 'pipe' transport (packet-ipc-transport-windows-pipes)");
        }
        try {
            if (!AFUNIXSocket.isSupported()) {
                UnsupportedOperationException cause = new UnsupportedOperationException("junixsocket's native library"
                        + " did not load on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                        + "; it is unpacked into java.io.tmpdir (" + System.getProperty("java.io.tmpdir")
                        + "), which must exist and be writable and executable, or into the directory named by"
                        + " -Dorg.newsclub.net.unix.library.tmpdir; see https://kohlschutter.github.io/junixsocket/");
                try {
                    AFSocket.ensureSupported();
                } catch (UnsupportedOperationException detail) {
                    cause.addSuppressed(detail);
                }
                return cause;
            }
            for (AFSocketCapability needed : new AFSocketCapability[] {
                AFSocketCapability.CAPABILITY_FILE_DESCRIPTORS, AFSocketCapability.CAPABILITY_PEER_CREDENTIALS
            }) {
                if (!AFSocket.supports(needed)) {
                    return new UnsupportedOperationException("junixsocket lacks " + needed + " on this system");
                }
            }
            return null;
        } catch (LinkageError | RuntimeException e) {
            return new UnsupportedOperationException("junixsocket failed to load: " + e, e);
        }
    }
}
