package dev.packetipc.windows;

import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import java.util.concurrent.TimeUnit;

/**
 * The client side of opening a pipe, written only against {@link Win32Pipes}: {@code CreateFile} on the pipe's path;
 * while every instance is taken ({@code ERROR_PIPE_BUSY}) it waits with {@code WaitNamedPipe} and tries again until the
 * connect time-out; no such pipe ({@code ERROR_FILE_NOT_FOUND}) means no such server.
 */
final class PipeConnector {
    /** The longest single {@code WaitNamedPipe}, so that a pipe that disappears meanwhile is noticed. */
    static final long WAIT_STEP_MILLIS = 1_000;

    private PipeConnector() {}

    /**
     * Opens the client end of a free instance of the pipe.
     *
     * @throws NoSuchServerException if no server has this name
     * @throws IpcTimeoutException if every instance stayed busy for {@code timeoutNanos}
     */
    static long open(Win32Pipes os, PipeName name, long timeoutNanos) throws IpcException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
        while (true) {
            try {
                return os.openPipe(name.path());
            } catch (Win32Error e) {
                switch (e.code()) {
                    case Win32Error.ERROR_FILE_NOT_FOUND:
                        throw new NoSuchServerException(
                                "no server at " + name + ": the pipe " + name.path() + " does not exist; check that"
                                        + " the server is running and the name is exactly its Server.name()",
                                e);
                    case Win32Error.ERROR_ACCESS_DENIED:
                        throw new IpcException(
                                "the server " + name + " refused this process: its pipe admits only the user who"
                                        + " started it (and SYSTEM); run the client as that user",
                                e);
                    case Win32Error.ERROR_PIPE_BUSY:
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new IpcTimeoutException(
                                    "every instance of the pipe " + name.path() + " stayed busy for "
                                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: the server was"
                                            + " closed while some of its connections are still open, or it stopped"
                                            + " listening (raise IpcOptions.CONNECT_TIMEOUT if it is only slow)",
                                    e);
                        }
                        os.waitPipe(
                                name.path(),
                                Math.max(1, Math.min(WAIT_STEP_MILLIS, TimeUnit.NANOSECONDS.toMillis(left))));
                        break;
                    default:
                        throw new IpcException("cannot open the pipe " + name.path() + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
