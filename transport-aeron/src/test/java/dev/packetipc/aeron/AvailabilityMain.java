package dev.packetipc.aeron;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a child JVM by {@link AvailabilityTest}: {@code availability} prints whether the transport is available and
 * why not; {@code stream} runs a server and a client in this JVM and streams a few batches.
 */
public final class AvailabilityMain {
    private AvailabilityMain() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        IpcTransport transport = new AeronTransport();
        if (args[0].equals("availability")) {
            System.out.println("AVAILABLE " + transport.isAvailable());
            System.out.println("CAUSE "
                    + transport.unavailabilityCause().map(Throwable::getMessage).orElse("-"));
            try {
                transport.newServer().close();
                System.out.println("STARTED");
            } catch (Exception e) {
                System.out.println("REFUSED " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } else {
            try (Server server = transport.newServer();
                    Client client = transport.connect(server.name());
                    Connection connection = server.accept(Duration.ofSeconds(30))) {
                List<Packet> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    batch.add(Packet.of(i, new byte[i * 100]));
                }
                int received = 0;
                for (int i = 0; i < 10; i++) {
                    connection.send(batch);
                    while (received < (i + 1) * 100) {
                        received += client.receivePackets(1000, Duration.ofSeconds(30))
                                .orElseThrow()
                                .size();
                    }
                }
                System.out.println("STREAMED " + received);
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
