package dev.packetipc.spi.stream;

import dev.packetipc.IpcOptions;
import dev.packetipc.PeerGoneException;
import dev.packetipc.spi.HeartbeatScheduler;
import dev.packetipc.wire.FrameEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The stream under a connection, with the liveness rule of wire format §8 ({@link IpcOptions#LIVENESS_TIMEOUT}) once
 * {@link #watch} turned it on; before that, and when the handshake did not agree on heartbeats, a plain pass-through.
 *
 * <p><b>Heartbeats.</b> The {@link HeartbeatScheduler} thread writes a HEARTBEAT frame every interval, but only
 * between frames: writes are serialised by a lock, and a heartbeat is skipped while the engine's thread is writing or
 * has left a frame half written (a full stream: then the peer has bytes to read, which are life enough). A heartbeat
 * that the stream takes only in part is finished before the engine's next bytes. It is skipped, too, while {@link
 * #holdWrites} is held: on Unix a descriptor waits to travel with the next bytes written, which must be its frame's.
 *
 * <p><b>Silence.</b> A read that finds nothing while nothing at all was read for the time-out throws {@link
 * PeerSilentException}. Reading nothing proves silence: a live peer's heartbeats would be waiting in the stream,
 * however long this side did not read. A read that waits is cut into slices so that it throws in time.
 */
final class LivenessChannel implements StreamChannel {
    private final StreamChannel delegate;
    private final ReentrantLock writing = new ReentrantLock();
    /** The heartbeat frame; guarded by {@link #writing}. Its remaining bytes are a heartbeat written in part. */
    private final ByteBuffer heartbeat = ByteBuffer.allocateDirect(8);

    private final ByteBuffer[] heartbeatArray = {heartbeat};
    /** Whether the stream is between two frames; guarded by {@link #writing}. */
    private boolean atBoundary = true;
    /** Set once by {@link #watch} before any other thread uses this channel; 0 while off. */
    private long timeoutNanos;
    /** Who the peer is, for the message. */
    private String peer;

    private volatile long lastHeard;
    private volatile boolean stopped;
    private ScheduledFuture<?> beats;

    LivenessChannel(StreamChannel delegate) {
        this.delegate = delegate;
        heartbeat.limit(0);
    }

    /** The channel of the operating system underneath, for the calls that pass descriptors or handles. */
    StreamChannel raw() {
        return delegate;
    }

    /**
     * Turns the rule on, once the handshake agreed on it: heartbeats every {@code intervalNanos}, and silence for
     * {@code timeoutNanos} counts as the peer's death. Called once, by the thread that made the channel, before the
     * connection is handed to anyone.
     *
     * @param peer who the peer is, as messages name it ("the server unix://...", "the client of unix://...")
     */
    void watch(long timeoutNanos, long intervalNanos, String peer) {
        this.timeoutNanos = timeoutNanos;
        this.peer = peer;
        this.lastHeard = System.nanoTime();
        this.beats = HeartbeatScheduler.every(intervalNanos, this::beat);
    }

    /** Whether the rule is on. */
    boolean watching() {
        return timeoutNanos > 0;
    }

    /** How often a side blocked in a write should look for signs of life: a quarter of the time-out, or never. */
    long lookIntervalNanos() {
        return timeoutNanos > 0 ? timeoutNanos / 4 : FOREVER;
    }

    /**
     * Throws if nothing was heard for the time-out. Only meaningful right after a read that found nothing.
     *
     * @throws PeerSilentException if the peer counts as gone
     */
    void checkHeard() throws PeerSilentException {
        if (timeoutNanos > 0 && System.nanoTime() - lastHeard >= timeoutNanos) {
            throw new PeerSilentException(peer, timeoutNanos);
        }
    }

    @Override
    public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
        if (this.timeoutNanos == 0 || !dst.hasRemaining()) {
            return delegate.read(dst, timeoutNanos);
        }
        long deadline = Deadlines.after(timeoutNanos);
        while (true) {
            long untilSilent = Math.max(0, this.timeoutNanos - (System.nanoTime() - lastHeard));
            int n = delegate.read(dst, Math.min(Deadlines.left(deadline), untilSilent));
            if (n != 0) {
                if (n > 0) {
                    lastHeard = System.nanoTime();
                }
                return n;
            }
            checkHeard();
            if (Deadlines.left(deadline) == 0) {
                return 0;
            }
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
        if (this.timeoutNanos == 0) {
            return delegate.write(srcs, timeoutNanos);
        }
        writing.lock();
        try {
            if (heartbeat.hasRemaining() && !finishHeartbeat(timeoutNanos)) {
                return 0;
            }
            long total = 0;
            for (ByteBuffer src : srcs) {
                total += src.remaining();
            }
            long written = delegate.write(srcs, timeoutNanos);
            atBoundary = written == total || written == 0 && atBoundary;
            return written;
        } finally {
            writing.unlock();
        }
    }

    private boolean finishHeartbeat(long timeoutNanos) throws IOException {
        long deadline = Deadlines.after(timeoutNanos);
        while (heartbeat.hasRemaining()) {
            if (delegate.write(heartbeatArray, Deadlines.left(deadline)) == 0 && Deadlines.left(deadline) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Keeps heartbeats out until {@link #releaseWrites}: for a frame whose descriptor must travel with its own bytes.
     * Reentrant with the writes made meanwhile.
     */
    void holdWrites() {
        if (timeoutNanos > 0) {
            writing.lock();
        }
    }

    /** Ends {@link #holdWrites}. */
    void releaseWrites() {
        if (timeoutNanos > 0) {
            writing.unlock();
        }
    }

    /** One heartbeat, on the {@link HeartbeatScheduler}'s thread: never blocks, never throws. */
    private void beat() {
        if (stopped || !writing.tryLock()) {
            return; // another write is under way: the peer will have those bytes
        }
        try {
            if (!heartbeat.hasRemaining()) {
                if (!atBoundary) {
                    return; // a frame written in part: the peer has bytes to read, and no heartbeat may cut in
                }
                heartbeat.clear();
                FrameEncoder.encodeHeartbeat(heartbeat);
                heartbeat.flip();
            }
            delegate.write(heartbeatArray, 0); // what does not fit now is finished before the next bytes
        } catch (IOException | RuntimeException e) {
            stop(); // the stream is broken or shut: the engine finds out by itself
        } finally {
            writing.unlock();
        }
    }

    /** Stops the heartbeats for good (the end of the stream was sent or received, or the channel closes). */
    void stop() {
        stopped = true;
        ScheduledFuture<?> scheduled = beats;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        stop();
        writing.lock(); // a heartbeat under way finishes first
        try {
            delegate.shutdownOutput();
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void close() {
        stop();
        delegate.close();
    }

    /**
     * The peer said nothing, not even a heartbeat, for the liveness time-out: it counts as gone. Recognised by the
     * engine, which then closes the connection.
     */
    static final class PeerSilentException extends PeerGoneException {
        private static final long serialVersionUID = 1L;

        PeerSilentException(String peer, long timeoutNanos) {
            super(peer + " showed no sign of life for " + timeoutNanos / 1_000_000 + " ms (no frame, not even a"
                    + " heartbeat), so it counts as gone: it is frozen (stopped by a signal or a debugger) or starved"
                    + " of CPU. If it is only slow, raise IpcOptions.LIVENESS_TIMEOUT; 0 on either side turns the"
                    + " check off");
        }
    }
}
