package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, item 3: a batch with a packet too large for the connection is refused whole, before anything of it is
 * written; the batches before and after it arrive intact and nothing of the refused one does.
 */
@Timeout(60)
class RejectedBatchTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    @Test
    void aBatchWithATooLargePacketIsRefusedWholeWithoutSharedMemory() throws Exception {
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.MAX_FRAME_BYTES, 64 << 10).build();
        check(options, null, 100 << 10, "maxFrameBytes=65536");
    }

    @Test
    void aBatchWithAPacketLargerThanTheRegionIsRefusedWhole() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.MAX_FRAME_BYTES, 64 << 10)
                .set(IpcOptions.SHARED_MEMORY_BYTES, (256 << 10) + 10)
                .build();
        check(options, new InMemorySharedMemory(), (256 << 10) + 1, "takes at most 262144 bytes");
    }

    /** A packet above the inline limit but below the shared-memory threshold goes through the region. */
    @Test
    void aPacketTooLargeForAFrameButBelowTheThresholdGoesThroughTheRegion() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.MAX_FRAME_BYTES, 4096)
                .set(IpcOptions.SHARED_MEMORY_THRESHOLD, 1 << 20)
                .build();
        List<Packet> packets = List.of(Packet.of(1, new byte[10_000]), Packet.of(2, new byte[10]));
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        Endpoints endpoints = Endpoints.open(ends, options, new InMemorySharedMemory());
        try (Client client = endpoints.client) {
            endpoints.connection.send(packets, Duration.ofSeconds(10));
            endpoints.connection.sendEnd();
            assertEquals(packets, drain(client));
        } finally {
            endpoints.connection.close();
        }
    }

    private static void check(IpcOptions options, SharedMemory memory, int tooLarge, String limit) throws Exception {
        List<Packet> before = List.of(Packet.of(1, new byte[] {1}), Packet.of(2, new byte[40 << 10]));
        List<Packet> rejected = List.of(
                Packet.of(3, new byte[] {3}),
                Packet.of(4, new byte[50 << 10]),
                Packet.of(5, new byte[tooLarge]),
                Packet.of(6, new byte[] {6}));
        List<Packet> after = List.of(Packet.of(7, new byte[] {7}), Packet.of(8, new byte[60 << 10]));
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        Endpoints endpoints = Endpoints.open(ends, options, memory);
        Connection connection = endpoints.connection;
        try (Client client = endpoints.client) {
            connection.send(before);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> connection.send(rejected));
            assertTrue(connection.isOpen());
            assertEquals(2, connection.packetsSent(), "the refused batch is not counted");
            connection.send(after);
            connection.sendEnd();
            List<Packet> expected = new ArrayList<>(before);
            expected.addAll(after);
            assertEquals(expected, drain(client), "nothing of the refused batch arrives");
            assertTrue(e.getMessage().contains("packet #2 of the batch has " + tooLarge + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains(limit), e.getMessage());
            assertTrue(e.getMessage().contains("nothing of the batch was sent"), e.getMessage());
        } finally {
            connection.close();
        }
    }

    private static List<Packet> drain(Client client) throws IpcException {
        List<Packet> received = new ArrayList<>();
        Optional<List<IpcPacket>> batch;
        while ((batch = client.receivePackets(10, Duration.ofSeconds(20))).isPresent()) {
            batch.get().forEach(p -> received.add(p.toPacket()));
        }
        return received;
    }

    private static final class Endpoints {
        final Connection connection;
        final Client client;

        private Endpoints(Connection connection, Client client) {
            this.connection = connection;
            this.client = client;
        }

        static Endpoints open(JdkSocketChannel[] ends, IpcOptions options, SharedMemory memory) throws Exception {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return StreamEndpoints.connect(ends[1], "test", options, memory, WAIT);
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            Connection connection = StreamEndpoints.accept(ends[0], "test", options, memory, WAIT);
            return new Endpoints(connection, connecting.get(30, TimeUnit.SECONDS));
        }
    }
}
