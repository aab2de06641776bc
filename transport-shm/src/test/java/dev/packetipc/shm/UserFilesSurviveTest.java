package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory of the user's files, shaped like a server directory ({@code c-*}, {@code t-*}, a {@code server.lease}
 * that is no control file, all old), survives every way a name can point at it: as {@code IpcOptions.SERVER_NAME}
 * (absolute, {@code shm://}, relative with {@code ..}, a symbolic link in the shm directory) and as the name passed
 * to {@code connect}.
 */
class UserFilesSurviveTest {
    private final ShmTransport transport = new ShmTransport();

    @TempDir
    Path temp;

    private Path user;
    private Path link;
    private Map<String, String> before;

    @BeforeEach
    void userFiles() throws IOException {
        user = temp.resolve("precious");
        Files.createDirectories(user.resolve("c-photos"));
        Files.writeString(user.resolve("c-photos/cat.jpg"), "a cat");
        Files.createDirectories(user.resolve("t-empty"));
        Files.createDirectories(user.resolve("sub"));
        Files.writeString(user.resolve("sub/notes.txt"), "notes");
        Files.writeString(user.resolve("keep.txt"), "keep me");
        Files.writeString(user.resolve(ShmFiles.SERVER_LEASE), "not a lease");
        FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        for (String entry : new String[] {"c-photos", "t-empty", "sub", "keep.txt", ShmFiles.SERVER_LEASE}) {
            Files.setLastModifiedTime(user.resolve(entry), old);
        }
        before = snapshot(user);
    }

    @AfterEach
    void removeLink() throws IOException {
        if (link != null) {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void anAbsolutePathAsServerNameIsRefusedBeforeAnythingIsTouched() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> newServer(user.toString()));
        assertTrue(e.getMessage().contains("letters, digits"), e.getMessage());
        assertUserFilesSurvive();
    }

    @Test
    void anShmNameOutsideTheShmDirectoryIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> newServer("shm://" + user));
        assertTrue(e.getMessage().contains("is not in"), e.getMessage());
        assertUserFilesSurvive();
    }

    @Test
    void aRelativeNameClimbingOutWithDotDotIsRefused() throws Exception {
        String climbing = ShmFiles.root().relativize(user).toString();
        assertTrue(climbing.startsWith(".."), climbing);
        assertThrows(IllegalArgumentException.class, () -> newServer(climbing));
        assertThrows(IllegalArgumentException.class, () -> newServer(".."));
        assertThrows(IllegalArgumentException.class, () -> newServer("."));
        assertThrows(IllegalArgumentException.class, () -> newServer("a/b"));
        assertThrows(IllegalArgumentException.class, () -> newServer("shm://" + ShmFiles.root() + "/../precious"));
        assertUserFilesSurvive();
    }

    @Test
    void anEmptyDirectoryOfTheUserIsNotTakenOver() throws Exception {
        Path empty = Files.createDirectory(temp.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> newServer(empty.toString()));
        assertTrue(Files.isDirectory(empty));
    }

    @Test
    void aSymbolicLinkInTheShmDirectoryIsNeitherFollowedNorReplaced() throws Exception {
        link = Files.createSymbolicLink(ShmFiles.root().resolve("linked"), user);
        IpcException e = assertThrows(IpcException.class, () -> newServer("linked"));
        assertTrue(e.getMessage().contains("taken"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertUserFilesSurvive();
    }

    @Test
    void startingAServerDoesNotCleanThroughASymbolicLinkInTheShmDirectory() throws Exception {
        link = Files.createSymbolicLink(ShmFiles.root().resolve("linked-too"), user);
        try (Server server = transport.newServer()) {
            assertTrue(server.isOpen());
        }
        assertTrue(Files.isSymbolicLink(link));
        assertUserFilesSurvive();
    }

    @Test
    void cleaningADeadServerDeletesLinksInItButNotWhatTheyPointAt() throws Exception {
        Path dead = Files.createDirectory(ShmFiles.root().resolve("dead-with-links"), ShmFiles.privateDirectory());
        FakeClient.writeLease(dead, FakeClient.NO_SUCH_PID, ProcessIdentity.NAMESPACE);
        FakeClient client = FakeClient.prepare(dead, FakeClient.NO_SUCH_PID, ProcessIdentity.NAMESPACE);
        Files.createSymbolicLink(client.directory.resolve("queue"), user);
        Files.createSymbolicLink(dead.resolve(ShmFiles.CONNECTION + "link"), user);
        client.close();
        try (Server server = transport.newServer()) {
            assertTrue(server.isOpen());
            assertTrue(Files.notExists(client.directory, LinkOption.NOFOLLOW_LINKS), "the dead client's directory");
            assertTrue(Files.isSymbolicLink(dead.resolve(ShmFiles.CONNECTION + "link")), "a link is not followed");
        } finally {
            Files.deleteIfExists(dead.resolve(ShmFiles.CONNECTION + "link"));
            ShmFiles.deleteTree(dead);
        }
        assertUserFilesSurvive();
    }

    @Test
    void connectingToTheUsersDirectoryTouchesNothing() throws Exception {
        assertThrows(NoSuchServerException.class, () -> transport.connect("shm://" + user));
        assertThrows(IllegalArgumentException.class, () -> transport.connect(user.toString()));
        assertThrows(IllegalArgumentException.class, () -> transport.connect("shm://" + user + "/../precious"));
        assertThrows(IllegalArgumentException.class, () -> transport.connect("shm://" + user + "/."));
        link = Files.createSymbolicLink(ShmFiles.root().resolve("linked-connect"), user);
        assertThrows(NoSuchServerException.class, () -> transport.connect("shm://" + link));
        assertUserFilesSurvive();
    }

    @Test
    void aBareNameAndTheServersOwnNameAreAccepted() throws Exception {
        String name;
        try (Server server = newServer("my-server_1.x")) {
            name = server.name();
            assertEquals("shm://" + ShmFiles.root().resolve("my-server_1.x"), name);
        }
        try (Server again = newServer(name)) {
            assertEquals(name, again.name());
        }
        assertTrue(Files.notExists(ShmFiles.directoryOf(name), LinkOption.NOFOLLOW_LINKS));
    }

    private Server newServer(String name) throws IpcException {
        return transport.newServer(
                IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build());
    }

    private void assertUserFilesSurvive() {
        try {
            assertEquals(before, snapshot(user));
        } catch (IOException e) {
            throw new AssertionError("the user's files are damaged: " + e, e);
        }
    }

    private static Map<String, String> snapshot(Path directory) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) all::iterator) {
                String key = directory.relativize(path).toString();
                files.put(key, Files.isDirectory(path) ? "<dir>" : Files.readString(path));
            }
        }
        return files;
    }
}
