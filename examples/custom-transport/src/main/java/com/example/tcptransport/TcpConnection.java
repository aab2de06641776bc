package com.example.tcptransport;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.PeerGoneException;
import dev.packetipc.spi.PacketLimits;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/** Writes batches to one TCP client. Writes block while the client lags: TCP's own flow control. */
final class TcpConnection implements Connection {
    private final Socket socket;
    private final DataOutputStream out;
    private final byte[] scratch = new byte[8192];
    private boolean ended;
    private volatile boolean closed;
    private final int maxPacketBytes;
    private long packets;
    private long bytes;
    private long batches;

    TcpConnection(Socket socket, int maxPacketBytes) throws IOException {
        this.socket = socket;
        this.maxPacketBytes = maxPacketBytes;
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
    }

    @Override
    public synchronized void send(List<? extends AsIpcPacket> batch) throws IpcException {
        checkOpen();
        if (batch.isEmpty()) {
            return;
        }
        PacketLimits.check(batch, maxPacketBytes, "raise IpcOptions.MAX_PACKET_BYTES and MAX_FRAME_BYTES");
        try {
            out.writeInt(TcpFrames.BATCH);
            out.writeInt(batch.size());
            for (AsIpcPacket packet : batch) {
                ByteBuffer data = packet.data();
                out.writeLong(packet.timestampNanos());
                out.writeInt(data.remaining());
                for (int at = data.position(); at < data.limit(); at += scratch.length) {
                    int n = Math.min(scratch.length, data.limit() - at);
                    data.get(at, scratch, 0, n);
                    out.write(scratch, 0, n);
                }
                bytes += data.remaining();
            }
            out.flush();
            packets += batch.size();
            batches++;
        } catch (IOException e) {
            close();
            throw new PeerGoneException("the client went away: " + e.getMessage(), e);
        }
    }

    /** The server's MAX_PACKET_BYTES, at most half its MAX_FRAME_BYTES (see {@code TcpServer}). */
    @Override
    public int maxPacketBytes() {
        return maxPacketBytes;
    }

    /** TCP writes cannot be bounded in time here; this example simply blocks as {@link #send(List)} does. */
    @Override
    public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
        send(batch);
    }

    /** TCP writes cannot be bounded in time here; this example simply blocks as {@link #sendEnd()} does. */
    @Override
    public void sendEnd(Duration timeout) throws IpcException {
        sendEnd();
    }

    @Override
    public synchronized void sendEnd() throws IpcException {
        if (ended) {
            return;
        }
        checkOpen();
        try {
            out.writeInt(TcpFrames.END);
            out.flush();
            ended = true;
        } catch (IOException e) {
            close();
            throw new PeerGoneException("the client went away: " + e.getMessage(), e);
        }
    }

    private void checkOpen() throws IpcException {
        if (closed) {
            throw new ClosedException("this connection is closed");
        }
        if (ended) {
            throw new ClosedException("the end of the stream was already sent");
        }
    }

    @Override
    public synchronized long packetsSent() {
        return packets;
    }

    @Override
    public synchronized long bytesSent() {
        return bytes;
    }

    @Override
    public synchronized long batchesSent() {
        return batches;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
