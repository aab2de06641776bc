package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Where a Unix server's socket file goes, who may open it, and what happens to files already at its path: stale ones
 * of crashed servers are replaced, live servers and foreign files are never touched, and close removes the file.
 */
@Timeout(60)
class SocketNamesAndFilesTest {
    /** Far longer than any step here takes, so a client that waited for it would be caught. */
    private static final Duration LONG_CONNECT_TIMEOUT = Duration.ofMinutes(5);

    private final UnixTransport transport = new UnixTransport();

    @TempDir
    Path dir;

    private static IpcOptions named(String name) {
        return IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build();
    }

    private static Path socketOf(Server server) {
        assertTrue(server.name().startsWith("unix://"), server.name());
        return Path.of(server.name().substring("unix://".length()));
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static boolean isSocket(Path path) throws IOException {
        BasicFileAttributes attributes =
                Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return attributes.isOther() && !attributes.isRegularFile() && !attributes.isDirectory();
    }

    /** A path of exactly {@code bytes} UTF-8 bytes in the test's directory. */
    private Path pathOfBytes(int bytes) {
        String prefix = dir.toAbsolutePath() + "/";
        int fill = bytes - prefix.getBytes(StandardCharsets.UTF_8).length - ".sock".length();
        assertTrue(fill > 0, "the test directory's path is too long for this test: " + prefix);
        return Path.of(prefix + "s".repeat(fill) + ".sock");
    }

    @Test
    void theDefaultNameIsAFreshSocketInThePrivateRuntimeDirectory() throws Exception {
        try (Server first = transport.newServer();
                Server second = transport.newServer()) {
            Path socket = socketOf(first);
            assertTrue(socket.isAbsolute(), first.name());
            assertEquals(RuntimeDirectory.path(), socket.getParent(), first.name());
            assertTrue(isSocket(socket), socket + " is not a socket");
            assertNotEquals(first.name(), second.name(), "two servers got the same default name");
            assertEquals("rwx------", mode(RuntimeDirectory.path()), "the runtime directory must be private");
            assertEquals("rw-------", mode(socket), "the default policy admits only this user");
            RoundTrip.assertServes(transport, first);
        }
    }

    @Test
    void aPolicyAdmittingOthersOpensTheSocketFileToThem() throws Exception {
        for (PeerPolicy policy : new PeerPolicy[] {PeerPolicy.anyUser(), PeerPolicy.uids(12345)}) {
            IpcOptions options =
                    IpcOptions.builder().set(UnixOptions.PEER_POLICY, policy).build();
            try (Server server = transport.newServer(options)) {
                assertEquals("rw-rw-rw-", mode(socketOf(server)), policy.toString());
                assertEquals("rwx------", mode(RuntimeDirectory.path()), "the runtime directory stays private");
            }
        }
        IpcOptions same = IpcOptions.builder()
                .set(UnixOptions.PEER_POLICY, PeerPolicy.sameUser())
                .build();
        try (Server server = transport.newServer(same)) {
            assertEquals("rw-------", mode(socketOf(server)));
        }
    }

    @Test
    void aPlainNameLandsInTheRuntimeDirectory() throws Exception {
        Path expected = RuntimeDirectory.path().resolve("app.sock");
        try (Server server = transport.newServer(named("app"))) {
            assertEquals("unix://" + expected, server.name());
            assertTrue(isSocket(expected));
            RoundTrip.assertServes(transport, server);
        }
        assertFalse(Files.exists(expected, LinkOption.NOFOLLOW_LINKS), "close() left " + expected);
        for (String same : new String[] {"app.sock", "unix://app"}) {
            try (Server server = transport.newServer(named(same))) {
                assertEquals("unix://" + expected, server.name(), same);
            }
        }
    }

    @Test
    void anAbsoluteNameIsUsedAsIs() throws Exception {
        Path socket = dir.resolve("absolute.sock").toAbsolutePath();
        try (Server server = transport.newServer(named(socket.toString()))) {
            assertEquals("unix://" + socket, server.name());
            assertTrue(isSocket(socket));
            RoundTrip.assertServes(transport, server);
        }
        try (Server server = transport.newServer(named("unix://" + socket))) {
            assertEquals("unix://" + socket, server.name());
        }
        Path noSuffix = dir.resolve("endpoint").toAbsolutePath();
        try (Server server = transport.newServer(named(noSuffix.toString()))) {
            assertEquals("unix://" + noSuffix, server.name(), "an absolute path gets no .sock added");
            assertTrue(isSocket(noSuffix));
        }
    }

    @Test
    void aRelativePathIsRefused() {
        for (String relative : new String[] {"dir/app.sock", "./app.sock", "unix://dir/app.sock"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> transport.newServer(named(relative)), relative);
            assertTrue(e.getMessage().contains(relative) && e.getMessage().contains("absolute path"), e.getMessage());
        }
    }

    @Test
    void anAbsoluteNameWithDotSegmentsIsRefusedBeforeAnyFileIsTouched() throws Exception {
        Path inner = Files.createDirectory(dir.resolve("inner")).toAbsolutePath();
        Path escape = dir.resolve("escape.sock").toAbsolutePath();
        String[] names = {
            inner + "/../escape.sock",
            "unix://" + inner + "/../escape.sock",
            inner + "/./escape.sock",
            inner + "/..",
            dir.toAbsolutePath() + "/../" + dir.getFileName() + "/escape.sock"
        };
        for (String name : names) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> transport.newServer(named(name)).close(),
                    name);
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("segment"), e.getMessage());
            assertTrue(e.getMessage().contains("plain name"), "the message must say what to do: " + e.getMessage());
        }
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertEquals(
                    java.util.List.of(inner),
                    left.map(Path::toAbsolutePath).collect(java.util.stream.Collectors.toList()));
        }
        try (java.util.stream.Stream<Path> left = Files.list(inner)) {
            assertEquals(0, left.count(), "a refused name created a file in " + inner);
        }
        assertFalse(Files.exists(escape, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aClientNameWithDotSegmentsIsRefusedEvenIfItLeadsToALiveServer() throws Exception {
        Path inner = Files.createDirectory(dir.resolve("inner")).toAbsolutePath();
        Path socket = dir.resolve("live.sock").toAbsolutePath();
        try (Server server = transport.newServer(named(socket.toString()))) {
            for (String name :
                    new String[] {"unix://" + inner + "/../live.sock", "unix://" + dir.toAbsolutePath() + "/./live.sock"
                    }) {
                IllegalArgumentException e = assertThrows(
                        IllegalArgumentException.class,
                        () -> transport.connect(name).close(),
                        name);
                assertTrue(e.getMessage().contains(name) && e.getMessage().contains("Server.name()"), e.getMessage());
            }
            RoundTrip.assertServes(transport, server);
        }
    }

    @Test
    void aClientNameMustBeAnAbsolutePath() {
        for (String name : new String[] {"app", "unix://app", "dir/app.sock", "tcp://localhost:1"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> transport.connect(name), name);
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("Server.name()"), e.getMessage());
        }
    }

    @Test
    void aDirectoryThatDoesNotExistIsReportedWithWhatToDo() {
        Path socket = dir.resolve("no-such-directory").resolve("app.sock").toAbsolutePath();
        IpcException e = assertThrows(
                IpcException.class,
                () -> transport.newServer(named(socket.toString())).close());
        assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
        assertFalse(Files.exists(socket.getParent()), "the server must not create directories outside its own");
    }

    @Test
    void aPathAtTheSunPathLimitWorksAndOneByteMoreIsRefusedWithAdvice() throws Exception {
        Path longest = pathOfBytes(SocketPath.maxPathBytes());
        try (Server server = transport.newServer(named(longest.toString()))) {
            assertEquals("unix://" + longest, server.name());
            RoundTrip.assertServes(transport, server);
        }
        Path tooLong = pathOfBytes(SocketPath.maxPathBytes() + 1);
        assertTooLong(tooLong.toString());
        assertFalse(Files.exists(tooLong, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theLimitCountsBytesNotCharacters() throws Exception {
        String prefix = dir.toAbsolutePath() + "/";
        int chars = SocketPath.maxPathBytes() - prefix.length() - ".sock".length();
        // as many characters as fit, but each 'é' takes two bytes
        assertTooLong(prefix + "é".repeat(chars) + ".sock");
    }

    @Test
    void aPlainNameTooLongForTheRuntimeDirectoryIsRefusedWithAdvice() throws Exception {
        assertTooLong("n".repeat(SocketPath.maxPathBytes()));
    }

    private void assertTooLong(String name) {
        IpcException e = assertThrows(
                IpcException.class, () -> transport.newServer(named(name)).close(), name);
        assertTrue(e.getMessage().contains(RuntimeDirectory.PROPERTY), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(SocketPath.maxPathBytes())), e.getMessage());
    }

    @Test
    void aStaleSocketFileOfACrashedServerIsReplaced() throws Exception {
        Path socket = dir.resolve("stale.sock").toAbsolutePath();
        leaveStaleSocket(socket);
        try (Server server = transport.newServer(named(socket.toString()))) {
            assertEquals("unix://" + socket, server.name());
            RoundTrip.assertServes(transport, server);
        }
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "close() left " + socket);
    }

    /** What a crashed server leaves: a socket file nobody listens on. */
    private static void leaveStaleSocket(Path socket) throws IOException {
        try (AFUNIXServerSocket raw = AFUNIXServerSocket.newInstance()) {
            raw.setDeleteOnClose(false);
            raw.bind(AFUNIXSocketAddress.of(socket.toFile()));
        }
        assertTrue(isSocket(socket), "the raw server left no socket file at " + socket);
    }

    @Test
    void aLiveServersPathIsNeverTakenOver() throws Exception {
        Path socket = dir.resolve("live.sock").toAbsolutePath();
        try (Server first = transport.newServer(named(socket.toString()))) {
            Object key = Files.readAttributes(socket, BasicFileAttributes.class).fileKey();
            IpcException e = assertThrows(
                    IpcException.class,
                    () -> transport.newServer(named(socket.toString())).close());
            assertTrue(e.getMessage().contains("already listening"), e.getMessage());
            assertEquals(
                    key,
                    Files.readAttributes(socket, BasicFileAttributes.class).fileKey(),
                    "the refused server replaced the live server's socket file");
            assertTrue(first.isOpen());
            RoundTrip.assertServes(transport, first); // after the second server's probe, which it must skip
        }
    }

    @Test
    void aFileThatIsNotASocketIsRefusedAndLeftIntact() throws Exception {
        Path file = dir.resolve("precious.sock").toAbsolutePath();
        Files.writeString(file, "not a socket");
        Path link = dir.resolve("link.sock").toAbsolutePath();
        Files.createSymbolicLink(link, file);
        Path directory = Files.createDirectory(dir.resolve("directory.sock")).toAbsolutePath();
        for (Path path : new Path[] {file, link, directory}) {
            IpcException e = assertThrows(
                    IpcException.class,
                    () -> transport.newServer(named(path.toString())).close());
            assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        }
        assertEquals("not a socket", Files.readString(file));
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void closeRemovesTheSocketFile() throws Exception {
        Path socket = dir.resolve("own.sock").toAbsolutePath();
        Server server = transport.newServer(named(socket.toString()));
        try {
            assertTrue(isSocket(socket));
        } finally {
            server.close();
        }
        assertFalse(server.isOpen());
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "close() left " + socket);
        server.close(); // idempotent, with nothing left to delete
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void closingAnOldServerLeavesTheSocketFileOfANewServerAtTheSamePath() throws Exception {
        Path socket = dir.resolve("taken.sock").toAbsolutePath();
        Server old = transport.newServer(named(socket.toString()));
        try {
            Files.delete(socket); // someone removed the old server's file...
            try (Server current = transport.newServer(named(socket.toString()))) { // ...and a new server took the path
                old.close();
                assertTrue(
                        Files.exists(socket, LinkOption.NOFOLLOW_LINKS),
                        "closing the old server deleted the new server's socket file");
                RoundTrip.assertServes(transport, current);
            }
        } finally {
            old.close();
        }
    }

    @Test
    void aClientOfAMissingOrStaleSocketFailsAtOnce() throws Exception {
        IpcOptions patient = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, LONG_CONNECT_TIMEOUT)
                .build();
        Path missing = dir.resolve("missing.sock").toAbsolutePath();
        Path stale = dir.resolve("crashed.sock").toAbsolutePath();
        leaveStaleSocket(stale);
        for (Path path : new Path[] {missing, stale}) {
            long started = System.nanoTime();
            NoSuchServerException e = assertThrows(
                    NoSuchServerException.class,
                    () -> transport.connect("unix://" + path, patient).close());
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            assertTrue(
                    took.compareTo(LONG_CONNECT_TIMEOUT.dividedBy(10)) < 0,
                    "connecting to " + path + " took " + took + ", as if it waited for the connect timeout");
        }
        assertTrue(isSocket(stale), "a client must not remove a stale socket file");
    }
}
