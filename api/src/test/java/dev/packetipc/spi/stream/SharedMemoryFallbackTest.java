package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * When shared memory cannot be created or handed to the client, the engine sends every payload inline instead: the
 * stream arrives whole, and the failure costs speed, not packets.
 */
@Timeout(60)
class SharedMemoryFallbackTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    @Test
    void aRegionThatCannotBeSharedFallsBackToInline() throws Exception {
        streamThrough(new BrokenSharedMemory(false));
    }

    @Test
    void aRegionThatCannotBeCreatedFallsBackToInline() throws Exception {
        streamThrough(new BrokenSharedMemory(true));
    }

    private static void streamThrough(SharedMemory memory) throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "test", IpcOptions.defaults(), memory, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        Connection connection = StreamEndpoints.accept(ends[0], "test", IpcOptions.defaults(), memory, WAIT);
        List<Packet> packets =
                List.of(Packet.of(1, new byte[100]), Packet.of(2, filled(200_000)), Packet.of(3, filled(2_000_000)));
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    connection.send(packets);
                    connection.sendEnd();
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            List<IpcPacket> received = new ArrayList<>();
            Optional<List<IpcPacket>> batch;
            while ((batch = client.receivePackets(10, Duration.ofSeconds(20))).isPresent()) {
                received.addAll(batch.get());
            }
            sending.get(30, TimeUnit.SECONDS);
            assertEquals(packets, received.stream().map(IpcPacket::toPacket).toList());
        } finally {
            connection.close();
        }
    }

    private static byte[] filled(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        return bytes;
    }

    /** Shared memory that the system refuses, at creation or when it is handed over. */
    private static final class BrokenSharedMemory implements SharedMemory {
        private final boolean failCreate;

        BrokenSharedMemory(boolean failCreate) {
            this.failCreate = failCreate;
        }

        @Override
        public SharedRegion create(long size) throws IOException {
            if (failCreate) {
                throw new IOException("no shared memory here");
            }
            ByteBuffer buffer = ByteBuffer.allocateDirect((int) size);
            return new SharedRegion() {
                @Override
                public ByteBuffer buffer() {
                    return buffer;
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public int share(SharedRegion region, StreamChannel channel) throws IOException {
            throw new IOException("the client's process cannot be opened");
        }

        @Override
        public ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException {
            throw new AssertionError("no REGION may reach the client");
        }
    }
}
