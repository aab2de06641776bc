package dev.packetipc.spi;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread per process that sends the heartbeats of every connection of every transport ({@link
 * dev.packetipc.IpcOptions#LIVENESS_TIMEOUT}; the stream transports' frames are in wire format §8), started on first
 * use. A beat must not block (a non-blocking write of a few bytes, or nothing), so one thread serves any number of
 * connections.
 */
public final class HeartbeatScheduler {
    private HeartbeatScheduler() {}

    /**
     * Runs {@code beat} every {@code intervalNanos}, first after one interval, until the returned future is cancelled.
     *
     * @param beat must not block; an exception it throws stops its own schedule only
     * @param intervalNanos at least 1
     * @return the schedule, to cancel when the connection closes
     */
    public static ScheduledFuture<?> every(long intervalNanos, Runnable beat) {
        return Holder.EXECUTOR.scheduleWithFixedDelay(beat, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Created on first use: a process without live connections has no heartbeat thread. */
    private static final class Holder {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "packet-ipc-heartbeat");
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true); // a closed connection's task does not linger in the queue
            return executor;
        }
    }
}
