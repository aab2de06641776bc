package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every directory is private (0700), and a live server removes what clients that died while connecting left. */
class LeftoversTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final String PRIVATE = "rwx------";

    private final ShmTransport transport = new ShmTransport();

    @Test
    void everyDirectoryOfAConnectionIsPrivate() throws Exception {
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            Path server = ShmFiles.directoryOf(pair.server.name());
            assertEquals(PRIVATE, permissions(server.getParent()));
            try (Stream<Path> all = Files.walk(server)) {
                for (Path path : (Iterable<Path>) all::iterator) {
                    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        assertEquals(PRIVATE, permissions(path), path.toString());
                    }
                }
            }
            assertTrue(Files.isDirectory(pair.connectionDirectory().resolve(ShmFiles.QUEUE)));
        }
    }

    @Test
    void aLiveServerRemovesWhatDeadClientsLeftAndNothingElse() throws Exception {
        try (Server server = transport.newServer()) {
            Path directory = ShmFiles.directoryOf(server.name());
            FakeClient preparing = FakeClient.prepare(directory, FakeClient.NO_SUCH_PID, ProcessIdentity.NAMESPACE);
            FakeClient announced = FakeClient.announce(server, FakeClient.NO_SUCH_PID, ProcessIdentity.NAMESPACE);
            FakeClient foreign = FakeClient.prepare(directory, FakeClient.NO_SUCH_PID, 1); // other pid namespace
            Path empty = Files.createDirectory(directory.resolve(ShmFiles.ANNOUNCING + "empty"));
            Files.setLastModifiedTime(empty, FileTime.from(Instant.now().minusSeconds(3600)));
            Path notOurs = Files.createDirectory(directory.resolve(ShmFiles.ANNOUNCING + "not-ours"));
            Files.writeString(notOurs.resolve("file"), "kept");
            Files.setLastModifiedTime(notOurs, FileTime.from(Instant.now().minusSeconds(3600)));
            try {
                // Cleanup runs at most once a second (by the listener, or a waiting accept): wait past one.
                assertThrows(IpcTimeoutException.class, () -> server.accept(Duration.ofMillis(1500)));
                assertFalse(Files.exists(preparing.directory), "a client that died while preparing");
                assertFalse(Files.exists(announced.directory), "a client that died after announcing itself");
                assertFalse(Files.exists(empty), "a client that died before writing its control file");
                assertTrue(Files.exists(foreign.directory), "a client whose death cannot be verified is kept");
                assertEquals("kept", Files.readString(notOurs.resolve("file")), "what is not the transport's");
            } finally {
                preparing.close();
                announced.close();
                foreign.close();
                ShmFiles.deleteTree(foreign.directory);
                ShmFiles.deleteTree(notOurs);
            }
        }
    }

    /**
     * A client killed between creating its announcing directory and writing its control file's magic number leaves a
     * directory that no control file marks as the transport's. Its name carries its process identity, so the server
     * removes it as soon as that process is verifiably gone (at its close at the latest), not 30 s later or never.
     */
    @Test
    void aClientKilledBeforeItsControlFileWasCompleteIsRemovedByTheServersClose() throws Exception {
        Path deadEmptyControl;
        Path deadZeroedControl;
        Path deadNoControl;
        Path deadWithOtherFiles;
        Path liveUnfinished;
        Path liveHalfWritten;
        Path directory;
        try (Server server = transport.newServer()) {
            directory = ShmFiles.directoryOf(server.name());
            // Each directory is made complete beside the server's and then moved in: the server's cleanup runs
            // meanwhile, and may remove a dead client's directory between its creation and its control file.
            Path stage = Files.createDirectories(directory.resolveSibling("stage-" + ProcessIdentity.PID));
            try {
                String dead = "t-" + FakeClient.NO_SUCH_PID + ".1." + ProcessIdentity.NAMESPACE + "-";
                deadEmptyControl = moveIn(
                        stage, directory, dead + "empty-control", d -> Files.createFile(d.resolve(ShmFiles.CONTROL)));
                deadZeroedControl = moveIn(
                        stage,
                        directory,
                        dead + "zeroed-control",
                        d -> Files.write(d.resolve(ShmFiles.CONTROL), new byte[ControlFile.SIZE]));
                deadNoControl = moveIn(stage, directory, dead + "no-control", d -> {});
                deadWithOtherFiles = moveIn(
                        stage, directory, dead + "other-files", d -> Files.writeString(d.resolve("file"), "kept"));
                liveUnfinished = moveIn(
                        stage,
                        directory,
                        ShmFiles.announcingName("live"),
                        d -> Files.createFile(d.resolve(ShmFiles.CONTROL)));
                // The magic written, its side not open yet: as the old ControlFile.create left it for an instant,
                // when a cleanup deleted a live client's announcement (1 client of 12 starting at once, in 1 of 6
                // runs).
                ByteBuffer words = ByteBuffer.allocate(ControlFile.SIZE).order(ByteOrder.nativeOrder());
                words.putLong(128, ProcessIdentity.PID);
                words.putLong(128 + 8, ProcessIdentity.START);
                words.putLong(128 + 56, ProcessIdentity.NAMESPACE);
                words.putLong(0, ControlFile.MAGIC);
                liveHalfWritten = moveIn(
                        stage,
                        directory,
                        ShmFiles.announcingName("half-written"),
                        d -> Files.write(d.resolve(ShmFiles.CONTROL), words.array()));
            } finally {
                ShmFiles.deleteTree(stage);
            }
        }
        try {
            assertFalse(Files.exists(deadEmptyControl), "an empty control file of a dead client");
            assertFalse(Files.exists(deadZeroedControl), "a control file without its magic number");
            assertFalse(Files.exists(deadNoControl), "no control file yet");
            assertEquals("kept", Files.readString(deadWithOtherFiles.resolve("file")), "what is not the transport's");
            assertTrue(Files.exists(liveUnfinished.resolve(ShmFiles.CONTROL)), "a live client's, still being written");
            assertTrue(Files.exists(liveHalfWritten.resolve(ShmFiles.CONTROL)), "a live client's, magic but not open");
        } finally {
            ShmFiles.deleteTree(deadWithOtherFiles);
            ShmFiles.deleteTree(liveUnfinished);
            ShmFiles.deleteTree(liveHalfWritten);
            ShmFiles.deleteTree(directory);
        }
    }

    /** Makes {@code name} in {@code stage} with {@code contents}, then moves it into {@code directory} whole. */
    private static Path moveIn(Path stage, Path directory, String name, FakeClient.Contents contents)
            throws IOException {
        Path staged = Files.createDirectory(stage.resolve(name));
        contents.write(staged);
        return Files.move(staged, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aClientKilledWhileConnectingLeavesAPrivateDirectoryThatIsRemovedOnceItsServerIsGone() throws Exception {
        // A real server answers at once, in the background; this one (played by the test) never answers.
        Path silent = ShmFiles.root().resolve("silent-" + ProcessIdentity.PID);
        try {
            Side lease = FakeClient.silentServer(silent);
            Path connection;
            try (ChildJvm peer = ShmPeerMain.withFlags("connecting", ShmFiles.nameOf(silent))) {
                peer.awaitLine("CONNECTING", STARTUP);
                connection = awaitConnectionDirectory(silent, peer);
                assertEquals(PRIVATE, permissions(connection));
                peer.kill();
            } finally {
                Heartbeats.stop(lease);
            }
            assertTrue(Files.exists(connection), "nobody has cleaned up yet");
            lease.markClosed(); // the server is gone; the next server to start cleans up after it
            try (Server server = transport.newServer()) {
                assertTrue(server.isOpen());
                assertFalse(Files.exists(connection), "the killed client's directory is removed");
                assertFalse(Files.exists(silent), "and so is the closed server's");
            }
        } finally {
            ShmFiles.deleteTree(silent);
        }
    }

    @Test
    void aNewServerRemovesTheDirectoryOfADeadServerAndKeepsOneWhoseDeathCannotBeVerified() throws Exception {
        Path root = ShmFiles.root();
        Path dead = Files.createDirectory(root.resolve("dead-server"), ShmFiles.privateDirectory());
        FakeClient.writeLease(dead, FakeClient.NO_SUCH_PID, ProcessIdentity.NAMESPACE);
        FakeClient deadClient = FakeClient.prepare(dead, FakeClient.NO_SUCH_PID, ProcessIdentity.NAMESPACE);
        Path foreign = Files.createDirectory(root.resolve("foreign-server"), ShmFiles.privateDirectory());
        FakeClient.writeLease(foreign, FakeClient.NO_SUCH_PID, 1);
        try (Server server = transport.newServer()) {
            assertTrue(server.isOpen());
            assertFalse(Files.exists(dead), "a dead server's directory and its dead clients are removed");
            assertTrue(Files.exists(foreign.resolve(ShmFiles.SERVER_LEASE)), "a server in another pid namespace");
        } finally {
            deadClient.close();
            ShmFiles.deleteTree(dead);
            ShmFiles.deleteTree(foreign);
        }
    }

    @Test
    void checksOfControlFilesLeaveNoMappingBehind() throws Exception {
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            Path directory = ShmFiles.directoryOf(pair.server.name());
            Path control = pair.connectionDirectory().resolve(ShmFiles.CONTROL);
            long before = mappingsOf(control);
            for (int i = 0; i < 200; i++) {
                Leftovers.cleanConnections(directory, 5000);
                Leftovers.cleanAll(directory.getParent(), 5000);
            }
            assertEquals(before, mappingsOf(control), "one-shot checks read the file instead of mapping it");
            assertTrue(pair.connection.isOpen(), "and the live connection is left alone");
        }
    }

    private static long mappingsOf(Path file) throws Exception {
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.filter(line -> line.endsWith(file.toString())).count();
        }
    }

    private static Path awaitConnectionDirectory(Path server, ChildJvm peer) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            try (Stream<Path> entries = Files.list(server)) {
                Optional<Path> connection = entries.filter(
                                p -> p.getFileName().toString().startsWith(ShmFiles.CONNECTION))
                        .findFirst();
                if (connection.isPresent()) {
                    return connection.get();
                }
            }
            if (System.nanoTime() - deadline > 0 || !peer.isAlive()) {
                throw new AssertionError("the child did not announce itself" + peer.describe());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }
}
