package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Handshakes under pressure: peers that connect and say nothing (or stop in the middle of a HELLO) do not delay a
 * real client's handshake, and a client's connect time-out counts from the start of {@code connect()} and says how
 * long it really waited.
 */
@Timeout(120)
class HandshakeStarvationTest {
    private static final int SILENT_PEERS = 16;
    /** The real client's whole connect must fit in this, although the server gives each silent peer 30 s. */
    private static final Duration CLIENT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final UnixTransport transport = new UnixTransport();

    @ParameterizedTest(name = "16 peers that send {0} bytes of a HELLO and stop delay no other client")
    @ValueSource(ints = {0, 1})
    void stalledPeersDelayNoOtherClientsHandshake(int bytesSent) throws Exception {
        List<AFUNIXSocket> stalled = new ArrayList<>();
        try (Server server = transport.newServer()) { // the default 30 s for the HELLO
            // one handshake first, so that the one measured does not load the classes of this JVM's first one
            CompletableFuture<Connection> warm = acceptInBackground(server);
            try (Client client = transport.connect(server.name());
                    Connection connection = warm.get(30, TimeUnit.SECONDS)) {
                connection.sendEnd();
                assertTrue(client.receivePackets(1, RoundTrip.WAIT).isEmpty());
            }
            CompletableFuture<Connection> accepted = acceptInBackground(server);
            for (int i = 0; i < SILENT_PEERS; i++) {
                AFUNIXSocket peer = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(
                        SocketPath.forClient(server.name()).toFile()));
                stalled.add(peer);
                peer.getOutputStream().write(RawFrames.hello(1, 1), 0, bytesSent);
            }
            // the backlog is first in, first out: the server takes all the stalled peers before this client
            IpcOptions impatient = IpcOptions.builder()
                    .set(IpcOptions.CONNECT_TIMEOUT, CLIENT_CONNECT_TIMEOUT)
                    .build();
            try (Client client = transport.connect(server.name(), impatient);
                    Connection connection = accepted.get(30, TimeUnit.SECONDS)) {
                connection.send(List.of(Packet.of(7, new byte[] {7})));
                assertEquals(
                        7,
                        client.receivePackets(1, RoundTrip.WAIT)
                                .orElseThrow()
                                .get(0)
                                .timestampNanos());
            }
        } finally {
            for (AFUNIXSocket peer : stalled) {
                peer.close();
            }
        }
    }

    @Test
    void theConnectTimeoutCountsFromTheStartOfConnectAndItsMessageSaysHowLongItWaited() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        Pattern gaveUp = Pattern.compile("gave up after (\\d+) ms in all");
        try (RoomLater server = new RoomLater()) {
            IpcOptions options = IpcOptions.builder()
                    .set(IpcOptions.CONNECT_TIMEOUT, timeout)
                    .build();
            long start = System.nanoTime();
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return transport.connect(server.name(), options);
                } catch (IpcException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            // the connect spends a part of its time retrying against the full backlog; then there is room, and the
            // handshake must have only what is left (the old code's message named only that rest)
            TimeUnit.MILLISECONDS.sleep(timeout.toMillis() / 2);
            server.makeRoom();
            ExecutionException e = assertThrows(ExecutionException.class, () -> connecting.get(30, TimeUnit.SECONDS));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            IpcTimeoutException timedOut = assertInstanceOf(IpcTimeoutException.class, e.getCause());
            Matcher m = gaveUp.matcher(timedOut.getMessage());
            assertTrue(m.find(), timedOut.getMessage());
            long reported = Long.parseLong(m.group(1));
            assertTrue(
                    reported >= timeout.toMillis() && reported <= elapsedMillis,
                    "reported " + reported + " ms; the limit is " + timeout.toMillis() + " ms and the test saw "
                            + elapsedMillis + " ms: " + timedOut.getMessage());
            assertTrue(timedOut.getMessage().contains("IpcOptions.CONNECT_TIMEOUT is 1500 ms"), timedOut.getMessage());
            assertTrue(server.handshakeStarted(), "the connection was never made: this tested only the backlog");
        }
    }

    /**
     * A fresh process's first connect loads junixsocket's and JNA's native libraries and classes (in a storm of
     * starting JVMs that took longer than the whole default time-out, issue 21). The time-out counts only from the
     * end of that, and the message says how long each part took.
     */
    @Test
    void aProcesssFirstConnectDoesNotCountLoadingTheNativeLibrariesAndSaysHowLongItTook() throws Exception {
        long timeoutMillis = 300;
        Pattern parts = Pattern.compile("gave up after (\\d+) ms in all \\(IpcOptions.CONNECT_TIMEOUT is "
                + timeoutMillis + " ms; this process's first connect first spent (\\d+) ms loading junixsocket's and"
                + " JNA's native libraries and classes, which is done once per process and not counted, then (\\d+) ms"
                + " counted\\)");
        try (RoomLater server = new RoomLater();
                dev.packetipc.conformance.ChildJvm child =
                        UnixPeerMain.start("first-connect", server.name(), Long.toString(timeoutMillis))) {
            String line = child.awaitLine("TIMEOUT ", Duration.ofSeconds(60));
            long elapsed = Long.parseLong(line.substring(0, line.indexOf(' ')));
            Matcher m = parts.matcher(line);
            assertTrue(m.find(), "the first connect's message does not say what it loaded first: " + line);
            long inAll = Long.parseLong(m.group(1));
            long loading = Long.parseLong(m.group(2));
            long counted = Long.parseLong(m.group(3));
            assertTrue(counted >= timeoutMillis, "it gave up after " + counted + " ms counted: " + line);
            assertTrue(loading > 0, "loading the native libraries took no time at all?: " + line);
            assertTrue(loading + counted <= inAll + 1 && inAll <= elapsed, line);
            assertTrue(line.contains("backlog is full"), "the last step must be named: " + line);
        }
    }

    @Test
    void aFullBacklogTimeOutSaysHowLongItWaited() throws Exception {
        try (RoomLater server = new RoomLater()) {
            IpcOptions options = IpcOptions.builder()
                    .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMillis(300))
                    .build();
            IpcTimeoutException e =
                    assertThrows(IpcTimeoutException.class, () -> transport.connect(server.name(), options));
            assertTrue(e.getMessage().matches("(?s).*gave up after \\d+ ms in all.*backlog is full.*"), e.getMessage());
        }
    }

    private static CompletableFuture<Connection> acceptInBackground(Server server) {
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        accepted.complete(server.accept(Duration.ofSeconds(60)));
                    } catch (IpcException | RuntimeException e) {
                        accepted.completeExceptionally(e);
                    }
                },
                "starvation-accept");
        thread.setDaemon(true);
        thread.start();
        return accepted;
    }

    /** A raw server whose backlog is full until {@link #makeRoom}, and which never answers a HELLO. */
    static final class RoomLater implements AutoCloseable {
        private final java.nio.file.Path path;
        private final AFUNIXServerSocketChannel socket;
        private final List<AFUNIXSocketChannel> queued = new ArrayList<>();
        private final List<AFUNIXSocketChannel> accepted = new ArrayList<>();

        RoomLater() throws java.io.IOException {
            path = dev.packetipc.spi.RuntimeDirectory.ensure().resolve("room-" + System.nanoTime() + ".sock");
            socket = AFUNIXServerSocketChannel.open();
            socket.bind(AFUNIXSocketAddress.of(path.toFile()), 1);
            for (int i = 0; i < 10_000; i++) {
                AFUNIXSocketChannel s = AFUNIXSocketChannel.open();
                queued.add(s);
                s.configureBlocking(false);
                if (!s.connect(AFUNIXSocketAddress.of(path.toFile()))) {
                    return;
                }
            }
            throw new AssertionError("the backlog never filled");
        }

        String name() {
            return SocketPath.nameOf(path);
        }

        /** Accepts the queued connections, so that the next connect finds room. */
        void makeRoom() throws java.io.IOException {
            for (int i = 0; i < queued.size(); i++) {
                AFUNIXSocketChannel s = socket.accept();
                if (s != null) {
                    accepted.add(s);
                }
            }
        }

        /** Whether a connection beyond the ones that filled the backlog arrived (the client's). */
        boolean handshakeStarted() throws java.io.IOException {
            socket.configureBlocking(false);
            AFUNIXSocketChannel s;
            while ((s = socket.accept()) != null) {
                accepted.add(s);
            }
            return accepted.size() > queued.size() - 1;
        }

        @Override
        public void close() throws java.io.IOException {
            for (AFUNIXSocketChannel s : queued) {
                s.close();
            }
            for (AFUNIXSocketChannel s : accepted) {
                s.close();
            }
            socket.close();
            java.nio.file.Files.deleteIfExists(path);
        }
    }
}
