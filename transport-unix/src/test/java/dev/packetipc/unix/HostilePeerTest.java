package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.Server;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.wire.BatchDescriptor;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.File;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Peers that are not packet-ipc endpoints, or broken ones, on real sockets: each loses its connection with a clear
 * error within a bounded time, and a server goes on serving everyone else.
 */
@Timeout(60)
class HostilePeerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final UnixTransport transport = new UnixTransport();

    static Stream<Arguments> rogueClients() {
        return Stream.of(
                Arguments.of("garbage", new byte[64], HandshakeDescriptor.REASON_PROTOCOL),
                Arguments.of(
                        "an unknown frame type", RawFrames.header(16, 0x7f, 8), HandshakeDescriptor.REASON_PROTOCOL),
                Arguments.of(
                        "an oversized frame", RawFrames.header(1 << 30, 0x01, 0), HandshakeDescriptor.REASON_PROTOCOL),
                Arguments.of("an unsupported version", RawFrames.hello(7, 9), HandshakeDescriptor.REASON_VERSION),
                Arguments.of(
                        "a BATCH instead of HELLO", RawFrames.batch(b -> {}), HandshakeDescriptor.REASON_PROTOCOL));
    }

    @ParameterizedTest(name = "a client that sends {0} gets REJECT and the server serves the next client")
    @MethodSource("rogueClients")
    void rogueClientIsRejectedAndTheServerGoesOn(String what, byte[] bytes, int reason) throws Exception {
        try (Server server = transport.newServer();
                AFUNIXSocket rogue = connectRaw(server.name())) {
            rogue.getOutputStream().write(bytes);
            CompletableFuture<Client> good = CompletableFuture.supplyAsync(() -> connect(server.name()));
            try (Connection connection = server.accept(WAIT);
                    Client client = good.get(30, TimeUnit.SECONDS)) {
                int[] answer = RawFrames.readFrame(rogue.getInputStream());
                assertEquals(FrameDescriptor.TYPE_REJECT, answer[0], what);
                assertEquals(reason, answer[1], what);
                assertEquals(-1, RawFrames.readFrame(rogue.getInputStream())[0], "the rogue is disconnected");
                connection.send(List.of(Packet.of(5, new byte[] {1, 2, 3})));
                assertEquals(
                        5, client.receivePackets(1, WAIT).orElseThrow().get(0).timestampNanos());
            }
        }
    }

    @Test
    void aClientThatNeverSpeaksIsDroppedAfterTheConnectTimeout() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMillis(300))
                .build();
        try (Server server = transport.newServer(options);
                AFUNIXSocket silent = connectRaw(server.name())) {
            CompletableFuture<Client> good = CompletableFuture.supplyAsync(() -> connect(server.name()));
            try (Connection connection = server.accept(WAIT);
                    Client client = good.get(30, TimeUnit.SECONDS)) {
                assertEquals(-1, RawFrames.readFrame(silent.getInputStream())[0]);
                connection.sendEnd();
                assertTrue(client.receivePackets(1, WAIT).isEmpty());
            }
        }
    }

    @Test
    void aSilentClientDelaysNobodyAndServerCloseHangsItUp() throws Exception {
        IpcOptions patient = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMinutes(5)) // far beyond this test's own time-out
                .build();
        Server server = transport.newServer(patient);
        try (AFUNIXSocket silent = connectRaw(server.name())) {
            CompletableFuture<Client> good = CompletableFuture.supplyAsync(() -> connect(server.name()));
            try (Connection connection = server.accept(WAIT);
                    Client client = good.get(30, TimeUnit.SECONDS)) {
                connection.sendEnd();
                assertTrue(client.receivePackets(1, WAIT).isEmpty());
            }
            server.close();
            assertEquals(-1, RawFrames.readFrame(silent.getInputStream())[0], "close ends pending handshakes");
        } finally {
            server.close();
        }
    }

    @Test
    void aClientThatSendsAnOversizedFrameAfterTheHandshakeLosesItsConnection() throws Exception {
        try (Server server = transport.newServer();
                AFUNIXSocket rogue = connectRaw(server.name())) {
            rogue.getOutputStream().write(RawFrames.hello(1, 1));
            try (Connection connection = server.accept(WAIT)) {
                assertEquals(FrameDescriptor.TYPE_WELCOME, RawFrames.readFrame(rogue.getInputStream())[0]);
                rogue.getOutputStream().write(RawFrames.header(1 << 30, FrameDescriptor.TYPE_RELEASE, 16));
                CountDownLatch draining = new CountDownLatch(1);
                Thread drain = new Thread(() -> drain(rogue, draining)); // the rogue reads, so sends never block
                drain.setDaemon(true);
                drain.start();
                List<Packet> batch = Streams.sized(10, 100, 100, 3);
                ProtocolException e = assertThrows(ProtocolException.class, () -> {
                    for (int i = 0; i < 1000; i++) {
                        connection.send(batch, WAIT);
                    }
                });
                assertTrue(e.getMessage().contains("illegal"), e.getMessage());
                assertTrue(draining.await(30, TimeUnit.SECONDS), "the server closes the rogue's connection");
            }
        }
    }

    private static void drain(AFUNIXSocket socket, CountDownLatch ended) {
        try (InputStream in = socket.getInputStream()) {
            byte[] sink = new byte[1 << 16];
            while (in.read(sink) >= 0) {
                // discard
            }
        } catch (java.io.IOException e) {
            // reset by the server: also an end
        }
        ended.countDown();
    }

    static Stream<Arguments> rogueServers() {
        byte[] welcome = RawFrames.welcome();
        return Stream.of(
                Arguments.of("an unknown frame type", RawFrames.concat(welcome, RawFrames.header(16, 0x7f, 8))),
                Arguments.of("a 1 GiB frame header", RawFrames.concat(welcome, RawFrames.header(1 << 30, 0x10, 0))),
                Arguments.of("an unaligned frame", RawFrames.concat(welcome, RawFrames.header(20, 0x10, 12))),
                Arguments.of(
                        "a batch count beyond its frame",
                        RawFrames.concat(welcome, RawFrames.batch(b -> b.putInt(8, 1000)))),
                Arguments.of(
                        "an entry longer than its frame",
                        RawFrames.concat(
                                welcome, RawFrames.batch(b -> b.putInt(16 + BatchDescriptor.LENGTH_OFFSET, 4000)))),
                Arguments.of(
                        "an entry of unknown kind",
                        RawFrames.concat(welcome, RawFrames.batch(b -> b.putInt(16 + BatchDescriptor.KIND_OFFSET, 9)))),
                Arguments.of(
                        "a shared entry in a region never announced",
                        RawFrames.concat(welcome, RawFrames.batch(b -> b.putInt(16 + BatchDescriptor.KIND_OFFSET, 1)))),
                Arguments.of(
                        "a REGION without a descriptor",
                        RawFrames.concat(welcome, RawFrames.encode(b -> FrameEncoder.encodeRegion(b, 1, 0, 1 << 20)))),
                Arguments.of("a second WELCOME", RawFrames.concat(welcome, welcome)));
    }

    @ParameterizedTest(name = "a server that sends {0} gives the client a ProtocolException")
    @MethodSource("rogueServers")
    void rogueServerGivesTheClientAProtocolError(String what, byte[] bytes) throws Exception {
        try (RogueServer rogue = new RogueServer(bytes);
                Client client = transport.connect(rogue.name())) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> client.receivePackets(10, WAIT), what);
            assertTrue(e.getMessage().length() > 20, e.getMessage());
            assertThrows(ProtocolException.class, () -> client.receivePackets(10, WAIT), "and it stays failed");
        }
    }

    @Test
    void aServerThatRejectsGivesTheClientItsReason() throws Exception {
        byte[] reject =
                RawFrames.encode(b -> FrameEncoder.encodeReject(b, HandshakeDescriptor.REASON_REFUSED, "go away"));
        try (RogueServer rogue = new RogueServer(reject)) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> transport.connect(rogue.name()));
            assertTrue(e.getMessage().contains("go away"), e.getMessage());
        }
    }

    @Test
    void aServerWithTheWrongMagicIsNotMistakenForOne() throws Exception {
        byte[] welcome = RawFrames.welcome();
        welcome[8] ^= 0x55;
        try (RogueServer rogue = new RogueServer(welcome)) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> transport.connect(rogue.name()));
            assertTrue(e.getMessage().contains("not a packet-ipc endpoint"), e.getMessage());
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOutTheConnect() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMillis(300))
                .build();
        try (RogueServer rogue = new RogueServer(null)) {
            assertThrows(IpcTimeoutException.class, () -> transport.connect(rogue.name(), options));
        }
    }

    @Test
    void aServerThatHangsUpAtOnceGivesPeerGone() throws Exception {
        try (RogueServer rogue = new RogueServer(new byte[0])) {
            rogue.hangUpAfterAnswer();
            assertThrows(PeerGoneException.class, () -> transport.connect(rogue.name()));
        }
    }

    static Stream<Arguments> rogueRegions() {
        return Stream.of(
                Arguments.of("an unsealed memfd", (RegionFile) () -> memfd(1 << 20, 0), "not sealed"),
                Arguments.of(
                        "a memfd sealed against shrinking only",
                        (RegionFile) () -> memfd(1 << 20, Libc.F_SEAL_SHRINK),
                        "not sealed"),
                Arguments.of(
                        "a sealed memfd smaller than announced",
                        (RegionFile) () -> memfd(4096, Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_SEAL),
                        "less than"),
                // not a memfd: EINVAL from F_GET_SEALS, or on tmpfs only F_SEAL_SEAL; either way it could be truncated
                Arguments.of("a file that is not a memfd", (RegionFile) HostilePeerTest::plainFile, "truncate"));
    }

    /** A server that announces a region of 1 MiB whose descriptor is not what the client may map. */
    @ParameterizedTest(name = "a server that passes {0} as its region gives the client a ProtocolException")
    @MethodSource("rogueRegions")
    void rogueRegionIsRefusedBeforeItIsMapped(String what, RegionFile region, String expected) throws Exception {
        assumeTrue(Platform.isLinux() && Libc.linux() != null, "seals are checked on Linux only");
        byte[] bytes = RawFrames.concat(
                RawFrames.welcome(), RawFrames.encode(b -> FrameEncoder.encodeRegion(b, 1, 0, 1 << 20)));
        try (RandomAccessFile file = region.open();
                RogueServer rogue = new RogueServer(bytes, file.getFD());
                Client client = transport.connect(rogue.name())) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> client.receivePackets(10, WAIT), what);
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    /** Opens the file a rogue server passes. */
    interface RegionFile {
        RandomAccessFile open() throws IOException;
    }

    /** A memfd of {@code size} bytes with {@code seals}, opened read-write. */
    private static RandomAccessFile memfd(int size, int seals) throws IOException {
        Libc libc = Libc.linux();
        int fd = libc.memfd_create("rogue", Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
        try {
            RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + fd, "rw");
            file.setLength(size);
            if (seals != 0) {
                libc.fcntl(fd, Libc.F_ADD_SEALS, seals);
            }
            return file;
        } finally {
            libc.close(fd);
        }
    }

    /** A plain file of 1 MiB in the runtime directory, already unlinked. */
    private static RandomAccessFile plainFile() throws IOException {
        Path path = Files.createTempFile(RuntimeDirectory.ensure(), "rogue-", ".region");
        try {
            RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
            file.setLength(1 << 20);
            return file;
        } finally {
            Files.delete(path);
        }
    }

    private Client connect(String name) {
        try {
            return transport.connect(name);
        } catch (IpcException e) {
            throw new CompletionException(e);
        }
    }

    private static AFUNIXSocket connectRaw(String name) throws java.io.IOException {
        return AFUNIXSocket.connectTo(
                AFUNIXSocketAddress.of(SocketPath.forClient(name).toFile()));
    }

    /** A raw socket server that reads the HELLO, answers with fixed bytes, and keeps the connection open. */
    private static final class RogueServer implements AutoCloseable {
        private final AFUNIXServerSocket socket;
        private final File file;
        private final CountDownLatch done = new CountDownLatch(1);
        private final FileDescriptor descriptor;
        private volatile boolean hangUp;

        RogueServer(byte[] answer) throws Exception {
            this(answer, null);
        }

        /** Sends {@code descriptor}, if not null, with the answer. */
        RogueServer(byte[] answer, FileDescriptor descriptor) throws Exception {
            this.descriptor = descriptor;
            Path dir = RuntimeDirectory.ensure();
            file = dir.resolve("rogue-" + System.nanoTime() + ".sock").toFile();
            socket = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(file));
            Thread thread = new Thread(() -> serve(answer), "rogue-server");
            thread.setDaemon(true);
            thread.start();
        }

        void hangUpAfterAnswer() {
            hangUp = true;
        }

        String name() {
            return SocketPath.nameOf(file.toPath());
        }

        private void serve(byte[] answer) {
            try (AFUNIXSocket client = socket.accept()) {
                RawFrames.readFrame(client.getInputStream());
                if (answer != null) {
                    if (descriptor != null) {
                        client.setOutboundFileDescriptors(descriptor);
                    }
                    OutputStream out = client.getOutputStream();
                    out.write(answer);
                    out.flush();
                }
                if (!hangUp) {
                    done.await(60, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // the test's client went away: fine
            }
        }

        @Override
        public void close() throws java.io.IOException {
            done.countDown();
            socket.close();
            java.nio.file.Files.deleteIfExists(file.toPath());
        }
    }
}
