package dev.packetipc.shm;

import dev.packetipc.IpcOption;
import java.time.Duration;

/** Options only the shm transport knows; the common ones are in {@link dev.packetipc.IpcOptions}. */
public final class ShmOptions {
    /**
     * How long a peer's heartbeat counter may stand still, measured on the observer's own monotonic clock, before
     * the peer counts as gone although its process is not verifiably dead (a frozen process, or one in another pid
     * namespace): then sends and receives fail with {@code PeerGoneException}, but the peer's files are kept. A peer
     * whose process verifiably died (same pid namespace, pid gone or reused) is noticed sooner: once its heartbeat
     * has stood still for 0.2 s, at the next check (every 20 ms), so about 0.3 s after it died. The wall clock plays
     * no part. Default: {@link dev.packetipc.IpcOptions#LIVENESS_TIMEOUT} (5 s unless set; its 0 means a lease
     * that never runs out, and it is raised to 400 ms if lower, four heartbeats); set this only to give shm a lease
     * other than the time-out the other transports use.
     */
    public static final IpcOption<Duration> LEASE_TIMEOUT = IpcOption.of(
            "shm.leaseTimeout",
            Duration.class,
            Duration.ofSeconds(5),
            d -> d.toMillis() >= 4 * Heartbeats.PERIOD_MILLIS,
            "at least " + 4 * Heartbeats.PERIOD_MILLIS + " ms");

    private ShmOptions() {}
}
