package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A peer JVM frozen with SIGSTOP is reported gone once its heartbeat has stood still for the lease, and its files are
 * kept (it is alive, only stopped); a peer killed with SIGKILL is reported within the bound the README states. The
 * bounds measured here are the README's plus {@link #SLACK} for a loaded machine.
 */
class FrozenPeerTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration LEASE = Duration.ofSeconds(1);
    /** README: a killed peer is noticed once its heartbeat stood still for 0.2 s, at the next check (20 ms). */
    private static final Duration KILLED_BOUND = Duration.ofMillis(300);
    /** Scheduling slack on a machine shared by several builds. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    /** The peer's last heartbeat may come up to one period before the signal. */
    private static final Duration PERIOD = Duration.ofMillis(Heartbeats.PERIOD_MILLIS);

    private final ShmTransport transport = new ShmTransport();
    private final IpcOptions options =
            IpcOptions.builder().set(ShmOptions.LEASE_TIMEOUT, LEASE).build();

    @Test
    void aFrozenClientIsReportedAfterTheLeaseAndItsFilesAreKeptUntilItIsKilled() throws Exception {
        try (Server server = transport.newServer(options);
                ChildJvm peer = ShmPeerMain.withFlags("client", server.name())) {
            long pid = Long.parseLong(peer.awaitLine("PID ", STARTUP));
            Connection connection = server.accept(STARTUP);
            try {
                List<Packet> batch = List.of(Packet.of(7, new byte[64]));
                connection.send(batch);
                peer.awaitLine("RECEIVED", STARTUP);
                Path connectionDirectory = onlyConnection(server);
                long start = System.nanoTime();
                signal("STOP", pid);
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> {
                    while (true) {
                        connection.send(batch, STARTUP);
                    }
                });
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(gone.getMessage().contains("heartbeat has not advanced"), gone.getMessage());
                assertTrue(took.compareTo(LEASE.minus(PERIOD)) >= 0, "reported before the lease ran out: " + took);
                assertTrue(took.compareTo(LEASE.plus(SLACK)) < 0, "reported only after " + took);
                connection.close();
                assertTrue(Files.isDirectory(connectionDirectory), "a frozen peer's files are kept");
                peer.kill();
                Leftovers.cleanConnections(ShmFiles.directoryOf(server.name()), LEASE.toMillis());
                assertFalse(Files.exists(connectionDirectory), "once it is dead, a cleanup removes them");
            } finally {
                connection.close();
            }
        }
    }

    @Test
    void aFrozenThenKilledClientLeavesNothingOnceTheServerCloses() throws Exception {
        Path serverDirectory;
        Path connectionDirectory;
        try (Server server = transport.newServer(options);
                ChildJvm peer = ShmPeerMain.withFlags("client", server.name())) {
            serverDirectory = ShmFiles.directoryOf(server.name());
            long pid = Long.parseLong(peer.awaitLine("PID ", STARTUP));
            try (Connection connection = server.accept(STARTUP)) {
                List<Packet> batch = List.of(Packet.of(7, new byte[64]));
                connection.send(batch);
                peer.awaitLine("RECEIVED", STARTUP);
                connectionDirectory = onlyConnection(server);
                signal("STOP", pid);
                assertThrows(PeerGoneException.class, () -> {
                    while (true) {
                        connection.send(batch, STARTUP);
                    }
                });
            }
            assertTrue(Files.isDirectory(connectionDirectory), "a frozen peer's files are kept");
            peer.kill(); // SIGKILL ends a stopped process too; kill() waits until it is gone
        }
        assertFalse(Files.exists(connectionDirectory), "the dead client's connection is removed by the server's close");
        assertFalse(Files.exists(serverDirectory), "and then the lease and the server's directory");
    }

    @Test
    void aFrozenServerIsReportedToItsClientAfterTheLease() throws Exception {
        try (ChildJvm peer = ShmPeerMain.withFlags("server")) {
            long pid = Long.parseLong(peer.awaitLine("PID ", STARTUP));
            String name = peer.awaitLine("NAME ", STARTUP);
            try (Client client = transport.connect(name, options)) {
                assertTrue(client.receivePackets(10, STARTUP).isPresent());
                long start = System.nanoTime();
                signal("STOP", pid);
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> drain(client));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(gone.getMessage().contains("heartbeat has not advanced"), gone.getMessage());
                assertTrue(took.compareTo(LEASE.minus(PERIOD)) >= 0, "reported before the lease ran out: " + took);
                assertTrue(took.compareTo(LEASE.plus(SLACK)) < 0, "reported only after " + took);
            } finally {
                signal("CONT", pid);
            }
        }
    }

    @Test
    void aKilledServerIsReportedWithinTheBound() throws Exception {
        try (ChildJvm peer = ShmPeerMain.withFlags("server")) {
            String name = peer.awaitLine("NAME ", STARTUP);
            try (Client client = transport.connect(name, IpcOptions.defaults())) {
                assertTrue(client.receivePackets(10, STARTUP).isPresent());
                long start = System.nanoTime();
                peer.kill();
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> drain(client));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(gone.getMessage().contains("no longer alive"), gone.getMessage());
                assertTrue(took.compareTo(KILLED_BOUND.plus(SLACK)) < 0, "reported only after " + took);
            }
        }
    }

    @Test
    void aKilledClientIsReportedWithinTheBound() throws Exception {
        try (Server server = transport.newServer();
                ChildJvm peer = ShmPeerMain.withFlags("client", server.name())) {
            Connection connection = server.accept(STARTUP);
            try {
                List<Packet> batch = List.of(Packet.of(7, new byte[64]));
                connection.send(batch);
                peer.awaitLine("RECEIVED", STARTUP);
                long start = System.nanoTime();
                peer.kill();
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> {
                    while (true) {
                        connection.send(batch, STARTUP);
                    }
                });
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(gone.getMessage().contains("no longer alive"), gone.getMessage());
                assertTrue(took.compareTo(KILLED_BOUND.plus(SLACK)) < 0, "reported only after " + took);
            } finally {
                connection.close();
            }
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        assertTrue(kill.waitFor(30, TimeUnit.SECONDS), "kill -" + signal + " did not finish");
        assertEquals(0, kill.exitValue(), "kill -" + signal + " " + pid + " failed");
    }

    private static Path onlyConnection(Server server) throws Exception {
        try (var entries = Files.list(ShmFiles.directoryOf(server.name()))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(ShmFiles.CONNECTION))
                    .findFirst()
                    .orElseThrow();
        }
    }

    private static void drain(Client client) throws IpcException {
        Optional<?> batch;
        do {
            batch = client.receivePackets(1000, STARTUP);
        } while (batch.isPresent());
    }
}
