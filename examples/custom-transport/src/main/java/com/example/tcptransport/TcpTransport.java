package com.example.tcptransport;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * An example third-party transport: plain TCP on the loopback interface, names like {@code tcp://127.0.0.1:40123}.
 * It exists to show how a transport plugs into packet-ipc and proves itself with the conformance suite; it is not
 * tuned for speed and has no access control beyond binding to loopback.
 *
 * <p>Register it for {@link java.util.ServiceLoader} in {@code META-INF/services/dev.packetipc.IpcTransport}.
 */
public final class TcpTransport implements IpcTransport {
    /** The transport's id and the scheme of its names. */
    public static final String ID = "tcp";

    /** Used by {@link java.util.ServiceLoader}. */
    public TcpTransport() {}

    @Override
    public String id() {
        return ID;
    }

    /** Only used when selected by id: the built-in transports are faster. */
    @Override
    public int priority() {
        return -10;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return EnumSet.of(TransportCapability.CROSS_PROCESS, TransportCapability.MULTIPLE_CLIENTS);
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.empty();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        try {
            ServerSocket socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new TcpServer(socket, options);
        } catch (IOException e) {
            throw new IpcException("could not listen on the loopback interface: " + e.getMessage(), e);
        }
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        URI uri = URI.create(name);
        if (!ID.equals(uri.getScheme()) || uri.getPort() < 0) {
            throw new IllegalArgumentException("'" + name + "' is not a tcp name like tcp://127.0.0.1:40123");
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), (int)
                    options.get(IpcOptions.CONNECT_TIMEOUT).toMillis());
            socket.setTcpNoDelay(true);
            return new TcpClient(name, socket, options.get(IpcOptions.MAX_FRAME_BYTES));
        } catch (ConnectException | SocketTimeoutException e) {
            close(socket);
            throw new NoSuchServerException("no server answers at " + name + ": " + e.getMessage()
                    + "; check that the server is running and the name is exactly its Server.name()");
        } catch (IOException e) {
            close(socket);
            throw new IpcException("could not connect to " + name + ": " + e.getMessage(), e);
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
