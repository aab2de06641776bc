package dev.packetipc.windows;

import dev.packetipc.IpcException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A server's name: {@code pipe://<name>} for the pipe {@code \\.\pipe\<name>}. A fresh name is {@code
 * packet-ipc-<16 random hex digits>}; a chosen one ({@link dev.packetipc.IpcOptions#SERVER_NAME}) may be given as
 * {@code app}, {@code pipe://app} or {@code \\.\pipe\app}.
 */
final class PipeName {
    /** The scheme of server names. */
    static final String SCHEME = "pipe";

    static final String PREFIX = SCHEME + "://";
    static final String PIPE_DIRECTORY = "\\\\.\\pipe\\";
    /** Windows allows pipe paths of up to 256 characters. */
    static final int MAX_PATH_CHARS = 256;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;

    private PipeName(String name) {
        this.name = name;
    }

    /** A fresh, unguessable name. */
    static PipeName random() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return new PipeName("packet-ipc-" + HexFormat.of().formatHex(bytes));
    }

    /** The name a server was asked to take. */
    static PipeName forServer(String chosen) throws IpcException {
        return chosen == null ? random() : parse(chosen, "IpcOptions.SERVER_NAME");
    }

    /** The name a client was given: it must be a {@code pipe://} name. */
    static PipeName forClient(String serverName) throws IpcException {
        if (!serverName.startsWith(PREFIX)) {
            throw new IpcException("'" + serverName + "' is not a named-pipe server name; those look like"
                    + " pipe://packet-ipc-0123456789abcdef (use the server's Server.name() as it is)");
        }
        return parse(serverName, "the server name");
    }

    private static PipeName parse(String text, String what) throws IpcException {
        String name = text;
        if (name.startsWith(PREFIX)) {
            name = name.substring(PREFIX.length());
        } else if (name.toLowerCase(Locale.ROOT).startsWith(PIPE_DIRECTORY)) {
            name = name.substring(PIPE_DIRECTORY.length());
        }
        if (name.isEmpty() || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new IpcException(what + " '" + text + "' is not a pipe name: it must be non-empty and hold no"
                    + " backslash, e.g. 'my-app' for \\\\.\\pipe\\my-app");
        }
        if (PIPE_DIRECTORY.length() + name.length() > MAX_PATH_CHARS) {
            throw new IpcException(what + " '" + text + "' is too long: a pipe path has at most " + MAX_PATH_CHARS
                    + " characters; choose a shorter name");
        }
        return new PipeName(name);
    }

    /** The server name clients are given: {@code pipe://<name>}. */
    String serverName() {
        return PREFIX + name;
    }

    /** The pipe's path for the system: {@code \\.\pipe\<name>}. */
    String path() {
        return PIPE_DIRECTORY + name;
    }

    @Override
    public String toString() {
        return serverName();
    }
}
