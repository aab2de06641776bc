package dev.packetipc.spi.stream;

import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
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
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's side of one stream connection, after the handshake. Reads as many bytes as the channel has into one
 * reused direct buffer and hands packets out in place, from that buffer or from the shared-memory region. Everything
 * handed out by a {@code poll} is released when it returns (packets are valid only inside the callback): the client
 * tells the server with RELEASE, batched, and always before it waits.
 */
final class StreamClient extends AbstractClient implements SharedRegions {
    private static final int MAX_REGIONS = 16;
    private static final long IDLE_RETRY_NANOS = 1_000_000;
    /**
     * With the ring, a poll without wait that finds the ring empty reads the stream (for END, CLOSE, its end) at most
     * this often, so that a caller polling in a busy loop makes no system call per empty poll.
     */
    private static final long STREAM_LOOK_NANOS = 20_000;
    /** How long a ring record's unknown region is looked for on the stream. */
    private static final long REGION_WAIT_NANOS = 1_000_000_000L;

    private final LivenessChannel channel;
    private final SharedMemory sharedMemory;
    private final FrameInput input;
    private final BatchReader batch = new BatchReader(this);
    private final ByteBuffer[] regions = new ByteBuffer[MAX_REGIONS];
    /** The regions as mapped, to unmap at close. */
    private final ByteBuffer[] mappedRegions = new ByteBuffer[MAX_REGIONS];
    /** Held while a thread is in {@link #pollPackets}: the mappings are released only when none is. */
    private final ReentrantLock receiving = new ReentrantLock();
    /** Whether the mappings were released; guarded by {@link #receiving}. */
    private boolean memoryReleased;

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
    private final PacketRing ring;
    private final ByteBuffer ringView;
    private final long spins;
    private final long yields;
    /** When a poll without wait last read the stream. */
    private long lastStreamLook = System.nanoTime() - STREAM_LOOK_NANOS;

    StreamClient(String name, LivenessChannel channel, SharedMemory sharedMemory, FrameInput input) {
        this(name, channel, sharedMemory, input, null, IpcOptions.IdleStrategy.BACKOFF);
    }

    /**
     * A client; with a ring, batches come through it and the stream carries only control frames.
     *
     * @param ring the packet ring, or {@code null} for batches on the stream
     * @param idle how to wait while the ring is empty
     */
    StreamClient(
            String name,
            LivenessChannel channel,
            SharedMemory sharedMemory,
            FrameInput input,
            PacketRing ring,
            IpcOptions.IdleStrategy idle) {
        super(name);
        this.ring = ring;
        this.ringView = ring == null ? null : ring.data().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.spins = idle == IpcOptions.IdleStrategy.SPIN
                ? Long.MAX_VALUE
                : idle == IpcOptions.IdleStrategy.BLOCK ? 0 : StreamConnection.SPINS;
        this.yields = idle == IpcOptions.IdleStrategy.BACKOFF ? StreamConnection.YIELDS : 0;
        this.channel = channel;
        this.sharedMemory = sharedMemory;
        this.input = input;
        out.flip();
    }

