package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A peer JVM killed with SIGKILL is reported as gone within a bounded time, and what it left is cleaned. */
class PeerCrashTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    /** Far above the detection time (a few heartbeats), far below a hang. */
    private static final Duration DETECTION = Duration.ofSeconds(15);

    private final ShmTransport transport = new ShmTransport();

    @Test
    void aKilledServerIsReportedAsGoneToItsClientWhichRemovesItsFiles() throws Exception {
        Path serverDirectory;
        try (ChildJvm peer = ShmPeerMain.withFlags("server")) {
            String name = peer.awaitLine("NAME ", STARTUP);
            serverDirectory = ShmFiles.directoryOf(name);
            try (Client client = transport.connect(name)) {
                assertTrue(client.receivePackets(10, STARTUP).isPresent());
                peer.kill();
                long start = System.nanoTime();
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> drain(client));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(took.compareTo(DETECTION) < 0, "detected only after " + took);
                assertTrue(gone.getMessage().contains("gone"), gone.getMessage());
            }
        }
        assertFalse(
                Files.exists(serverDirectory),
                "the last client of a server that verifiably died removes its directory");
        try (Server next = transport.newServer()) {
            assertTrue(Files.exists(ShmFiles.directoryOf(next.name())));
        }
    }

    @Test
    void aKilledClientIsReportedAsGoneToTheSender() throws Exception {
        try (Server server = transport.newServer();
                ChildJvm peer = ShmPeerMain.withFlags("client", server.name())) {
            Connection connection = server.accept(STARTUP);
            try {
                List<Packet> batch = List.of(Packet.of(7, new byte[64]));
                connection.send(batch);
                peer.awaitLine("RECEIVED", STARTUP);
                Path connectionDirectory = onlyConnection(server);
                peer.kill();
                long start = System.nanoTime();
                PeerGoneException gone = assertThrows(PeerGoneException.class, () -> {
                    while (System.nanoTime() - start < DETECTION.toNanos()) {
                        connection.send(batch, DETECTION);
                    }
                });
                assertTrue(gone.getMessage().contains("gone"), gone.getMessage());
                assertFalse(connection.isOpen());
                connection.close();
                assertFalse(Files.exists(connectionDirectory), "the survivor deletes the connection's files");
            } finally {
                connection.close();
            }
        }
    }

    @Test
    void chronicleSettingsTheUserChoseAreKeptAndTheOthersAreTurnedOff() throws Exception {
        List<String> flags = new java.util.ArrayList<>(JvmFlags.required());
        flags.add("-Dchronicle.analytics.disable=false");
        try (ChildJvm peer = ShmPeerMain.start(flags, "server")) {
            peer.awaitLine("NAME ", STARTUP);
            assertEquals("false", peer.awaitLine("PROPERTY chronicle.analytics.disable=", STARTUP));
        }
        ChronicleSettings.apply();
        assertEquals("true", System.getProperty("chronicle.announcer.disable"));
    }

    private static Path onlyConnection(Server server) throws Exception {
        try (var entries = Files.list(ShmFiles.directoryOf(server.name()))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(ShmFiles.CONNECTION))
                    .findFirst()
                    .orElseThrow();
        }
    }

    private static void drain(Client client) throws IpcException {
        Optional<?> batch;
        do {
            batch = client.receivePackets(1000, DETECTION);
        } while (batch.isPresent());
    }
}
