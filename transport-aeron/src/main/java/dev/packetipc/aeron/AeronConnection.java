package dev.packetipc.aeron;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PeerGoneException;
import dev.packetipc.spi.HeartbeatScheduler;
import dev.packetipc.spi.PacketLimits;
import dev.packetipc.spi.Timeouts;
import io.aeron.DirectBufferVector;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The server's side of one client: an exclusive publication to the client's reply channel. Packets that fit one
 * Aeron frame together are written straight into the term buffer ({@code tryClaim}); a packet too big for one frame
 * goes alone in a message that Aeron fragments and the client's assembler puts back together.
 *
 * <p><b>Liveness</b> ({@link IpcOptions#LIVENESS_TIMEOUT}), when both sides have it on: the {@link
 * HeartbeatScheduler}'s thread offers a HEARTBEAT when the publication did not move since its last turn. It takes
 * {@link #sendLock} with {@code tryLock} (the publication is exclusive, so it must not be offered to by two threads at
 * once) and skips its turn while a send holds it: a send under way, or one waiting for room, means the client has
 * messages to read. A send that waits for room looks for the client's heartbeats on the server's control
 * subscription and gives up with {@link PeerGoneException} once it heard nothing for the server's time-out.
 */
final class AeronConnection implements Connection {
    private final AeronServer server;
    private final ExclusivePublication publication;
    private final int sessionId;
    private final Drivers.Lease lease;
    private final String who;
    private final int maxFrameBytes;
    private final int maxPacketOption;
    private final int maxPacketBytes;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    private final BufferClaim claim = new BufferClaim();
    private final UnsafeBuffer header = new UnsafeBuffer(new byte[Protocol.BATCH_HEADER + Protocol.PACKET_HEADER]);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[0]);
    private final DirectBufferVector[] vectors = {new DirectBufferVector(), new DirectBufferVector()};

    private volatile boolean closed;
    private volatile boolean gone;
    private volatile boolean ended;
    private volatile long packetsSent;
    private volatile long bytesSent;
    private volatile long batchesSent;

    /** The server's liveness time-out if both sides have it on, else 0. */
    private final long livenessNanos;
    /** When a message of the client was last read from the control subscription. */
    private volatile long lastHeard;
    /** The publication's position at the last heartbeat turn; guarded by {@link #sendLock}. */
    private long beatPosition = -1;
    /** When a send waiting for room last read the control subscription; guarded by {@link #sendLock}. */
    private long lastLook;

    private final ScheduledFuture<?> beats;

    AeronConnection(
            AeronServer server,
            ExclusivePublication publication,
            int sessionId,
            Drivers.Lease lease,
            IpcOptions options,
            int clientLivenessMillis,
            int serverLivenessMillis) {
        this.server = server;
        this.publication = publication;
        this.sessionId = sessionId;
        this.lease = lease;
        this.who = "the client of " + server.name() + " (reply channel " + publication.channel() + ")";
        this.maxFrameBytes = options.get(IpcOptions.MAX_FRAME_BYTES);
        this.maxPacketOption = options.get(IpcOptions.MAX_PACKET_BYTES);
        this.maxPacketBytes = Math.min(maxPacketOption, maxMessage() - Protocol.BATCH_HEADER - Protocol.PACKET_HEADER);
        boolean liveness = clientLivenessMillis > 0 && serverLivenessMillis > 0;
        this.livenessNanos = liveness ? TimeUnit.MILLISECONDS.toNanos(serverLivenessMillis) : 0;
        this.lastHeard = System.nanoTime();
        this.beats = liveness
                ? HeartbeatScheduler.every(
                        Protocol.heartbeatIntervalNanos(clientLivenessMillis, serverLivenessMillis), this::beat)
                : null;
    }

    /** A message of the client was read from the control subscription. */
    void heardFromClient() {
        lastHeard = System.nanoTime();
    }

    /** One heartbeat turn, on the {@link HeartbeatScheduler}'s thread: never blocks, never throws. */
    private void beat() {
        if (closed || ended || gone || !sendLock.tryLock()) {
            return; // a send under way: the client has its messages to read
        }
        try {
            if (closed || ended) {
                return;
            }
            long position = publication.position();
            if (position == beatPosition && publication.tryClaim(Protocol.HEARTBEAT_LENGTH, claim) > 0) {
                claim.buffer().setMemory(claim.offset(), Protocol.HEARTBEAT_LENGTH, (byte) 0);
                claim.buffer().putByte(claim.offset(), Protocol.HEARTBEAT);
                claim.commit();
            }
            beatPosition = publication.position(); // what is not offered now (back pressure) waits for the next turn
        } catch (RuntimeException e) {
            // the publication is closing: send finds out by itself
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * For a send waiting for room: throws if the client sent nothing at all, not even a heartbeat, for the liveness
     * time-out. Reads the control subscription, where a living client's heartbeats wait, every quarter of the
     * time-out (a message read there counts from when it is read, so reading often keeps that close to when it came)
     * and before it gives up.
     */
    private void checkClientAlive() throws PeerGoneException {
        long now = System.nanoTime();
        if (now - lastHeard < livenessNanos && now - lastLook < livenessNanos / 4) {
            return;
        }
        lastLook = now;
        if (!server.drainForConnection()) {
            return; // the server is closed, and its control subscription with it: Aeron's time-outs remain
        }
        if (System.nanoTime() - lastHeard >= livenessNanos) {
            gone = true;
            throw new PeerGoneException(who + " showed no sign of life for " + livenessNanos / 1_000_000 + " ms (no"
                    + " message, not even a heartbeat), so it counts as gone: it is frozen (stopped by a signal or a"
                    + " debugger), starved of CPU, or cut off from this host. If it is only slow, raise"
                    + " IpcOptions.LIVENESS_TIMEOUT; 0 on either side turns the check off. Close this connection");
        }
    }

    /** The largest message: an eighth of the term length (Aeron's rule), and at most MAX_FRAME_BYTES. */
    private int maxMessage() {
        return Math.min(publication.maxMessageLength(), Math.max(maxFrameBytes, publication.maxPayloadLength()));
    }

    /**
     * The server's {@link IpcOptions#MAX_PACKET_BYTES}, or less: one Aeron message of the publication's term length
     * (an eighth of it, at most 16 MiB) and of {@link IpcOptions#MAX_FRAME_BYTES}, less 20 bytes of headers.
     */
    @Override
    public int maxPacketBytes() {
        return maxPacketBytes;
    }

    void clientGone() {
        gone = true;
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch) throws IpcException {
        send0(batch, Timeouts.FOREVER, null);
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
        send0(batch, Timeouts.toNanos(timeout), timeout);
    }

    private void send0(List<? extends AsIpcPacket> batch, long waitNanos, Duration timeout) throws IpcException {
        checkSendable();
        int n = batch.size();
        if (n == 0) {
            return;
        }
        sendLock.lock();
        try {
            checkSendable();
            PacketLimits.check(
                    batch,
                    maxPacketBytes,
                    maxPacketBytes == maxPacketOption
                            ? "raise IpcOptions.MAX_PACKET_BYTES on the server"
                            : "add a larger term-length to the server's name, e.g. |term-length=64m (one Aeron"
                                    + " message, an eighth of the term length and at most 16 MiB, carries a packet)");
            long start = System.nanoTime();
            int maxPayload = publication.maxPayloadLength();
            int maxMessage = maxMessage();
            long bytes = 0;
            int i = 0;
            while (i < n) {
                int length = Protocol.BATCH_HEADER;
                int j = i;
                while (j < n) {
                    int next = Protocol.PACKET_HEADER + batch.get(j).length();
                    if (length + next > maxPayload) {
                        break;
                    }
                    length += next;
                    j++;
                }
                if (j == i) {
                    bytes += sendAlone(batch.get(i), maxMessage, start, waitNanos, timeout);
                    i++;
                } else {
                    bytes += sendPacked(batch, i, j, length, start, waitNanos, timeout);
                    i = j;
                }
            }
            packetsSent += n;
            bytesSent += bytes;
            batchesSent++;
        } finally {
            sendLock.unlock();
        }
    }

    /** Packets {@code [from, to)} in one frame, written into the term buffer in place. */
    private long sendPacked(
            List<? extends AsIpcPacket> batch,
            int from,
            int to,
            int length,
            long start,
            long waitNanos,
            Duration timeout)
            throws IpcException {
        while (true) {
            long result = publication.tryClaim(length, claim);
            if (result > 0) {
                break;
            }
            backOff(result, start, waitNanos, timeout);
        }
        MutableDirectBuffer buffer = claim.buffer();
        int offset = claim.offset();
        long bytes = 0;
        try {
            buffer.putByte(offset, Protocol.BATCH);
            buffer.putByte(offset + 1, (byte) 0);
            buffer.putShort(offset + 2, (short) 0);
            buffer.putInt(offset + 4, to - from, Protocol.ORDER);
            int at = offset + Protocol.BATCH_HEADER;
            for (int k = from; k < to; k++) {
                AsIpcPacket packet = batch.get(k);
                ByteBuffer data = packet.data();
                int len = data.remaining();
                buffer.putLong(at, packet.timestampNanos(), Protocol.ORDER);
                buffer.putInt(at + 8, len, Protocol.ORDER);
                buffer.putBytes(at + Protocol.PACKET_HEADER, data, data.position(), len);
                at += Protocol.PACKET_HEADER + len;
                bytes += len;
            }
        } catch (RuntimeException e) {
            claim.abort();
            throw e;
        }
        claim.commit();
        return bytes;
    }

    /** One packet too big to share a frame: header and payload offered together, fragmented by Aeron. */
    private long sendAlone(AsIpcPacket packet, int maxMessage, long start, long waitNanos, Duration timeout)
            throws IpcException {
        ByteBuffer data = packet.data();
        int len = data.remaining();
        int length = Protocol.BATCH_HEADER + Protocol.PACKET_HEADER + len;
        if (length > maxMessage) {
            throw new IllegalArgumentException("a payload of " + len + " bytes does not fit one Aeron message on "
                    + publication.channel() + " (at most "
                    + (maxMessage - Protocol.BATCH_HEADER - Protocol.PACKET_HEADER)
                    + " bytes: an eighth of the term length, and at most IpcOptions.MAX_FRAME_BYTES); add a larger"
                    + " term-length to the server's name, e.g. |term-length=64m, or split the payload");
        }
        header.putByte(0, Protocol.BATCH);
        header.putInt(4, 1, Protocol.ORDER);
        header.putLong(Protocol.BATCH_HEADER, packet.timestampNanos(), Protocol.ORDER);
        header.putInt(Protocol.BATCH_HEADER + 8, len, Protocol.ORDER);
        if (len > 0) {
            payload.wrap(data, data.position(), len);
        } else {
            payload.wrap(header, 0, 0);
        }
        vectors[0].reset(header, 0, Protocol.BATCH_HEADER + Protocol.PACKET_HEADER);
        vectors[1].reset(payload, 0, len);
        while (true) {
            long result = publication.offer(vectors);
            if (result > 0) {
                return len;
            }
            backOff(result, start, waitNanos, timeout);
        }
    }

    private void backOff(long result, long start, long waitNanos, Duration timeout) throws IpcException {
        if (closed) {
            throw new ClosedException("this connection to " + who + " was closed while sending");
        }
        if (gone || result == Publication.NOT_CONNECTED) {
            gone = true;
            throw new PeerGoneException(who + " went away (it closed, or nothing was heard from it for Aeron's"
                    + " publication connection timeout); close this connection");
        }
        if (result == Publication.CLOSED) {
            gone = true;
            throw new PeerGoneException(who + " is gone: Aeron closed the publication (the media driver may have"
                    + " stopped); close this connection");
        }
        if (result == Publication.MAX_POSITION_EXCEEDED) {
            throw new IpcException("the stream to " + who + " reached Aeron's largest position for its term length;"
                    + " close this connection and connect a new client, or use a larger term-length");
        }
        if (livenessNanos > 0) {
            checkClientAlive();
        }
        if (waitNanos != Timeouts.FOREVER && System.nanoTime() - start >= waitNanos) {
            throw new IpcTimeoutException(who + " did not make room within " + timeout + " (it is slow or stuck);"
                    + " the batch may have been sent in part: close this connection");
        }
        idle.idle();
    }

    private void checkSendable() throws IpcException {
        if (closed) {
            throw new ClosedException("this connection to " + who + " is closed");
        }
        if (ended) {
            throw new ClosedException("the end of the stream was already sent to " + who + "; nothing may follow");
        }
        if (gone) {
            throw new PeerGoneException(who + " went away; close this connection");
        }
    }

    @Override
    public void sendEnd() throws IpcException {
        sendEnd0(Timeouts.FOREVER, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here the end is one message claimed whole or not at all, so a timeout never leaves a part of it behind: the
     * connection stays open and the call may be repeated.
     */
    @Override
    public void sendEnd(Duration timeout) throws IpcException {
        sendEnd0(Timeouts.toNanos(timeout), timeout);
    }

    private void sendEnd0(long waitNanos, Duration timeout) throws IpcException {
        if (closed) {
            throw new ClosedException("this connection to " + who + " is closed");
        }
        long start = System.nanoTime();
        lockForSend(waitNanos, timeout);
        try {
            if (ended) {
                return;
            }
            if (gone) {
                throw new PeerGoneException(who + " went away; close this connection");
            }
            while (true) {
                long result = publication.tryClaim(Protocol.END_LENGTH, claim);
                if (result > 0) {
                    claim.buffer().setMemory(claim.offset(), Protocol.END_LENGTH, (byte) 0);
                    claim.buffer().putByte(claim.offset(), Protocol.END);
                    claim.commit();
                    break;
                }
                if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION) {
                    if (waitNanos != Timeouts.FOREVER && System.nanoTime() - start >= waitNanos) {
                        throw new IpcTimeoutException(who + " did not make room for the end of the stream within "
                                + timeout + " (it is slow or stuck); nothing was sent: call sendEnd again, or close"
                                + " this connection");
                    }
                }
                backOff(result, start, Timeouts.FOREVER, null);
            }
            ended = true;
        } finally {
            sendLock.unlock();
        }
    }

    private void lockForSend(long waitNanos, Duration timeout) throws IpcException {
        if (waitNanos == Timeouts.FOREVER) {
            sendLock.lock();
            return;
        }
        try {
            if (!sendLock.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
                throw new IpcTimeoutException("another thread's send to " + who + " did not finish within " + timeout
                        + "; nothing was sent: call sendEnd again, or close this connection");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpcException("interrupted while waiting for another thread's send to " + who, e);
        }
    }

    @Override
    public long packetsSent() {
        return packetsSent;
    }

    @Override
    public long bytesSent() {
        return bytesSent;
    }

    @Override
    public long batchesSent() {
        return batchesSent;
    }

    @Override
    public boolean isOpen() {
        return !closed && !gone && !publication.isClosed() && publication.isConnected();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (beats != null) {
            beats.cancel(false);
        }
        boolean locked = false;
        try {
            locked = sendLock.tryLock(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            publication.close();
        } catch (RuntimeException e) {
            // the Aeron client is already gone
        } finally {
            if (locked) {
                sendLock.unlock();
            }
            server.forget(sessionId);
            lease.close();
        }
    }

    @Override
    public String toString() {
        return "AeronConnection[" + who + "]";
    }
}
