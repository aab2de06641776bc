package dev.packetipc.unix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.packetipc.spi.stream.StreamChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Waits for one socket to become readable with {@link NativePoll} (Linux): one system call per wait, where a selector
 * adds its own work to every wait; on the round trip of a small packet that is a fifth of the time.
 *
 * <p>Closing is made safe in two steps, because a thread blocked in {@code poll} is not woken by {@code close} and
 * must never poll a descriptor number the system has already given to another file: the owner first shuts the socket
 * down (which wakes every {@code poll} on it, and makes any later one return at once), then hands the closing of the
 * descriptor to {@link #closeWhenNoPoller}, which runs it only once no thread is between entering and leaving {@link
 * #await}.
 */
final class ReadableWaiter {
    /** The longest {@link #closeWhenNoPoller} waits for pollers: a woken poll returns in microseconds. */
    private static final long CLOSE_WAIT_MILLIS = 1000;
    /** Longer waits than this (about 24 days) are cut to it: the millisecond rounding must not overflow. */
    private static final long MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(Integer.MAX_VALUE);

    private final int fd;
    private final Memory pollfd = new Memory(NativePoll.POLLFD_BYTES);
    private final long address = Pointer.nativeValue(pollfd);
    private int pollers;
    private boolean closing;
    /** The descriptor's closing, left to the last poller when the closing thread could not wait for it. */
    private Runnable closeByLastPoller;

    private ReadableWaiter(int fd) {
        this.fd = fd;
        pollfd.setInt(0, fd); // the kernel writes only revents, so the rest is set once
        pollfd.setShort(NativePoll.EVENTS_OFFSET, NativePoll.POLLIN);
    }

    /**
     * Whether bytes (or an end, or an error) wait to be read on {@code channel} now, without waiting: one {@code
     * poll(2)} with no time-out. False where {@code poll} is not available, or the descriptor cannot be had.
     */
    static boolean readableNow(AFUNIXSocketChannel channel) {
        if (!NativePoll.isAvailable()) {
            return false;
        }
        try {
            Integer fd = FileDescriptorCast.using(channel.getFileDescriptor()).as(Integer.class);
            if (fd == null || fd < 0) {
                return false;
            }
            try (Memory one = new Memory(NativePoll.POLLFD_BYTES)) {
                one.setInt(0, fd);
                one.setShort(NativePoll.EVENTS_OFFSET, NativePoll.POLLIN);
                one.setShort(NativePoll.EVENTS_OFFSET + 2, (short) 0);
                return NativePoll.poll(Pointer.nativeValue(one), 1, 0) > 0;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A waiter for {@code channel}, or {@code null} where {@code poll} is not available (then use a selector). */
    static ReadableWaiter forChannel(AFUNIXSocketChannel channel) {
        if (!NativePoll.isAvailable()) {
            return null;
        }
        try {
            Integer fd = FileDescriptorCast.using(channel.getFileDescriptor()).as(Integer.class);
            return fd != null && fd >= 0 ? new ReadableWaiter(fd) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Waits until the socket is readable (or shut down, or in error), at most {@code nanos} ({@link
     * StreamChannel#FOREVER} for no limit).
     *
     * @return false if the owner is closing: the socket must not be waited on any more
     */
    boolean await(long nanos) throws IOException {
        if (!enter()) {
            return false;
        }
        try {
            int millis = nanos == StreamChannel.FOREVER
                    ? -1
                    : (int) Math.min(
                            Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(Math.min(nanos, MAX_NANOS) + 999_999));
            if (NativePoll.poll(address, 1, millis) < 0) {
                int errno = Native.getLastError();
                if (errno != NativePoll.EINTR) {
                    throw new IOException("poll(2) on the socket failed with errno " + errno);
                }
            }
            return true;
        } finally {
            leave();
        }
    }

    /**
     * Marks the calling thread as using the descriptor (to poll it, or to write to it), so that it is not closed
     * meanwhile; every successful enter must be followed by {@link #leave()}.
     *
     * @return false if the owner is closing: the descriptor must not be used any more
     */
    boolean enter() {
        synchronized (this) {
            if (closing) {
                return false;
            }
            pollers++;
            return true;
        }
    }

    /** Ends what {@link #enter()} began; the last thread out after a close request closes the descriptor. */
    void leave() {
        Runnable close = null;
        synchronized (this) {
            if (--pollers == 0 && closing) {
                notifyAll();
                close = closeByLastPoller;
                closeByLastPoller = null;
            }
        }
        if (close != null) {
            close.run();
        }
    }

    /** The descriptor's number. */
    int fd() {
        return fd;
    }

    /** How many threads are inside {@link #await} (or between {@link #enter} and {@link #leave}) now (for tests). */
    synchronized int pollers() {
        return pollers;
    }

    /**
     * Refuses further waits and runs {@code closeDescriptor} once no thread polls: at once if none does, else after the
     * woken pollers left (they leave within microseconds of the shutdown), or, if they have not within {@link
     * #CLOSE_WAIT_MILLIS}, in the last of them as it leaves. Call it after the socket was shut down. An interrupt does
     * not cut the wait short; it is kept for the caller.
     */
    void closeWhenNoPoller(Runnable closeDescriptor) {
        boolean interrupted = false;
        try {
            synchronized (this) {
                closing = true;
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
                long left;
                while (pollers > 0 && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (pollers > 0) {
                    closeByLastPoller = closeDescriptor;
                    return;
                }
            }
            closeDescriptor.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
