package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.IpcOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * shm's lease follows {@link IpcOptions#LIVENESS_TIMEOUT}, the option every transport honours, unless {@link
 * ShmOptions#LEASE_TIMEOUT} is set. (That the lease then reports a frozen or killed peer in time is conformance rules
 * R207 to R210, across processes.)
 */
class LeaseFromLivenessTest {
    private static long lease(IpcOptions options) {
        return new ShmSettings(options).leaseMillis;
    }

    @Test
    void theLeaseIsTheLivenessTimeOut() {
        assertEquals(5000, lease(IpcOptions.defaults()));
        assertEquals(
                1500,
                lease(IpcOptions.builder()
                        .set(IpcOptions.LIVENESS_TIMEOUT, Duration.ofMillis(1500))
                        .build()));
    }

    @Test
    void aLeaseSetForShmWins() {
        assertEquals(
                700,
                lease(IpcOptions.builder()
                        .set(IpcOptions.LIVENESS_TIMEOUT, Duration.ofSeconds(9))
                        .set(ShmOptions.LEASE_TIMEOUT, Duration.ofMillis(700))
                        .build()));
    }

    @Test
    void offMeansALeaseThatNeverRunsOutAndShortTimeOutsAreRaisedToFourHeartbeats() {
        assertEquals(
                ShmSettings.NEVER_MILLIS,
                lease(IpcOptions.builder()
                        .set(IpcOptions.LIVENESS_TIMEOUT, Duration.ZERO)
                        .build()));
        assertEquals(
                4 * Heartbeats.PERIOD_MILLIS,
                lease(IpcOptions.builder()
                        .set(IpcOptions.LIVENESS_TIMEOUT, Duration.ofMillis(100))
                        .build()));
    }
}
