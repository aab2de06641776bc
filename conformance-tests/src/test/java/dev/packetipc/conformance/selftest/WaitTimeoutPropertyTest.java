package dev.packetipc.conformance.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import dev.packetipc.inprocess.InProcessTransport;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code -Dpacketipc.conformance.waitTimeout} changes the default wait of every contract, and is checked. */
class WaitTimeoutPropertyTest {
    /** A contract that keeps the default {@code waitTimeout()} and shows it. */
    static final class Probe extends TransportContract {
        @Override
        protected IpcTransport newTransport() {
            return new InProcessTransport();
        }

        Duration configuredWait() {
            return waitTimeout();
        }
    }

    @AfterEach
    void clear() {
        System.clearProperty(TransportContract.WAIT_TIMEOUT_PROPERTY);
    }

    @Test
    void withoutThePropertyTheWaitIsTenSeconds() {
        System.clearProperty(TransportContract.WAIT_TIMEOUT_PROPERTY);
        assertEquals(Duration.ofSeconds(10), new Probe().configuredWait());
    }

    @Test
    void thePropertyTakesAnIsoDurationOrMilliseconds() {
        System.setProperty(TransportContract.WAIT_TIMEOUT_PROPERTY, "PT2S");
        assertEquals(Duration.ofSeconds(2), new Probe().configuredWait());
        System.setProperty(TransportContract.WAIT_TIMEOUT_PROPERTY, "1500");
        assertEquals(Duration.ofMillis(1500), new Probe().configuredWait());
    }

    @Test
    void aValueThatIsNoPositiveDurationIsRefusedWithThePropertyName() {
        for (String bad : new String[] {"soon", "0", "PT-1S"}) {
            System.setProperty(TransportContract.WAIT_TIMEOUT_PROPERTY, bad);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new Probe().configuredWait());
            assertTrue(
                    e.getMessage().contains("-D" + TransportContract.WAIT_TIMEOUT_PROPERTY + "=" + bad),
                    e.getMessage());
        }
    }
}
