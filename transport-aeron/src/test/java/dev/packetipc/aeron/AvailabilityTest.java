package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcTransport;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.TransportStatus;
import dev.packetipc.TransportUnavailableException;
import dev.packetipc.conformance.ChildJvm;
import dev.packetipc.spi.RuntimeDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Availability, discovery and selection: found by ServiceLoader, never chosen automatically, used by id or scheme. */
class AvailabilityTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Without Agrona's flag the transport says it is unavailable and names the flag, refuses to start a server with
     * that message, and loads no Aeron or Agrona class ({@code -verbose:class} shows none).
     */
    @Test
    void withoutTheFlagItIsUnavailableNamesTheFixAndLoadsNoAeronClass() throws Exception {
        try (ChildJvm child =
                ChildJvm.start(List.of("-verbose:class"), AvailabilityMain.class, List.of("availability"))) {
            assertEquals("false", child.awaitLine("AVAILABLE ", WAIT), child.describe());
            String cause = child.awaitLine("CAUSE ", WAIT);
            assertTrue(cause.contains(JvmFlags.EXPORT_MISC), cause);
            String refused = child.awaitLine("REFUSED ", WAIT);
            assertTrue(
                    refused.startsWith("TransportUnavailableException") && refused.contains(JvmFlags.EXPORT_MISC),
                    refused);
            assertEquals(0, child.awaitExit(WAIT));
            String output = child.describe();
            assertTrue(output.contains("dev.packetipc.aeron.AeronTransport"), "-verbose:class works: " + output);
            assertFalse(output.contains(" org.agrona."), "an Agrona class was loaded" + output);
            assertFalse(output.contains(" io.aeron."), "an Aeron class was loaded" + output);
        }
    }

    /**
     * With only that flag (no {@code --enable-native-access}, no {@code --sun-misc-unsafe-memory-access}) a stream
     * runs and the JVM prints no warning, on JDK 17 and on JDK 24+ alike. The embedded driver lives in the runtime
     * directory and, once everything is closed, closes and removes its directory while the JVM still runs.
     */
    @Test
    void theOneFlagIsEnoughAndNothingWarns() throws Exception {
        try (ChildJvm child = ChildJvm.start(JvmFlags.required(), AvailabilityMain.class, List.of("stream"))) {
            assertEquals("1000", child.awaitLine("STREAMED ", WAIT), child.describe());
            Path driver = Path.of(child.awaitLine("DRIVER ", WAIT));
            assertTrue(driver.startsWith(RuntimeDirectory.path()), driver + " is in the runtime directory");
            String removed = child.awaitLine("", WAIT);
            assertTrue(removed.startsWith("REMOVED "), "the idle driver's directory: " + removed + child.describe());
            System.out.println("[aeron driver] the idle embedded driver was closed and its directory " + removed);
            assertEquals(0, child.awaitExit(WAIT), child.describe());
            assertFalse(Files.exists(driver), driver + " is left after the JVM exited");
            assertFalse(child.describe().contains("WARNING"), child.describe());
        }
    }

    /** ServiceLoader finds it with a negative priority: automatic selection never takes it; id and scheme do. */
    @Test
    void foundButNeverChosenAutomaticallyOnlyByIdOrScheme() throws Exception {
        TransportStatus status = PacketIpc.availableTransports().stream()
                .filter(s -> s.id().equals(AeronTransport.ID))
                .findFirst()
                .orElseThrow();
        assertTrue(status.isAvailable(), status.describe());
        assertTrue(status.priority() < 0, status.describe());
        String automatic;
        try {
            automatic = PacketIpc.transport().id();
        } catch (Exception e) {
            automatic = "none (" + e.getMessage() + ")";
        }
        assertNotEquals(AeronTransport.ID, automatic);
        assertEquals(AeronTransport.ID, PacketIpc.transport(AeronTransport.ID).id());

        IpcTransport byId = PacketIpc.transport(AeronTransport.ID);
        try (Server server = byId.newServer()) {
            assertTrue(server.name().startsWith("aeron:udp?endpoint=127.0.0.1:"), server.name());
            try (Client client = PacketIpc.connect(server.name())) {
                assertEquals(server.name(), client.name());
                server.accept(WAIT).close();
            }
        }
    }

    @Test
    void theKillSwitchTurnsTheTransportOff() {
        System.setProperty(AeronTransport.DISABLE_PROPERTY, "true");
        try {
            TransportUnavailableException e =
                    assertThrows(TransportUnavailableException.class, new AeronTransport()::newServer);
            assertTrue(e.getMessage().contains(AeronTransport.DISABLE_PROPERTY), e.getMessage());
        } finally {
            System.clearProperty(AeronTransport.DISABLE_PROPERTY);
        }
    }

    @Test
    void namesThatAreNotAeronChannelsAreRefusedWithTheExpectedForm() {
        List<String> bad = new ArrayList<>(List.of(
                "unix:///tmp/x",
                "aeron:tcp?endpoint=1.2.3.4:5",
                "aeron:udp",
                "aeron:udp?endpoint=nohost",
                "aeron:ipc?x"));
        for (String name : bad) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new AeronTransport().connect(name), name);
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }
}
