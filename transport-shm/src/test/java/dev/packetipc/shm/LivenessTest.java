package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Liveness without the wall clock: a client announced by hand (its control file written byte by byte, as the layout
 * says) lets the test play the peer's heartbeat and identity against a real server.
 */
class LivenessTest {
    /** A pid above Linux's largest pid_max (2^22): no process has it. */
    private static final long NO_SUCH_PID = (1L << 22) + 4321;

    private static final int CLIENT = 128;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ShmTransport transport = new ShmTransport();

    @Test
    void aWallClockStepDoesNotKillALivePeer() throws Exception {
        try (Server server = transport.newServer()) {
            FakeClient client =
                    FakeClient.announce(server, ProcessHandle.current().pid(), 0);
            try (Connection connection = server.accept(WAIT)) {
                // What an observer comparing wall-clock heartbeats sees when the clock steps 10 s forward.
                client.setHeartbeat(System.currentTimeMillis() - 10_000);
                assertTrue(connection.isOpen(), "a heartbeat that moved means a live peer, whatever the clock says");
                connection.send(List.of(Packet.of(1, new byte[8])));
                client.setHeartbeat(System.currentTimeMillis() + 10_000); // and a step back
                assertTrue(connection.isOpen());
                connection.send(List.of(Packet.of(2, new byte[8])));
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aSilentPeerInAnotherPidNamespaceIsReportedGoneButItsFilesAreKept() throws Exception {
        Server server = transport.newServer();
        Path serverDirectory = ShmFiles.directoryOf(server.name());
        try {
            // In another pid namespace its pid means nothing here: here no process has it, there it runs.
            FakeClient client = FakeClient.announce(server, NO_SUCH_PID, 1);
            Path connectionDirectory = client.directory;
            try {
                Connection connection = server.accept(WAIT);
                assertTrue(connection.isOpen(), "just accepted, and its pid cannot be checked from here");
                awaitTrue(() -> !connection.isOpen(), "the silent peer is reported gone after the lease");
                PeerGoneException gone = assertThrows(
                        PeerGoneException.class, () -> connection.send(List.of(Packet.of(1, new byte[8]))));
                assertTrue(gone.getMessage().contains("heartbeat has not advanced"), gone.getMessage());
                connection.close();
                assertTrue(
                        Files.isRegularFile(connectionDirectory.resolve(ShmFiles.CONTROL)),
                        "the files of a peer that is only suspected are kept");
                Leftovers.cleanConnections(serverDirectory, 1000);
                assertTrue(Files.isDirectory(connectionDirectory), "and no cleanup deletes them either");
            } finally {
                client.close();
            }
        } finally {
            server.close();
            ShmFiles.deleteTree(serverDirectory);
        }
    }

    @Test
    void aPeerWhoseProcessIsVerifiablyGoneIsReportedAndItsFilesAreDeleted() throws Exception {
        IpcOptions longLease = IpcOptions.builder()
                .set(ShmOptions.LEASE_TIMEOUT, Duration.ofMinutes(10))
                .build();
        try (Server server = transport.newServer(longLease)) {
            FakeClient client =
                    FakeClient.announce(server, ProcessHandle.current().pid(), ProcessIdentity.NAMESPACE);
            client.setStart(ProcessIdentity.START);
            Connection connection = server.accept(WAIT);
            try {
                assertTrue(connection.isOpen());
                client.setPid(NO_SUCH_PID); // it dies: its heartbeat stops and its pid is gone
                awaitTrue(() -> !connection.isOpen(), "a dead peer is noticed long before the 10 min lease");
                PeerGoneException gone = assertThrows(
                        PeerGoneException.class, () -> connection.send(List.of(Packet.of(1, new byte[8]))));
                assertTrue(gone.getMessage().contains("no longer alive"), gone.getMessage());
                connection.close();
                assertFalse(Files.exists(client.directory), "the survivor deletes the files of a dead peer");
            } finally {
                connection.close();
                client.close();
            }
        }
    }

    @Test
    void aReusedPidIsNotMistakenForThePeer() throws Exception {
        try (Server server = transport.newServer()) {
            FakeClient client =
                    FakeClient.announce(server, ProcessHandle.current().pid(), ProcessIdentity.NAMESPACE);
            client.setStart(ProcessIdentity.START + 1); // this pid now belongs to a process that started later
            try {
                assertThrows(dev.packetipc.IpcTimeoutException.class, () -> server.accept(Duration.ofMillis(200)));
                assertFalse(Files.exists(client.directory), "accept deletes the announcement of a dead client");
            } finally {
                client.close();
            }
        }
    }

    @Test
    void theWatchJudgesTheCounterOnItsOwnMonotonicClock(@org.junit.jupiter.api.io.TempDir Path temp) throws Exception {
        ControlFile file = ControlFile.create(temp.resolve("control"), true);
        Side side = file.client();
        long[] now = {Long.MAX_VALUE - 1_000_000_000L}; // nanoTime may be anywhere, even about to wrap
        PeerWatch watch = new PeerWatch(side, 1000, () -> now[0]);
        now[0] += 999_000_000L;
        assertTrue(watch.check().isEmpty(), "still within the lease");
        side.beat();
        assertTrue(watch.check().isEmpty(), "a beat, seen now, starts the lease over");
        now[0] += 999_000_000L;
        assertTrue(watch.check().isEmpty());
        now[0] += 2_000_000L;
        PeerWatch.Verdict verdict = watch.check().orElseThrow();
        assertFalse(verdict.verified(), "this process lives: only suspected");
        side.beat();
        assertTrue(watch.check().isEmpty(), "a frozen peer that resumes is alive again");
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
