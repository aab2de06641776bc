package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The handshake (docs/shm-layout.md §2): bursts of clients at default options, as threads and as processes, are all
 * served; a client whose connection cannot be set up is told so and does not stop {@code accept}; a client that
 * gives up withdraws; {@code CONNECT_TIMEOUT} ends in {@link IpcTimeoutException} saying how long it waited; the
 * first cycle file is complete before the client opens the queue, and only its start becomes memory.
 */
class HandshakeTest {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final int PACKETS = 500;

    private final ShmTransport transport = new ShmTransport();

    /**
     * The bursts close hundreds of queues, whose files Chronicle releases on its background thread: waits for that,
     * so that the next test class does not find the releaser busy (RetentionTest counts on releases coming soon).
     */
    @AfterAll
    static void releaseWhatTheBurstsClosed() {
        BackgroundResourceReleaser.releasePendingResources();
    }

    @Test
    void aBurstOfTwoHundredFiftySixClientThreadsIsServedInFull() throws Exception {
        int n = 256;
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (Server server = transport.newServer()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                        String result = ShmPeerMain.read(transport, server.name());
                        if (!result.equals("OK " + PACKETS)) {
                            failures.add(result);
                        }
                    } catch (InterruptedException e) {
                        failures.add(e.toString());
                    }
                });
                thread.start();
                clients.add(thread);
            }
            go.countDown(); // every client connects at once, at default options
            List<Thread> senders = serve(server, n, failures);
            join(clients);
            join(senders);
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + n + " failed, e.g. " + failures.peek());
    }

    @Test
    void aBurstOfClientProcessesIsServedInFull() throws Exception {
        int n = 12;
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (Server server = transport.newServer()) {
            List<ChildJvm> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(ShmPeerMain.withFlags("read", server.name()));
                }
                List<Thread> senders = serve(server, n, failures);
                for (ChildJvm client : clients) {
                    String result = client.awaitLine("RESULT ", WAIT);
                    if (!result.equals("OK " + PACKETS)) {
                        failures.add(result + client.describe());
                    }
                }
                join(senders);
            } finally {
                clients.forEach(ChildJvm::close);
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + n + " failed: " + String.join("\n", failures));
            assertEquals(List.of(ShmFiles.SERVER_LEASE), entries(ShmFiles.directoryOf(server.name())));
        }
    }

    @Test
    void aClientWhoseConnectionCannotBeSetUpIsDroppedAndAcceptGoesOn() throws Exception {
        try (Server server = transport.newServer()) {
            // Announced by a live process (this one), with a file where the queue's directory must go.
            FakeClient broken = FakeClient.announce(
                    server,
                    ProcessIdentity.PID,
                    ProcessIdentity.NAMESPACE,
                    directory -> Files.writeString(directory.resolve(ShmFiles.QUEUE), "not a directory"));
            try {
                // The old accept threw "cannot open the queue" here, for one bad client, instead of waiting on.
                assertThrows(IpcTimeoutException.class, () -> server.accept(Duration.ofMillis(300)));
                ControlFile control = ControlFile.open(broken.directory.resolve(ShmFiles.CONTROL));
                awaitServerSide(control); // the handshake runs on a thread of its own
                assertEquals(ControlFile.FAILED, control.handshake());
                assertEquals(Side.CLOSED, control.server().state(), "the waiting client is told");
                try (LocalServe served = LocalServe.start(transport, server)) {
                    assertEquals("OK " + PACKETS, served.result());
                }
            } finally {
                broken.close();
                ShmFiles.deleteTree(broken.directory);
            }
        }
    }

    @Test
    void aClientTakenButNotSetUpIsToldSo() throws Exception {
        Path root = ShmFiles.root();
        Path fake =
                Files.createDirectory(root.resolve("fake-server-" + ProcessIdentity.PID), ShmFiles.privateDirectory());
        try {
            FakeClient.writeLease(fake, ProcessIdentity.PID, ProcessIdentity.NAMESPACE);
            String name = ShmFiles.nameOf(fake);
            // A heartbeat for the fake lease: the client watches it while it waits.
            Side lease = ControlFile.open(fake.resolve(ShmFiles.SERVER_LEASE)).server();
            Heartbeats.start(lease);
            try {
                CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return transport.connect(name);
                    } catch (IpcException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Path announced = awaitAnnouncement(fake);
                ControlFile control = ControlFile.open(announced.resolve(ShmFiles.CONTROL));
                assertTrue(control.take());
                control.markFailed(); // what a server does when it cannot set the connection up
                control.server().markClosed();
                Exception failure =
                        assertThrows(Exception.class, () -> connecting.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertTrue(
                        failure.getCause().getCause() instanceof IpcException
                                && failure.getCause().getCause().getMessage().contains("could not set up"),
                        failure.toString());
                assertTrue(Files.exists(announced), "the server has not left yet: the directory stays");
                assertTrue(control.leaveAndIsLast(), "the client left first");
            } finally {
                Heartbeats.stop(lease);
            }
        } finally {
            ShmFiles.deleteTree(fake);
        }
    }

    /**
     * A fresh JVM's first connect loads the classes of an announcement before its {@code CONNECT_TIMEOUT} starts: in a
     * storm of 64 starting client JVMs, that loading alone outlasted the 10 s default of then, and clients gave up
     * before they had announced themselves (issue 21). Here a fresh child JVM connects to a server that never answers with a
     * time-out of 100 ms, which its loading takes about as long as on an idle machine: it must spend most of it
     * waiting for the accept, and say how long it loaded.
     */
    @Test
    void aFreshJvmsFirstConnectSpendsItsTimeoutWaitingForTheAcceptNotLoading() throws Exception {
        try (FakeClient.SilentServer silent =
                FakeClient.startSilentServer(ShmFiles.root().resolve("silent-first-" + ProcessIdentity.PID))) {
            ChildJvm child = ShmPeerMain.withFlags("impatient", silent.name(), "100");
            try {
                String message = child.awaitLine("TIMEOUT ", Duration.ofSeconds(60));
                long waiting =
                        Long.parseLong(message.replaceAll(".* (\\d+) ms of them waiting for the accept.*", "$1"));
                assertTrue(waiting >= 50, "waited only " + waiting + " ms of 100 for the accept: " + message);
                assertTrue(message.matches(".*and \\d+ ms before them loading .* not counted.*"), message);
                assertEquals(0, child.awaitExit(Duration.ofSeconds(60)), child.describe());
            } finally {
                child.close();
            }
            assertEquals(
                    List.of(ShmFiles.SERVER_LEASE),
                    entries(silent.directory),
                    "the rehearsal and the client cleaned up");
        }
    }

    /**
     * A server whose heartbeat stands still while its process lives (frozen, or starved: in a storm of 64 starting
     * client JVMs on 2 cores a live server's heartbeat stood still for 5 s) gets the whole {@code CONNECT_TIMEOUT},
     * as a server that does not answer on any transport, and the time-out says why it may not have answered.
     */
    @Test
    void aServerWhoseHeartbeatStandsStillGetsTheWholeConnectTimeout() throws Exception {
        Path still = ShmFiles.root().resolve("still-" + ProcessIdentity.PID);
        try {
            Files.createDirectory(still, ShmFiles.privateDirectory());
            FakeClient.writeLease(still, ProcessIdentity.PID, ProcessIdentity.NAMESPACE); // alive, never beats
            IpcOptions options = IpcOptions.builder()
                    .set(ShmOptions.LEASE_TIMEOUT, Duration.ofMillis(400))
                    .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMillis(1500))
                    .build();
            long start = System.nanoTime();
            IpcTimeoutException timeout =
                    assertThrows(IpcTimeoutException.class, () -> transport.connect(ShmFiles.nameOf(still), options));
            long waited = (System.nanoTime() - start) / 1_000_000;
            String message = timeout.getMessage();
            assertTrue(waited >= 1500, "gave up after " + waited + " ms, before CONNECT_TIMEOUT: " + message);
            assertTrue(message.contains("heartbeat has not advanced"), message);
            assertEquals(List.of(ShmFiles.SERVER_LEASE), entries(still), "the client withdrew and cleaned up");
        } finally {
            ShmFiles.deleteTree(still);
        }
    }

    @Test
    void aClientThatGivesUpWithdrawsLeavesNothingAndSaysHowLongItWaited() throws Exception {
        // A real server answers at once, in the background; this one (played by the test) never answers.
        try (FakeClient.SilentServer silent =
                FakeClient.startSilentServer(ShmFiles.root().resolve("silent-" + ProcessIdentity.PID))) {
            IpcOptions impatient = IpcOptions.builder()
                    .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMillis(300))
                    .build();
            long start = System.nanoTime();
            IpcTimeoutException timeout =
                    assertThrows(IpcTimeoutException.class, () -> transport.connect(silent.name(), impatient));
            long waited = (System.nanoTime() - start) / 1_000_000;
            String message = timeout.getMessage();
            assertTrue(message.contains("did not accept this client within PT0.3S"), message);
            long said = Long.parseLong(message.replaceAll(".*gave up after (\\d+) ms.*", "$1"));
            assertTrue(said >= 300 && said <= waited, "said " + said + " ms, waited " + waited + " ms: " + message);
            assertEquals(
                    List.of(ShmFiles.SERVER_LEASE), entries(silent.directory), "the client withdrew and cleaned up");
        }
    }

    @Test
    void clientsAreAnsweredBeforeTheServerCallsAccept() throws Exception {
        try (Server server = transport.newServer()) {
            // Connected (handshake done) although nobody is in accept yet, as with a listening socket's backlog.
            try (Client client = transport.connect(server.name());
                    Connection connection = server.accept(WAIT)) {
                connection.send(List.of(ShmPeerMain.packet(0)));
                assertEquals(1, client.receivePackets(10, WAIT).orElseThrow().size());
            }
        }
    }

    @Test
    void theFirstCycleFileIsCompleteBeforeTheClientOpensTheQueue() throws Exception {
        try (Server server = transport.newServer()) {
            Path directory = ShmFiles.directoryOf(server.name());
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return transport.connect(server.name());
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Connection connection = server.accept(WAIT);
                    Client client = connecting.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                Path queue;
                try (Stream<Path> connections = Files.list(directory)) {
                    queue = connections
                            .filter(p -> p.getFileName().toString().startsWith(ShmFiles.CONNECTION))
                            .findFirst()
                            .orElseThrow()
                            .resolve(ShmFiles.QUEUE);
                }
                try (Stream<Path> files = Files.list(queue)) {
                    assertEquals(
                            1,
                            files.filter(p -> p.toString().endsWith(".cq4")).count(),
                            "a cycle file exists before anything was sent");
                }
                connection.send(List.of(ShmPeerMain.packet(0)));
                assertEquals(1, client.receivePackets(10, WAIT).orElseThrow().size());
            }
        }
    }

    /**
     * A new connection's first cycle file is sparse (160 MiB at default options) and mapped by both sides; only what
     * is used of it becomes memory. Chronicle used to touch its first page as a hole, and the kernel then read around
     * that page as far as the device's read-ahead reaches, filling all of it with zeros (8 MiB on a device with
     * {@code read_ahead_kb} 8192, as on the 2-core machine where a burst of 256 clients spent most of its time on
     * that): the server now writes the part it uses first ({@link Queues#PREPARED_BYTES}). Counted through the page
     * cache ({@link MappedByteBuffer#isLoaded}, mincore), not by time.
     */
    @Test
    void aNewConnectionMakesOnlyTheStartOfItsCycleFileMemory() throws Exception {
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            pair.connection.send(List.of(ShmPeerMain.packet(0)));
            assertEquals(1, pair.client.receivePackets(10, WAIT).orElseThrow().size());
            Path queue = pair.connectionDirectory().resolve(ShmFiles.QUEUE);
            List<String> files = entries(queue);
            assertEquals(
                    2, files.size(), "the cycle file and Chronicle's metadata, no pre-created file left: " + files);
            Path cycle = files.stream()
                    .filter(name -> name.endsWith(".cq4"))
                    .map(queue::resolve)
                    .findFirst()
                    .orElseThrow();
            long resident = PageCache.residentBytes(cycle);
            assertTrue(
                    resident <= Queues.PREPARED_BYTES,
                    resident + " bytes of " + Files.size(cycle) + " of the cycle file are in memory, more than the "
                            + Queues.PREPARED_BYTES + " bytes written before Chronicle mapped it");
        }
    }

    /** Accepts {@code n} clients and sends each its checked stream on a thread of its own. */
    private static List<Thread> serve(Server server, int n, ConcurrentLinkedQueue<String> failures) {
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Connection connection;
            try {
                connection = server.accept(WAIT);
            } catch (IpcException e) {
                failures.add("accept: " + e);
                break;
            }
            Thread sender = new Thread(() -> {
                try (connection) {
                    send(connection);
                } catch (IpcException e) {
                    failures.add("send: " + e);
                }
            });
            sender.start();
            senders.add(sender);
        }
        return senders;
    }

    private static void send(Connection connection) throws IpcException {
        for (int s = 0; s < PACKETS; s += 100) {
            List<Packet> batch = new ArrayList<>();
            for (int i = s; i < s + 100; i++) {
                batch.add(ShmPeerMain.packet(i));
            }
            connection.send(batch, WAIT);
        }
        connection.sendEnd(WAIT);
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
            assertFalse(thread.isAlive(), thread + " did not end");
        }
    }

    private static List<String> entries(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void awaitServerSide(ControlFile control) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (control.server().state() == Side.NONE && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(1_000_000); // a word in shared memory: there is nothing to wait on
        }
    }

    private static Path awaitAnnouncement(Path server) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try (Stream<Path> entries = Files.list(server)) {
                Optional<Path> announced = entries.filter(
                                p -> p.getFileName().toString().startsWith(ShmFiles.CONNECTION))
                        .findFirst();
                if (announced.isPresent()) {
                    return announced.get();
                }
            }
            LockSupport.parkNanos(1_000_000); // polling the file system: there is nothing to wait on
        }
        throw new AssertionError("no client announced itself in " + server);
    }

    /** One client in this JVM reading a checked stream that the server sends it. */
    private static final class LocalServe implements AutoCloseable {
        private final CompletableFuture<String> reading;

        private LocalServe(CompletableFuture<String> reading) {
            this.reading = reading;
        }

        static LocalServe start(ShmTransport transport, Server server) throws IpcException {
            CompletableFuture<String> reading =
                    CompletableFuture.supplyAsync(() -> ShmPeerMain.read(transport, server.name()));
            try (Connection connection = server.accept(WAIT)) {
                send(connection);
            }
            return new LocalServe(reading);
        }

        String result() throws Exception {
            return reading.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            reading.cancel(true);
        }
    }
}
