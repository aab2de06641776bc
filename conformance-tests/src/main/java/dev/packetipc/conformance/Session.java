package dev.packetipc.conformance;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.concurrent.Future;

/** A server, one client connected to it and the server's connection for that client, closed together. */
final class Session implements AutoCloseable {
    final Server server;
    final Client client;
    final Connection connection;

    private Session(Server server, Client client, Connection connection) {
        this.server = server;
        this.client = client;
        this.connection = connection;
    }

    /** Starts a server, connects a client (in the background) and accepts it, each step within the timeout. */
    static Session open(IpcTransport transport, IpcOptions serverOptions, IpcOptions clientOptions, Duration timeout)
            throws Exception {
        Server server = transport.newServer(serverOptions);
        try {
            String name = server.name();
            Future<Client> connecting = Waits.start(() -> transport.connect(name, clientOptions));
            Connection connection = Waits.call(timeout, "Server.accept(" + timeout + ")", () -> server.accept(timeout));
            Client client;
            try {
                client = Waits.await(connecting, timeout, "connect(\"" + name + "\")");
            } catch (Exception | Error e) {
                connection.close();
                throw e;
            }
            return new Session(server, client, connection);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    /** Connects one more client to the server and accepts it. */
    static Session another(IpcTransport transport, Server server, IpcOptions clientOptions, Duration timeout)
            throws Exception {
        String name = server.name();
        Future<Client> connecting = Waits.start(() -> transport.connect(name, clientOptions));
        Connection connection = Waits.call(timeout, "Server.accept(" + timeout + ")", () -> server.accept(timeout));
        try {
            return new Session(server, Waits.await(connecting, timeout, "connect(\"" + name + "\")"), connection);
        } catch (Exception | Error e) {
            connection.close();
            throw e;
        }
    }

    /** Closes the client, the connection and the server. */
    @Override
    public void close() {
        client.close();
        connection.close();
        server.close();
    }
}