    @Override
    protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        receiving.lock();
        try {
            if (isClosed()) { // closed after the caller looked: the mappings may be gone already
                throw new ClosedException("this client of " + name() + " is closed; connect a new one");
            }
            if (failure != null) {
                throw failure;
            }
            if (ring != null) {
                return pollRing(handler, limit, Deadlines.after(waitNanos));
            }
            return poll(handler, limit, Deadlines.after(waitNanos));
        } catch (IOException e) {
            throw fail(e);
        } finally {
            unlockReceiving();
        }
    }

    /**
     * Leaves a poll: unlocks, then, if the client was closed meanwhile, releases the mappings that the close could
     * not release while this thread read them. A close marks the client closed before it tries the lock, so either its
     * try succeeds or this thread sees it closed here.
     */
    private void unlockReceiving() {
        receiving.unlock();
        if (!receiving.isHeldByCurrentThread() && isClosed() && receiving.tryLock()) {
            try {
                releaseMemory();
            } finally {
                receiving.unlock();
            }
        }
    }

    /**
     * Unmaps the shared-memory regions and the ring at once where the transport can, rather than at a GC. Only with
     * {@link #receiving} held, once closed: no packet view handed to a handler is valid any more. Idempotent.
     */
    private void releaseMemory() {
        if (memoryReleased || sharedMemory == null) {
            return;
        }
        memoryReleased = true;
        for (int id = 0; id < MAX_REGIONS; id++) {
            regions[id] = null;
            if (mappedRegions[id] != null) {
                sharedMemory.unmap(mappedRegions[id]);
                mappedRegions[id] = null;
            }
        }
        if (ring != null) {
            sharedMemory.unmap(ring.mapping());
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

    /**
     * {@link #poll} with the packet ring: records from the ring, control frames from the stream. The stream is looked
     * at only when the ring is empty; since the server publishes before it writes END or CLOSE, whatever it sent
     * before them is handed out first.
     */
    private int pollRing(PacketHandler handler, int limit, long deadline) throws IOException {
        try {
            return walkRing(handler, limit, deadline);
        } finally { // once per poll, also when the handler threw: the room of every record done goes back
            if (ring.publishConsumer()) {
                sendWake();
            }
        }
    }

    /**
     * {@link #pollRing} without the final publication: hands out up to {@code limit} packets from as many records as
     * are in the ring now, and waits only while it has handed out none. A record is consumed (its room to be
     * published) once its last packet was handed out, also when the handler threw at that packet.
     */
    private int walkRing(PacketHandler handler, int limit, long deadline) throws IOException {
        long round = 0;
        int handedOut = 0;
        while (true) {
            if (batch.remaining() > 0) {
                try {
                    handedOut += batch.read(handler, limit - handedOut);
                } catch (RegionLookupFailure e) {
                    throw e.cause; // from awaitRegion
                } finally { // also when the handler threw: what it was handed is consumed, never handed out again
                    if (batch.remaining() == 0) {
                        ring.consumed();
                    }
                }
                releaseEarlyIfDue();
                if (handedOut == limit || batch.remaining() > 0) {
                    return handedOut;
                }
                continue; // the record is done and the limit not reached: the next record, if one is there now
            }
            int index = ring.next();
            if (index >= 0) {
                batch.wrap(ringView, index, ring.recordLength());
                if (batch.remaining() == 0) {
                    ring.consumed();
                }
                continue;
            }
            if (handedOut > 0) {
                return handedOut; // the ring is empty now: no waiting once something was handed out
            }
            if (ring.publishConsumer()) { // records or padding passed since the last look: the server may wait for it
                sendWake();
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
            long left = Deadlines.left(deadline);
            if (left == 0) { // no wait: a look at the stream (not more often than every 20 µs), then back
                release(false);
                long now = System.nanoTime();
                if (now - lastStreamLook < STREAM_LOOK_NANOS) {
                    return 0; // a caller that polls in a busy loop: the ring is its data path, not the stream
                }
                lastStreamLook = now;
                int n = input.fill(0);
                if (n < 0) {
                    serverClosed(null);
                } else if (n == 0) {
                    return 0;
                }
                continue;
            }
            if (round == 0) {
                release(false); // RELEASE before waiting (wire format §4), whether it then spins or sleeps
            }
            if (round < spins) {
                round++;
                Thread.onSpinWait();
                if ((round & StreamConnection.CONTROL_SPIN_INTERVAL) == 0 && input.fill(0) < 0) {
                    serverClosed(null); // a spinning client sees the server go at once too
                }
                continue;
            }
            if (round < spins + yields) {
                round++;
                Thread.yield();
                continue;
            }
            release(false); // RELEASE before waiting (wire format §4)
            if (!ring.prepareToSleep()) {
                continue;
            }
            int n;
            try {
                n = input.fill(out.hasRemaining() ? Math.min(left, IDLE_RETRY_NANOS) : left);
            } finally {
                ring.consumerAwake();
            }
            if (n < 0) {
                serverClosed(null);
            }
        }
    }

    /** Writes WAKE after whatever control frame is still on its way; never blocks. */
    private void sendWake() {
        if (releasesStopped || endReceived) {
            return;
        }
        out.compact();
        FrameEncoder.encodeWake(out);
        out.flip();
        try {
            channel.write(outArray, 0);
        } catch (IOException e) {
            releasesStopped = true; // the server closed its side: reading tells whether the end came
        }
    }

    private void serverClosed(IOException e) {
        gone = "the server " + name() + " went away without ending the stream (it crashed or closed the connection)"
                + (e == null ? "" : ": " + Deadlines.describe(e));
    }

    private void handleFrame(ByteBuffer frame, int length) throws IOException {
        byte type = FrameDecoder.type(frame);
        if (ring != null && type == FrameDescriptor.TYPE_BATCH) {
            throw new ProtocolException("the server " + name() + " sent a BATCH frame on the stream although the"
                    + " packet ring is on; batches must go through the ring");
        }
        if (type == FrameDescriptor.TYPE_WAKE && ring != null) {
            input.consume(length); // the doorbell: the ring is looked at next
            return;
        }
        if (type == FrameDescriptor.TYPE_HEARTBEAT && channel.watching()) {
            input.consume(length); // a sign of life: reading it was the point
            return;
        }
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
        ByteBuffer mapped = sharedMemory.open(channel.raw(), handle, size);
        if (mapped.capacity() < size) {
            throw new ProtocolException("REGION id=" + id + " claims size=" + size + " but the shared memory handed"
                    + " over has only " + mapped.capacity() + " bytes");
        }
        regions[id] = mapped.slice(0, (int) size).asReadOnlyBuffer(); // exactly the announced size
        mappedRegions[id] = mapped;
        ringSizes[id] = RegionRing.ringSize(size);
    }

    @Override
    public ByteBuffer region(int regionId) {
        if (regionId < 0 || regionId >= MAX_REGIONS) {
            return null;
        }
        ByteBuffer region = regions[regionId];
        return region == null && ring != null ? awaitRegion(regionId) : region;
    }

    /**
     * With the ring, a record may name a region whose REGION frame is still unread on the stream: the server writes
     * the frame before it publishes the record, so its bytes are there already. Reads control frames until the region
     * is announced, at most {@link #REGION_WAIT_NANOS}.
     *
     * @return the region, or {@code null} if it was not announced (a protocol error the caller reports)
     * @throws RegionLookupFailure wrapping what reading the stream threw, unwrapped by {@link #pollRing}
     */
    private ByteBuffer awaitRegion(int regionId) {
        long deadline = Deadlines.after(REGION_WAIT_NANOS);
        try {
            while (regions[regionId] == null) {
                int length = input.frame();
                if (length > 0) {
                    handleFrame(input.buffer(), length);
                    continue;
                }
                if (gone != null || endReceived) {
                    return null;
                }
                int n = input.fill(Deadlines.left(deadline));
                if (n < 0) {
                    serverClosed(null);
                    return null;
                }
                if (n == 0 && Deadlines.left(deadline) == 0) {
                    return null;
                }
            }
            return regions[regionId];
        } catch (IOException e) {
            throw new RegionLookupFailure(e);
        }
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
        } else if (mapped instanceof LivenessChannel.PeerSilentException) {
            failure = mapped; // the server is frozen, perhaps in the middle of a frame: the stream cannot go on
            channel.close();
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
        if (!receiving.isHeldByCurrentThread() && receiving.tryLock()) {
            try {
                releaseMemory();
            } finally {
                receiving.unlock();
            }
        } // else the thread in poll releases them as it leaves: see unlockReceiving
    }

    /** Whether batches come through the packet ring (for tests). */
    boolean usesRing() {
        return ring != null;
    }

    /** The size of the buffer frames are read into (for tests: what an idle connection holds). */
    int inputCapacity() {
        return input.capacity();
    }

    @Override
    public String toString() {
        return "StreamClient[" + name() + "]";
    }

    /** Carries an {@link IOException} out of {@link #region}, which may not throw it, to {@link #pollRing}. */
    private static final class RegionLookupFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient IOException cause;

        RegionLookupFailure(IOException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /** Handshake: the properties the server sent, set before {@link StreamEndpoints#connect} returns this client. */
    void setStreamProperties(java.util.Map<String, String> properties) {
        setProperties(properties);
    }
}
