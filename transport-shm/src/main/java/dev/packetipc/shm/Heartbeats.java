package dev.packetipc.shm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** One daemon thread per JVM that advances the heartbeat of every open {@link Side} of this process. */
final class Heartbeats {
    /** How often each heartbeat advances. */
    static final long PERIOD_MILLIS = 100;

    private static final Set<Side> SIDES = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "packet-ipc-shm-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    static {
        TIMER.scheduleAtFixedRate(Heartbeats::beatAll, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private Heartbeats() {}

    /** Starts beating for this side. */
    static void start(Side side) {
        side.beat();
        SIDES.add(side);
    }

    /** Stops beating for this side (before its files are deleted). */
    static void stop(Side side) {
        SIDES.remove(side);
    }

    private static void beatAll() {
        for (Side side : SIDES) {
            side.beat();
        }
    }
}
