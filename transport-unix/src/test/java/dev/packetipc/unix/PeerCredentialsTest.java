package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The peer policy for real, across users: a client in another process, run as uid {@value OtherUserPython#UID}
 * and written in Python from the wire format alone, is refused, admitted, or kept out by the socket file's mode.
 * Needs root (to switch users), {@code setpriv} and {@code python3}; skipped, with the reason, otherwise.
 */
@Timeout(120)
class PeerCredentialsTest {
    private static OtherUserPython python;

    private final UnixTransport transport = new UnixTransport();
    private Path dir;

    @BeforeAll
    static void findPython() {
        OtherUserPython.Result found = OtherUserPython.find();
        assumeTrue(found.python() != null, found.whyNot());
        python = found.python();
    }

    /** A directory every user may traverse, so only the socket file's own mode decides who gets in. */
    @BeforeEach
    void openDirectory() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "packet-ipc-peers-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private Server serverFor(PeerPolicy policy) throws IpcException {
        return transport.newServer(IpcOptions.builder()
                .set(IpcOptions.SERVER_NAME, dir.resolve("peers.sock").toString())
                .set(UnixOptions.PEER_POLICY, policy)
                .build());
    }

    private static Path socketOf(Server server) {
        return SocketPath.forClient(server.name());
    }

    private static String mode(Server server) throws IOException {
        return mode(socketOf(server));
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    /** An accept with a time-out, on a thread of its own. */
    private static CompletableFuture<Connection> acceptInBackground(Server server) {
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        accepted.complete(server.accept(RoundTrip.WAIT.multipliedBy(2)));
                    } catch (IpcException | RuntimeException e) {
                        accepted.completeExceptionally(e);
                    }
                },
                "peer-credentials-accept");
        thread.setDaemon(true);
        thread.start();
        return accepted;
    }

    /**
     * Checks that the accept still waiting is answered with the connection of a client of this JVM (the server's own
     * user), and that this connection really reaches that client.
     */
    private void assertAcceptGoesOnForTheNextClient(Server server, CompletableFuture<Connection> accepting)
            throws Exception {
        assertFalse(accepting.isDone(), "accept returned for a client the server kept out: " + accepting);
        try (Client client = transport.connect(server.name());
                Connection connection = accepting.get(RoundTrip.WAIT.toSeconds(), TimeUnit.SECONDS)) {
            connection.send(List.of(Packet.of(5, new byte[] {5})));
            connection.sendEnd();
            assertEquals(
                    5,
                    client.receivePackets(1, RoundTrip.WAIT)
                            .orElseThrow()
                            .get(0)
                            .timestampNanos());
        }
    }

    @Test
    void aUserThePolicyDoesNotNameIsRejectedAndTheServerGoesOn() throws Exception {
        try (Server server = serverFor(PeerPolicy.uids(12345))) {
            assertEquals("rw-rw-rw-", mode(server), "a policy admitting others must open the socket file to them");
            CompletableFuture<Connection> accepting = acceptInBackground(server);
            OtherUserPython.Run run = python.start(socketOf(server), dir);
            List<String> lines = run.finish(RoundTrip.WAIT);
            String reject = lines.stream()
                    .filter(line -> line.startsWith("REJECT "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no REJECT for uid " + OtherUserPython.UID + ": " + lines));
            assertTrue(reject.startsWith("REJECT " + HandshakeDescriptor.REASON_REFUSED + " "), reject);
            assertTrue(reject.contains("uid " + OtherUserPython.UID), "the text should name the user: " + reject);
            assertTrue(reject.contains("pid " + run.pid()), "the text should name the process: " + reject);
            assertTrue(reject.contains("UnixOptions.PEER_POLICY"), "the text should say what to do: " + reject);
            assertAcceptGoesOnForTheNextClient(server, accepting);
        }
    }

    @Test
    void aUserThePolicyNamesIsWelcomedAndServed() throws Exception {
        for (PeerPolicy policy : new PeerPolicy[] {PeerPolicy.uids(OtherUserPython.UID), PeerPolicy.anyUser()}) {
            try (Server server = serverFor(policy)) {
                CompletableFuture<Connection> accepting = acceptInBackground(server);
                OtherUserPython.Run run = python.start(socketOf(server), dir);
                try (Connection connection = accepting.get(RoundTrip.WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    connection.send(List.of(Packet.of(42, "hello".getBytes(StandardCharsets.UTF_8))));
                    connection.sendEnd();
                    assertEquals(
                            List.of("WELCOME 1", "BATCH 1 42 hello", "END"),
                            run.finish(RoundTrip.WAIT),
                            policy.toString());
                } finally {
                    run.kill();
                }
            }
        }
    }

    @Test
    void aClientRefusesAServerOfAnotherUserByDefault() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // the server binds here
        Path socket = dir.resolve("other-user.sock");
        OtherUserPython.Run server = python.startServer(socket, dir, RawFrames.welcome(), 1);
        try {
            IpcException e = assertThrows(IpcException.class, () -> transport.connect(SocketPath.nameOf(socket)));
            String message = e.getMessage();
            assertTrue(
                    message.contains("uid " + OtherUserPython.UID),
                    "the message should name the server's user: " + message);
            assertTrue(message.contains("uid 0"), "the message should name the client's user: " + message);
            assertTrue(message.contains("UnixOptions.SERVER_POLICY"), "the message should say what to do: " + message);
            assertEquals(
                    List.of("SERVED 0"), server.finish(RoundTrip.WAIT), "the client sent bytes to a server it refused");
        } finally {
            server.kill();
        }
    }

    @Test
    void aClientAcceptsAServerOfAUserItAllows() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (PeerPolicy policy : new PeerPolicy[] {PeerPolicy.uids(OtherUserPython.UID), PeerPolicy.anyUser()}) {
            Path socket = dir.resolve("allowed.sock");
            OtherUserPython.Run server = python.startServer(socket, dir, RawFrames.welcome(), 1);
            try {
                IpcOptions options = IpcOptions.builder()
                        .set(UnixOptions.SERVER_POLICY, policy)
                        .build();
                try (Client client = transport.connect(SocketPath.nameOf(socket), options)) {
                    assertEquals(SocketPath.nameOf(socket), client.name(), policy.toString());
                }
                assertEquals(List.of("SERVED 24"), server.finish(RoundTrip.WAIT), policy.toString());
            } finally {
                server.kill();
            }
        }
    }

    @Test
    void thePrivateRuntimeDirectoryKeepsOthersOutWhateverThePolicy() throws Exception {
        IpcOptions admitting = IpcOptions.builder()
                .set(UnixOptions.PEER_POLICY, PeerPolicy.uids(OtherUserPython.UID))
                .build();
        try (Server server = transport.newServer(admitting)) { // a default name: in the 0700 runtime directory
            Path runtime = socketOf(server).getParent();
            assumeTrue(
                    OtherUserPython.othersCanReach(runtime.getParent()),
                    "other users cannot reach " + runtime.getParent() + " anyway, so this would prove nothing");
            assertEquals("rwx------", mode(runtime));
            assertEquals("rw-rw-rw-", mode(server));
            CompletableFuture<Connection> accepting = acceptInBackground(server);
            List<String> lines = python.start(socketOf(server), dir).finish(RoundTrip.WAIT);
            assertEquals(
                    List.of("CONNECT_FAILED PermissionError 13"),
                    lines,
                    "uid " + OtherUserPython.UID + " got through the private runtime directory");
            assertAcceptGoesOnForTheNextClient(server, accepting);
        }
    }

    @Test
    void theSameUserPolicyKeepsOthersOutByTheFileMode() throws Exception {
        try (Server server = serverFor(PeerPolicy.sameUser())) {
            assertEquals("rw-------", mode(server));
            CompletableFuture<Connection> accepting = acceptInBackground(server);
            List<String> lines = python.start(socketOf(server), dir).finish(RoundTrip.WAIT);
            assertEquals(List.of("CONNECT_FAILED PermissionError 13"), lines, "uid " + OtherUserPython.UID + " got in");
            assertAcceptGoesOnForTheNextClient(server, accepting);
        }
    }
}
