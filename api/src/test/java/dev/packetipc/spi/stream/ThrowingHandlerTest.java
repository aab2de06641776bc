package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, item 2: a {@code poll} handler that throws. The packets handed out up to and including the one whose
 * callback threw are consumed, the exception reaches the caller unchanged, and the rest of the stream arrives exactly
 * once, in order, then the end; with shared-memory payloads the release accounting stays exact, over many laps of a
 * small region (the server would otherwise close the connection for a RELEASE beyond what it handed out).
 */
@Timeout(120)
class ThrowingHandlerTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(20);

    /** Thrown by the test's handler, to be recognised by identity. */
    private static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(int index) {
            super("the handler refuses packet #" + index);
        }
    }

    @Test
    void inlinePackets() throws Exception {
        for (long seed = 0; seed < 5; seed++) {
            run(seed, IpcOptions.defaults(), 0, 300);
        }
    }

    @Test
    void sharedMemoryPacketsOverManyLapsOfASmallRegion() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 256 << 10)
                .build();
        for (long seed = 0; seed < 5; seed++) {
            run(seed, options, 40 << 10, 100 << 10);
        }
    }

    private static void run(long seed, IpcOptions options, int minLength, int maxLength) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<Packet>> batches = new ArrayList<>();
        List<Packet> expected = new ArrayList<>();
        for (int b = 0; b < 12; b++) {
            List<Packet> batch = new ArrayList<>();
            for (int i = random.nextInt(1, 8); i > 0; i--) {
                byte[] data = new byte[random.nextInt(minLength, maxLength + 1)];
                random.nextBytes(data);
                batch.add(Packet.of(expected.size(), data));
                expected.add(batch.get(batch.size() - 1));
            }
            batches.add(batch);
        }
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        InMemorySharedMemory memory = new InMemorySharedMemory();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "test", options, memory, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        Connection connection = StreamEndpoints.accept(ends[0], "test", options, memory, WAIT);
        try (Client client = connecting.get(30, TimeUnit.SECONDS)) {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    for (List<Packet> batch : batches) {
                        connection.send(batch, Duration.ofSeconds(20));
                    }
                    connection.sendEnd();
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            List<Packet> received = new ArrayList<>();
            HandlerFailure[] thrown = new HandlerFailure[1];
            int failures = 0;
            while (true) {
                int limit = random.nextInt(1, 10);
                int n;
                try {
                    n = client.poll(
                            packet -> {
                                int index = received.size();
                                received.add(packet.toPacket());
                                if (index % 3 == 1) {
                                    thrown[0] = new HandlerFailure(index);
                                    throw thrown[0];
                                }
                            },
                            limit,
                            Duration.ofSeconds(20));
                } catch (HandlerFailure e) {
                    assertSame(thrown[0], e, "the handler's own exception reaches the caller");
                    failures++;
                    continue;
                }
                if (n == Client.END_OF_STREAM) {
                    break;
                }
                assertTrue(n > 0, "seed " + seed + ": nothing arrived within 20 s after " + received.size());
            }
            sending.get(30, TimeUnit.SECONDS);
            if (!expected.equals(received)) {
                int at = 0;
                while (at < Math.min(expected.size(), received.size())
                        && expected.get(at).equals(received.get(at))) {
                    at++;
                }
                fail("seed " + seed + ": sent " + expected.size() + " packets, received " + received.size()
                        + "; they differ first at #" + at);
            }
            assertEquals((expected.size() + 1) / 3, failures, "every packet #1, #4, #7... threw once");
        } finally {
            connection.close();
        }
    }
}
