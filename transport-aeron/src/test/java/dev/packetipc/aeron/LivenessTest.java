package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.spi.HeartbeatScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link IpcOptions#LIVENESS_TIMEOUT} in one JVM, where the conformance rules R207-R210 (frozen and killed peers in
 * child JVMs) do not look: a peer that is idle but alive is never taken for a frozen one, however long it stays idle;
 * a client that lives but does not read makes a send time out, not fail; liveness off on either side turns it off for
 * the connection.
 *
 * <p>A frozen peer is played by {@link FrozenHeartbeats}: it holds this JVM's one heartbeat thread, so that no side
 * of any connection here sends a heartbeat, as if the peer's process were stopped, while both media drivers (this
 * JVM's embedded one) keep running, so Aeron's own time-outs never fire. Each test sees a connection with liveness on
 * notice this, so each fails on a transport without heartbeats, or with heartbeats that a frozen peer would still
 * send.
 */
@SuppressWarnings("try") // FrozenHeartbeats holds the heartbeat thread for the body of its try, unreferenced
class LivenessTest {
    private static final Duration LIVENESS = Duration.ofSeconds(1);
    /** Several liveness time-outs: how long an idle peer must be taken for alive. */
    private static final Duration IDLE = LIVENESS.multipliedBy(5);
    /** Far beyond the time-out: a call that waits this long was not cut short by the liveness rule. */
    private static final Duration LONG = Duration.ofSeconds(20);

    private static IpcOptions liveness(Duration timeout) {
        return IpcOptions.builder().set(IpcOptions.LIVENESS_TIMEOUT, timeout).build();
    }

    /** A server, one client and its connection, each side with its own liveness time-out. */
    private record Pair(Server server, Client client, Connection connection) implements AutoCloseable {
        static Pair open(Duration serverLiveness, Duration clientLiveness) throws Exception {
            AeronTransport transport = new AeronTransport();
            Server server = transport.newServer(liveness(serverLiveness));
            try {
                Client client = transport.connect(server.name(), liveness(clientLiveness));
                try {
                    return new Pair(server, client, server.accept(LocalPair.WAIT));
                } catch (Exception | Error e) {
                    client.close();
                    throw e;
                }
            } catch (Exception | Error e) {
                server.close();
                throw e;
            }
        }

        /** Sends until the client's window is full, so the next send has to wait for room. */
        void fillWindow() throws IpcException {
            List<Packet> batch = batch();
            for (int i = 0; i < 10_000; i++) {
                try {
                    connection.send(batch, Duration.ofMillis(300));
                } catch (IpcTimeoutException e) {
                    return;
                }
            }
            throw new AssertionError("the window of a client that does not read never filled");
        }

        @Override
        public void close() {
            client.close();
            connection.close();
            server.close();
        }
    }

