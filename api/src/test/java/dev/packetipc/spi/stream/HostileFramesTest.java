package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.ProtocolException;
import dev.packetipc.wire.BatchDescriptor;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, item 4: every hostile value a server can put in REGION and BATCH frames ends in a {@link
 * ProtocolException} from the client's receive, never in another exception (out of a user callback or not), and the
 * client tells the server with CLOSE(2) before it closes (wire format §6). Each case is a real client over a real
 * socket, fed by a raw "server" that has written a correct WELCOME.
 */
@Timeout(60)
class HostileFramesTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);
    private static final int REGION = 1 << 16;

    static Stream<Arguments> hostileFrames() {
        return Stream.of(
                Arguments.of(
                        "a shared entry at offset 2^63 - 1",
                        frames(region(1, REGION), shared(1, Long.MAX_VALUE, 1)),
                        "points outside region"),
                Arguments.of(
                        "a shared entry whose offset + length overflows",
                        frames(region(1, REGION), shared(1, Long.MAX_VALUE - 10, 100)),
                        "points outside region"),
                Arguments.of(
                        "a shared entry at a negative offset (u64 >= 2^63)",
                        frames(region(1, REGION), shared(1, -64, 1)),
                        "points outside region"),
                Arguments.of(
                        "a shared entry past the end",
                        frames(region(1, REGION), shared(1, REGION - 63, 64)),
                        "points outside region"),
                Arguments.of(
                        "a shared entry of length >= 2^31",
                        frames(region(1, REGION), shared(1, 0, -1)),
                        "points outside region"),
                Arguments.of("an inline entry of length >= 2^31", frames(inline(-8)), "overruns its frame"),
                Arguments.of(
                        "a shared entry naming region 2^32 - 1",
                        frames(region(1, REGION), shared(-1, 0, 1)),
                        "never announced"),
                Arguments.of(
                        "a shared entry naming an unannounced region",
                        frames(region(1, REGION), shared(2, 0, 1)),
                        "never announced"),
                Arguments.of(
                        "a shared entry with a non-zero reserved field",
                        frames(
                                region(1, REGION),
                                patch(shared(1, 0, 1), b -> b.putInt(16 + BatchDescriptor.SHARED_RESERVED_OFFSET, 7))),
                        "non-zero reserved"),
                Arguments.of(
                        "a batch with a non-zero reserved field",
                        frames(patch(inline(8), b -> b.putInt(8 + BatchDescriptor.RESERVED_OFFSET, 1))),
                        "non-zero reserved"),
                Arguments.of(
                        "a batch with bytes after its last entry", frames(trailing(inline(8))), "after its last entry"),
                Arguments.of(
                        "a batch of 0 packets with bytes after its header",
                        frames(trailing(emptyBatch())),
                        "after its header"),
                Arguments.of(
                        "a REGION id announced twice", frames(region(1, REGION), region(1, REGION)), "announced twice"),
                Arguments.of("a REGION id of 16", frames(region(16, REGION)), "out of range"),
                Arguments.of("a REGION id of 2^32 - 1", frames(region(-1, REGION)), "out of range"),
                Arguments.of("a REGION of size 0", frames(region(1, 0)), "outside [64, 2 GiB)"),
                Arguments.of("a REGION of size 63", frames(region(1, 63)), "outside [64, 2 GiB)"),
                Arguments.of("a REGION of 2 GiB", frames(region(1, 1L << 31)), "outside [64, 2 GiB)"),
                Arguments.of("a REGION of size 2^64 - 1", frames(region(1, -1)), "outside [64, 2 GiB)"),
                Arguments.of(
                        "a REGION larger than the memory handed over",
                        frames(region(1, MemoryOfItsOwnSize.CAP + 64)),
                        "has only"),
                Arguments.of("an END with a body", frames(longer(end())), "is illegal"),
                Arguments.of("a REGION with a longer body", frames(longer(region(1, REGION))), "is illegal"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileFrames")
    void endsInAProtocolExceptionAndACloseWithReasonTwo(String what, byte[] frames, String reason) throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "rogue", IpcOptions.defaults(), new MemoryOfItsOwnSize(), WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        JdkSocketChannel server = ends[0];
        try {
            readHello(server);
            ByteBuffer welcome = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            FrameEncoder.encodeWelcome(welcome, HandshakeDescriptor.VERSION_1, 4096);
            write(server, welcome.array());
            try (Client client = connecting.get(20, TimeUnit.SECONDS)) {
                write(server, frames);
                List<String> handedOut = new ArrayList<>();
                ProtocolException e = assertThrows(
                        ProtocolException.class,
                        () -> client.poll(p -> handedOut.add("a packet of " + p.length()), 10, Duration.ofSeconds(10)),
                        what);
                assertTrue(handedOut.isEmpty(), what + ": handed out " + handedOut);
                assertTrue(e.getMessage().contains(reason), what + ": " + e.getMessage());
                assertThrows(ProtocolException.class, () -> client.poll(p -> {}, 10), "and it stays failed");
                ByteBuffer close = read(server, 16);
                assertEquals(FrameDescriptor.TYPE_CLOSE, close.get(4), what + ": the client's last frame");
                assertEquals(HandshakeDescriptor.REASON_PROTOCOL, close.getInt(8), what + ": the reason");
            }
        } finally {
            server.close();
        }
    }

    /** The legal edge cases next to the hostile ones: they must not be refused. */
    @Test
    void anEmptyBatchAndAnEntryThatEndsExactlyAtTheRegionsEndAreLegal() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "rogue", IpcOptions.defaults(), new MemoryOfItsOwnSize(), WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        JdkSocketChannel server = ends[0];
        try {
            readHello(server);
            ByteBuffer welcome = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            FrameEncoder.encodeWelcome(welcome, HandshakeDescriptor.VERSION_1, 4096);
            write(server, welcome.array());
            try (Client client = connecting.get(20, TimeUnit.SECONDS)) {
                write(server, frames(emptyBatch(), region(1, REGION), shared(1, REGION - 64, 64), end()));
                List<Integer> lengths = new ArrayList<>();
                assertEquals(1, client.poll(p -> lengths.add(p.length()), 10, Duration.ofSeconds(10)));
                assertEquals(List.of(64), lengths);
                assertEquals(Client.END_OF_STREAM, client.poll(p -> {}, 10, Duration.ofSeconds(10)));
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aServerThatChoosesAVersionTheClientDidNotOfferIsRefused() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return StreamEndpoints.connect(ends[1], "rogue", IpcOptions.defaults(), null, WAIT);
            } catch (IpcException e) {
                throw new CompletionException(e);
            }
        });
        JdkSocketChannel server = ends[0];
        try {
            readHello(server);
            ByteBuffer welcome = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            FrameEncoder.encodeWelcome(welcome, (short) 2, 4096);
            write(server, welcome.array());
            java.util.concurrent.ExecutionException e = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> connecting.get(20, TimeUnit.SECONDS));
            Throwable cause =
                    e.getCause() instanceof CompletionException ? e.getCause().getCause() : e.getCause();
            assertTrue(cause instanceof ProtocolException, String.valueOf(cause));
            assertTrue(cause.getMessage().contains("chose protocol version 2"), cause.getMessage());
        } finally {
            server.close();
        }
    }

    /** The server side of wire format §6: a client that breaks the protocol gets CLOSE(2), then the server closes. */
    @Test
    void aClientThatBreaksTheProtocolGetsACloseWithReasonTwo() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        JdkSocketChannel rogue = ends[1];
        try {
            ByteBuffer hello = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            FrameEncoder.encodeHello(hello, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1, 1 << 20);
            write(rogue, hello.array());
            dev.packetipc.Connection connection =
                    StreamEndpoints.accept(ends[0], "test", IpcOptions.defaults(), null, WAIT);
            assertEquals(FrameDescriptor.TYPE_WELCOME, read(rogue, 24).get(4));
            write(rogue, region(1, 4096)); // a frame only a server may send
            CompletableFuture<Integer> lastFrame = CompletableFuture.supplyAsync(() -> {
                try {
                    int type = -1;
                    while (true) {
                        ByteBuffer header = read(rogue, 8);
                        type = header.get(4);
                        ByteBuffer body = read(rogue, header.getInt(0) - 8);
                        if (type == FrameDescriptor.TYPE_CLOSE) {
                            return body.getInt(0);
                        }
                    }
                } catch (IOException e) {
                    return -1;
                }
            });
            assertThrows(ProtocolException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    connection.send(List.of(dev.packetipc.Packet.of(i, new byte[] {1})), Duration.ofSeconds(10));
                }
            });
            assertEquals(HandshakeDescriptor.REASON_PROTOCOL, lastFrame.get(20, TimeUnit.SECONDS));
            assertTrue(!connection.isOpen());
        } finally {
            rogue.close();
        }
    }

    private static byte[] region(int id, long size) {
        return encode(b -> FrameEncoder.encodeRegion(b, id, 0, size));
    }

    private static byte[] end() {
        return encode(FrameEncoder::encodeEnd);
    }

    /** A BATCH of one shared-memory entry. */
    private static byte[] shared(int regionId, long offset, int length) {
        return encode(b -> {
            b.putInt(48).put(FrameDescriptor.TYPE_BATCH).put((byte) 0).putShort((short) 0);
            b.putInt(1).putInt(0);
            b.putLong(7).putInt(length).putInt(BatchDescriptor.KIND_SHARED);
            b.putInt(regionId).putInt(0).putLong(offset);
        });
    }

    /** A BATCH of one inline entry whose length field says {@code length} and that carries 8 payload bytes. */
    private static byte[] inline(int length) {
        return encode(b -> {
            b.putInt(40).put(FrameDescriptor.TYPE_BATCH).put((byte) 0).putShort((short) 0);
            b.putInt(1).putInt(0);
            b.putLong(7).putInt(length).putInt(BatchDescriptor.KIND_INLINE);
            b.putLong(0);
        });
    }

    private static byte[] emptyBatch() {
        return encode(b -> b.putInt(16)
                .put(FrameDescriptor.TYPE_BATCH)
                .put((byte) 0)
                .putShort((short) 0)
                .putLong(0));
    }

    /** The frame with 8 more zero bytes, its length field saying so. */
    private static byte[] trailing(byte[] frame) {
        byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 8);
        ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putInt(0, longer.length);
        return longer;
    }

    private static byte[] longer(byte[] frame) {
        return trailing(frame);
    }

    private static byte[] patch(byte[] frame, Consumer<ByteBuffer> patch) {
        patch.accept(ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN));
        return frame;
    }

    private static byte[] frames(byte[]... parts) {
        int total = 0;
        for (byte[] part : parts) {
            total += part.length;
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }

    private static byte[] encode(Consumer<ByteBuffer> writer) {
        ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        writer.accept(buffer);
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }

    private static void write(JdkSocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer[] buffers = {ByteBuffer.wrap(bytes)};
        while (buffers[0].hasRemaining()) {
            channel.write(buffers, WAIT);
        }
    }

    /** The client's HELLO, whatever its length (32 bytes when it offers heartbeats, wire format §8). */
    private static ByteBuffer readHello(JdkSocketChannel channel) throws IOException {
        ByteBuffer header = read(channel, FrameDescriptor.HEADER_LENGTH);
        read(channel, header.getInt(FrameDescriptor.LENGTH_OFFSET) - FrameDescriptor.HEADER_LENGTH);
        return header;
    }

    private static ByteBuffer read(JdkSocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        long deadline = System.nanoTime() + WAIT;
        while (buffer.hasRemaining() && System.nanoTime() < deadline) {
            if (channel.read(buffer, WAIT) < 0) {
                throw new IOException("the client closed after " + buffer.position() + " of " + length + " bytes");
            }
        }
        return buffer.flip();
    }

    /** Shared memory whose "open" hands over a fresh buffer of the announced size, but never more than CAP bytes. */
    private static final class MemoryOfItsOwnSize implements SharedMemory {
        static final int CAP = 1 << 20;

        @Override
        public SharedRegion create(long size) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public int share(SharedRegion region, StreamChannel channel) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public ByteBuffer open(StreamChannel channel, int handle, long size) {
            return ByteBuffer.allocateDirect((int) Math.min(size, CAP)).asReadOnlyBuffer();
        }
    }
}
