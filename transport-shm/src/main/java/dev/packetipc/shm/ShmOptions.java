package dev.packetipc.shm;

import dev.packetipc.IpcOption;
import java.time.Duration;

/** Options only the shm transport knows; the common ones are in {@link dev.packetipc.IpcOptions}. */
public final class ShmOptions {
    /**
     * How long a peer's heartbeat may stand still before the peer counts as gone, even if its process id still
     * looks alive (a frozen process, or one in another pid namespace). A peer whose process has died is noticed
     * sooner, within a few heartbeats (about 0.3 s). Default 5 s.
     */
    public static final IpcOption<Duration> LEASE_TIMEOUT = IpcOption.of(
            "shm.leaseTimeout",
            Duration.class,
            Duration.ofSeconds(5),
            d -> d.toMillis() >= 4 * Heartbeats.PERIOD_MILLIS,
            "at least " + 4 * Heartbeats.PERIOD_MILLIS + " ms");

    private ShmOptions() {}
}
