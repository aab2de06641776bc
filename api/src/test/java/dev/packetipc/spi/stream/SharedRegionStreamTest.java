package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine's shared-memory path end to end, over a real socket: payloads of any size up to the whole region
 * arrive, whatever came before them (issue 12, item 1: the ring stalled after a wrap).
 */
@Timeout(120)
class SharedRegionStreamTest {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(20);

    /**
     * With a 32 MiB region (the default) and MAX_PACKET_BYTES raised to match, a 10 MiB packet and then a 25 MiB one:
     * the second hung send.
     */
    @Test
    void aTenMebibytePacketThenATwentyFiveMebibytePacketBothArrive() throws Exception {
        List<Packet> packets = List.of(Packet.of(1, filled(10 << 20, 1)), Packet.of(2, filled(25 << 20, 2)));
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.MAX_PACKET_BYTES, 32 << 20).build();
        assertEquals(packets, stream(options, packets, 1));
    }

    /** Payload sizes over the whole range up to the ring size, through a region whose size is not a multiple of 64. */
    @Test
    void anyPayloadUpToTheRegionSizeArrivesThroughARegionOfAnySize() throws Exception {
        for (long seed = 0; seed < 3; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int regionBytes = (1 << 20) + 1 + random.nextInt(63);
            int ring = regionBytes & -64;
            List<Packet> packets = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                int length = random.nextInt(3) == 0 ? ring - random.nextInt(64) : random.nextInt(32 << 10, ring + 1);
                packets.add(Packet.of(i, filled(length, i)));
            }
            IpcOptions options = IpcOptions.builder()
                    .set(IpcOptions.SHARED_MEMORY_BYTES, regionBytes)
                    .build();
            assertEquals(packets, stream(options, packets, 1 + random.nextInt(3)), "seed " + seed);
        }
    }

    /**
     * A client that holds the region makes {@code send(batch, timeout)} fail part-way: the message and the counters
     * say how many packets went, those arrive, the rest did not, and the connection goes on.
     */
    @Test
    void aSendThatFindsTheRegionHeldSaysHowManyPacketsWentAndTheConnectionGoesOn() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 64 << 10)
                .build();
        StreamPair pair = StreamPair.open(options, options, new InMemorySharedMemory());
        Connection connection = pair.connection;
        try (Client client = pair.client) {
            List<Packet> batch = List.of(
                    Packet.of(1, filled(40 << 10, 1)), Packet.of(2, filled(40 << 10, 2)), Packet.of(3, filled(10, 3)));
            dev.packetipc.IpcTimeoutException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.packetipc.IpcTimeoutException.class, () -> connection.send(batch, Duration.ofMillis(200)));
            org.junit.jupiter.api.Assertions.assertTrue(
                    e.getMessage().contains("The first 1 of the 3 packets of the batch were sent"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertTrue(connection.isOpen());
            assertEquals(1, connection.packetsSent());
            assertEquals(40 << 10, connection.bytesSent());
            List<IpcPacket> first =
                    client.receivePackets(10, Duration.ofSeconds(10)).orElseThrow();
            assertEquals(
                    List.of(batch.get(0)),
                    first.stream().map(IpcPacket::toPacket).toList());
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    connection.send(batch.subList(1, 3), Duration.ofSeconds(10));
                    connection.sendEnd();
                } catch (IpcException ex) {
                    throw new CompletionException(ex);
                }
            });
            List<Packet> rest = new ArrayList<>();
            Optional<List<IpcPacket>> more;
            while ((more = client.receivePackets(10, Duration.ofSeconds(10))).isPresent()) {
                more.get().forEach(p -> rest.add(p.toPacket()));
            }
            sending.get(30, TimeUnit.SECONDS);
            assertEquals(batch.subList(1, 3), rest);
        } finally {
            connection.close();
        }
    }

    /**
     * The server reads control frames now and then while it publishes. When that read took the RELEASE of everything
     * the client held, between a placement that found no room and the wait for a RELEASE, the server waited for one
     * that never came: the client, holding nothing, had nothing more to release (the CLI's 8 MiB demo hung so). How
     * many publishes come between two such reads is the engine's business, so the scene is played with 0 to 127 small
     * sends before it: one of them lines the read up with the publish that matters.
     */
    @Test
    void aReleaseReadWhilePublishingIsNotWaitedForAgain() throws Exception {
        for (int padding = 0; padding <= StreamConnection.RING_CONTROL_READ_INTERVAL; padding++) {
            releaseReadWhilePublishing(padding);
        }
    }

    private static void releaseReadWhilePublishing(int padding) throws Exception {
        int large = 256 << 10;
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 2 * large)
                .build();
        StreamPair pair = StreamPair.open(options, options, new InMemorySharedMemory());
        Connection connection = pair.connection;
        try (Client client = pair.client) {
            List<Packet> received = new ArrayList<>();
            // two payloads fill the region; the client takes both and releases them (a poll that finds nothing more)
            List<Packet> filling = List.of(Packet.of(1, filled(large, 1)), Packet.of(2, filled(large, 2)));
            connection.send(filling, SEND_TIMEOUT);
            while (received.size() < 2) {
                client.poll(packet -> received.add(packet.toPacket()), 10, Duration.ofSeconds(10));
            }
            assertEquals(0, client.poll(packet -> received.add(packet.toPacket()), 10, Duration.ofMillis(1)));
            for (int i = 0; i < padding; i++) { // the server has not read that RELEASE yet, unless a publish did
                connection.send(List.of(Packet.of(10 + i, filled(8, i))), SEND_TIMEOUT);
            }
            // a small packet, then one the region has no room for until the server reads the RELEASE
            List<Packet> last = List.of(Packet.of(100, filled(8, 100)), Packet.of(101, filled(large, 101)));
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    connection.send(last, SEND_TIMEOUT);
                    connection.sendEnd();
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            int n;
            while ((n = client.poll(packet -> received.add(packet.toPacket()), 10, Duration.ofSeconds(5)))
                    != Client.END_OF_STREAM) {
                if (n == 0) {
                    fail("padding " + padding + ": nothing arrived for 5 s although the client holds nothing of the"
                            + " region: the server waits for a RELEASE that will not come");
                }
            }
            sending.get(30, TimeUnit.SECONDS);
            assertEquals(2 + padding + 2, received.size(), "padding " + padding);
            assertEquals(last, received.subList(2 + padding, received.size()), "padding " + padding);
        } finally {
            connection.close();
        }
    }

    private static List<Packet> stream(IpcOptions options, List<Packet> packets, int batchSize) throws Exception {
        StreamPair pair = StreamPair.open(options, options, new InMemorySharedMemory());
        Connection connection = pair.connection;
        try (Client client = pair.client) {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    for (int from = 0; from < packets.size(); from += batchSize) {
                        connection.send(
                                packets.subList(from, Math.min(packets.size(), from + batchSize)), SEND_TIMEOUT);
                    }
                    connection.sendEnd();
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            List<Packet> received = new ArrayList<>();
            Optional<List<IpcPacket>> batch;
            while ((batch = client.receivePackets(10, Duration.ofSeconds(30))).isPresent()) {
                batch.get().forEach(p -> received.add(p.toPacket()));
            }
            sending.get(30, TimeUnit.SECONDS);
            return received;
        } finally {
            connection.close();
        }
    }

    private static byte[] filled(int length, int salt) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + salt);
        }
        return bytes;
    }
}
