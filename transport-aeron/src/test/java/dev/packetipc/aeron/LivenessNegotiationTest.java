package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.aeron.status.ChannelEndpointStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The liveness handshake of {@link Protocol} against peers written here with Aeron alone, that speak the protocol
 * byte by byte: one of an earlier version (0 in the HELLO's or WELCOME's liveness field, and no heartbeats) is never
 * sent a HEARTBEAT, which it would take for an unknown message, and never declared gone for its silence; one of this
 * version that announces liveness but sends no heartbeat (as a frozen process would) is declared gone.
 */
class LivenessNegotiationTest {
    private static final Duration LIVENESS = Duration.ofSeconds(1);
    private static final int LIVENESS_MILLIS = 1000;
    /** Several liveness time-outs. */
    private static final Duration IDLE = LIVENESS.multipliedBy(4);

    private static IpcOptions liveness() {
        return IpcOptions.builder().set(IpcOptions.LIVENESS_TIMEOUT, LIVENESS).build();
    }

    /** The messages a raw peer read, as their type bytes, and the fixed part of the first. */
    private static final class Reader implements FragmentHandler {
        final List<Byte> types = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        int firstLiveness = -1;
        long firstNonce;
        int firstReplyStream;
        String firstReplyChannel;

        @Override
        public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
            byte type = buffer.getByte(offset);
            if (types.isEmpty()) {
                firstLiveness = buffer.getShort(offset + Protocol.LIVENESS_OFFSET, Protocol.ORDER) & 0xFFFF;
                firstNonce = buffer.getLong(offset + 8, Protocol.ORDER);
                if (type == Protocol.HELLO) {
                    firstReplyStream = buffer.getInt(offset + 16, Protocol.ORDER);
                    byte[] channel = new byte[buffer.getInt(offset + 20, Protocol.ORDER)];
                    buffer.getBytes(offset + Protocol.HELLO_HEADER, channel);
                    firstReplyChannel = new String(channel, StandardCharsets.UTF_8);
                }
            }
            types.add(type);
            lengths.add(length);
        }

        long count(byte type) {
            return types.stream().filter(t -> t == type).count();
        }

