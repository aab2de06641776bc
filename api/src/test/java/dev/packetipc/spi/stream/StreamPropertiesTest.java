package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.ProtocolException;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Stream properties in the stream engine's handshake (wire format §2): sent once, after WELCOME and RING. */
@Timeout(60)
class StreamPropertiesTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);
    private static final Map<String, String> PROPS = ordered("linktype", "276", "snaplen", "262144", "name", "é中");

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void theClientGetsTheServersPropertiesInOrderWithAndWithoutTheRingAndPacketsFollow() throws Exception {
        IpcOptions server =
                IpcOptions.builder().set(IpcOptions.STREAM_PROPERTIES, PROPS).build();
        IpcOptions ringOff = IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
        Object[][] cases = {
            {IpcOptions.defaults(), new InMemorySharedMemory(), true},
            {ringOff, new InMemorySharedMemory(), false},
            {IpcOptions.defaults(), null, false},
        };
        for (Object[] c : cases) {
            try (StreamPair pair = StreamPair.open(server, (IpcOptions) c[0], (SharedMemory) c[1])) {
                assertEquals(c[2], pair.ring());
                Map<String, String> got = pair.client.properties();
                assertEquals(PROPS, got);
                assertEquals(new ArrayList<>(PROPS.keySet()), new ArrayList<>(got.keySet()));
                pair.connection.send(List.of(Packet.of(7, new byte[] {1, 2, 3})));
                pair.connection.sendEnd();
                List<IpcPacket> packets =
                        pair.client.receivePackets(10, Duration.ofSeconds(10)).orElseThrow();
                assertEquals(1, packets.size());
                assertEquals(7, packets.get(0).timestampNanos());
            }
        }
    }

    @Test
    void withoutPropertiesTheClientSeesAnEmptyMap() throws Exception {
        try (StreamPair pair = StreamPair.open(IpcOptions.defaults(), IpcOptions.defaults(), null)) {
            assertEquals(Map.of(), pair.client.properties());
        }
    }

    /** A client that does not set HELLO bit 2 (the C client, an older Java one) gets neither the bit nor the frame. */
    @Test
    void aClientThatDoesNotAskGetsNoPropertiesFrame() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        IpcOptions server =
                IpcOptions.builder().set(IpcOptions.STREAM_PROPERTIES, PROPS).build();
        CompletableFuture<Connection> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.accept(ends[0], "test", server, null, WAIT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ByteBuffer hello = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeHello(hello, (short) 1, (short) 1, 1 << 20, 0);
        ends[1].write(new ByteBuffer[] {hello.flip()}, WAIT);
        try (Connection connection = accepting.get(10, TimeUnit.SECONDS)) {
            connection.sendEnd();
            ByteBuffer in = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            long deadline = System.nanoTime() + WAIT;
            while (in.position() < 32 && System.nanoTime() < deadline) {
                ends[1].read(in, WAIT);
            }
            in.flip();
            assertEquals(FrameDescriptor.TYPE_WELCOME, FrameDecoder.type(in));
            assertEquals(0, FrameDecoder.bodyInt(in, HandshakeDescriptor.FLAGS_OFFSET));
            in.position(24);
            assertEquals(FrameDescriptor.TYPE_END, FrameDecoder.type(in), "END follows the WELCOME at once");
        } finally {
            ends[1].close();
        }
    }

    @Test
    void malformedOrMissingPropertiesFailTheConnectWithAProtocolException() throws Exception {
        ByteBuffer bad = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        bad.putInt(16)
                .put(FrameDescriptor.TYPE_PROPERTIES)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(1)
                .putShort((short) 0);
        ByteBuffer end = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeEnd(end);
        bad.position(16);
        Object[][] cases = {{bad.flip(), "malformed stream properties"}, {end.flip(), "expected a PROPERTIES frame"}};
        for (Object[] c : cases) {
            JdkSocketChannel[] ends = JdkSocketChannel.pair();
            CompletableFuture<Void> fakeServer = CompletableFuture.runAsync(() -> {
                try {
                    ByteBuffer hello = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                    while (hello.position() < 24) {
                        ends[0].read(hello, WAIT);
                    }
                    assertTrue(
                            (hello.getInt(8 + HandshakeDescriptor.FLAGS_OFFSET) & HandshakeDescriptor.FLAG_PROPERTIES)
                                    != 0,
                            "the Java client asks for properties");
                    ByteBuffer answer = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                    FrameEncoder.encodeWelcome(answer, (short) 1, 4096, HandshakeDescriptor.FLAG_PROPERTIES);
                    answer.put((ByteBuffer) c[0]);
                    ends[0].write(new ByteBuffer[] {answer.flip()}, WAIT);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ProtocolException e = assertThrows(
                    ProtocolException.class,
                    () -> StreamEndpoints.connect(ends[1], "test", IpcOptions.defaults(), null, WAIT));
            assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
            fakeServer.get(10, TimeUnit.SECONDS);
            ends[0].close();
        }
    }

    @Test
    void aPropertiesFrameAfterTheHandshakeIsAProtocolError() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Void> fakeServer = CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer hello = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                while (hello.position() < 24) {
                    ends[0].read(hello, WAIT);
                }
                ByteBuffer answer = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
                FrameEncoder.encodeWelcome(answer, (short) 1, 4096, 0);
                FrameEncoder.encodeProperties(answer, Map.of("late", "1"));
                ends[0].write(new ByteBuffer[] {answer.flip()}, WAIT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (dev.packetipc.Client client =
                StreamEndpoints.connect(ends[1], "test", IpcOptions.defaults(), null, WAIT)) {
            assertEquals(Map.of(), client.properties());
            ProtocolException e =
                    assertThrows(ProtocolException.class, () -> client.receivePackets(1, Duration.ofSeconds(10)));
            assertTrue(
                    e.getMessage().contains("type=0x4, which a server may not send after the handshake"),
                    e.getMessage());
        } finally {
            fakeServer.get(10, TimeUnit.SECONDS);
            ends[0].close();
        }
    }
}
