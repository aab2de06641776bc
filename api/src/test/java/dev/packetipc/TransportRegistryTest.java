package dev.packetipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.inprocess.InProcessTransport;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportRegistryTest {

    /** A configurable fake provider: only discovery is under test here, never a transport. */
    static class FakeTransport implements IpcTransport {
        final String id;
        final int priority;
        final Throwable cause;

        FakeTransport(String id, int priority, Throwable cause) {
            this.id = id;
            this.priority = priority;
            this.cause = cause;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public Set<TransportCapability> capabilities() {
            return EnumSet.of(TransportCapability.CROSS_PROCESS);
        }

        @Override
        public boolean isAvailable() {
            return cause == null;
        }

        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.ofNullable(cause);
        }

        @Override
        public Server newServer(IpcOptions options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Client connect(String name, IpcOptions options) {
            throw new UnsupportedOperationException();
        }
    }

    /** Broken on purpose: ServiceLoader cannot instantiate it. */
    public static class ThrowingProvider extends FakeTransport {
        public ThrowingProvider() {
            super("never", 0, null);
            throw new IllegalStateException("boom from the constructor");
        }
    }

    /** A well-behaved provider found through a services file. */
    public static class GoodProvider extends FakeTransport {
        public GoodProvider() {
            super("good", 10, null);
        }
    }

    private static TransportRegistry registry(IpcTransport... transports) {
        List<TransportStatus> statuses = new ArrayList<>();
        for (IpcTransport t : transports) {
            statuses.add(TransportRegistry.statusOf(t));
        }
        return new TransportRegistry(TransportRegistry.markDuplicates(statuses));
    }

    @Test
    void picksTheAvailableTransportWithTheHighestPriority() throws IpcException {
        FakeTransport low = new FakeTransport("low", 1, null);
        FakeTransport high = new FakeTransport("high", 50, null);
        FakeTransport broken = new FakeTransport("best-but-broken", 99, new IllegalStateException("no native lib"));
        assertSame(high, PacketIpc.select(registry(low, broken, high), null, null));
    }

    @Test
    void neverPicksANegativePriorityTransportAutomatically() {
        NoSuchTransportException e = assertThrows(
                NoSuchTransportException.class, () -> PacketIpc.select(registry(new InProcessTransport()), null, null));
        assertTrue(e.getMessage().contains("inprocess"), e.getMessage());
        assertTrue(e.getMessage().contains("packet-ipc-transport-unix"), e.getMessage());
    }

    @Test
    void explicitSelectionByPropertyWinsOverEnvironmentAndPriority() throws IpcException {
        FakeTransport a = new FakeTransport("a", 1, null);
        FakeTransport b = new FakeTransport("b", 50, null);
        FakeTransport c = new FakeTransport("c", 2, null);
        assertSame(a, PacketIpc.select(registry(a, b, c), "a", "c"));
        assertSame(c, PacketIpc.select(registry(a, b, c), null, "c"));
        assertSame(c, PacketIpc.select(registry(a, b, c), " ", " c "));
    }

    @Test
    void unknownIdListsEveryTransportFoundAndWhyEachUnavailableOneIs() {
        FakeTransport ok = new FakeTransport("ok", 1, null);
        FakeTransport off = new FakeTransport("off", 1, new IllegalStateException("needs Windows"));
        NoSuchTransportException e =
                assertThrows(NoSuchTransportException.class, () -> PacketIpc.select(registry(ok, off), "nope", null));
        String message = e.getMessage();
        assertTrue(message.contains("'nope'"), message);
        assertTrue(message.contains("ok ("), message);
        assertTrue(message.contains("off (") && message.contains("needs Windows"), message);
    }

    @Test
    void selectingAnUnavailableTransportSaysWhyAndDoesNotFallBack() {
        FakeTransport ok = new FakeTransport("ok", 1, null);
        FakeTransport off = new FakeTransport("off", 9, new IllegalStateException("needs Windows"));
        TransportUnavailableException e = assertThrows(
                TransportUnavailableException.class, () -> PacketIpc.select(registry(ok, off), "off", null));
        assertTrue(e.getMessage().contains("needs Windows"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dpacketipc.transport"), e.getMessage());
    }

    @Test
    void selectingAnUnavailableTransportGivesItsCauseOnce() {
        FakeTransport ok = new FakeTransport("ok", 1, null);
        FakeTransport off = new FakeTransport("off", 9, new IllegalStateException("needs --some-flag"));
        TransportUnavailableException e = assertThrows(
                TransportUnavailableException.class, () -> PacketIpc.select(registry(ok, off), "off", null));
        assertEquals(1, occurrences(e.getMessage(), "--some-flag"), e.getMessage());
        assertTrue(e.getMessage().contains("ok ("), e.getMessage());
    }

    @Test
    void whenNothingCanRunOnlyAbsentTransportsAreSuggestedAndEachCauseIsGivenOnce() {
        FakeTransport shm = new FakeTransport("shm", 50, new IllegalStateException("needs --some-flag"));
        NoSuchTransportException e =
                assertThrows(NoSuchTransportException.class, () -> PacketIpc.select(registry(shm), null, null));
        String message = e.getMessage();
        assertEquals(1, occurrences(message, "--some-flag"), message);
        assertFalse(message.contains("packet-ipc-transport-shm"), "shm is there; no jar to add: " + message);
        assertTrue(message.contains("Fix the cause given above for 'shm'"), message);
        assertTrue(message.contains("packet-ipc-transport-unix"), message);
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    @Test
    void twoProvidersWithOneIdMakeThatIdUnusableWithAClearError() throws IpcException {
        FakeTransport first = new FakeTransport("dup", 5, null);
        FakeTransport second = new FakeTransport("dup", 5, null);
        FakeTransport other = new FakeTransport("other", 1, null);
        TransportRegistry registry = registry(first, second, other);
        TransportUnavailableException e =
                assertThrows(TransportUnavailableException.class, () -> PacketIpc.select(registry, "dup", null));
        assertTrue(e.getMessage().contains("two providers claim the transport id 'dup'"), e.getMessage());
        assertSame(other, PacketIpc.select(registry, null, null));
    }

    @Test
    void aProviderThatFailsToLoadIsReportedAndDiscoveryGoesOn(@TempDir Path dir) throws IOException {
        Path services = dir.resolve("META-INF/services/" + IpcTransport.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(
                services,
                ThrowingProvider.class.getName() + "\n" + "com.example.MissingClass\n" + GoodProvider.class.getName()
                        + "\n");
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {dir.toUri().toURL()}, TransportRegistryTest.class.getClassLoader())) {
            TransportRegistry registry = TransportRegistry.load(loader);
            List<TransportStatus> statuses = registry.statuses();
            assertTrue(statuses.stream().anyMatch(s -> s.id().equals("good") && s.isAvailable()), statuses::toString);
            assertTrue(statuses.stream().anyMatch(s -> s.id().equals("inprocess")), statuses::toString);
            long failures =
                    statuses.stream().filter(s -> s.transport().isEmpty()).count();
            assertEquals(2, failures, statuses::toString);
            String listing = registry.listing();
            assertTrue(listing.contains("boom from the constructor"), listing);
            assertTrue(listing.contains("com.example.MissingClass"), listing);
        }
    }

    @Test
    void connectPicksTheTransportFromTheNamesScheme() {
        IllegalArgumentException noScheme =
                assertThrows(IllegalArgumentException.class, () -> PacketIpc.connect("/tmp/no-scheme.sock"));
        assertTrue(noScheme.getMessage().contains("Server.name()"), noScheme.getMessage());
        NoSuchTransportException unknown =
                assertThrows(NoSuchTransportException.class, () -> PacketIpc.connect("carrier-pigeon://coop/1"));
        assertTrue(unknown.getMessage().contains("'carrier-pigeon'"), unknown.getMessage());
    }

    @Test
    void theInProcessTransportIsDiscoveredThroughTheServiceLoader() throws IpcException {
        assertTrue(PacketIpc.availableTransports().stream()
                .anyMatch(s -> s.id().equals(InProcessTransport.ID) && s.isAvailable()));
        assertEquals(
                InProcessTransport.ID,
                PacketIpc.transport(InProcessTransport.ID).id());
        assertFalse(PacketIpc.availableTransports().isEmpty());
    }
}
