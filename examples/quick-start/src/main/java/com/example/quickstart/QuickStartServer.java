package com.example.quickstart;

import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Process A of the quick start: opens a server on the default transport, prints its name on the first line of
 * standard output (that is how the name reaches the client here; any channel will do), streams packets to one
 * client, ends the stream and prints a checksum of what it sent. Stopped by Ctrl-C or SIGTERM, it closes the server
 * and the connection in a shutdown hook, so nothing is left behind and the client is told.
 *
 * <p>Run it, then start {@link QuickStartClient} with the printed name as its argument.
 */
public final class QuickStartServer {
    /** Packets sent per batch: one {@code send} packs them into as few writes as the transport allows. */
    static final int BATCH = 256;

    private QuickStartServer() {}

    /**
     * Serves one client.
     *
     * @param args optionally the number of packets to send (default 10 000)
     * @throws IpcException if the server cannot be opened or the client goes away
     */
    public static void main(String[] args) throws IpcException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Server server = PacketIpc.newServer();
        // Ctrl-C or SIGTERM: the JVM runs shutdown hooks, not try-with-resources. Closing the server there removes
        // its name (the socket file of the unix transport), and closing the connection tells the client that the
        // server closed without ending the stream, instead of leaving both behind.
        AtomicReference<Connection> current = new AtomicReference<>();
        Thread stop = new Thread(
                () -> {
                    server.close();
                    Connection connection = current.get();
                    if (connection != null) {
                        connection.close();
                    }
                },
                "quick-start server stop");
        Runtime.getRuntime().addShutdownHook(stop);
        try (server) {
            System.out.println(server.name()); // hand this to the client process
            System.out.flush();
            PacketChecksum sent = new PacketChecksum();
            try (Connection connection = server.accept()) {
                current.set(connection);
                List<Packet> batch = new ArrayList<>(BATCH);
                for (int i = 0; i < count; i++) {
                    Packet packet = Packet.of(System.currentTimeMillis() * 1_000_000L + i, payload(i));
                    sent.add(packet);
                    batch.add(packet);
                    if (batch.size() == BATCH || i == count - 1) {
                        connection.send(batch); // blocks while the client lags: memory stays bounded
                        batch.clear();
                    }
                }
                connection.sendEnd(); // the client sees the end after every packet before it
            }
            System.out.println("sent " + sent);
            Runtime.getRuntime().removeShutdownHook(stop); // done: the try-with-resources closes the server
        }
    }

    /** Mostly small payloads, and now and then one of 64 KiB, which travels through shared memory. */
    static byte[] payload(int index) {
        byte[] payload = new byte[index % 1000 == 999 ? 64 * 1024 : 60 + index % 1440];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (index * 31 + i);
        }
        return payload;
    }
}
