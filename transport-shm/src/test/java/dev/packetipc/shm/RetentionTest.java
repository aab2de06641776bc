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

    /**
     * A cycle file the stream rolls into is prepared as the first one is ({@link Queues#PREPARED_BYTES} written
     * before Chronicle maps it): otherwise the first touch of its sparse mapping makes the kernel read around it on a
     * disk file system, 8 MiB of zeros per roll where {@code read_ahead_kb} is 8192. Counted through the page cache,
     * not by time; a machine whose read-ahead is small cannot show the difference.
     */
    @Test
    void aCycleTheStreamRollsIntoMakesOnlyTheStartOfItsFileMemory() throws Exception {
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, BUFFER).build();
        long rollBytes = new ShmSettings(options).rollBytes;
        int payload = 60_000;
        long documents =
                (rollBytes + BatchLayout.documentBytes(1, payload) - 1) / BatchLayout.documentBytes(1, payload);
        try (LocalPair pair = LocalPair.open(options)) {
            Path queue = pair.connectionDirectory().resolve(ShmFiles.QUEUE);
            String first = newestCycleFile(queue).getFileName().toString();
            for (long i = 0; i < documents; i++) { // the last of them rolls the cycle
                pair.connection.send(List.of(Packet.of(i, new byte[payload])));
                assertEquals(
                        1,
                        pair.client
                                .receivePackets(10, LocalPair.WAIT)
                                .orElseThrow()
                                .size());
            }
            pair.connection.send(List.of(Packet.of(-1, new byte[10]))); // the first document of the new cycle
            assertEquals(
                    1,
                    pair.client.receivePackets(10, LocalPair.WAIT).orElseThrow().size());
            Path rolled = newestCycleFile(queue);
            assertTrue(!rolled.getFileName().toString().equals(first), "the stream did not roll: " + rolled);
            long resident = PageCache.residentBytes(rolled);
            assertTrue(
                    resident <= Queues.PREPARED_BYTES,
                    resident + " bytes of " + Files.size(rolled) + " of the rolled-into cycle file are in memory, more"
                            + " than the " + Queues.PREPARED_BYTES + " bytes written before Chronicle mapped it");
        }
    }

    private static Path newestCycleFile(Path queue) throws IOException {
        try (Stream<Path> files = Files.list(queue)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".cq4"))
                    .max(java.util.Comparator.comparing(f -> f.getFileName().toString()))
                    .orElseThrow();
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
