package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Crashes of either side, and shared-memory payloads, across a real process boundary. */
@Timeout(120)
class CrossProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final UnixTransport transport = new UnixTransport();

    @Test
    void aKilledServerGivesTheClientPeerGoneAfterWhatArrivedAndLeavesAReplaceableFile() throws Exception {
        try (ChildJvm child = UnixPeerMain.start("server-then-hang")) {
            String name = child.awaitLine("NAME ", WAIT);
            List<IpcPacket> received = new ArrayList<>();
            try (Client client = transport.connect(name)) {
                while (received.size() < 13) {
                    received.addAll(client.receivePackets(13, WAIT).orElseThrow());
                }
                child.awaitLine("SENT", WAIT);
                child.kill();
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> client.receivePackets(1, WAIT));
                assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
            }
            assertEquals(Streams.crc(Streams.packets(13, 0)), Streams.crc(received));

            Path socket = SocketPath.forClient(name);
            assertTrue(Files.exists(socket), "a killed server cannot remove its socket file");
            IpcOptions sameName =
                    IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build();
            try (Server replacement = transport.newServer(sameName)) {
                assertEquals(name, replacement.name());
                CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> connect(name));
                try (Connection connection = replacement.accept(WAIT);
                        Client client = connecting.get(30, TimeUnit.SECONDS)) {
                    connection.send(List.of(Packet.of(1, new byte[] {42})));
                    connection.sendEnd();
                    assertEquals(
                            42,
                            client.receivePackets(1, WAIT).orElseThrow().get(0).toByteArray()[0]);
                }
            }
        }
    }

    @Test
    void aNewServerRemovesTheSocketFilesOfKilledServersAndNothingElse() throws Exception {
        Path killedSocket;
        long pid;
        try (ChildJvm child = UnixPeerMain.start("server-then-hang")) {
            killedSocket = SocketPath.forClient(child.awaitLine("NAME ", WAIT));
            Matcher m = Pattern.compile("s-(\\d+)-[0-9a-f]{8}\\.sock")
                    .matcher(killedSocket.getFileName().toString());
            assertTrue(m.matches(), "not a default name: " + killedSocket);
            pid = Long.parseLong(m.group(1));
            child.kill(); // SIGKILL: the server cannot remove its file
        }
        assertTrue(ProcessHandle.of(pid).isEmpty(), "the killed server's pid is still in use");
        assertTrue(Files.exists(killedSocket), "a killed server cannot remove its socket file");
        Path dir = killedSocket.getParent();
        // what must stay, although it names the same dead pid
        Path notASocket = Files.createFile(dir.resolve("s-" + pid + "-0badf00d.sock"));
        Path otherName = dir.resolve("s-" + pid + "-stale.sock");
        try (AFUNIXServerSocketChannel stale = AFUNIXServerSocketChannel.open()) {
            stale.setDeleteOnClose(false);
            stale.bind(AFUNIXSocketAddress.of(otherName.toFile()));
        }
        Path stillListening = dir.resolve("s-" + pid + "-cafebabe.sock"); // as a server in another pid namespace
        try (AFUNIXServerSocketChannel live = AFUNIXServerSocketChannel.open()) {
            live.bind(AFUNIXSocketAddress.of(stillListening.toFile()));
            assertTrue(Files.exists(otherName) && Files.exists(stillListening), "the decoys were not made");

            try (Server server = transport.newServer()) {
                assertFalse(Files.exists(killedSocket), "the killed server's socket file is still there");
                assertTrue(Files.exists(notASocket), "a file that is not a socket was removed");
                assertTrue(Files.exists(otherName), "a socket file of another name was removed");
                assertTrue(Files.exists(stillListening), "a socket somebody listens on was removed");
                assertTrue(Files.exists(SocketPath.forClient(server.name())));
            }
        } finally {
            Files.deleteIfExists(notASocket);
            Files.deleteIfExists(otherName);
            Files.deleteIfExists(stillListening);
        }
    }

    private Client connect(String name) {
        try {
            return transport.connect(name);
        } catch (IpcException e) {
            throw new CompletionException(e);
        }
    }

    @Test
    void aKilledClientGivesTheServerPeerGone() throws Exception {
        try (Server server = transport.newServer();
                ChildJvm child = UnixPeerMain.start("client-hang", server.name());
                Connection connection = server.accept(WAIT)) {
            connection.send(List.of(Packet.of(1, new byte[10])));
            child.awaitLine("RECEIVING", WAIT);
            child.kill();
            List<Packet> batch = Streams.sized(64, 1000, 1000, 1);
            PeerGoneException gone = assertThrows(PeerGoneException.class, () -> {
                for (int i = 0; i < 100_000; i++) { // far more than any socket buffer holds
                    connection.send(batch, WAIT);
                }
            });
            assertTrue(gone.getMessage().contains("went away"), gone.getMessage());
            assertTrue(!connection.isOpen());
        }
    }

    @Test
    void largePayloadsCrossThroughASmallSharedRegionManyTimesOver() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 1 << 20)
                .build();
        List<Packet> packets = Streams.sized(400, 0, 200 << 10, 7); // about 40 MB through a 1 MiB region
        long bytes = packets.stream().mapToLong(Packet::length).sum();
        try (Server server = transport.newServer(options);
                ChildJvm child = UnixPeerMain.start("client-check", server.name());
                Connection connection = server.accept(WAIT)) {
            for (int from = 0; from < packets.size(); from += 7) {
                connection.send(packets.subList(from, Math.min(packets.size(), from + 7)), WAIT);
            }
            connection.sendEnd();
            String ok = child.awaitLine("OK ", WAIT);
            assertEquals(packets.size() + " " + bytes + " " + Streams.crc(packets) + " false", ok);
            assertEquals(0, child.awaitExit(WAIT));
        }
    }

    @Test
    void theClientSideOfAKilledServerCanReconnectToNothingFast() throws Exception {
        String name;
        try (ChildJvm child = UnixPeerMain.start("server-then-hang")) {
            name = child.awaitLine("NAME ", WAIT);
            child.kill();
        }
        long started = System.nanoTime();
        assertThrows(dev.packetipc.NoSuchServerException.class, () -> transport.connect(name));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(WAIT) < 0);
    }
}
