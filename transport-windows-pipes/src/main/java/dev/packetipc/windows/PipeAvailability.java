package dev.packetipc.windows;

import java.util.Locale;

/**
 * Whether this transport works here, checked once, as Netty's {@code Epoll} does. Off Windows the answer is "Windows
 * only" and no JNA Windows class is touched: the first touch of {@code Kernel32.INSTANCE} off Windows breaks that
 * class for the rest of the JVM's life. On Windows, JNA must load kernel32 and advapi32. {@code
 * -Dpacketipc.pipe.disable=true} switches the transport off.
 */
final class PipeAvailability {
    /** Kill switch. */
    static final String DISABLE_PROPERTY = "packetipc.pipe.disable";

    private static final PipeAvailability INSTANCE = check();

    private final Throwable cause;
    private final Win32Pipes system;

    private PipeAvailability(Throwable cause, Win32Pipes system) {
        this.cause = cause;
        this.system = system;
    }

    /** Why the transport cannot work here, or {@code null} if it can. */
    static Throwable cause() {
        return INSTANCE.cause;
    }

    /** The JNA system calls; only when {@link #cause()} is {@code null}. */
    static Win32Pipes system() {
        return INSTANCE.system;
    }

    static boolean isWindows(String osName) {
        return osName.toLowerCase(Locale.ROOT).startsWith("windows");
    }

    private static PipeAvailability check() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            return unavailable(new UnsupportedOperationException("switched off with -D" + DISABLE_PROPERTY + "=true"));
        }
        String os = System.getProperty("os.name", "");
        if (!isWindows(os)) {
            return unavailable(new UnsupportedOperationException("Windows only: named pipes are a Windows facility"
                    + " and this is " + os + "; on Linux and macOS use the 'unix' transport"
                    + " (packet-ipc-transport-unix)"));
        }
        try {
            return new PipeAvailability(null, JnaWin32Pipes.load());
        } catch (LinkageError | RuntimeException e) {
            return unavailable(new UnsupportedOperationException(
                    "JNA could not load kernel32 and advapi32: " + e + "; check that jna and jna-platform are on the"
                            + " class path and java.io.tmpdir is writable (JNA unpacks its native library there)",
                    e));
        }
    }

    private static PipeAvailability unavailable(Throwable cause) {
        return new PipeAvailability(cause, null);
    }
}
