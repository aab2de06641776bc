package com.example.tcptransport;

import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.AbstractClient;
import dev.packetipc.spi.PacketView;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Receives from one TCP connection. A reader thread decodes frames into a small bounded queue (so memory stays
 * bounded and a slow receiver slows the sender through TCP); {@link #pollPackets} hands them out through one
 * {@link PacketView}.
 */
final class TcpClient extends AbstractClient {
    /** One decoded frame, or a terminal signal. */
    private static final class Item {
        final long[] timestamps;
        final int[] ends;
        final ByteBuffer data;
        final IpcException failure;

        Item(long[] timestamps, int[] ends, ByteBuffer data, IpcException failure) {
            this.timestamps = timestamps;
            this.ends = ends;
            this.data = data;
            this.failure = failure;
        }
    }

    private static final Item END = new Item(null, null, null, null);

    private final Socket socket;
    private final int maxFrameBytes;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(16);
    private final PacketView view = new PacketView();
    private Item current;
    private int index;
    private Item terminal;
    private volatile boolean endReceived;

    TcpClient(String name, Socket socket, int maxFrameBytes) {
        super(name);
        this.socket = socket;
        this.maxFrameBytes = maxFrameBytes;
        Thread reader = new Thread(this::readLoop, "tcp-example-reader " + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024))) {
            while (true) {
                int type = in.readInt();
                if (type == TcpFrames.END) {
                    endReceived = true;
                    put(END);
                    return;
                }
                if (type != TcpFrames.BATCH) {
                    throw new ProtocolException("unknown frame type=" + type + "; is the server a tcp-example server?");
                }
                put(readBatch(in));
            }
        } catch (EOFException e) {
            put(new Item(
                    null,
                    null,
                    null,
                    new PeerGoneException("the server closed the connection to " + name()
                            + " without sending the end of the stream")));
        } catch (ProtocolException e) {
            put(new Item(null, null, null, e));
        } catch (IOException e) {
            put(new Item(
                    null,
                    null,
                    null,
                    isClosed()
                            ? new ClosedException("this client of " + name() + " was closed")
                            : new PeerGoneException("the connection to " + name() + " broke: " + e.getMessage(), e)));
        }
    }

    private Item readBatch(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > maxFrameBytes / 12) {
            throw new ProtocolException("batch count=" + count + " is impossible; the stream is corrupt");
        }
        long[] timestamps = new long[count];
        int[] ends = new int[count];
        byte[][] payloads = new byte[count][];
        long total = 0;
        for (int i = 0; i < count; i++) {
            timestamps[i] = in.readLong();
            int length = in.readInt();
            total += length;
            if (length < 0 || total > maxFrameBytes) {
                throw new ProtocolException("packet length=" + length + " exceeds the frame limit of " + maxFrameBytes
                        + " bytes; raise IpcOptions.MAX_FRAME_BYTES on the client if this is legitimate");
            }
            payloads[i] = in.readNBytes(length);
            if (payloads[i].length != length) {
                throw new EOFException("truncated packet");
            }
            ends[i] = (int) total;
        }
        ByteBuffer data = ByteBuffer.allocate((int) total);
        for (byte[] payload : payloads) {
            data.put(payload);
        }
        return new Item(timestamps, ends, data.asReadOnlyBuffer(), null);
    }

    private void put(Item item) {
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (isClosed()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        int delivered = 0;
        while (delivered < limit) {
            if (current == null) {
                Item next = terminal != null ? null : take(delivered == 0 ? waitNanos : 0);
                if (next == null) {
                    break;
                }
                if (next == END || next.failure != null) {
                    terminal = next;
                    break;
                }
                current = next;
                index = 0;
            }
            while (index < current.timestamps.length && delivered < limit) {
                int start = index == 0 ? 0 : current.ends[index - 1];
                view.wrap(current.timestamps[index], current.data, start, current.ends[index] - start);
                index++;
                delivered++;
                handler.onPacket(view);
            }
            if (index == current.timestamps.length) {
                current = null;
            }
        }
        if (delivered > 0) {
            return delivered;
        }
        if (isClosed()) {
            throw new ClosedException("this client of " + name() + " is closed");
        }
        if (terminal == END) {
            return END_OF_STREAM;
        }
        if (terminal != null) {
            throw terminal.failure;
        }
        return 0;
    }

    private Item take(long waitNanos) throws ClosedException {
        try {
            return waitNanos == FOREVER ? queue.take() : queue.poll(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while receiving from " + name());
        }
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return endReceived;
    }

    @Override
    protected void closeTransport() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
        queue.clear();
        queue.offer(new Item(null, null, null, new ClosedException("this client of " + name() + " was closed")));
    }
}
