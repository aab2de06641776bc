package dev.packetipc.spi.stream;

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
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The liveness rule of wire format §8 ({@link IpcOptions#LIVENESS_TIMEOUT}) over a real socket pair: a silent peer
 * (the stand-in for a frozen process: it completed the handshake and says nothing more) is reported by a side
 * blocked in receive or in send as {@link PeerGoneException}; a peer that is idle or slow but alive is never mistaken
 * for one, because its heartbeats flow whether or not its user calls into the library. The same rule across real
 * processes frozen with SIGSTOP is proved by the conformance suite's R207/R208 and reliability-tests' FrozenPeerTest.
 */
@Timeout(60)
class LivenessTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);
    private static final Duration SHORT = Duration.ofMillis(300);
    /**
     * The time-out of the tests where both sides are alive: long enough that a loaded machine (builds beside the test)
     * does not starve the heartbeat thread for that long.
     */
    private static final Duration ALIVE = Duration.ofSeconds(1);
    /** Far beyond {@link #SHORT}, so that "not noticed" shows as this side's own time-out or as a hang. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private static IpcOptions liveness(Duration timeout) {
        return IpcOptions.builder().set(IpcOptions.LIVENESS_TIMEOUT, timeout).build();
    }

    @Test
    void aSilentServerIsNoticedByABlockedReceive() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = connect(ends[1], liveness(SHORT));
        JdkSocketChannel server = ends[0];
        try {
            ByteBuffer hello = readFrame(server);
            assertEquals(
                    HandshakeDescriptor.HELLO_LIVENESS_LENGTH, hello.getInt(0), "a HELLO with heartbeats is 32 bytes");
            assertEquals(300, hello.getInt(FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.HELLO_LIVENESS_OFFSET));
            ByteBuffer welcome = ByteBuffer.allocate(24);
            FrameEncoder.encodeWelcomeWithLiveness(welcome, HandshakeDescriptor.VERSION_1, 4096, 0, 300);
            write(server, welcome.flip());
            try (Client client = connecting.get(20, TimeUnit.SECONDS)) {
                long start = System.nanoTime();
                PeerGoneException e = assertThrows(PeerGoneException.class, () -> client.receivePackets(10, PATIENCE));
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(e.getMessage().contains("no sign of life for 300 ms"), e.getMessage());
                assertTrue(waited < 10_000, "noticed after " + waited + " ms, not at the receive's own time-out");
                assertThrows(PeerGoneException.class, () -> client.receivePackets(10), "and it stays failed");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aSilentClientIsNoticedByASendBlockedOnAFullSocket() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        JdkSocketChannel client = ends[1];
        ByteBuffer hello = ByteBuffer.allocate(64);
        FrameEncoder.encodeHelloWithLiveness(
                hello, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1, 1 << 20, 0, 300);
        write(client, hello.flip());
        Connection connection = StreamEndpoints.accept(ends[0], "test", liveness(SHORT), null, WAIT);
        try {
            ByteBuffer welcome = readFrame(client);
            assertEquals(FrameDescriptor.TYPE_WELCOME, welcome.get(FrameDescriptor.TYPE_OFFSET));
            int flags = welcome.getInt(FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.FLAGS_OFFSET);
            assertTrue((flags & HandshakeDescriptor.FLAG_LIVENESS) != 0, "the WELCOME turns heartbeats on");
            CompletableFuture<Exception> sending = sendUntilItFails(connection, null);
            Exception e = sending.get(PATIENCE.toSeconds() + 10, TimeUnit.SECONDS);
            assertTrue(e instanceof PeerGoneException, "a send blocked on the silent client: " + e);
            assertTrue(e.getMessage().contains("no sign of life"), e.getMessage());
            assertFalse(connection.isOpen(), "the connection is closed: a frame may have been cut short");
        } finally {
            connection.close();
            client.close();
        }
    }

    /**
     * Idle on both sides for many time-outs: the heartbeats keep each side sure of the other, then packets still flow.
     * Without heartbeats the receive would throw {@link PeerGoneException}.
     */
    @ParameterizedTest(name = "packet ring: {0}")
    @ValueSource(booleans = {false, true})
    void anIdleLivePeerIsNeverMistakenForAFrozenOne(boolean ring) throws Exception {
        IpcOptions options = liveness(ALIVE);
        try (StreamPair pair = StreamPair.open(options, options, ring ? new InMemorySharedMemory() : null)) {
            assertEquals(ring, pair.ring());
            assertEquals(0, pair.client.poll(p -> {}, 10, ALIVE.multipliedBy(3)), "nothing came, and nothing failed");
            pair.connection.send(List.of(Packet.of(7, new byte[] {7})));
            assertEquals(
                    1, pair.client.receivePackets(10, PATIENCE).orElseThrow().size());
            assertTrue(pair.connection.isOpen());
        }
    }

    /**
     * A client that is alive but does not receive (its user is busy) makes a send wait, as backpressure should, and
     * the send ends in its own time-out, never in "peer gone": the client's heartbeats come from its own thread.
     */
    @ParameterizedTest(name = "packet ring: {0}")
    @ValueSource(booleans = {false, true})
    void aSlowLiveClientMakesSendTimeOutNotFail(boolean ring) throws Exception {
        IpcOptions options = liveness(ALIVE);
        try (StreamPair pair = StreamPair.open(options, options, ring ? new InMemorySharedMemory() : null)) {
            Exception e =
                    sendUntilItFails(pair.connection, ALIVE.multipliedBy(3)).get(60, TimeUnit.SECONDS);
            assertTrue(e instanceof IpcTimeoutException, "a slow client: the send's own time-out, not " + e);
            assertFalse(e instanceof PeerGoneException, e.toString());
        }
    }

    @Test
    void livenessOffOnTheServerTurnsItOffForTheConnection() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        JdkSocketChannel client = ends[1];
        ByteBuffer hello = ByteBuffer.allocate(64);
        FrameEncoder.encodeHelloWithLiveness(
                hello, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1, 1 << 20, 0, 300);
        write(client, hello.flip());
        Connection connection = StreamEndpoints.accept(ends[0], "test", liveness(Duration.ZERO), null, WAIT);
        try {
            ByteBuffer welcome = readFrame(client);
            int flags = welcome.getInt(FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.FLAGS_OFFSET);
            assertEquals(0, flags & HandshakeDescriptor.FLAG_LIVENESS, "no heartbeats: the server turned them off");
            Exception e = sendUntilItFails(connection, Duration.ofSeconds(1)).get(60, TimeUnit.SECONDS);
            assertTrue(e instanceof IpcTimeoutException && !(e instanceof PeerGoneException), e.toString());
        } finally {
            connection.close();
            client.close();
        }
    }

    @Test
    void aClientWithLivenessOffSendsTheShortHelloAndNoHeartbeats() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = connect(ends[1], liveness(Duration.ZERO));
        JdkSocketChannel server = ends[0];
        try {
            ByteBuffer hello = readFrame(server);
            assertEquals(24, hello.getInt(0));
            assertEquals(
                    0,
                    hello.getInt(FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.FLAGS_OFFSET)
                            & HandshakeDescriptor.FLAG_LIVENESS);
            ByteBuffer welcome = ByteBuffer.allocate(24);
            FrameEncoder.encodeWelcome(welcome, HandshakeDescriptor.VERSION_1, 4096);
            write(server, welcome.flip());
            try (Client client = connecting.get(20, TimeUnit.SECONDS)) {
                assertEquals(0, client.poll(p -> {}, 10, Duration.ofMillis(800)));
                ByteBuffer any = ByteBuffer.allocate(8);
                assertEquals(0, server.read(any, 0), "the client sent nothing: no heartbeats");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void heartbeatsTheClientDidNotOfferAreAProtocolError() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = connect(ends[1], liveness(Duration.ZERO));
        JdkSocketChannel server = ends[0];
        try {
            readFrame(server);
            ByteBuffer welcome = ByteBuffer.allocate(24);
            FrameEncoder.encodeWelcomeWithLiveness(welcome, HandshakeDescriptor.VERSION_1, 4096, 0, 300);
            write(server, welcome.flip());
            ExecutionException e = assertThrows(ExecutionException.class, () -> connecting.get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ProtocolException, e.getCause().toString());
            assertTrue(
                    e.getCause().getMessage().contains("did not offer them"),
                    e.getCause().getMessage());
        } finally {
            server.close();
        }
    }

    @Test
    void aHeartbeatWithoutLivenessIsAProtocolError() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = connect(ends[1], IpcOptions.defaults());
        JdkSocketChannel server = ends[0];
        try {
            readFrame(server);
            ByteBuffer frames = ByteBuffer.allocate(32);
            FrameEncoder.encodeWelcome(frames, HandshakeDescriptor.VERSION_1, 4096); // no heartbeats agreed
            FrameEncoder.encodeHeartbeat(frames);
            write(server, frames.flip());
            try (Client client = connecting.get(20, TimeUnit.SECONDS)) {
                ProtocolException e = assertThrows(ProtocolException.class, () -> client.receivePackets(10, PATIENCE));
                assertTrue(e.getMessage().contains("type=0x14"), e.getMessage());
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aLivenessFlagWithoutItsTimeOutIsRefused() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        JdkSocketChannel client = ends[1];
        ByteBuffer hello = ByteBuffer.allocate(64);
        FrameEncoder.encodeHello(
                hello,
                HandshakeDescriptor.VERSION_1,
                HandshakeDescriptor.VERSION_1,
                1 << 20,
                HandshakeDescriptor.FLAG_LIVENESS); // 24 bytes: the time-out is missing
        write(client, hello.flip());
        ProtocolException e = assertThrows(
                ProtocolException.class,
                () -> StreamEndpoints.accept(ends[0], "test", IpcOptions.defaults(), null, WAIT));
        assertTrue(e.getMessage().contains("at least 32 bytes"), e.getMessage());
        ByteBuffer reject = readFrame(client);
        assertEquals(FrameDescriptor.TYPE_REJECT, reject.get(FrameDescriptor.TYPE_OFFSET));
        client.close();
    }

    /** Sends batches of 1000 packets of 1 KiB until a send throws; returns what it threw. */
    private static CompletableFuture<Exception> sendUntilItFails(Connection connection, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                batch.add(Packet.of(i, new byte[1024]));
            }
            try {
                for (int i = 0; i < 100_000; i++) {
                    if (timeout == null) {
                        connection.send(batch);
                    } else {
                        connection.send(batch, timeout);
                    }
                }
                return new IllegalStateException("100000 batches went out: the client was not full");
            } catch (IpcException | RuntimeException e) {
                return e;
            }
        });
    }

    private static CompletableFuture<Client> connect(JdkSocketChannel channel, IpcOptions options) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(channel, "test", options, null, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
    }

    /** One whole frame, by its length field. */
    private static ByteBuffer readFrame(JdkSocketChannel channel) throws IOException {
        ByteBuffer header = read(channel, FrameDescriptor.HEADER_LENGTH);
        int length = header.getInt(FrameDescriptor.LENGTH_OFFSET);
        ByteBuffer frame = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        frame.put(header).put(read(channel, length - FrameDescriptor.HEADER_LENGTH));
        return frame.flip();
    }

    private static ByteBuffer read(JdkSocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        long deadline = System.nanoTime() + WAIT;
        while (buffer.hasRemaining() && System.nanoTime() < deadline) {
            if (channel.read(buffer, WAIT) < 0) {
                throw new IOException("closed after " + buffer.position() + " of " + length + " bytes");
            }
        }
        return buffer.flip();
    }

    private static void write(JdkSocketChannel channel, ByteBuffer bytes) throws IOException {
        ByteBuffer[] buffers = {bytes};
        while (bytes.hasRemaining()) {
            channel.write(buffers, WAIT);
        }
    }
}
