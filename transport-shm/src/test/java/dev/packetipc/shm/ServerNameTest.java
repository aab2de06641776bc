package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
    void aChosenDirectoryHoldingOtherFilesIsRefusedAndLeftAlone(@TempDir Path temp) throws Exception {
        Path chosen = temp.resolve("mine");
        Files.createDirectories(chosen.resolve("c-looks-like-ours-but-has-no-control-file"));
        Files.writeString(chosen.resolve("keep.txt"), "precious");
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SERVER_NAME, chosen.toString())
                .build();
        IpcException e = assertThrows(IpcException.class, () -> transport.newServer(options));
        assertTrue(e.getMessage().contains("taken"), e.getMessage());
        assertEquals("precious", Files.readString(chosen.resolve("keep.txt")));
    }

    @Test
    void aChosenNameIsUsedAndFreedOnClose(@TempDir Path temp) throws Exception {
        Path chosen = temp.resolve("server");
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SERVER_NAME, chosen.toString())
                .build();
        try (Server server = transport.newServer(options)) {
            assertEquals("shm://" + chosen, server.name());
        }
        assertTrue(Files.notExists(chosen));
        try (Server again = transport.newServer(options)) {
            assertEquals("shm://" + chosen, again.name());
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
