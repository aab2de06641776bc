package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches on the stream (the packet ring off), a client that does not read, and {@code send} with a time-out: once
 * the socket is full, a send that got nothing at all out fails with {@link IpcTimeoutException} and leaves the
 * connection usable, with the packets counted exactly; only a frame cut in the middle would end the connection. (It
 * closed the connection every time, so a flow fan-out with {@code DROP} lost a worker that was merely slow.)
 */
@Timeout(120)
class FullSocketTimeoutTest {
    private static final Duration STALL = Duration.ofSeconds(20);

    @Test
    void aSendThatGotNothingOutTimesOutAndTheConnectionGoesOn() throws Exception {
        IpcOptions off = IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
        try (StreamPair ends = StreamPair.open(off, off, new InMemorySharedMemory())) {
            List<Packet> sent = new ArrayList<>();
            IpcTimeoutException full = null;
            for (int i = 0; i < 1_000_000 && full == null; i++) {
                Packet packet = Packet.of(i, new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16)});
                try {
                    ends.connection.send(List.of(packet), Duration.ZERO);
                    sent.add(packet);
                } catch (IpcTimeoutException e) {
                    full = e;
                }
            }
            assertTrue(full != null, "the socket never filled");
            IpcTimeoutException timeout = full;
            assertTrue(ends.connection.isOpen(), () -> "the connection was closed: " + timeout.getMessage());
            assertTrue(timeout.getMessage().contains("the first 0 of the 1 packets"), timeout.getMessage());
            assertEquals(sent.size(), ends.connection.packetsSent(), "what send counted as sent");
            assertThrows(IpcTimeoutException.class, () -> ends.connection.send(sent.subList(0, 1), Duration.ZERO));
            List<Packet> more = List.of(Packet.of(-1, new byte[] {1}), Packet.of(-2, new byte[] {2}));
            Thread sender = new Thread(
                    () -> { // waits for room the client makes as it drains
                        try {
                            ends.connection.send(more, STALL);
                            ends.connection.sendEnd(STALL);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
            sender.start();
            List<Packet> received = new ArrayList<>();
            ends.client.stream().forEach(p -> received.add(p.toPacket()));
            sender.join(STALL.toMillis());
            List<Packet> expected = new ArrayList<>(sent);
            expected.addAll(more);
            assertEquals(expected, received, "every packet counted as sent arrived once, in order, nothing else");
        }
    }
}
