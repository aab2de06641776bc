package dev.packetipc.spi.stream;

import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.AbstractClient;
import dev.packetipc.wire.BatchReader;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import dev.packetipc.wire.SharedRegions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The client's side of one stream connection, after the handshake. Reads as many bytes as the channel has into one
 * reused direct buffer and hands packets out in place, from that buffer or from the shared-memory region. Everything
 * handed out by a {@code poll} is released when it returns (packets are valid only inside the callback): the client
 * tells the server with RELEASE, batched, and always before it waits.
 */
final class StreamClient extends AbstractClient implements SharedRegions {
    private static final int MAX_REGIONS = 16;
    private static final long IDLE_RETRY_NANOS = 1_000_000;

    private final StreamChannel channel;
    private final SharedMemory sharedMemory;
    private final FrameInput input;
    private final BatchReader batch = new BatchReader(this);
    private final ByteBuffer[] regions = new ByteBuffer[MAX_REGIONS];
    private final long[] ringSizes = new long[MAX_REGIONS];
    private final long[] regionEnds = new long[MAX_REGIONS];
    private final long[] regionsReleased = new long[MAX_REGIONS];
    private final ByteBuffer out = ByteBuffer.allocateDirect(512).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer[] outArray = {out};
    private int batchFrameLength;
    private volatile boolean endReceived;
    private String gone;
    private boolean releasesStopped;
    private IpcException failure;

    StreamClient(String name, StreamChannel channel, SharedMemory sharedMemory, FrameInput input) {
        super(name);
        this.channel = channel;
        this.sharedMemory = sharedMemory;
        this.input = input;
        out.flip();
    }

