package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shared memory goes when its connection closes, not at the next garbage collection: after connections that used
 * the packet ring and the large-payload region are closed on both sides, this JVM maps no more {@code memfd} regions
 * than before (issue 21: a server kept 200 finished connections' regions mapped until a GC). Nothing here calls for a
 * GC, and the little that is allocated does not make one likely. Linux only ({@code /proc/self/maps}).
 */
@Timeout(120)
class UnmapAtCloseTest {
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final int CONNECTIONS = 8;

    private final UnixTransport transport = new UnixTransport();

    @Test
    void closedConnectionsLeaveNoSharedMemoryMapped() throws Exception {
        assumeTrue(Files.isReadable(MAPS), "no /proc/self/maps to count mappings in");
        transport.ensureAvailable();
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 4 << 20)
                .build();
        long before = memfdMappings();
        try (Server server = transport.newServer(options)) {
            List<Client> clients = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                CompletableFuture<Connection> accepting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return server.accept();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                clients.add(transport.connect(server.name(), options));
                Connection connection = accepting.get(30, TimeUnit.SECONDS);
                connections.add(connection);
                // a small packet through the ring and a large one through the region: both get mapped on both sides
                connection.send(List.of(Packet.of(1, new byte[64]), Packet.of(2, new byte[1 << 20])));
                int[] got = {0};
                while (got[0] < 2) {
                    clients.get(i).poll(packet -> got[0]++, 10, Duration.ofSeconds(10));
                }
            }
            long open = memfdMappings();
            assertTrue(
                    open >= before + 2L * CONNECTIONS,
                    "each connection maps its ring and region on both sides: " + before + " before, " + open + " with "
                            + CONNECTIONS + " connections open");
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.get(i).close();
                connections.get(i).close();
            }
        }
        assertEquals(
                before,
                memfdMappings(),
                "shared-memory mappings left after every connection closed (they would go only at a GC)");
    }

    private static long memfdMappings() throws IOException {
        try (Stream<String> lines = Files.lines(MAPS)) {
            return lines.filter(line -> line.contains("/memfd:packet-ipc")).count();
        }
    }
}
