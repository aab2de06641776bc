package com.example.tcptransport;

import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** Accepts TCP clients on loopback; each becomes a {@link TcpConnection}. */
final class TcpServer implements Server {
    private final ServerSocket socket;
    private final String name;
    private final int maxPacketBytes;

    TcpServer(ServerSocket socket, IpcOptions options) {
        this.socket = socket;
        // The client refuses a batch of more than its MAX_FRAME_BYTES in all, and this example does not split
        // batches: half of it leaves room for the other packets of a batch that holds one of the largest.
        this.maxPacketBytes =
                Math.min(options.get(IpcOptions.MAX_PACKET_BYTES), options.get(IpcOptions.MAX_FRAME_BYTES) / 2);
        this.name = "tcp://" + socket.getInetAddress().getHostAddress() + ":" + socket.getLocalPort();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Connection accept() throws IpcException {
        return accept(Duration.ZERO);
    }

    @Override
    public synchronized Connection accept(Duration timeout) throws IpcException {
        try {
            socket.setSoTimeout(timeout.isZero() ? 0 : (int) Math.max(1, timeout.toMillis()));
            Socket client = socket.accept();
            client.setTcpNoDelay(true);
            return new TcpConnection(client, maxPacketBytes);
        } catch (SocketTimeoutException e) {
            throw new IpcTimeoutException("no client connected to " + name + " within " + timeout);
        } catch (IOException e) {
            if (socket.isClosed()) {
                throw new ClosedException("the server " + name + " is closed");
            }
            throw new IpcException("accept failed on " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isOpen() {
        return !socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
