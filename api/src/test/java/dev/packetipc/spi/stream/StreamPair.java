package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** A server connection and its client, made by the stream engine over a real socket pair, for the engine's tests. */
final class StreamPair implements AutoCloseable {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    final Connection connection;
    final Client client;

    private StreamPair(Connection connection, Client client) {
        this.connection = connection;
        this.client = client;
    }

    /** Connects a client with {@code clientOptions} to a server connection with {@code serverOptions}. */
    static StreamPair open(IpcOptions serverOptions, IpcOptions clientOptions, SharedMemory memory) throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "test", clientOptions, memory, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        Connection connection = StreamEndpoints.accept(ends[0], "test", serverOptions, memory, WAIT);
        return new StreamPair(connection, connecting.get(30, TimeUnit.SECONDS));
    }

    /** Whether the packet ring is on; fails if the two sides disagree. */
    boolean ring() {
        boolean server = ((StreamConnection) connection).usesRing();
        assertEquals(server, ((StreamClient) client).usesRing(), "both sides agree whether the ring is on");
        return server;
    }

    @Override
    public void close() {
        client.close();
        connection.close();
    }
}
