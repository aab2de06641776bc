package dev.packetipc.shm;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A server, one connected client and its connection, all in this JVM; closed together. */
final class LocalPair implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final Server server;
    final Client client;
    final Connection connection;

    private LocalPair(Server server, Client client, Connection connection) {
        this.server = server;
        this.client = client;
        this.connection = connection;
    }

    static LocalPair open(IpcOptions options) throws Exception {
        ShmTransport transport = new ShmTransport();
        Server server = transport.newServer(options);
        CompletableFuture<Client> client = CompletableFuture.supplyAsync(() -> {
            try {
                return transport.connect(server.name(), options);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Connection connection = server.accept(WAIT);
        return new LocalPair(server, client.get(WAIT.toSeconds(), TimeUnit.SECONDS), connection);
    }

    /** The connection's directory (the only one in the server's directory). */
    Path connectionDirectory() throws Exception {
        try (var entries = java.nio.file.Files.list(ShmFiles.directoryOf(server.name()))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(ShmFiles.CONNECTION))
                    .findFirst()
                    .orElseThrow();
        }
    }

    @Override
    public void close() {
        client.close();
        connection.close();
        server.close();
    }
}
