package dev.packetipc.spi.stream;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.ConnectionMetrics;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.PacketLimits;
import dev.packetipc.spi.Timeouts;
import dev.packetipc.wire.BatchDescriptor;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's side of one stream connection, after the handshake. Packs many packets per frame and many frames per
 * write through one reused direct buffer; payloads too large for that buffer go out by a gathering write straight
 * from the caller's buffer; payloads at or above the shared-memory threshold are copied once into the connection's
 * region. Reads the client's RELEASE frames while it waits for region space.
 */
final class StreamConnection implements Connection {
    private static final int SEND_BUFFER_BYTES = 1 << 20;
    /** The send buffer's size when the packet ring carries the batches. */
    private static final int CONTROL_BUFFER_BYTES = 512;
    /** The longest {@link #close()} waits, after the end of the stream, for the client to finish (see lingerAfterEnd). */
    private static final long LINGER_NANOS = 2_000_000_000L;
    /** Every 16th flush also reads what the client sent, one non-blocking read (not the flush of the end). */
    static final int CONTROL_READ_INTERVAL = 15;
    /**
     * Every 128th publish into the packet ring also reads what the client sent: a publish costs no system call, so a
     * read every 16th would be most of the cost of a stream of single-packet batches. A client that went away is still
     * seen at once when the ring is full, and at the next read otherwise.
     */
    static final int RING_CONTROL_READ_INTERVAL = 127;
    /** Spins of {@link IpcOptions.IdleStrategy#BACKOFF} before it yields. */
    static final int SPINS = 200;
    /** Yields of {@link IpcOptions.IdleStrategy#BACKOFF} before it sleeps. */
    static final int YIELDS = 50;
    /** A spinning side looks at the stream once every 256 spins. */
    static final int CONTROL_SPIN_INTERVAL = 255;

    private final LivenessChannel channel;
    private final String name;
    private final int maxFrameBytes;
    private final int maxPacketBytes;
    private final SharedPayloads shared;
    private final FrameInput input;
    private final ByteBuffer sendBuffer;
    private final ByteBuffer[] single = new ByteBuffer[1];
    private final ByteBuffer head = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer padding = ByteBuffer.allocateDirect(8);
    private final ByteBuffer[] gather = new ByteBuffer[3];
    private final ReentrantLock sendLock = new ReentrantLock();
    /** Whether the region and the ring were closed (unmapped); guarded by {@link #sendLock}. */
    private boolean memoryReleased;
    /** The packet ring, or {@code null} when batches travel on the stream. */
    private final PacketRing ring;

    private final IpcOptions.IdleStrategy idle;
    private int flushes;
    /** Packets encoded into the send buffer since it was last written whole (batches on the stream only). */
    private int unflushed;

    private volatile boolean closed;
    private volatile boolean ended;
    private volatile String gone;
    private volatile long packets;
    private volatile long bytes;
    private volatile long batches;
    /** Written only by the thread that holds {@link #sendLock}. */
    private volatile long sendWaitNanos;

    StreamConnection(LivenessChannel channel, String name, int maxFrameBytes, SharedPayloads shared) {
        this(
                channel,
                name,
                maxFrameBytes,
                shared,
                null,
                IpcOptions.IdleStrategy.BACKOFF,
                IpcOptions.MAX_PACKET_BYTES.defaultValue());
    }

