package dev.packetipc.aeron;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A server, one client over UDP on loopback in this JVM, and the server's connection for it. */
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

    static LocalPair open(IpcOptions serverOptions) throws Exception {
        AeronTransport transport = new AeronTransport();
        Server server = transport.newServer(serverOptions);
        try {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return transport.connect(server.name());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Connection connection = server.accept(WAIT);
            return new LocalPair(server, connecting.get(WAIT.toSeconds(), TimeUnit.SECONDS), connection);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    @Override
    public void close() {
        client.close();
        connection.close();
        server.close();
    }
}
