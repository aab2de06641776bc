package dev.packetipc.unix;

import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.ConnectionRefusedSocketException;

/**
 * Connects to a socket file within a time limit. A blocking {@code connect(2)} on a Unix socket waits without bound
 * while the server's accept backlog is full, so connects are non-blocking and are retried, with a growing pause,
 * until there is room or the time is up.
 */
final class SocketConnector {
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private SocketConnector() {}

    /**
     * A connected, non-blocking socket to {@code path}.
     *
     * @throws NoSuchServerException if nobody listens there (the file is stale) or it is gone
     * @throws IpcTimeoutException if a server listens but did not take the connection in time
     * @throws IpcException if this process may not open the socket, or another system error
     */
    static AFUNIXSocketChannel connect(Path path, String name, long timeoutNanos) throws IpcException {
        return connect(path, name, new UnixTransport.ConnectClock(name, System.nanoTime(), 0, timeoutNanos));
    }

    /** As {@link #connect(Path, String, long)}, within the time {@code clock} has left of the caller's connect. */
    static AFUNIXSocketChannel connect(Path path, String name, UnixTransport.ConnectClock clock) throws IpcException {
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            AFUNIXSocketChannel socket = attempt(path, name);
            if (socket != null) {
                return socket;
            }
            long left = clock.left();
            if (left <= 0) {
                throw new IpcTimeoutException(clock.gaveUp() + ": the server did not"
                        + " take the connection; it is busy or stuck and its accept backlog is full; try again, or"
                        + " raise IpcOptions.CONNECT_TIMEOUT");
            }
            // A full backlog gives EAGAIN, which nothing can wait on: only a new attempt tells when there is room.
            LockSupport.parkNanos(Math.min(left, pause));
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }

    /** One non-blocking connect; {@code null} if the backlog had no room. */
    private static AFUNIXSocketChannel attempt(Path path, String name) throws IpcException {
        AFUNIXSocketChannel socket = null;
        try {
            socket = AFUNIXSocketChannel.open();
            socket.configureBlocking(false);
            if (socket.connect(AFUNIXSocketAddress.of(path.toFile()))) {
                return socket;
            }
            // A Unix socket connect completes at once or finds no room (EAGAIN). junixsocket 2.11 then reports the
            // socket as connected although it is not, so it is dropped, never finished.
            socket.close();
            return null;
        } catch (ConnectionRefusedSocketException e) {
            closeQuietly(socket);
            throw new NoSuchServerException(
                    "no server listens at " + name + ": the socket file is stale (its server"
                            + " is gone); start the server again",
                    e);
        } catch (IOException e) {
            closeQuietly(socket);
            if (!path.toFile().exists()) {
                throw new NoSuchServerException(
                        "no server at " + name + ": " + path + " does not exist; check that"
                                + " the server is running and the name is exactly its Server.name()",
                        e);
            }
            throw new IpcException(
                    "cannot connect to " + name + ": " + e + "; check that this user may open " + path
                            + " (the server's PeerPolicy decides who may, and its directory must be reachable)",
                    e);
        }
    }

    private static void closeQuietly(AFUNIXSocketChannel socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // already failing
            }
        }
    }
}