    /**
     * A connection; with a ring, {@code maxFrameBytes} must be at most its largest record.
     *
     * @param ring the packet ring, or {@code null} for batches on the stream
     * @param idle how to wait for room in the ring
     * @param maxPacketBytes the server's {@link IpcOptions#MAX_PACKET_BYTES}
     */
    StreamConnection(
            LivenessChannel channel,
            String name,
            int maxFrameBytes,
            SharedPayloads shared,
            PacketRing ring,
            IpcOptions.IdleStrategy idle,
            int maxPacketBytes) {
        this.ring = ring;
        this.idle = idle;
        this.channel = channel;
        this.name = name;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPacketBytes = maxPacketBytes;
        this.shared = shared;
        this.input = new FrameInput(channel, 4096, FrameDescriptor.MIN_MAX_FRAME_BYTES);
        // with the ring, only control frames (WAKE, REGION, END, CLOSE) go through it: a small buffer, not a
        // megabyte per connection
        this.sendBuffer = ByteBuffer.allocateDirect(
                        ring != null ? CONTROL_BUFFER_BYTES : Math.min(maxFrameBytes, SEND_BUFFER_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        this.single[0] = sendBuffer;
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch) throws IpcException {
        send0(batch, Timeouts.FOREVER);
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
        send0(batch, Timeouts.toNanos(timeout));
    }

    private void send0(List<? extends AsIpcPacket> batch, long waitNanos) throws IpcException {
        Objects.requireNonNull(batch, "batch");
        sendLock.lock();
        try {
            checkSendable();
            if (batch.isEmpty()) {
                return;
            }
            long deadline = Deadlines.after(waitNanos);
            validate(batch, deadline);
            long payload = 0;
            int size = batch.size();
            int from = 0;
            try {
                while (from < size) {
                    int next;
                    if (ring != null) {
                        next = encodeIntoRing(batch, from, size, deadline);
                    } else {
                        next = FrameEncoder.encodeBatch(batch, from, sendBuffer, maxFrameBytes, shared);
                        unflushed += next - from;
                        if (next == from && unblock(batch.get(from), from, size, deadline)) {
                            next = from + 1;
                        }
                    }
                    for (int i = from; i < next; i++) {
                        payload += batch.get(i).length();
                    }
                    from = next;
                }
                if (ring != null) {
                    publish(deadline);
                } else {
                    flush(deadline);
                }
            } catch (NothingWrittenTimeout e) { // the last buffer of frames went nowhere and was dropped
                int sent = from - e.packets;
                count(sent, payloadOf(batch, sent));
                throw new IpcTimeoutException(
                        "the client of " + name + " did not take anything more in time (its"
                                + " socket is full; it is slow or stuck): the first " + sent + " of the " + size
                                + " packets"
                                + " of the batch were sent, the others were not; the connection is still usable: send them"
                                + " again, or give send a longer timeout",
                        e);
            } catch (IpcTimeoutException e) {
                if (isOpen() && from > 0) { // no room in the region: the packets before it were sent whole
                    count(from, payload);
                }
                throw e;
            }
            count(size, payload);
        } catch (IOException e) {
            throw failure(e);
        } finally {
            unlockSending();
        }
    }

    private static long payloadOf(List<? extends AsIpcPacket> batch, int packets) {
        long payload = 0;
        for (int i = 0; i < packets; i++) {
            payload += batch.get(i).length();
        }
        return payload;
    }

    private void count(int sentPackets, long payload) {
        packets += sentPackets;
        bytes += payload;
        batches++;
    }

    /**
     * Checks the whole batch before anything of it is encoded: a packet that fits neither in a frame nor in the
     * shared-memory region is refused with nothing of the batch sent, and the connection stays usable. Announces the
     * region first if a packet needs it, since whether it can be created decides where large packets go.
     *
     * @throws IllegalArgumentException naming the packet, its size and the limit
     */
    private void validate(List<? extends AsIpcPacket> batch, long deadline) throws IOException, IpcException {
        int maxInline = BatchDescriptor.maxInlinePayload(maxFrameBytes);
        for (int i = 0, size = batch.size(); i < size; i++) {
            int length = batch.get(i).length();
            if (length > maxPacketBytes) {
                throw PacketLimits.tooLarge(
                        i, length, maxPacketBytes, "raise IpcOptions.MAX_PACKET_BYTES on the server");
            }
            if (length <= maxInline) {
                continue;
            }
            if (shared != null && shared.wants(length) && !shared.hasRegion()) {
                announceRegion(deadline);
            }
            if (shared == null || !shared.wants(length)) {
                throw tooLarge(i, length, maxInline);
            }
        }
    }

    /** The option's limit, or less: what fits inline in a frame or in the shared-memory region, whichever is more. */
    @Override
    public int maxPacketBytes() {
        int maxInline = BatchDescriptor.maxInlinePayload(maxFrameBytes);
        int region = shared != null && shared.wants(shared.largest()) ? shared.largest() : 0;
        return Math.min(maxPacketBytes, Math.max(maxInline, region));
    }

    private IllegalArgumentException tooLarge(int index, int length, int maxInline) {
        String sharedLimit = shared == null
                ? "shared memory is off for this connection"
                : shared.hasRegion()
                        ? "the shared-memory region takes at most " + shared.largest() + " bytes"
                        : "shared memory could not be set up for this connection";
        return new IllegalArgumentException("packet #" + index + " of the batch has " + length + " bytes, more than"
                + " the " + maxInline + " that fit inline in a frame of maxFrameBytes=" + maxFrameBytes + ", and "
                + sharedLimit + "; nothing of the batch was sent and the connection is still usable: split the"
                + " payload, or raise IpcOptions.MAX_FRAME_BYTES (on both sides) or IpcOptions.SHARED_MEMORY_BYTES");
    }

    /**
     * Gets the sending loop past a frame that could not take the packet: flushes, announces the region, waits for a
     * RELEASE, or writes one large inline packet on its own.
     *
     * @param index the packet's index in the batch, {@code size} the batch's size, for messages
     * @return whether the packet was sent
     */
    private boolean unblock(AsIpcPacket packet, int index, int size, long deadline) throws IOException, IpcException {
        SharedPayloads.Need need = shared == null ? SharedPayloads.Need.NOTHING : shared.takeNeed();
        if (sendBuffer.position() > 0) {
            flush(deadline);
        } else if (need == SharedPayloads.Need.ANNOUNCE) {
            announceRegion(deadline);
        } else if (need == SharedPayloads.Need.RELEASE) {
            awaitRelease(packet.length(), index, size, deadline);
        } else {
            writeAlone(packet, deadline);
            return true;
        }
        return false;
    }

    /**
     * Writes one BATCH record into the ring, as many packets from {@code from} on as fit; waits for room first.
     *
     * @return the index of the first packet not written
     */
    private int encodeIntoRing(List<? extends AsIpcPacket> batch, int from, int size, long deadline)
            throws IOException, IpcException {
        int length = batch.get(from).length();
        long entry = shared != null && shared.wants(length)
                ? BatchDescriptor.SHARED_ENTRY_LENGTH
                : BatchDescriptor.inlineEntryLength(length);
        int index = claim(
                FrameDescriptor.HEADER_LENGTH + BatchDescriptor.BATCH_HEADER_LENGTH + (int) entry,
                from,
                size,
                deadline);
        ByteBuffer data = ring.writer();
        data.limit(index + ring.writable()).position(index);
        int next = FrameEncoder.encodeBatch(batch, from, data, maxFrameBytes, shared);
        if (next > from) {
            ring.commit(data.position() - index);
            return next;
        }
        // the shared-memory region stopped the record before its first packet: what is in the ring goes first
        publish(deadline);
        SharedPayloads.Need need = shared == null ? SharedPayloads.Need.NOTHING : shared.takeNeed();
        if (need == SharedPayloads.Need.ANNOUNCE) {
            announceRegion(deadline);
        } else if (need == SharedPayloads.Need.RELEASE) {
            awaitRelease(length, from, size, deadline);
        } else {
            throw new IllegalStateException("a record with room for packet #" + from + " took nothing");
        }
        return from;
    }

    /**
     * Waits for the client's RELEASE when the region had no room for a payload of {@code length} bytes, unless one
     * read since (publishing and flushing read control frames now and then) made room already: a client that released
     * everything sends nothing more until it is handed something new, so waiting then would wait forever.
     *
     * @param sent how many packets of the batch were sent, {@code size} the batch's size, for the message
     */
    private void awaitRelease(int length, int sent, int size, long deadline) throws IOException, IpcException {
        if (shared.hasRoomFor(length)) {
            return;
        }
        long waitStart = System.nanoTime();
        boolean handled;
        try {
            handled = readControlFrames(Deadlines.left(deadline));
        } finally {
            sendWaitNanos += System.nanoTime() - waitStart;
        }
        if (!handled && Deadlines.left(deadline) == 0) {
            throw new IpcTimeoutException("the client of " + name + " did not release shared memory in time ("
                    + shared.size() + " bytes are in its hands); it is slow or stuck: wait longer, or raise"
                    + " IpcOptions.SHARED_MEMORY_BYTES. The first " + sent + " of the " + size + " packets of"
                    + " the batch were sent, the others were not; the connection is still usable");
        }
    }

    /** Waits, as the idle strategy says, until the ring has room for a record of {@code minLength} bytes. */
    private int claim(int minLength, int from, int size, long deadline) throws IOException, IpcException {
        int index = ring.claim(minLength);
        if (index >= 0) {
            return index;
        }
        long waitStart = System.nanoTime();
        try {
            return claimWaiting(minLength, from, size, deadline);
        } finally {
            sendWaitNanos += System.nanoTime() - waitStart;
        }
    }

    /** {@link #claim} once the ring was found full. */
    private int claimWaiting(int minLength, int from, int size, long deadline) throws IOException, IpcException {
        publish(deadline); // the client can only make room from what it sees
        int index;
        int spins = idle == IpcOptions.IdleStrategy.SPIN
                ? Integer.MAX_VALUE
                : idle == IpcOptions.IdleStrategy.BLOCK ? 0 : SPINS;
        int yields = idle == IpcOptions.IdleStrategy.BACKOFF ? YIELDS : 0;
        for (long round = 0; ; round++) {
            index = ring.claim(minLength);
            if (index >= 0) {
                return index;
            }
            long left = Deadlines.left(deadline);
            if (left == 0) {
                throw new IpcTimeoutException("the client of " + name + " did not take packets from the ring in time"
                        + " (it is full: " + ring.capacity() + " bytes); it is slow or stuck: wait longer, or raise"
                        + " IpcOptions.RING_BYTES. The first " + from + " of the " + size + " packets of the batch"
                        + " were sent, the others were not; the connection is still usable");
            }
            if (round < spins) {
                Thread.onSpinWait();
                if ((round & CONTROL_SPIN_INTERVAL) == CONTROL_SPIN_INTERVAL) {
                    readControlFrames(0); // a client that went away is noticed while spinning too
                }
            } else if (round < spins + (long) yields) {
                Thread.yield();
            } else if (ring.prepareToWaitForRoom(minLength)) {
                try {
                    readControlFrames(left); // the client's WAKE, RELEASE or CLOSE, or the stream's end
                } finally {
                    ring.producerAwake();
                }
            }
        }
    }

    /** Makes what was written into the ring visible, and rings the doorbell if the client sleeps. */
    private void publish(long deadline) throws IOException, IpcException {
        if (!ring.hasUnpublished()) {
            return;
        }
        if (ring.publish()) {
            FrameEncoder.encodeWake(sendBuffer);
            writeBuffered(deadline);
        }
        if ((++flushes & RING_CONTROL_READ_INTERVAL) == 0) {
            readControlFrames(0); // a client that sends garbage or goes away is noticed even if the ring has room
        }
    }

    private void announceRegion(long deadline) throws IOException, IpcException {
        SharedMemory.SharedRegion region = shared.create();
        if (region == null) {
            return; // shared memory is off for this connection: the packet goes inline
        }
        channel.holdWrites(); // on Unix the descriptor goes with the next bytes written: the REGION frame's own
        try {
            int handle;
            try {
                handle = shared.memory().share(region, channel.raw());
            } catch (IOException | RuntimeException e) { // e.g. Windows cannot open an elevated client's process
                shared.giveUp(e);
                return;
            }
            FrameEncoder.encodeRegion(sendBuffer, SharedPayloads.REGION_ID, handle, shared.size());
            flush(deadline);
        } finally {
            channel.releaseWrites();
        }
    }

    /** Writes one packet too large for the send buffer as a frame of its own, without copying its payload. */
    private void writeAlone(AsIpcPacket packet, long deadline) throws IOException, IpcException {
        ByteBuffer data = packet.data().duplicate();
        int length = data.remaining();
        head.clear();
        FrameEncoder.encodeInlineHead(head, packet.timestampNanos(), length, maxFrameBytes);
        head.flip();
        padding.clear().limit(FrameEncoder.inlinePadding(length));
        gather[0] = head;
        gather[1] = data;
        gather[2] = padding;
        try {
            writeAll(gather, deadline);
        } finally {
            gather[1] = null;
        }
    }

    private void flush(long deadline) throws IOException, IpcException {
        if (writeBuffered(deadline) && (++flushes & CONTROL_READ_INTERVAL) == 0) {
            readControlFrames(0); // a client that sends garbage or goes away is noticed even if writes still work
        }
    }

    /** Writes what the send buffer holds; returns whether there was anything. */
    private boolean writeBuffered(long deadline) throws IOException, IpcException {
        if (sendBuffer.position() == 0) {
            return false;
        }
        sendBuffer.flip();
        writeAll(single, deadline);
        sendBuffer.clear();
        unflushed = 0;
        return true;
    }

    private void writeAll(ByteBuffer[] buffers, long deadline) throws IOException, IpcException {
        int untouched = buffers[0].position();
        channel.write(buffers, 0); // what the socket takes at once
        if (!hasRemaining(buffers)) {
            return;
        }
        long waitStart = System.nanoTime(); // the rest waits for the client to read
        try {
            writeRest(buffers, deadline, untouched);
        } finally {
            sendWaitNanos += System.nanoTime() - waitStart;
        }
    }

    /**
     * Writes what is left of {@code buffers} until the deadline. If the time runs out with part of a frame written,
     * the stream cannot go on and the connection is closed; if nothing at all of the send buffer went out (the
     * client's socket was full the whole time) and batches travel on the stream, the buffer is dropped whole and the
     * connection stays usable: {@link NothingWrittenTimeout} says how many packets it held.
     *
     * @param untouched where the first buffer started, to tell whether anything went out
     */
    private void writeRest(ByteBuffer[] buffers, long deadline, int untouched) throws IOException, IpcException {
        while (hasRemaining(buffers)) {
            // with the liveness rule on, the wait is cut into slices, between which the client's signs of life are read
            long written = channel.write(buffers, Math.min(Deadlines.left(deadline), channel.lookIntervalNanos()));
            if (written == 0 && channel.watching() && Deadlines.left(deadline) > 0) {
                readControlFrames(0); // a frozen client, whose socket stays full, is noticed here (wire format §8)
                continue;
            }
            if (written == 0 && Deadlines.left(deadline) == 0 && hasRemaining(buffers)) {
                if (buffers == single && ring == null && sendBuffer.position() == untouched) {
                    int packets = unflushed;
                    sendBuffer.clear();
                    unflushed = 0;
                    throw new NothingWrittenTimeout(name, packets);
                }
                closeQuietly();
                throw new IpcTimeoutException("the client of " + name + " did not take what was sent in time, so"
                        + " the frame being written was cut short and the connection is closed (the client sees"
                        + " it gone after what arrived); the client is slow or stuck: give send or sendEnd a longer"
                        + " timeout");
            }
        }
    }

    /**
     * Nothing of the send buffer went out before the deadline, and it was dropped with the {@link #packets} it held:
     * the stream is still whole, so the connection goes on. {@code send} turns it into a message with the counts.
     */
    private static final class NothingWrittenTimeout extends IpcTimeoutException {
        private static final long serialVersionUID = 1L;
        final transient int packets;

        NothingWrittenTimeout(String name, int packets) {
            super("the client of " + name + " did not take anything in time (its socket is full; it is slow or"
                    + " stuck), so nothing was sent; the connection is still usable: try again, or give a longer"
                    + " timeout");
            this.packets = packets;
        }
    }

    private static boolean hasRemaining(ByteBuffer[] buffers) {
        for (ByteBuffer buffer : buffers) {
            if (buffer.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads and acts on what the client sent (RELEASE, CLOSE), waiting at most {@code waitNanos} for something.
     *
     * @return whether a frame was handled
     */
    private boolean readControlFrames(long waitNanos) throws IOException, IpcException {
        boolean handled = false;
        while (true) {
            int length = input.frame();
            if (length > 0) {
                handleControlFrame(input.buffer());
                input.consume(length);
                handled = true;
                continue;
            }
            if (handled) {
                return true;
            }
            int n = input.fill(waitNanos);
            if (n < 0) {
                gone = "the client of " + name + " went away (end of stream)";
                throw new PeerGoneException(gone);
            }
            if (n == 0) {
                return false;
            }
        }
    }

    private void handleControlFrame(ByteBuffer frame) throws IpcException {
        byte type = FrameDecoder.type(frame);
        if (type == FrameDescriptor.TYPE_RELEASE && shared != null) {
            if (FrameDecoder.bodyInt(frame, HandshakeDescriptor.REGION_HANDLE_OFFSET) != 0) {
                throw new ProtocolException("the client of " + name + " sent a RELEASE with a non-zero reserved field,"
                        + " which version 1 does not define");
            }
            shared.release(
                    FrameDecoder.bodyInt(frame, HandshakeDescriptor.REGION_ID_OFFSET),
                    FrameDecoder.bodyLong(frame, HandshakeDescriptor.REGION_VALUE_OFFSET));
        } else if (type == FrameDescriptor.TYPE_WAKE && ring != null) {
            return; // the doorbell: the client made room in the ring
        } else if (type == FrameDescriptor.TYPE_HEARTBEAT && channel.watching()) {
            return; // a sign of life: reading it was the point
        } else if (type == FrameDescriptor.TYPE_CLOSE) {
            gone = "the client of " + name + " closed the connection";
            throw new PeerGoneException(gone);
        } else {
            throw new ProtocolException("the client of " + name + " sent a frame of type=0x"
                    + Integer.toHexString(type & 0xff) + ", which a client may not send after the handshake");
        }
    }

    @Override
    public void sendEnd() throws IpcException {
        sendEnd0(Timeouts.FOREVER);
    }

    @Override
    public void sendEnd(Duration timeout) throws IpcException {
        sendEnd0(Timeouts.toNanos(timeout));
    }

    private void sendEnd0(long waitNanos) throws IpcException {
        long deadline = Deadlines.after(waitNanos);
        lockForSending(waitNanos, "the end of the stream");
        try {
            if (ended) {
                return;
            }
            checkSendable();
            FrameEncoder.encodeEnd(sendBuffer);
            // no read after the end: a client that took it may already have shut its side, as it should
            writeBuffered(deadline);
            ended = true;
            channel.stop(); // nothing follows the end, not even a heartbeat; the client stops reading there
        } catch (IOException e) {
            throw failure(e);
        } finally {
            unlockSending();
        }
    }

    /** Takes the send lock, waiting at most {@code waitNanos} for another thread's send to finish. */
    private void lockForSending(long waitNanos, String what) throws IpcException {
        if (waitNanos == Timeouts.FOREVER) {
            sendLock.lock();
            return;
        }
        boolean locked;
        try {
            locked = sendLock.tryLock(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while waiting to send " + what + " to a client of " + name, e);
        }
        if (!locked) {
            throw new IpcTimeoutException("another thread was still sending to this client of " + name + " when the"
                    + " time for " + what + " ran out; send from one thread at a time");
        }
    }

    private void checkSendable() throws IpcException {
        if (closed) {
            throw new ClosedException("the connection to a client of " + name + " is closed");
        }
        if (gone != null) {
            throw new PeerGoneException(gone);
        }
        if (ended) {
            throw new ClosedException("the end of the stream was already sent to this client of " + name
                    + "; no more packets can follow");
        }
    }

    private IpcException failure(IOException e) {
        if (e instanceof IpcException) {
            IpcException ipc = (IpcException) e;
            if (ipc instanceof ProtocolException) {
                closeWith(HandshakeDescriptor.REASON_PROTOCOL);
            } else if (ipc instanceof LivenessChannel.PeerSilentException && gone == null) {
                gone = ipc.getMessage(); // frozen, perhaps mid-frame: the stream cannot go on
                closeQuietly();
            }
            return ipc;
        }
        if (closed) {
            return new ClosedException("the connection to a client of " + name + " was closed while sending");
        }
        gone = "the client of " + name + " went away (it crashed or closed the connection): " + Deadlines.describe(e);
        closeQuietly();
        return new PeerGoneException(gone, e);
    }

    @Override
    public long packetsSent() {
        return packets;
    }

    @Override
    public long bytesSent() {
        return bytes;
    }

    @Override
    public long batchesSent() {
        return batches;
    }

    /** The counters, the time {@code send} waited for the client, and what the client has not taken back yet. */
    @Override
    public ConnectionMetrics metrics() {
        long queued = (ring == null ? 0 : ring.bytesQueued()) + (shared == null ? 0 : shared.bytesHeld());
        return new ConnectionMetrics(packets, bytes, batches, sendWaitNanos, queued, isOpen());
    }

    @Override
    public boolean isOpen() {
        return !closed && gone == null;
    }

    @Override
    public void close() {
        closeWith(HandshakeDescriptor.REASON_NORMAL);
    }

    private void closeWith(int reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (gone == null && sendLock.tryLock()) { // never between the bytes of another thread's frame
            try {
                if (ended) {
                    lingerAfterEnd();
                } else {
                    sendBuffer.clear();
                    FrameEncoder.encodeClose(sendBuffer, reason);
                    sendBuffer.flip();
                    channel.write(single, 0);
                }
            } catch (IOException | RuntimeException e) {
                // the client is gone already; closing is all that is left
            } finally {
                sendLock.unlock();
            }
        }
        closeQuietly();
    }

    /**
     * The orderly close after the end of the stream: this side stops writing, then reads (and drops) what the client
     * still sends until the client closes or half-closes, at most {@link #LINGER_NANOS}. Closing at once instead would
     * make the client's last RELEASE fail on a closed socket, and some systems then drop the bytes still queued for
     * the client, the end among them.
     */
    private void lingerAfterEnd() throws IOException {
        channel.shutdownOutput();
        long deadline = System.nanoTime() + LINGER_NANOS;
        ByteBuffer sink = ByteBuffer.allocate(4096);
        for (long left = LINGER_NANOS; left > 0; left = deadline - System.nanoTime()) {
            sink.clear();
            if (channel.read(sink, left) < 0) {
                return;
            }
        }
    }

    private void closeQuietly() {
        closed = true;
        channel.close();
        if (sendLock.isHeldByCurrentThread()) {
            releaseMemory();
        } else if (sendLock.tryLock()) {
            try {
                releaseMemory();
            } finally {
                sendLock.unlock();
            }
        } // else the thread in send or sendEnd releases it as it leaves: see unlockSending
    }

    /**
     * Leaves a send: unlocks, then, if the connection was closed meanwhile, releases the shared memory that the close
     * could not release while this thread was writing into it. A close sets {@code closed} before it tries the lock,
     * so either its try succeeds or this thread sees {@code closed} here.
     */
    private void unlockSending() {
        sendLock.unlock();
        if (closed && sendLock.tryLock()) {
            try {
                releaseMemory();
            } finally {
                sendLock.unlock();
            }
        }
    }

    /**
     * Closes the shared-memory region and the ring, which unmaps them at once where the transport can (no waiting for
     * a GC). Only with the send lock held, once closed: no thread writes into them any more. Idempotent.
     */
    private void releaseMemory() {
        if (memoryReleased) {
            return;
        }
        memoryReleased = true;
        if (shared != null) {
            shared.close();
        }
        if (ring != null) {
            ring.close();
        }
    }

    /** The stream under this connection (for tests). */
    StreamChannel channel() {
        return channel;
    }

    /** Whether batches come through the packet ring (for tests). */
    boolean usesRing() {
        return ring != null;
    }

    /** The size of the buffer frames are written from (for tests: what an idle connection holds). */
    int sendBufferCapacity() {
        return sendBuffer.capacity();
    }

    @Override
    public String toString() {
        return "StreamConnection[" + name + "]";
    }
}
