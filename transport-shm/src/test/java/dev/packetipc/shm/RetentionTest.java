package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** While a long stream flows, cycle files the client has passed are deleted: disk use stays bounded. */
class RetentionTest {
    private static final int BUFFER = 256 * 1024;
    private static final long STREAM_BYTES = 96L << 20;
    private static final int PAYLOAD = 16 * 1024;

    @Test
    void cycleFilesTheClientHasPassedAreDeletedWhileTheStreamFlows() throws Exception {
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, BUFFER).build();
        try (LocalPair pair = LocalPair.open(options)) {
            Path queue = pair.connectionDirectory().resolve(ShmFiles.QUEUE);
            CompletableFuture<Long> receiving = CompletableFuture.supplyAsync(() -> receiveAll(pair));
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batch.add(Packet.of(i, new byte[PAYLOAD]));
            }
            long rounds = STREAM_BYTES / (8L * PAYLOAD);
            int mostFiles = 0;
            for (long round = 0; round < rounds; round++) {
                pair.connection.send(batch, LocalPair.WAIT);
                if (round % 16 == 0) {
                    mostFiles = Math.max(mostFiles, cycleFiles(queue));
                }
            }
            pair.connection.sendEnd();
            assertEquals(rounds * 8 * PAYLOAD, receiving.get(LocalPair.WAIT.toSeconds(), TimeUnit.SECONDS));
            // Cycles roll every 1 MiB, so 96 cycle files were written. Only those near the reader remain, plus those
            // Chronicle has not released yet (it releases in the background, later on a loaded machine).
            assertTrue(mostFiles <= 16, "at most 16 of 96 cycle files at a time, but saw " + mostFiles);
            assertTrue(cycleFiles(queue) <= 3, "cycle files left at the end: " + cycleFiles(queue));
        }
    }

    @Test
    void closingBothSidesDeletesTheConnectionAndTheServerDirectory() throws Exception {
        Path connection;
        Path server;
        try (LocalPair pair = LocalPair.open(IpcOptions.defaults())) {
            connection = pair.connectionDirectory();
            server = ShmFiles.directoryOf(pair.server.name());
            pair.connection.send(List.of(Packet.of(1, new byte[10])));
            pair.connection.sendEnd();
            pair.connection.close();
            assertTrue(Files.exists(connection), "the files stay while the client has not read them");
            assertEquals(
                    1,
                    pair.client.receivePackets(10, LocalPair.WAIT).orElseThrow().size());
            assertEquals(Optional.empty(), pair.client.receivePackets(10, LocalPair.WAIT));
        }
        assertFalse(Files.exists(connection), "closing both sides deletes the connection's files");
        assertFalse(Files.exists(server), "closing the server and its connections deletes its directory");
    }

    private static long receiveAll(LocalPair pair) {
        long bytes = 0;
        try {
            Optional<List<IpcPacket>> batch;
            while ((batch = pair.client.receivePackets(64, LocalPair.WAIT)).isPresent()) {
                for (IpcPacket packet : batch.get()) {
                    bytes += packet.length();
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int cycleFiles(Path queue) throws IOException {
        try (Stream<Path> files = Files.list(queue)) {
            return (int) files.filter(f -> f.toString().endsWith(".cq4")).count();
        }
    }
}