    private static List<Packet> batch() {
        List<Packet> batch = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            batch.add(Packet.of(i, new byte[1024]));
        }
        return batch;
    }

    /**
     * Holds this JVM's one heartbeat thread until closed, so that no heartbeat is sent, and no WELCOME looked for,
     * on any connection: a frozen peer, seen from either side.
     */
    private static final class FrozenHeartbeats implements AutoCloseable {
        private final CountDownLatch holding = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final ScheduledFuture<?> task;

        FrozenHeartbeats() throws InterruptedException {
            task = HeartbeatScheduler.every(1, () -> {
                holding.countDown();
                try {
                    release.await(LocalPair.WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(holding.await(LocalPair.WAIT.toSeconds(), TimeUnit.SECONDS), "the heartbeat thread never ran");
        }

        @Override
        public void close() {
            task.cancel(false);
            release.countDown();
        }
    }

    /** What {@code call} threw, waiting at most {@code wait}; fails if it returned. */
    private static Throwable failure(CompletableFuture<?> call, Duration wait) throws Exception {
        try {
            Object result = call.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure, got " + result);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    /** Runs {@code call} on a thread of its own (not the common pool, which may have one thread here). */
    private static <T> CompletableFuture<T> async(Call<T> call) {
        CompletableFuture<T> future = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                future.complete(call.run());
            } catch (Exception | Error e) {
                future.completeExceptionally(e);
            }
        });
        thread.setDaemon(true);
        thread.start();
        return future;
    }

    private static void assertSilent(Throwable e, String who) {
        assertTrue(e instanceof PeerGoneException, "expected PeerGoneException, got " + e);
        assertTrue(
                e.getMessage().startsWith(who) && e.getMessage().contains("showed no sign of life for 1000 ms"),
                e.getMessage());
        assertTrue(e.getMessage().contains("IpcOptions.LIVENESS_TIMEOUT"), e.getMessage());
    }

    /**
     * A server that sends nothing for five time-outs is alive: the client's receive waits for its own time-out and
     * the server's packet then arrives. Once its heartbeats stop (the server "frozen"), the waiting receive throws
     * {@link PeerGoneException} saying the server showed no sign of life, long before the receive's own time-out.
     */
    @Test
    void anIdleServerIsAliveAndAFrozenOneIsReportedToAWaitingReceive() throws Exception {
        try (Pair pair = Pair.open(LIVENESS, LIVENESS)) {
            assertThrows(IpcTimeoutException.class, () -> pair.client.receivePackets(10, IDLE));
            pair.connection.send(List.of(Packet.of(7, new byte[] {1, 2, 3})));
            Optional<List<IpcPacket>> got = pair.client.receivePackets(10, LocalPair.WAIT);
            assertEquals(7, got.orElseThrow().get(0).timestampNanos());
            try (FrozenHeartbeats frozen = new FrozenHeartbeats()) {
                long start = System.nanoTime();
                CompletableFuture<?> receiving = async(() -> pair.client.receivePackets(10, LONG));
                assertSilent(failure(receiving, LONG.plus(LocalPair.WAIT)), "the server " + pair.server.name());
                System.out.println("[aeron liveness] a waiting receive saw the server silent "
                        + (System.nanoTime() - start) / 1_000_000 + " ms after its heartbeats stopped (time-out "
                        + LIVENESS.toMillis() + " ms)");
            }
            // the verdict stands
            assertThrows(PeerGoneException.class, () -> pair.client.receivePackets(10, Duration.ZERO));
        }
    }

    /**
     * A client that lives but does not read (it never even polls for the server's WELCOME) makes a send that waits
     * for room time out with {@link IpcTimeoutException} after five liveness time-outs: it is slow, not gone. Once its
     * heartbeats stop (the client "frozen"), a send that waits for room fails with {@link PeerGoneException} saying
     * the client showed no sign of life, long before the send's own time-out.
     */
    @Test
    void aClientThatDoesNotReadMakesSendTimeOutAndAFrozenOneMakesItFail() throws Exception {
        try (Pair pair = Pair.open(LIVENESS, LIVENESS)) {
            pair.fillWindow();
            IpcTimeoutException slow =
                    assertThrows(IpcTimeoutException.class, () -> pair.connection.send(batch(), IDLE));
            assertTrue(slow.getMessage().contains("did not make room within " + IDLE), slow.getMessage());
            try (FrozenHeartbeats frozen = new FrozenHeartbeats()) {
                long start = System.nanoTime();
                CompletableFuture<?> sending = async(() -> {
                    pair.connection.send(batch(), LONG);
                    return null;
                });
                assertSilent(failure(sending, LONG.plus(LocalPair.WAIT)), "the client of " + pair.server.name());
                System.out.println("[aeron liveness] a send waiting for room saw the client silent "
                        + (System.nanoTime() - start) / 1_000_000 + " ms after its heartbeats stopped (time-out "
                        + LIVENESS.toMillis() + " ms)");
            }
            assertThrows(PeerGoneException.class, () -> pair.connection.send(batch(), Duration.ZERO));
        }
    }

    /**
     * With liveness off on the client, or on the server, neither side of that connection is held to it: while no
     * heartbeat is sent in this JVM, their receive and send wait for their own time-outs, while those of a
     * connection with liveness on both sides, waiting alongside, report the peer gone. A connection that outlives its
     * server, whose control subscription (where the client's heartbeats land) closed with it, does not take its
     * client for silent either: its send waits for its own time-out too.
     */
    @Test
    void livenessOffOnEitherSideIsOffForTheConnection() throws Exception {
        Duration wait = LIVENESS.multipliedBy(4);
        try (Pair on = Pair.open(LIVENESS, LIVENESS);
                Pair clientOff = Pair.open(LIVENESS, Duration.ZERO);
                Pair serverOff = Pair.open(Duration.ZERO, LIVENESS)) {
            List<Pair> off = List.of(clientOff, serverOff);
            // the clients wait for packets of an idle server
            try (FrozenHeartbeats frozen = new FrozenHeartbeats()) {
                CompletableFuture<?> onReceiving = async(() -> on.client.receivePackets(10, wait));
                List<CompletableFuture<?>> offReceiving = new ArrayList<>();
                for (Pair pair : off) {
                    offReceiving.add(async(() -> pair.client.receivePackets(10, wait)));
                }
                assertSilent(failure(onReceiving, wait.plus(LocalPair.WAIT)), "the server " + on.server.name());
                for (CompletableFuture<?> receiving : offReceiving) {
                    Throwable e = failure(receiving, wait.plus(LocalPair.WAIT));
                    assertTrue(e instanceof IpcTimeoutException, "liveness off on one side, yet: " + e);
                }
            }
            // the servers wait for room at clients that do not read
            Pair orphan = Pair.open(LIVENESS, LIVENESS);
            Pair on2 = Pair.open(LIVENESS, LIVENESS);
            try (orphan;
                    on2) {
                orphan.server.close();
                List<Pair> notHeld = List.of(clientOff, serverOff, orphan);
                for (Pair pair : notHeld) {
                    pair.fillWindow();
                }
                on2.fillWindow();
                try (FrozenHeartbeats frozen = new FrozenHeartbeats()) {
                    CompletableFuture<?> onSending = async(() -> {
                        on2.connection.send(batch(), wait);
                        return null;
                    });
                    List<CompletableFuture<?>> offSending = new ArrayList<>();
                    for (Pair pair : notHeld) {
                        offSending.add(async(() -> {
                            pair.connection.send(batch(), wait);
                            return null;
                        }));
                    }
                    assertSilent(failure(onSending, wait.plus(LocalPair.WAIT)), "the client of " + on2.server.name());
                    for (CompletableFuture<?> sending : offSending) {
                        Throwable e = failure(sending, wait.plus(LocalPair.WAIT));
                        assertTrue(e instanceof IpcTimeoutException, "not held to liveness, yet: " + e);
                    }
                }
            }
        }
    }
}