        /** Polls {@code subscription} for {@code duration}. */
        void pollFor(Subscription subscription, Duration duration) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                if (subscription.poll(this, 16) == 0) {
                    sleepAMillisecond();
                }
            }
        }

        /** Polls {@code subscription} until {@code count} messages were read, at most {@link LocalPair#WAIT}. */
        void pollUntil(Subscription subscription, int count) {
            long end = System.nanoTime() + LocalPair.WAIT.toNanos();
            while (types.size() < count) {
                assertTrue(System.nanoTime() < end, "only " + types + " arrived within " + LocalPair.WAIT);
                if (subscription.poll(this, 16) == 0) {
                    sleepAMillisecond();
                }
            }
        }
    }

    private static void sleepAMillisecond() {
        try {
            Thread.sleep(1); // polling pace, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Subscription subscribe(Drivers.Lease lease, int stream) {
        Subscription subscription = lease.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:0", stream);
        long end = System.nanoTime() + LocalPair.WAIT.toNanos();
        while (subscription.channelStatus() != ChannelEndpointStatus.ACTIVE
                || subscription.tryResolveChannelEndpointPort() == null) {
            assertTrue(System.nanoTime() < end, "the media driver did not open a subscription");
            sleepAMillisecond();
        }
        return subscription;
    }

    private static ExclusivePublication publish(Drivers.Lease lease, String channel, int stream) {
        ExclusivePublication publication = lease.aeron().addExclusivePublication(channel, stream);
        long end = System.nanoTime() + LocalPair.WAIT.toNanos();
        while (!publication.isConnected()) {
            assertTrue(System.nanoTime() < end, "nothing subscribed to " + channel);
            sleepAMillisecond();
        }
        return publication;
    }

    private static void offer(ExclusivePublication publication, UnsafeBuffer message) {
        long end = System.nanoTime() + LocalPair.WAIT.toNanos();
        while (publication.offer(message, 0, message.capacity()) < 0) {
            assertTrue(System.nanoTime() < end, "could not offer to " + publication.channel());
            sleepAMillisecond();
        }
    }

    /**
     * A server of an earlier version answers WELCOME with 0 in its liveness field and never sends a heartbeat: a
     * client with liveness on waits for it for its receive's own time-out and sends it no heartbeat. A server of this
     * version that announces 1000 ms but is silent is reported gone, and hears the client's heartbeats.
     */
    @Test
    void aClientHoldsOnlyAServerThatAgreedToLiveness() throws Exception {
        for (int serverLiveness : new int[] {0, LIVENESS_MILLIS}) {
            try (Drivers.Lease lease = Drivers.local()) {
                Subscription control = subscribe(lease, AeronName.DEFAULT_CONTROL_STREAM);
                String name = control.tryResolveChannelEndpointPort();
                try (Client client = new AeronTransport().connect(name, liveness())) {
                    Reader fromClient = new Reader();
                    fromClient.pollUntil(control, 1);
                    assertEquals(Protocol.HELLO, fromClient.types.get(0));
                    assertEquals(LIVENESS_MILLIS, fromClient.firstLiveness, "the HELLO announces the time-out");
                    ExclusivePublication data =
                            publish(lease, fromClient.firstReplyChannel, fromClient.firstReplyStream);
                    UnsafeBuffer welcome = new UnsafeBuffer(new byte[Protocol.WELCOME_LENGTH]);
                    welcome.putByte(0, Protocol.WELCOME);
                    welcome.putByte(1, Protocol.VERSION);
                    welcome.putShort(Protocol.LIVENESS_OFFSET, (short) serverLiveness, Protocol.ORDER);
                    welcome.putInt(4, Protocol.MAGIC, Protocol.ORDER);
                    welcome.putLong(8, fromClient.firstNonce, Protocol.ORDER);
                    offer(data, welcome);
                    assertEquals(Map.of(), client.properties()); // the client has read the WELCOME
                    if (serverLiveness == 0) {
                        assertThrows(IpcTimeoutException.class, () -> client.receivePackets(10, IDLE));
                        fromClient.pollFor(control, Duration.ofMillis(500));
                        assertEquals(
                                List.of(Protocol.HELLO), fromClient.types, "a client sent heartbeats to an old server");
                    } else {
                        PeerGoneException e =
                                assertThrows(PeerGoneException.class, () -> client.receivePackets(10, LocalPair.WAIT));
                        assertTrue(e.getMessage().contains("showed no sign of life for 1000 ms"), e.getMessage());
                        fromClient.pollFor(control, Duration.ofMillis(100)); // what it sent before it gave up
                        assertTrue(fromClient.count(Protocol.HEARTBEAT) >= 1, "no heartbeat: " + fromClient.types);
                        int first = fromClient.types.indexOf(Protocol.HEARTBEAT);
                        assertEquals(Protocol.HEARTBEAT_LENGTH, fromClient.lengths.get(first));
                    }
                    data.close();
                } finally {
                    control.close();
                }
            }
        }
    }

    /**
     * A client of an earlier version says 0 in its HELLO's liveness field and never sends a heartbeat: the server
     * sends it none (it would take one for an unknown message) and its send, waiting for room at it, times out
     * rather than calling it gone. A client of this version that announces 1000 ms but is silent gets heartbeats,
     * and is reported gone.
     */
    @Test
    void aServerHoldsOnlyAClientThatAgreedToLiveness() throws Exception {
        for (int clientLiveness : new int[] {0, LIVENESS_MILLIS}) {
            try (Server server = new AeronTransport().newServer(liveness());
                    Drivers.Lease lease = Drivers.local()) {
                int replyStream = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
                Subscription reply = subscribe(lease, replyStream);
                String replyChannel = reply.tryResolveChannelEndpointPort();
                AeronName parsed = AeronName.parse(server.name());
                ExclusivePublication control = publish(lease, parsed.channel(), parsed.controlStream());
                byte[] channel = replyChannel.getBytes(StandardCharsets.UTF_8);
                UnsafeBuffer hello = new UnsafeBuffer(new byte[Protocol.HELLO_HEADER + channel.length]);
                hello.putByte(0, Protocol.HELLO);
                hello.putByte(1, Protocol.VERSION);
                hello.putShort(Protocol.LIVENESS_OFFSET, (short) clientLiveness, Protocol.ORDER);
                hello.putInt(4, Protocol.MAGIC, Protocol.ORDER);
                hello.putLong(8, 42, Protocol.ORDER);
                hello.putInt(16, replyStream, Protocol.ORDER);
                hello.putInt(20, channel.length, Protocol.ORDER);
                hello.putBytes(Protocol.HELLO_HEADER, channel);
                offer(control, hello);
                try (Connection connection = server.accept(LocalPair.WAIT)) {
                    Reader fromServer = new Reader();
                    fromServer.pollUntil(reply, 1);
                    assertEquals(Protocol.WELCOME, fromServer.types.get(0));
                    assertEquals(42, fromServer.firstNonce);
                    assertEquals(clientLiveness == 0 ? 0 : LIVENESS_MILLIS, fromServer.firstLiveness);
                    fromServer.pollFor(reply, LIVENESS); // an idle second: four heartbeat intervals
                    if (clientLiveness == 0) {
                        assertEquals(List.of(Protocol.WELCOME), fromServer.types, "an old client got heartbeats");
                        connection.send(List.of(Packet.of(1, new byte[] {1})));
                        fromServer.pollUntil(reply, 2);
                        assertEquals(List.of(Protocol.WELCOME, Protocol.BATCH), fromServer.types);
                    } else {
                        assertTrue(fromServer.count(Protocol.HEARTBEAT) >= 2, "heartbeats: " + fromServer.types);
                    }
                    // the raw client reads no more: fill its window, then wait for room
                    List<Packet> batch = new ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        batch.add(Packet.of(i, new byte[1024]));
                    }
                    Exception e = null;
                    for (int i = 0; i < 10_000 && e == null; i++) {
                        try {
                            connection.send(batch, IDLE);
                        } catch (Exception failure) {
                            e = failure;
                        }
                    }
                    if (clientLiveness == 0) {
                        assertTrue(e instanceof IpcTimeoutException, "an old client is silent, yet: " + e);
                    } else {
                        assertTrue(e instanceof PeerGoneException, "a silent client of this version: " + e);
                        assertTrue(e.getMessage().contains("showed no sign of life for 1000 ms"), e.getMessage());
                    }
                } finally {
                    control.close();
                    reply.close();
                }
            }
        }
    }
}
