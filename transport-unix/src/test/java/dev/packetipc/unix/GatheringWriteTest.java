package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.spi.stream.StreamChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/**
 * The channel's gathering write on a real socket pair: many buffers (direct and heap, empty ones, more than one call
 * takes, more than the socket holds) arrive as exactly the same bytes in order, and where it gathers (64-bit Linux),
 * buffers that fit go out in one system call.
 */
@Timeout(60)
class GatheringWriteTest {
    @Test
    void smallDirectBuffersGoOutInOneSystemCall() throws Exception {
        assumeTrue(NativePoll.isAvailable(), "writes gather through sendmsg(2) only on 64-bit Linux");
        AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
        UnixStreamChannel writer = new UnixStreamChannel(pair.getSocket1());
        UnixStreamChannel reader = new UnixStreamChannel(pair.getSocket2());
        try {
            ByteBuffer[] parts = {direct("head-"), direct(""), direct("body-"), direct("tail")};
            assertEquals(14, writer.write(parts, StreamChannel.FOREVER));
            assertEquals(1, writer.gatheringWrites(), "four buffers took more than one system call");
            for (ByteBuffer part : parts) {
                assertFalse(part.hasRemaining(), "a buffer was not moved on by what was written");
            }
            ByteBuffer in = ByteBuffer.allocate(64);
            while (in.position() < 14) {
                reader.read(in, TimeUnit.SECONDS.toNanos(10));
            }
            assertEquals("head-body-tail", new String(in.array(), 0, 14, java.nio.charset.StandardCharsets.US_ASCII));
        } finally {
            writer.close();
            reader.close();
        }
    }

    @Test
    void manyMixedBuffersArriveAsTheSameBytesInOrder() throws Exception {
        for (boolean poll : new boolean[] {true, false}) {
            AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
            UnixStreamChannel writer = new UnixStreamChannel(pair.getSocket1(), poll);
            UnixStreamChannel reader = new UnixStreamChannel(pair.getSocket2());
            try {
                Random random = new Random(42);
                List<ByteBuffer> parts = new ArrayList<>();
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                for (int i = 0; i < 3 * UnixStreamChannel.MAX_GATHER; i++) { // more than one call takes
                    byte[] bytes = new byte[i % 7 == 0 ? 0 : random.nextInt(i % 5 == 0 ? 64 << 10 : 300)];
                    random.nextBytes(bytes);
                    expected.write(bytes);
                    ByteBuffer part = i % 11 == 0 ? ByteBuffer.wrap(bytes) : ByteBuffer.allocateDirect(bytes.length);
                    if (part.isDirect()) {
                        part.put(bytes).flip();
                    }
                    parts.add(part);
                }
                byte[] want = expected.toByteArray();
                CompletableFuture<byte[]> received =
                        CompletableFuture.supplyAsync(() -> readFully(reader, want.length));
                long written = writer.write(parts.toArray(new ByteBuffer[0]), TimeUnit.SECONDS.toNanos(30));
                assertEquals(want.length, written, "poll=" + poll);
                assertArrayEquals(want, received.get(30, TimeUnit.SECONDS), "poll=" + poll);
            } finally {
                writer.close();
                reader.close();
            }
        }
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] readFully(UnixStreamChannel channel, int length) {
        ByteBuffer in = ByteBuffer.allocateDirect(length);
        try {
            while (in.hasRemaining()) {
                if (channel.read(in, TimeUnit.SECONDS.toNanos(30)) < 0) {
                    break;
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] bytes = new byte[in.flip().remaining()];
        in.get(bytes);
        return bytes;
    }
}
