package dev.packetipc.inprocess;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PeerGoneException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded channel between one in-process connection and its client. Batches are copied in on send; the sender
 * waits while more than the buffer's worth of bytes is queued (one batch larger than the buffer may pass alone).
 */
final class InProcessPipe {
    /** A batch copied out of the sender's packets: payloads back to back, with their timestamps and end offsets. */
    static final class Batch {
        final long[] timestamps;
        final int[] ends;
        final ByteBuffer data;
        final long accountedBytes;

        Batch(long[] timestamps, int[] ends, ByteBuffer data, long accountedBytes) {
            this.timestamps = timestamps;
            this.ends = ends;
            this.data = data;
            this.accountedBytes = accountedBytes;
        }
    }

    /** What {@link #take} found when it did not find a batch. */
    enum Signal {
        NOTHING_YET,
        END,
        SENDER_GONE,
        RECEIVER_CLOSED
    }

    /** Bytes accounted per packet besides its payload, as a wire format would spend on timestamp and length. */
    static final int PACKET_OVERHEAD = 12;

    private final String name;
    private final long bufferBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final Deque<Batch> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean ended;
    private boolean senderClosed;
    private boolean receiverClosed;

    InProcessPipe(String name, int bufferBytes) {
        this.name = name;
        this.bufferBytes = bufferBytes;
    }

    static Batch copy(List<? extends AsIpcPacket> packets) {
        int count = packets.size();
        long[] timestamps = new long[count];
        int[] ends = new int[count];
        long total = 0;
        for (AsIpcPacket packet : packets) {
            total += packet.length();
        }
        if (total > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a batch may carry at most 2 GiB of payload; split it");
        }
        ByteBuffer data = ByteBuffer.allocate((int) total);
        int i = 0;
        for (AsIpcPacket packet : packets) {
            timestamps[i] = packet.timestampNanos();
            data.put(packet.data().duplicate());
            ends[i++] = data.position();
        }
        return new Batch(timestamps, ends, data.asReadOnlyBuffer(), total + (long) count * PACKET_OVERHEAD);
    }

    void send(Batch batch, long waitNanos) throws IpcException {
        lock.lock();
        try {
            long nanos = waitNanos;
            while (true) {
                checkSendableLocked();
                if (queuedBytes == 0 || queuedBytes + batch.accountedBytes <= bufferBytes) {
                    break;
                }
                if (nanos <= 0) {
                    throw new IpcTimeoutException("the client of " + name + " did not make room for a batch of "
                            + batch.accountedBytes + " bytes in time (" + queuedBytes + " bytes queued, buffer "
                            + bufferBytes + "); it is not receiving fast enough");
                }
                nanos = notFull.awaitNanos(nanos);
            }
            queue.add(batch);
            queuedBytes += batch.accountedBytes;
            notEmpty.signal();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while sending to a client of " + name, e);
        } finally {
            lock.unlock();
        }
    }

    void checkSendable() throws IpcException {
        lock.lock();
        try {
            checkSendableLocked();
        } finally {
            lock.unlock();
        }
    }

    private void checkSendableLocked() throws IpcException {
        if (senderClosed) {
            throw new ClosedException("this connection to a client of " + name + " is closed");
        }
        if (ended) {
            throw new ClosedException("the end of the stream was already sent to this client of " + name
                    + "; open a new connection to send more");
        }
        if (receiverClosed) {
            throw new PeerGoneException(
                    "the client of " + name + " has closed; stop sending and close the" + " connection");
        }
    }

    void sendEnd() throws IpcException {
        lock.lock();
        try {
            if (ended) {
                return;
            }
            checkSendableLocked();
            ended = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    boolean isSenderOpen() {
        lock.lock();
        try {
            return !senderClosed && !receiverClosed;
        } finally {
            lock.unlock();
        }
    }

    void closeSender() {
        lock.lock();
        try {
            senderClosed = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void closeReceiver() {
        lock.lock();
        try {
            receiverClosed = true;
            queue.clear();
            queuedBytes = 0;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next batch, waiting at most {@code waitNanos} ({@code Long.MAX_VALUE}: without limit); when it finds
     * none, stores why in {@code why[0]} and returns {@code null}.
     */
    Batch take(long waitNanos, Signal[] why) throws InterruptedException {
        lock.lock();
        try {
            long nanos = waitNanos;
            while (true) {
                Batch batch = queue.poll();
                if (batch != null) {
                    return batch;
                }
                if (receiverClosed) {
                    why[0] = Signal.RECEIVER_CLOSED;
                    return null;
                }
                if (ended) {
                    why[0] = Signal.END;
                    return null;
                }
                if (senderClosed) {
                    why[0] = Signal.SENDER_GONE;
                    return null;
                }
                if (nanos <= 0) {
                    why[0] = Signal.NOTHING_YET;
                    return null;
                }
                if (nanos == Long.MAX_VALUE) {
                    notEmpty.await(1, TimeUnit.DAYS);
                } else {
                    nanos = notEmpty.awaitNanos(nanos);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives a consumed batch's bytes back to the sender. */
    void release(Batch batch) {
        lock.lock();
        try {
            queuedBytes = Math.max(0, queuedBytes - batch.accountedBytes);
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    String name() {
        return name;
    }
}
