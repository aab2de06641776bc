package dev.packetipc.inprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Packet;
import dev.packetipc.PacketSubscriber;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The in-process transport's own behaviour; the conformance suite checks the shared contract on top of this. */
@Timeout(30)
class InProcessTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final InProcessTransport transport = new InProcessTransport();

    private static Packet packet(long ts, String text) {
        return Packet.of(ts, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(IpcPacket p) {
        return new String(p.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void receiveReturnsUpToTheLimitThenDrainsAfterTheEndThenEmptyForever() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name());
                Connection connection = server.accept(WAIT)) {
            connection.send(List.of(packet(1, "a"), packet(2, "b"), packet(3, "c")));
            connection.send(List.of(packet(4, "d")));
            connection.sendEnd();

            List<IpcPacket> first = client.receivePackets(2, WAIT).orElseThrow();
            assertEquals(
                    List.of("a", "b"),
                    first.stream().map(InProcessTransportTest::text).collect(Collectors.toList()));
            List<IpcPacket> second = client.receivePackets(10, WAIT).orElseThrow();
            assertEquals(
                    List.of("c", "d"),
                    second.stream().map(InProcessTransportTest::text).collect(Collectors.toList()));
            assertEquals(
                    List.of(3L, 4L),
                    second.stream().map(IpcPacket::timestampNanos).collect(Collectors.toList()));
            assertTrue(client.isEndOfStreamReceived());
            for (int i = 0; i < 3; i++) {
                assertEquals(Optional.empty(), client.receivePackets(10, WAIT));
                assertEquals(Client.END_OF_STREAM, client.poll(p -> {}, 10));
            }
            assertEquals(4, connection.packetsSent());
            assertEquals(4, connection.bytesSent());
            assertEquals(2, connection.batchesSent());
        }
    }

    @Test
    void pollHandsOutOneReusedFlyweightThatCanBeCopied() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name());
                Connection connection = server.accept(WAIT)) {
            connection.send(List.of(packet(10, "xy"), packet(-5, ""), packet(Long.MAX_VALUE, "zzz")));
            List<IpcPacket> seen = new ArrayList<>();
            List<Packet> copies = new ArrayList<>();
            int n = client.poll(
                    p -> {
                        seen.add(p);
                        copies.add(p.toPacket());
                    },
                    10,
                    WAIT);
            assertEquals(3, n);
            assertTrue(seen.get(0) == seen.get(1) && seen.get(1) == seen.get(2), "one flyweight for every packet");
            assertEquals(List.of(packet(10, "xy"), packet(-5, ""), packet(Long.MAX_VALUE, "zzz")), copies);
            assertEquals(0, client.poll(p -> {}, 10), "nothing more is there and poll does not block");
        }
    }

    @Test
    void closeWithoutEndGivesPeerGoneAfterTheBufferedPackets() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name())) {
            Connection connection = server.accept(WAIT);
            connection.send(List.of(packet(1, "last words")));
            connection.close();
            assertFalse(connection.isOpen());
            assertEquals(
                    "last words",
                    text(client.receivePackets(5, WAIT).orElseThrow().get(0)));
            PeerGoneException e = assertThrows(PeerGoneException.class, () -> client.receivePackets(5, WAIT));
            assertTrue(e.getMessage().contains("without sending the end"), e.getMessage());
        }
    }

    @Test
    void aSlowClientMakesSendBlockAndSendWithTimeoutFailsClearly() throws Exception {
        IpcOptions small =
                IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, 4096).build();
        try (Server server = transport.newServer(small);
                Client client = transport.connect(server.name());
                Connection connection = server.accept(WAIT)) {
            List<Packet> batch = List.of(Packet.of(1, new byte[3000]));
            connection.send(batch);
            IpcTimeoutException e =
                    assertThrows(IpcTimeoutException.class, () -> connection.send(batch, Duration.ofMillis(50)));
            assertTrue(e.getMessage().contains("not receiving fast enough"), e.getMessage());
            Blocking blocked = new Blocking("blocked send", () -> {
                connection.send(batch);
                return null;
            });
            blocked.awaitBlockedIn("InProcessPipe", "send"); // really waiting for room, not merely not yet started
            assertFalse(blocked.outcome.isDone());
            assertEquals(1, client.receivePackets(1, WAIT).orElseThrow().size());
            assertEquals(null, blocked.outcome.get(10, TimeUnit.SECONDS), "the send finished once there was room");
            assertEquals(1, client.receivePackets(1, WAIT).orElseThrow().size());
        }
    }

    @Test
    void sendingToAClosedClientFailsWithPeerGone() throws Exception {
        try (Server server = transport.newServer()) {
            Client client = transport.connect(server.name());
            try (Connection connection = server.accept(WAIT)) {
                client.close();
                assertThrows(PeerGoneException.class, () -> connection.send(List.of(packet(1, "x"))));
                assertThrows(ClosedException.class, () -> client.receivePackets(1));
            }
        }
    }

    @Test
    void closeWakesABlockedReceiveAndABlockedAccept() throws Exception {
        Server server = transport.newServer();
        Client client = transport.connect(server.name());
        Blocking receive = new Blocking("blocked receive", () -> client.receivePackets(1));
        receive.awaitBlockedIn("InProcessPipe", "take");
        client.close();
        assertTrue(receive.outcome.get(10, TimeUnit.SECONDS) instanceof ClosedException);

        server.accept(WAIT).close();
        Blocking accept = new Blocking("blocked accept", server::accept);
        accept.awaitBlockedIn("InProcessServer", "accept");
        server.close();
        assertTrue(accept.outcome.get(10, TimeUnit.SECONDS) instanceof ClosedException);
        assertThrows(NoSuchServerException.class, () -> transport.connect(server.name()));
    }

    @Test
    void timeoutsAreReportedAsTimeouts() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name())) {
            assertThrows(IpcTimeoutException.class, () -> client.receivePackets(1, Duration.ofMillis(20)));
            assertEquals(0, client.poll(p -> {}, 1, Duration.ofMillis(20)));
            server.accept(WAIT).close();
            assertThrows(IpcTimeoutException.class, () -> server.accept(Duration.ofMillis(20)));
        }
    }

    @Test
    void hugeTimeoutsMeanForeverAndNegativeOnesAreArgumentErrors() throws Exception {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name());
                Connection connection = server.accept(huge)) {
            connection.send(List.of(packet(1, "x")), huge);
            assertEquals(1, client.receivePackets(1, huge).orElseThrow().size());
            assertThrows(IllegalArgumentException.class, () -> server.accept(Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> connection.send(List.of(), Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> client.receivePackets(1, Duration.ofMillis(-1)));
        }
    }

    @Test
    void aTakenNameIsRefusedAndAnUnknownNameFailsFast() throws Exception {
        IpcOptions named =
                IpcOptions.builder().set(IpcOptions.SERVER_NAME, "fixed").build();
        try (Server server = transport.newServer(named)) {
            assertEquals("inprocess:fixed", server.name());
            IpcException e = assertThrows(IpcException.class, () -> transport.newServer(named));
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
        }
        NoSuchServerException e =
                assertThrows(NoSuchServerException.class, () -> transport.connect("inprocess:nobody-home"));
        assertTrue(e.getMessage().contains("inprocess:nobody-home"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> transport.connect("unix:///tmp/x.sock"));
    }

    @Test
    void transferSendsAStreamInBatchesThenTheEndAndTheClientStreamEndsThere() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name());
                Connection connection = server.accept(WAIT)) {
            long sent = connection.transfer(IntStream.range(0, 25).mapToObj(i -> packet(i, "p" + i)), 10);
            assertEquals(25, sent);
            assertEquals(3, connection.batchesSent());
            try (Stream<IpcPacket> stream = client.stream()) {
                List<String> got = stream.map(InProcessTransportTest::text).collect(Collectors.toList());
                assertEquals(IntStream.range(0, 25).mapToObj(i -> "p" + i).collect(Collectors.toList()), got);
            }
        }
    }

    @Test
    void theFlowSubscriberSendsWithBackpressureAndEndsTheStream() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name());
                Connection connection = server.accept(WAIT)) {
            PacketSubscriber subscriber = connection.subscriber(4);
            try (SubmissionPublisher<AsIpcPacket> publisher = new SubmissionPublisher<>()) {
                publisher.subscribe(subscriber);
                for (int i = 0; i < 10; i++) {
                    publisher.submit(packet(i, "f" + i));
                }
            }
            assertEquals(10L, subscriber.completion().get(10, TimeUnit.SECONDS));
            List<IpcPacket> all = new ArrayList<>();
            Optional<List<IpcPacket>> batch;
            while ((batch = client.receivePackets(100, WAIT)).isPresent()) {
                all.addAll(batch.get());
            }
            assertEquals(10, all.size());
            assertArrayEquals("f9".getBytes(StandardCharsets.UTF_8), all.get(9).toByteArray());
        }
    }

    @Test
    void eachClientGetsItsOwnStream() throws Exception {
        try (Server server = transport.newServer();
                Client one = transport.connect(server.name());
                Client two = transport.connect(server.name());
                Connection first = server.accept(WAIT);
                Connection second = server.accept(WAIT)) {
            first.send(List.of(packet(1, "one")));
            second.send(List.of(packet(2, "two")));
            assertEquals("one", text(one.receivePackets(5, WAIT).orElseThrow().get(0)));
            assertEquals("two", text(two.receivePackets(5, WAIT).orElseThrow().get(0)));
        }
    }

    @Test
    void aRejectedPacketLimitIsAnArgumentError() throws Exception {
        try (Server server = transport.newServer();
                Client client = transport.connect(server.name())) {
            assertThrows(IllegalArgumentException.class, () -> client.receivePackets(0));
            assertThrows(IllegalArgumentException.class, () -> client.poll(p -> {}, -1));
        }
    }

    interface Call {
        Object run() throws Exception;
    }

    /** A call on a thread of its own, whose outcome is what it threw ({@code null} if it returned). */
    private static final class Blocking {
        final CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        private final Thread thread;

        Blocking(String name, Call call) {
            thread = new Thread(
                    () -> {
                        try {
                            call.run();
                            outcome.complete(null);
                        } catch (Throwable t) {
                            outcome.complete(t);
                        }
                    },
                    name);
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Returns once the thread is parked (WAITING or TIMED_WAITING) inside {@code className.method}, so that what the
         * test does next happens to a thread that is really blocked there; fails after 10 s or if the call ended.
         */
        void awaitBlockedIn(String className, String method) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!isBlockedIn(className, method)) {
                if (outcome.isDone()) {
                    throw new AssertionError(thread.getName() + " ended instead of blocking: " + outcome.join());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(thread.getName() + " did not block in " + className + "." + method
                            + " within 10 s; it is " + thread.getState());
                }
                Thread.onSpinWait();
            }
        }

        private boolean isBlockedIn(String className, String method) {
            Thread.State state = thread.getState();
            if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
                return false;
            }
            for (StackTraceElement frame : thread.getStackTrace()) {
                if (frame.getClassName().endsWith("." + className)
                        && frame.getMethodName().equals(method)) {
                    return true;
                }
            }
            return false;
        }
    }
}
