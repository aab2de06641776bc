package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server that sends the end and closes at once: the client still gets every packet, then the end. */
@Timeout(60)
class EndOfStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final UnixTransport transport = new UnixTransport();

    @Test
    void theEndSurvivesTheServerClosingBeforeTheClientReleasedSharedMemory() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 1 << 20)
                .build();
        // 600 KB in shared memory (the region holds it unreleased) between 100 KB of small inline packets (the
        // socket's buffer holds them), and a client whose 4 KiB receive buffer leaves most of them in the socket
        List<Packet> packets = new ArrayList<>();
        List<Packet> large = Streams.sized(12, 50 << 10, 50 << 10, 5);
        List<Packet> small = Streams.sized(120, 800, 800, 6);
        for (int i = 0; i < 12; i++) {
            packets.add(large.get(i));
            packets.addAll(small.subList(i * 10, i * 10 + 10));
        }
        IpcOptions smallFrames =
                IpcOptions.builder().set(IpcOptions.MAX_FRAME_BYTES, 4096).build();
        try (Server server = transport.newServer(options)) {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return transport.connect(server.name(), smallFrames);
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            Connection connection = server.accept(WAIT);
            try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
                connection.send(packets, WAIT);
                connection.sendEnd();
                connection.close(); // before the client has read anything, let alone released

                // each RELEASE the client now tries (after a quarter of the region) meets a closed socket
                long[] count = {0};
                int n;
                while ((n = client.poll(p -> count[0]++, 1, WAIT)) != Client.END_OF_STREAM) {
                    assertEquals(1, n);
                }
                assertEquals(packets.size(), count[0]);
            }
        }
    }
}
