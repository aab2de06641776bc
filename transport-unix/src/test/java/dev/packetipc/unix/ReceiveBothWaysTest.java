package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One client receiving one stream both ways the API offers, mixed: {@code poll} (whose handler reads {@code data()}
 * in place, or keeps a packet with {@code toPacket()}, as {@code IpcPacket}'s Javadoc says) and {@code
 * receivePackets}. Reading one packet's data in place must not disturb how a later packet is copied, inline or from
 * shared memory.
 */
@Timeout(60)
class ReceiveBothWaysTest {
    private final UnixTransport transport = new UnixTransport();

    /** Sends {@code packets} and the end to a fresh client and hands it to {@code receive}. */
    private void withStream(List<Packet> packets, ClientCheck receive) throws Exception {
        try (Server server = transport.newServer()) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = transport.connect(server.name());
                    Connection connection = accepted.get(RoundTrip.WAIT.toSeconds(), TimeUnit.SECONDS)) {
                connection.send(packets, RoundTrip.WAIT);
                connection.sendEnd();
                receive.check(client);
            }
        }
    }

    /** What a test does with the client. */
    private interface ClientCheck {
        void check(Client client) throws Exception;
    }

    private static List<Packet> receiveRest(Client client, List<Packet> received) throws Exception {
        Optional<List<IpcPacket>> batch;
        while ((batch = client.receivePackets(100, RoundTrip.WAIT)).isPresent()) {
            batch.get().forEach(packet -> received.add(packet.toPacket()));
        }
        return received;
    }

    @Test
    void receivePacketsAfterAPollThatReadDataGetsTheRestOfTheStream() throws Exception {
        for (List<Packet> packets : List.of(Streams.sized(10, 10, 100, 3), Streams.packets(8, 4))) {
            withStream(packets, client -> {
                List<Packet> received = new ArrayList<>();
                client.poll(
                        packet -> {
                            byte[] copy = new byte[packet.length()];
                            packet.data().get(copy);
                            received.add(Packet.of(packet.timestampNanos(), copy));
                        },
                        1,
                        RoundTrip.WAIT);
                assertEquals(packets, receiveRest(client, received));
            });
        }
    }

    @Test
    void aPollHandlerMayReadDataOfOnePacketAndKeepTheNext() throws Exception {
        for (List<Packet> packets : List.of(Streams.sized(10, 10, 100, 5), Streams.packets(8, 6))) {
            withStream(packets, client -> {
                List<Packet> received = new ArrayList<>();
                int[] seen = {0};
                while (client.poll(
                                packet -> {
                                    if (seen[0]++ % 2 == 0) {
                                        byte[] copy = new byte[packet.length()];
                                        packet.data().get(copy);
                                        received.add(Packet.of(packet.timestampNanos(), copy));
                                    } else {
                                        received.add(packet.toPacket());
                                    }
                                },
                                100,
                                RoundTrip.WAIT)
                        != Client.END_OF_STREAM) {
                    // every packet is handled in the callback
                }
                assertEquals(packets, received);
            });
        }
    }
}