    @Override
    protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        if (failure != null) {
            throw failure;
        }
        try {
            return poll(handler, limit, Deadlines.after(waitNanos));
        } catch (IOException e) {
            throw fail(e);
        }
    }

    private int poll(PacketHandler handler, int limit, long deadline) throws IOException {
        while (true) {
            if (batch.remaining() > 0) {
                int n;
                try {
                    n = batch.read(handler, limit);
                } finally { // also when the handler threw: what it was handed is consumed, never handed out again
                    if (batch.remaining() == 0) {
                        input.consume(batchFrameLength);
                    }
                }
                releaseEarlyIfDue();
                return n;
            }
            if (endReceived) {
                return END_OF_STREAM;
            }
            int length = input.frame();
            if (length > 0) {
                handleFrame(input.buffer(), length);
                continue;
            }
            if (gone != null) {
                throw new PeerGoneException(gone);
            }
            int n;
            if (out.hasRemaining() || releaseDue(false)) {
                n = input.fill(0);
                if (n == 0) { // caught up with the socket: release everything, then wait
                    release(false);
                    long wait = Deadlines.left(deadline);
                    if (wait == 0) {
                        return 0;
                    }
                    n = input.fill(out.hasRemaining() ? Math.min(wait, IDLE_RETRY_NANOS) : wait);
                }
            } else { // nothing to release: one read that waits if the socket is empty (an empty read costs syscalls)
                n = input.fill(Deadlines.left(deadline));
            }
            if (n < 0) {
                serverClosed(null);
            } else if (n == 0 && Deadlines.left(deadline) == 0) {
                return 0;
            }
        }
    }

    private void serverClosed(IOException e) {
        gone = "the server " + name() + " went away without ending the stream (it crashed or closed the connection)"
                + (e == null ? "" : ": " + Deadlines.describe(e));
    }

    private void handleFrame(ByteBuffer frame, int length) throws IOException {
        byte type = FrameDecoder.type(frame);
        switch (type) {
            case FrameDescriptor.TYPE_BATCH:
                batchFrameLength = length;
                batch.wrap(input.readOnly(), input.start(), length);
                if (batch.remaining() == 0) {
                    input.consume(length);
                }
                return;
            case FrameDescriptor.TYPE_END:
                endReceived = true;
                input.consume(length);
                try {
                    channel.shutdownOutput(); // nothing more to release: lets the server's close finish at once
                } catch (IOException e) {
                    // the server closed already
                }
                return;
            case FrameDescriptor.TYPE_REGION:
                openRegion(frame);
                input.consume(length);
                return;
            case FrameDescriptor.TYPE_CLOSE:
                gone = "the server " + name() + " closed the connection without ending the stream (reason="
                        + FrameDecoder.bodyInt(frame, HandshakeDescriptor.REASON_OFFSET) + ")";
                input.consume(length);
                return;
            default:
                throw new ProtocolException("the server " + name() + " sent a frame of type=0x"
                        + Integer.toHexString(type & 0xff) + ", which a server may not send after the handshake");
        }
    }

    private void openRegion(ByteBuffer frame) throws IOException {
        int id = FrameDecoder.bodyInt(frame, HandshakeDescriptor.REGION_ID_OFFSET);
        int handle = FrameDecoder.bodyInt(frame, HandshakeDescriptor.REGION_HANDLE_OFFSET);
        long size = FrameDecoder.bodyLong(frame, HandshakeDescriptor.REGION_VALUE_OFFSET);
        if (sharedMemory == null) {
            throw new ProtocolException("the server " + name() + " announced a shared-memory region although this"
                    + " client did not offer shared memory");
        }
        if (id < 0 || id >= MAX_REGIONS || regions[id] != null) {
            throw new ProtocolException("REGION id=" + Integer.toUnsignedString(id) + " is out of range [0, "
                    + MAX_REGIONS + ") or announced twice");
        }
        if (size < RegionRing.ALIGNMENT || size > Integer.MAX_VALUE) {
            throw new ProtocolException("REGION id=" + id + " has size=" + Long.toUnsignedString(size) + ", outside ["
                    + RegionRing.ALIGNMENT + ", 2 GiB)");
        }
        ByteBuffer mapped = sharedMemory.open(channel, handle, size);
        if (mapped.capacity() < size) {
            throw new ProtocolException("REGION id=" + id + " claims size=" + size + " but the shared memory handed"
                    + " over has only " + mapped.capacity() + " bytes");
        }
        regions[id] = mapped.slice(0, (int) size).asReadOnlyBuffer(); // exactly the announced size
        ringSizes[id] = RegionRing.ringSize(size);
    }

    @Override
    public ByteBuffer region(int regionId) {
        return regionId >= 0 && regionId < MAX_REGIONS ? regions[regionId] : null;
    }

    @Override
    public void handedOut(int regionId, long offset, int length) {
        regionEnds[regionId] = RegionRing.positionOf(offset, regionEnds[regionId], ringSizes[regionId]) + length;
    }

    /**
     * Sends a RELEASE before this client waits, when a quarter of a region was handed out since the last one, so the
     * server need not stall until the client has drained everything. Only once the socket is drained, though: if
     * the server has closed its side, a write fails and junixsocket then closes the socket, bytes still queued in it
     * (the end of the stream among them) included.
     */
    private void releaseEarlyIfDue() {
        if (!releaseDue(true) || !input.hasRoom()) {
            return;
        }
        try {
            int n = input.fill(0);
            if (n == 0) {
                release(true);
            } else if (n < 0) {
                serverClosed(null);
            }
        } catch (IOException e) {
            serverClosed(e); // reported once what arrived before was handed out
        }
    }

    private boolean releaseDue(boolean quarterOnly) {
        if (endReceived || gone != null || releasesStopped) {
            return false; // the server sends nothing more, so it needs no space back
        }
        for (int id = 0; id < MAX_REGIONS; id++) {
            ByteBuffer region = regions[id];
            long unreleased = region == null ? 0 : regionEnds[id] - regionsReleased[id];
            if (unreleased > 0 && (!quarterOnly || unreleased >= region.capacity() / 4)) {
                return true;
            }
        }
        return false;
    }

    /** Tells the server what it may reuse: everything handed out, which callbacks no longer hold. */
    private void release(boolean quarterOnly) {
        boolean pending = out.hasRemaining(); // a RELEASE the socket took only in part: finish it first
        if (!pending && !releaseDue(quarterOnly) || releasesStopped || endReceived) {
            return;
        }
        for (int id = 0; id < MAX_REGIONS && !out.hasRemaining(); id++) { // one RELEASE on its way at a time
            if (regions[id] != null && regionEnds[id] > regionsReleased[id]) {
                out.clear();
                FrameEncoder.encodeRelease(out, id, regionEnds[id]);
                out.flip();
                regionsReleased[id] = regionEnds[id];
            }
        }
        try {
            channel.write(outArray, 0);
        } catch (IOException e) {
            // The server closed its side: what it sent before is still to be read, and reading tells whether the
            // end came. So no error here, and no more RELEASE.
            releasesStopped = true;
        }
    }

    private IpcException fail(IOException e) {
        if (isClosed()) {
            return new ClosedException("this client of " + name() + " was closed");
        }
        IpcException mapped = e instanceof IpcException
                ? (IpcException) e
                : new PeerGoneException(
                        "the server " + name() + " went away without ending the stream (it crashed or closed the"
                                + " connection): " + Deadlines.describe(e),
                        e);
        if (mapped instanceof ProtocolException) {
            failure = mapped;
            closeForProtocolError();
        }
        return mapped;
    }

    /**
     * Tells the server why with CLOSE(2) where that can be done at once (not in the middle of a RELEASE the socket took
     * in part, not after the server closed its side), then closes.
     */
    private void closeForProtocolError() {
        if (!out.hasRemaining() && !releasesStopped) {
            out.clear();
            FrameEncoder.encodeClose(out, HandshakeDescriptor.REASON_PROTOCOL);
            out.flip();
            try {
                channel.write(outArray, 0);
            } catch (IOException | RuntimeException e) {
                // the server is gone: closing is all that is left
            }
        }
        channel.close();
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return endReceived;
    }

    @Override
    protected void closeTransport() {
        channel.close();
    }

    @Override
    public String toString() {
        return "StreamClient[" + name() + "]";
    }
}
