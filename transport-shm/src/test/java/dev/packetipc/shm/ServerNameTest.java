package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.TransportStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server names, chosen names, and what connecting to a wrong name does. */
class ServerNameTest {
    private final ShmTransport transport = new ShmTransport();

    @Test
    void aFreshServerLivesInAPrivateDirectoryUnderTheRuntimeDirectory() throws Exception {
        try (Server server = transport.newServer()) {
            assertTrue(server.name().startsWith("shm:///"), server.name());
            Path directory = ShmFiles.directoryOf(server.name());
            assertEquals(ShmFiles.root(), directory.getParent());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        }
    }

    @Test
    void aChosenNameIsUsedAndFreedOnClose() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SERVER_NAME, "chosen-server")
                .build();
        Path chosen = ShmFiles.root().resolve("chosen-server");
        try (Server server = transport.newServer(options)) {
            assertEquals("shm://" + chosen, server.name());
        }
        assertTrue(Files.notExists(chosen));
        try (Server again = transport.newServer(options)) {
            assertEquals("shm://" + chosen, again.name());
        }
    }

    @Test
    void discoveryFindsTheTransportAndConnectRoutesShmNamesToIt() throws Exception {
        TransportStatus status = PacketIpc.availableTransports().stream()
                .filter(t -> t.id().equals(ShmTransport.ID))
                .findFirst()
                .orElseThrow();
        assertTrue(status.isAvailable(), status.describe());
        assertEquals(50, status.priority());
        try (Server server = PacketIpc.transport(ShmTransport.ID).newServer()) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = PacketIpc.connect(server.name());
                    Connection connection = accepted.get(30, TimeUnit.SECONDS)) {
                connection.send(List.of(Packet.of(42, new byte[] {1, 2, 3})));
                connection.sendEnd();
                IpcPacket packet = client.receivePackets(10, Duration.ofSeconds(30))
                        .orElseThrow()
                        .get(0);
                assertEquals(42, packet.timestampNanos());
                assertEquals(Optional.empty(), client.receivePackets(10, Duration.ofSeconds(30)));
            }
        }
    }

    @Test
    void wrongNamesFailClearly(@TempDir Path temp) {
        assertThrows(IllegalArgumentException.class, () -> transport.connect("unix:///tmp/x"));
        assertThrows(IllegalArgumentException.class, () -> transport.connect("shm://relative/path"));
        NoSuchServerException e =
                assertThrows(NoSuchServerException.class, () -> transport.connect("shm://" + temp.resolve("nobody")));
        assertTrue(e.getMessage().contains("Server.name()"), e.getMessage());
    }
}
