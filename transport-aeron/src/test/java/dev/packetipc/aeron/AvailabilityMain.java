package dev.packetipc.aeron;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
                try (Drivers.Lease lease = Drivers.local()) {
                    System.out.println("DRIVER " + lease.directory());
                }
            }
            // Everything is closed: the embedded driver closes a moment later and removes its directory.
            Path dir = Path.of(Drivers.directoryForTests());
            long start = System.nanoTime();
            while (Files.exists(dir) && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
                Thread.onSpinWait();
            }
            System.out.println((Files.exists(dir) ? "STILL-THERE " : "REMOVED ")
                    + (System.nanoTime() - start) / 1_000_000 + " ms after the last close");
        }
        System.out.flush();
        System.exit(0);
    }
}
