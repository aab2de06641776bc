package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A peer frozen with SIGSTOP (alive, but never scheduled) for longer than the liveness bound: the survivor, blocked
 * in receive or in send, reports it with an {@link IpcException} other than its own time-out, within the bound.
 * shm's bound is its lease (5 s by default) plus 3 s of slack, unix's the default {@code
 * IpcOptions.LIVENESS_TIMEOUT} (5 s) plus 3 s; aeron's is its liveness time-outs (see {@link Transports#AERON}).
 */
@ExtendWith(Results.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "uses /proc, kill(1) and Linux file modes; runs on Linux only")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FrozenPeerTest {
    /** The bound: shm's default lease of 5 s plus 3 s for a loaded machine. */
    private static final Duration BOUND = Duration.ofSeconds(8);
    /** The survivor's own time-out, well past the bound, so that "not noticed" shows as a time-out. */
    private static final Duration PATIENCE = BOUND.plusSeconds(7);

    private long worstMillis;
    /** The bound of the transport under test: {@link #BOUND}, or aeron's own (see {@link Transports#AERON}). */
    private Duration bound = BOUND;

    @Test
    @Proves(
            injects = "SIGSTOP of an idle shm server while its client is blocked in receivePackets",
            bound = "PeerGone/IpcException (not a time-out) within 8 s (lease 5 s + 3 s)")
    void aFrozenShmServerIsNoticedByABlockedClient(TestInfo info) throws Exception {
        frozenServer(Transports.SHM, info);
    }

    @Test
    @Proves(
            injects = "SIGSTOP of an idle unix server while its client is blocked in receivePackets",
            bound = "PeerGoneException (not a time-out) within 8 s (IpcOptions.LIVENESS_TIMEOUT 5 s + 3 s)")
    void aFrozenUnixServerIsNoticedByABlockedClient(TestInfo info) throws Exception {
        frozenServer(Transports.UNIX, info);
    }

    @Test
    @Proves(
            injects = "SIGSTOP of an shm client while the server streams to it (the server blocks in send)",
            bound = "send throws IpcException (not a time-out) within 8 s")
    void aFrozenShmClientIsNoticedByABlockedSend(TestInfo info) throws Exception {
        frozenClient(Transports.SHM, info, false);
    }

    @Test
    @Proves(
            injects = "SIGSTOP of an shm client while the server sends, then SIGKILL of it, then server close",
            bound = "nothing of the server is left in the runtime directory after its close")
    void aFrozenThenKilledShmClientLeavesNothingAfterTheServerCloses(TestInfo info) throws Exception {
        frozenClient(Transports.SHM, info, true);
    }

    @Test
    @Proves(
            injects = "SIGSTOP of a unix client while the server streams to it (the server blocks in send)",
            bound = "send throws IpcException (not a time-out) within 8 s (IpcOptions.LIVENESS_TIMEOUT 5 s + 3 s)")
    void aFrozenUnixClientIsNoticedByABlockedSend(TestInfo info) throws Exception {
        frozenClient(Transports.UNIX, info, true);
    }

    @Test
    @Proves(
            injects = "SIGSTOP of an idle aeron server process (its embedded media driver frozen with it) while its"
                    + " client is blocked in receivePackets",
            bound = "PeerGone/IpcException (not a time-out) within 10 s (Aeron's image liveness time-out, 3 s in this"
                    + " module, plus its observed overshoot and slack)")
    void aFrozenAeronServerIsNoticedByABlockedClient(TestInfo info) throws Exception {
        bound = Transports.AERON.killedBound;
        frozenServer(Transports.AERON, info);
    }

    @Test
    @Proves(
            injects = "SIGSTOP of an aeron client process (and its media driver) while the server streams to it",
            bound = "send throws IpcException (not a time-out) within 10 s (Aeron's publication connection time-out,"
                    + " 2 s in this module, plus overshoot and slack)")
    void aFrozenAeronClientIsNoticedByABlockedSend(TestInfo info) throws Exception {
        bound = Transports.AERON.killedBound;
        frozenClient(Transports.AERON, info, true);
    }

    private Duration patience() {
        return bound.plus(PATIENCE.minus(BOUND));
    }

    private void frozenServer(Transports transport, TestInfo info) throws Exception {
        Resources before = Resources.now();
        for (int i = 0; i < Transports.repetitions(); i++) {
            try (ChildJvm server = Children.peer("server", transport.id, "idle", "100", "100")) {
                long pid = Children.pid(server);
                String name = server.awaitLine("NAME ", Children.STARTUP);
                try (Client client = PacketIpc.connect(name)) {
                    server.awaitLine("SENT", Children.STARTUP);
                    Checked.Receiver checker = new Checked.Receiver();
                    while (checker.count() < 100) {
                        client.receivePackets(256, Children.STARTUP)
                                .orElseThrow()
                                .forEach(checker::accept);
                    }
                    Children.signal("STOP", pid);
                    long start = System.nanoTime();
                    try {
                        client.receivePackets(256, patience());
                        fail("a receive from a frozen server returned");
                    } catch (IpcTimeoutException e) {
                        fail(transport.id + ": a frozen server was not noticed: the receive timed out after "
                                + patience() + " (" + e.getMessage() + ")");
                    } catch (IpcException e) {
                        note(start, e);
                    }
                } finally {
                    Children.signal("CONT", pid);
                    Children.kill(server, pid);
                }
            }
        }
        Results.observe(Results.id(info), Transports.repetitions() + " runs; slowest report " + worstMillis + " ms");
        before.assertNothingLeftSince("frozen servers", Set.of(transport == Transports.SHM ? "shm" : "s-", "aeron-"));
    }

    private void frozenClient(Transports transport, TestInfo info, boolean nothingLeft) throws Exception {
        Resources before = Resources.now();
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            for (int i = 0; i < Transports.repetitions(); i++) {
                try (ChildJvm client = Children.peer("client", server.name(), "read", "0")) {
                    long pid = Children.pid(client);
                    try (Connection connection = server.accept(Children.STARTUP)) {
                        connection.send(Checked.batch(0, 64, 100), Children.STARTUP);
                        client.awaitLine("CONNECTED", Children.STARTUP);
                        Children.signal("STOP", pid);
                        long start = System.nanoTime();
                        long sequence = 64;
                        try {
                            while (true) {
                                connection.send(Checked.batch(sequence, 64, 100), patience());
                                sequence += 64;
                                if (System.nanoTime() - start > patience().toNanos()) {
                                    fail(transport.id + ": sends to a frozen client still return after " + patience());
                                }
                            }
                        } catch (IpcTimeoutException e) {
                            fail(transport.id + ": a frozen client was not noticed: send timed out after " + patience()
                                    + " (" + e.getMessage() + ")");
                        } catch (IpcException e) {
                            note(start, e);
                        }
                    } finally {
                        Children.signal("CONT", pid);
                        Children.kill(client, pid);
                    }
                }
            }
        }
        Results.observe(Results.id(info), Transports.repetitions() + " runs; slowest report " + worstMillis + " ms");
        // A frozen shm client's files are kept while it lives (README); once it is dead, the server's close removes
        // them (the test with nothingLeft).
        // A killed aeron peer's embedded driver directory (aeron-<pid>-...) stays until the next aeron transport
        // starts in this runtime directory and removes those of dead processes, as a killed unix server's socket does.
        before.assertNothingLeftSince(
                "frozen clients",
                transport == Transports.AERON ? Set.of("aeron-") : nothingLeft ? Set.of() : Set.of("shm"));
    }

    private void note(long start, IpcException e) {
        long took = (System.nanoTime() - start) / 1_000_000;
        worstMillis = Math.max(worstMillis, took);
        assertTrue(took <= bound.toMillis(), "noticed only after " + took + " ms: " + e);
        assertTrue(e.getMessage() != null && e.getMessage().length() > 20, e.toString());
    }
}
