package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.TransportUnavailableException;
import dev.packetipc.conformance.ChildJvm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Missing JVM flags make the transport unavailable with the exact flag list, without loading Chronicle. */
class AvailabilityTest {
    @Test
    void aJvmWithoutTheFlagsReportsUnavailableAndListsEveryFlag() throws Exception {
        try (ChildJvm peer = ShmPeerMain.start(List.of(), "availability")) {
            assertEquals("false", peer.awaitLine("AVAILABLE ", Duration.ofSeconds(60)));
            String cause = peer.awaitLine("CAUSE ", Duration.ofSeconds(10));
            for (String flag : JvmFlags.required()) {
                assertTrue(cause.contains(flag), "the message names " + flag + ": " + cause);
            }
        }
    }

    @Test
    void thisJvmHasTheFlagsAndTheTransportIsAvailable() {
        assertEquals(List.of(), JvmFlags.missing());
        assertTrue(new ShmTransport().isAvailable());
    }

    @Test
    void jdk24AndLaterNeedNativeAndUnsafeMemoryAccessToo() {
        assertEquals(3, JvmFlags.required(17).size());
        assertTrue(JvmFlags.required(25).contains("--sun-misc-unsafe-memory-access=allow"));
        assertTrue(JvmFlags.required(25).contains("--enable-native-access=ALL-UNNAMED"));
    }

    @Test
    void theKillSwitchTurnsTheTransportOff() {
        System.setProperty(ShmTransport.DISABLE_PROPERTY, "true");
        try {
            ShmTransport transport = new ShmTransport();
            TransportUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                    TransportUnavailableException.class, transport::newServer);
            assertTrue(e.getMessage().contains(ShmTransport.DISABLE_PROPERTY), e.getMessage());
        } finally {
            System.clearProperty(ShmTransport.DISABLE_PROPERTY);
        }
    }
}
