package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SIGKILL of a server or client process at each phase, with random timing, the survivor in this JVM: it reports an
 * {@link IpcException} within the transport's bound, everything it received is a gapless, intact prefix of what was
 * sent, a new server (under a fresh name) or a new client is served in full afterwards, and no descriptor, thread or
 * runtime file is left.
 */
@ExtendWith(Results.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "uses /proc, kill(1) and Linux file modes; runs on Linux only")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class CrashMatrixTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SIZE = 200;

    private long worstMillis;
    private int runs;

    // ---- the server is killed; the client in this JVM survives ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of the server process 0-40 ms after the client's connect began (handshake)",
            bound = "connect or the first receive throws IpcException within the transport's bound; a new server"
                    + " serves a full stream; no leak")
    void serverKilledDuringTheHandshake(Transports transport, TestInfo context) throws Exception {
        Resources before = Resources.now();
        for (int i = 0; i < transport.runs(); i++) {
            try (ChildJvm server = Children.peer("server", transport.id, "stream", "1000000", "" + SIZE)) {
                long pid = Children.pid(server);
                String name = server.awaitLine("NAME ", Children.STARTUP);
                AtomicReference<Long> killedAt = new AtomicReference<>();
                CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                    try (Client c = PacketIpc.connect(name)) {
                        drainUntilError(c, killedAt, transport);
                    } catch (IpcException e) {
                        checkBound(killedAt, transport, e);
                    }
                });
                Thread.sleep(ThreadLocalRandom.current().nextInt(40)); // random timing of the injection
                killedAt.set(System.nanoTime());
                Children.kill(server, pid);
                client.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
        restartedServerServesAFullStream(transport);
        before.assertNothingLeftSince("killing servers during the handshake", Set.of());
        observe(context, transport);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of the server process at a random moment (20-300 ms) while it streams batches",
            bound = "receive throws IpcException within the bound; what arrived is a gapless intact prefix; no leak")
    void serverKilledMidBatch(Transports transport, TestInfo context) throws Exception {
        Resources before = Resources.now();
        for (int i = 0; i < transport.runs(); i++) {
            try (ChildJvm server = Children.peer("server", transport.id, "flood", "0", "" + SIZE)) {
                long pid = Children.pid(server);
                String name = server.awaitLine("NAME ", Children.STARTUP);
                try (Client client = PacketIpc.connect(name)) {
                    Checked.Receiver checker = new Checked.Receiver();
                    client.receivePackets(256, WAIT).orElseThrow().forEach(checker::accept);
                    AtomicReference<Long> killedAt = new AtomicReference<>();
                    CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
                        try {
                            while (true) {
                                client.receivePackets(256, WAIT).orElseThrow().forEach(checker::accept);
                            }
                        } catch (IpcException e) {
                            checkBound(killedAt, transport, e);
                        }
                    });
                    Thread.sleep(20 + ThreadLocalRandom.current().nextInt(280)); // random timing
                    killedAt.set(System.nanoTime());
                    Children.kill(server, pid);
                    reading.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertTrue(checker.count() > 0);
                }
            }
        }
        restartedServerServesAFullStream(transport);
        before.assertNothingLeftSince("killing streaming servers", Set.of());
        observe(context, transport);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of an idle server while the client is blocked in receivePackets",
            bound = "the blocked receive throws IpcException within the bound; no leak")
    void serverKilledWhileTheClientIsBlockedInReceive(Transports transport, TestInfo context) throws Exception {
        Resources before = Resources.now();
        for (int i = 0; i < transport.runs(); i++) {
            try (ChildJvm server = Children.peer("server", transport.id, "idle", "500", "" + SIZE)) {
                long pid = Children.pid(server);
                String name = server.awaitLine("NAME ", Children.STARTUP);
                try (Client client = PacketIpc.connect(name)) {
                    server.awaitLine("SENT", WAIT);
                    Checked.Receiver checker = new Checked.Receiver();
                    while (checker.count() < 500) {
                        client.receivePackets(256, WAIT).orElseThrow().forEach(checker::accept);
                    }
                    AtomicReference<Long> killedAt = new AtomicReference<>();
                    AtomicReference<Thread> reader = new AtomicReference<>();
                    CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                        reader.set(Thread.currentThread());
                        try {
                            Optional<List<IpcPacket>> more = client.receivePackets(256, WAIT);
                            fail("a receive after the server died returned " + more);
                        } catch (IpcException e) {
                            checkBound(killedAt, transport, e);
                        }
                    });
                    awaitBlockedInReceive(reader);
                    Thread.sleep(ThreadLocalRandom.current().nextInt(200)); // random timing
                    killedAt.set(System.nanoTime());
                    Children.kill(server, pid);
                    blocked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            }
        }
        restartedServerServesAFullStream(transport);
        before.assertNothingLeftSince("killing idle servers", Set.of());
        observe(context, transport);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of the server after it sent END and before it closed, the client not yet reading",
            bound = "the client gets every packet then the end, or an IpcException; never a gap; no leak")
    void serverKilledAfterEndBeforeClose(Transports transport, TestInfo context) throws Exception {
        Resources before = Resources.now();
        int complete = 0;
        List<String> errors = new java.util.ArrayList<>();
        for (int i = 0; i < transport.runs(); i++) {
            try (ChildJvm server = Children.peer("server", transport.id, "end", "700", "" + SIZE)) {
                long pid = Children.pid(server);
                String name = server.awaitLine("NAME ", Children.STARTUP);
                try (Client client = PacketIpc.connect(name)) {
                    server.awaitLine("ENDED", WAIT);
                    Children.kill(server, pid);
                    Checked.Receiver checker = new Checked.Receiver();
                    try {
                        Optional<List<IpcPacket>> batch;
                        while ((batch = client.receivePackets(256, WAIT)).isPresent()) {
                            batch.get().forEach(checker::accept);
                        }
                        assertEquals(700, checker.count(), "the end came after every packet");
                        complete++;
                    } catch (IpcException e) {
                        runs++; // an error is allowed; what arrived was checked
                        errors.add(e.getClass().getSimpleName() + " after " + checker.count() + " packets");
                    }
                }
            }
        }
        restartedServerServesAFullStream(transport);
        before.assertNothingLeftSince("killing servers after the end", Set.of());
        Results.observe(
                Results.id(context),
                complete + " of " + transport.runs() + " runs delivered all 700"
                        + " packets and the end after the server died"
                        + (errors.isEmpty() ? "" : "; the others: " + String.join(", ", errors)));
    }

    // ---- the client is killed; the server in this JVM survives ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of the client process at a random moment of its start and handshake (0-1.5 s)",
            bound = "the server's accept or send fails or times out cleanly, it then serves a new client in full; no"
                    + " leak after close")
    void clientKilledDuringTheHandshake(Transports transport, TestInfo context) throws Exception {
        Resources before = Resources.now();
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            for (int i = 0; i < transport.runs(); i++) {
                try (ChildJvm client = Children.peer("client", server.name(), "read", "0")) {
                    long pid = Children.pid(client);
                    Thread.sleep(ThreadLocalRandom.current().nextInt(1500)); // random timing
                    Children.kill(client, pid);
                }
                try {
                    Connection connection = server.accept(Duration.ofMillis(500));
                    try (connection) {
                        while (true) {
                            connection.send(Checked.batch(0, 64, SIZE), WAIT);
                        }
                    }
                } catch (IpcException e) {
                    runs++; // no connection, or a dead one: either is a clean error
                }
            }
            serverServesANewClientInFull(server);
        }
        before.assertNothingLeftSince("killing clients during the handshake", Set.of());
        observe(context, transport);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of a reading client at a random moment (after its first 1000 packets + 0-300 ms)",
            bound = "the server's send throws IpcException within the bound; a new client is served in full; no leak")
    void clientKilledMidBatch(Transports transport, TestInfo context) throws Exception {
        clientKilledWhileServerSends(transport, "read", "GOT ", context);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of a client that never reads, while the server is blocked in send on a full buffer",
            bound = "the blocked send throws IpcException within the bound; a new client is served in full; no leak")
    void clientKilledWhileTheServerIsBlockedInSend(Transports transport, TestInfo context) throws Exception {
        clientKilledWhileServerSends(transport, "stall", "CONNECTED", context);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transports.class)
    @Proves(
            injects = "SIGKILL of a client after it received END and before it closed",
            bound = "the server's close returns within 5 s without error; a new client is served in full; no leak")
    void clientKilledAfterEndBeforeClose(Transports transport, TestInfo context) throws Exception {
        Resources before = Resources.now();
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            for (int i = 0; i < transport.runs(); i++) {
                try (ChildJvm client = Children.peer("client", server.name(), "hold", "0")) {
                    long pid = Children.pid(client);
                    Connection connection = server.accept(WAIT);
                    connection.send(Checked.batch(0, 300, SIZE), WAIT);
                    connection.sendEnd(WAIT);
                    assertEquals("300", client.awaitLine("OK ", WAIT), client.describe());
                    Children.kill(client, pid);
                    long start = System.nanoTime();
                    connection.close();
                    long took = System.nanoTime() - start;
                    worstMillis = Math.max(worstMillis, took / 1_000_000);
                    assertTrue(took < Duration.ofSeconds(5).toNanos(), "close took " + took / 1_000_000 + " ms");
                    runs++;
                }
            }
            serverServesANewClientInFull(server);
        }
        before.assertNothingLeftSince("killing clients after the end", Set.of());
        observe(context, transport);
    }

    private void clientKilledWhileServerSends(Transports transport, String mode, String killAfter, TestInfo context)
            throws Exception {
        Resources before = Resources.now();
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            for (int i = 0; i < transport.runs(); i++) {
                try (ChildJvm client = Children.peer("client", server.name(), mode, "0")) {
                    long pid = Children.pid(client);
                    Connection connection = server.accept(WAIT);
                    AtomicReference<Long> killedAt = new AtomicReference<>();
                    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                        long sequence = 0;
                        try (connection) {
                            while (true) {
                                connection.send(Checked.batch(sequence, 64, SIZE), WAIT);
                                sequence += 64;
                            }
                        } catch (IpcException e) {
                            checkBound(killedAt, transport, e);
                        }
                    });
                    client.awaitLine(killAfter, WAIT);
                    if ("stall".equals(mode)) {
                        awaitSendBlocked(connection);
                    }
                    Thread.sleep(ThreadLocalRandom.current().nextInt(300)); // random timing
                    killedAt.set(System.nanoTime());
                    Children.kill(client, pid);
                    sending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            }
            serverServesANewClientInFull(server);
        }
        before.assertNothingLeftSince("killing clients while the server sends", Set.of());
        observe(context, transport);
    }

    // ---- helpers ----

    private void drainUntilError(Client client, AtomicReference<Long> killedAt, Transports transport) {
        Checked.Receiver checker = new Checked.Receiver();
        try {
            while (true) {
                Optional<List<IpcPacket>> batch = client.receivePackets(256, WAIT);
                if (batch.isEmpty()) {
                    fail("the stream ended cleanly although its server was killed");
                }
                batch.get().forEach(checker::accept);
            }
        } catch (IpcException e) {
            checkBound(killedAt, transport, e);
        }
    }

    private synchronized void checkBound(AtomicReference<Long> killedAt, Transports transport, IpcException e) {
        runs++;
        Long at = killedAt.get();
        if (at == null) {
            throw new AssertionError("an error before anything was killed", e);
        }
        long took = Math.max(0, (System.nanoTime() - at) / 1_000_000);
        worstMillis = Math.max(worstMillis, took);
        assertTrue(e.getMessage() != null && e.getMessage().length() > 20, "a message that says what happened: " + e);
        assertTrue(
                took <= transport.killedBound.toMillis(),
                "the survivor reported " + e + " only " + took + " ms after the kill; bound " + transport.killedBound);
    }

    private void observe(TestInfo context, Transports transport) {
        Results.observe(
                Results.id(context),
                runs + " errors checked in " + transport.runs() + " runs; slowest " + worstMillis + " ms");
    }

    /** A new server process under a fresh name accepts a new client, which receives a whole checked stream. */
    private static void restartedServerServesAFullStream(Transports transport) throws Exception {
        try (ChildJvm server = Children.peer("server", transport.id, "stream", "2000", "" + SIZE)) {
            long pid = Children.pid(server);
            String name = server.awaitLine("NAME ", Children.STARTUP);
            try (Client client = PacketIpc.connect(name)) {
                Checked.Receiver checker = new Checked.Receiver();
                Optional<List<IpcPacket>> batch;
                while ((batch = client.receivePackets(256, WAIT)).isPresent()) {
                    batch.get().forEach(checker::accept);
                }
                assertEquals(2000, checker.count());
            }
            assertEquals(0, server.awaitExit(WAIT), server.describe());
            assertTrue(pid > 0);
        }
    }

    private static void serverServesANewClientInFull(Server server) throws Exception {
        try (ChildJvm client = Children.peer("client", server.name(), "read", "0")) {
            try (Connection connection = server.accept(WAIT)) {
                for (int sequence = 0; sequence < 2000; sequence += 100) {
                    connection.send(Checked.batch(sequence, 100, SIZE), WAIT);
                }
                connection.sendEnd(WAIT);
            }
            assertEquals("2000", client.awaitLine("OK ", WAIT), client.describe());
            assertEquals(0, client.awaitExit(WAIT), client.describe());
        }
    }

    /** Waits until the reader thread is inside the transport's receive (not in this test's code). */
    static void awaitBlockedInReceive(AtomicReference<Thread> reader) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Thread t = reader.get();
            if (t != null) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getMethodName().contains("poll")
                            || frame.getMethodName().contains("read")
                            || frame.getMethodName().contains("await")
                            || frame.getMethodName().contains("park")) {
                        return;
                    }
                }
            }
            Thread.sleep(5); // checking the thread's state until the deadline
        }
        throw new AssertionError("the reader never blocked in receive");
    }

    /** Waits until the connection's sent count stops growing for 300 ms: its send is blocked on a full buffer. */
    static void awaitSendBlocked(Connection connection) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = -1;
        int still = 0;
        while (System.nanoTime() < deadline) {
            long now = connection.packetsSent();
            still = now == last && now > 0 ? still + 1 : 0;
            if (still >= 6) {
                return;
            }
            last = now;
            Thread.sleep(50); // sampling a counter until the deadline
        }
        throw new AssertionError("send never blocked");
    }
}
