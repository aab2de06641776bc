package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.Server;
import dev.packetipc.spi.RuntimeDirectory;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The private directory that holds the sockets of servers without an absolute name, moved with {@code
 * -Dpacketipc.runtime.dir}: kept private, never another user's, and short enough when the error message says to
 * move it.
 */
@Timeout(60)
class RuntimeDirectoryTest {
    private final UnixTransport transport = new UnixTransport();
    private String original;

    @TempDir
    Path dir;

    @BeforeEach
    void remember() {
        original = System.getProperty(RuntimeDirectory.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (original == null) {
            System.clearProperty(RuntimeDirectory.PROPERTY);
        } else {
            System.setProperty(RuntimeDirectory.PROPERTY, original);
        }
    }

    private static void moveTo(Path runtime) {
        System.setProperty(RuntimeDirectory.PROPERTY, runtime.toString());
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theDirectoryIsCreatedPrivateAndMadePrivateAgain() throws Exception {
        Path created = dir.resolve("created").toAbsolutePath();
        Path loose = Files.createDirectory(dir.resolve("loose")).toAbsolutePath();
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path runtime : List.of(created, loose)) {
            moveTo(runtime);
            try (Server server = transport.newServer()) {
                assertEquals(
                        runtime,
                        Path.of(server.name().substring("unix://".length())).getParent());
                assertEquals("rwx------", mode(runtime), runtime + " must be private");
                RoundTrip.assertServes(transport, server);
            }
        }
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue("0".equals(RuntimeDirectory.userId()), "only root can give a directory to another user");
        Path foreign = Files.createDirectory(dir.resolve("foreign")).toAbsolutePath();
        Files.setAttribute(foreign, "unix:uid", (int) OtherUserPython.UID);
        moveTo(foreign);
        IpcException e =
                assertThrows(IpcException.class, () -> transport.newServer().close());
        assertTrue(e.getMessage().contains("belongs to uid " + OtherUserPython.UID), e.getMessage());
        assertTrue(e.getMessage().contains(RuntimeDirectory.PROPERTY), e.getMessage());
        try (var left = Files.list(foreign)) {
            assertEquals(0, left.count(), "a server put something in another user's directory");
        }
    }

    @Test
    void movingTheDirectoryAsTheTooLongMessageAdvisesWorks() throws Exception {
        Path shortDir = dir.toAbsolutePath();
        String name = "n".repeat(SocketPath.maxPathBytes() - shortDir.toString().length() - "/.sock".length());
        moveTo(shortDir.resolve("d".repeat(20)));
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build();
        IpcException e = assertThrows(
                IpcException.class, () -> transport.newServer(options).close());
        assertTrue(e.getMessage().contains("-D" + RuntimeDirectory.PROPERTY), e.getMessage());

        moveTo(shortDir);
        try (Server server = transport.newServer(options)) {
            assertEquals("unix://" + shortDir.resolve(name + ".sock"), server.name());
            RoundTrip.assertServes(transport, server);
        }
    }
}
