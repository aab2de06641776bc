package dev.packetipc.windows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.spi.stream.StreamChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PipeStreamChannel} over the emulated Windows: time-outs, cancels, partial writes, the end of the stream and
 * the error mapping, and that every handle and I/O slot is released.
 */
class PipeStreamChannelTest {
    private static final long SECONDS_10 = TimeUnit.SECONDS.toNanos(10);
    private static final String PATH = "\\\\.\\pipe\\channel-test-";

    private final EmulatedWindows machine = new EmulatedWindows();
    private final EmulatedWin32Pipes serverSide = machine.newProcess(EmulatedPipeTransport.USER);
    private final EmulatedWin32Pipes clientSide = machine.newProcess(EmulatedPipeTransport.USER);
    private PipeStreamChannel server;
    private PipeStreamChannel client;

    @BeforeEach
    void connect() throws IOException {
        String path = PATH + System.nanoTime();
        String sddl = SecurityDescriptors.currentUserOnly(EmulatedPipeTransport.USER);
        long instance = serverSide.createPipe(path, true, sddl, 4096);
        client = new PipeStreamChannel(clientSide, clientSide.openPipe(path));
        long io = serverSide.newIo();
        assertTrue(serverSide.startConnect(instance, io), "the client connected before ConnectNamedPipe");
        serverSide.freeIo(io);
        server = new PipeStreamChannel(serverSide, instance);
    }

    @AfterEach
    void everythingIsReleased() {
        server.close();
        client.close();
        assertEquals(0, serverSide.openHandles());
        assertEquals(0, clientSide.openHandles());
        assertEquals(0, serverSide.openSlots());
        assertEquals(0, clientSide.openSlots());
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] random(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Reads exactly {@code n} bytes, into a heap or a direct buffer. */
    private static byte[] readFully(PipeStreamChannel channel, int n, boolean direct) throws IOException {
        ByteBuffer dst = direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
        while (dst.hasRemaining()) {
            int read = channel.read(dst, SECONDS_10);
            assertTrue(read > 0, "read " + read + " with " + dst.remaining() + " bytes missing");
        }
        byte[] bytes = new byte[n];
        dst.flip().get(bytes);
        return bytes;
    }

    @Test
    void gatheredHeapAndDirectBuffersArriveInOrder() throws Exception {
        byte[] a = random(10, 1);
        byte[] b = random(300_000, 2); // more than the staging buffer
        byte[] c = random(7, 3);
        CompletableFuture<byte[]> received =
                CompletableFuture.supplyAsync(() -> uncheckedRead(server, a.length + b.length + c.length));
        ByteBuffer[] srcs = {ByteBuffer.wrap(a), direct(b), ByteBuffer.wrap(c)};
        assertEquals(a.length + b.length + c.length, client.write(srcs, SECONDS_10));
        for (ByteBuffer src : srcs) {
            assertEquals(0, src.remaining());
        }
        ByteBuffer expected = ByteBuffer.allocate(a.length + b.length + c.length)
                .put(a)
                .put(b)
                .put(c);
        assertArrayEquals(expected.array(), received.get(30, TimeUnit.SECONDS));
    }

    private static byte[] uncheckedRead(PipeStreamChannel channel, int n) {
        try {
            return readFully(channel, n, n % 2 == 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aReadWithNothingThereTimesOutWithZeroAndTheChannelStillWorks() throws IOException {
        ByteBuffer dst = ByteBuffer.allocateDirect(16);
        assertEquals(0, server.read(dst, 0));
        assertEquals(0, server.read(dst, TimeUnit.MILLISECONDS.toNanos(50)));
        assertEquals(0, dst.position());
        client.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1, 2, 3})}, SECONDS_10);
        assertArrayEquals(new byte[] {1, 2, 3}, readFully(server, 3, true));
    }

    @Test
    void aWriteThatTimesOutReportsExactlyWhatWentAndTheRestCanFollow() throws IOException {
        byte[] bytes = random(1 << 20, 4); // far more than the pipe holds while nobody reads
        ByteBuffer src = ByteBuffer.wrap(bytes);
        long first = client.write(new ByteBuffer[] {src}, TimeUnit.MILLISECONDS.toNanos(100));
        assertTrue(first > 0 && first < bytes.length, "wrote " + first);
        assertEquals(first, src.position());
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> uncheckedRead(server, bytes.length));
        assertEquals(bytes.length - first, client.write(new ByteBuffer[] {src}, SECONDS_10));
        assertArrayEquals(bytes, received.join());
    }

    @Test
    void bytesAnOperationMovedBeforeItsCancelAreNotLost() throws IOException {
        client.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {4, 5, 6})}, SECONDS_10);
        serverSide.timeOutNextAwait(); // the read "times out", is cancelled, and finds it had read the bytes
        ByteBuffer dst = ByteBuffer.allocateDirect(8);
        assertEquals(3, server.read(dst, TimeUnit.MILLISECONDS.toNanos(10)));
        assertEquals(3, dst.position());
        clientSide.timeOutNextAwait(); // likewise a write that completed as its time ran out
        ByteBuffer src = ByteBuffer.wrap(new byte[] {7, 8});
        assertEquals(2, client.write(new ByteBuffer[] {src}, TimeUnit.MILLISECONDS.toNanos(10)));
        assertEquals(0, src.remaining());
        assertArrayEquals(new byte[] {7, 8}, readFully(server, 2, true));
        assertEquals(0, server.read(ByteBuffer.allocateDirect(8), 0), "a byte was written twice");
    }

    @Test
    void whatThePeerWroteBeforeClosingIsReadThenTheEnd() throws IOException {
        server.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {9, 8, 7})}, SECONDS_10);
        server.close();
        assertArrayEquals(new byte[] {9, 8, 7}, readFully(client, 3, false));
        assertEquals(-1, client.read(ByteBuffer.allocateDirect(8), SECONDS_10));
        assertEquals(-1, client.read(ByteBuffer.allocate(8), 0));
    }

    @Test
    void writingToAPeerThatIsGoneFailsAsPeerGone() {
        server.close();
        IOException e = assertThrows(IOException.class, () -> {
            for (int i = 0; i < 100; i++) { // the first writes may still fit the buffer
                client.write(new ByteBuffer[] {ByteBuffer.allocate(65536)}, SECONDS_10);
            }
        });
        assertTrue(e.getMessage().contains("the other end of the pipe is gone"), e.getMessage());
        assertTrue(e.getMessage().contains("ERROR_NO_DATA (232)"), e.getMessage());
    }

    @Test
    void closeWakesABlockedReadWithClosedChannelException() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            reading.countDown();
            try {
                return server.read(ByteBuffer.allocateDirect(8), StreamChannel.FOREVER);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(reading.await(10, TimeUnit.SECONDS));
        server.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> read.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getCause() instanceof ClosedChannelException, String.valueOf(e.getCause()));
        assertThrows(ClosedChannelException.class, () -> server.read(ByteBuffer.allocateDirect(8), 0));
    }

    @Test
    void closeWakesABlockedWrite() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> {
            writing.countDown();
            try {
                return client.write(new ByteBuffer[] {ByteBuffer.allocate(8 << 20)}, StreamChannel.FOREVER);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(writing.await(10, TimeUnit.SECONDS));
        client.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getCause() instanceof ClosedChannelException, String.valueOf(e.getCause()));
    }

    @Test
    void closeDuringAPartlyDoneWriteThrowsClosedChannelExceptionNotAShortCount() throws Exception {
        CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> {
            try {
                return client.write(new ByteBuffer[] {ByteBuffer.allocate(8 << 20)}, StreamChannel.FOREVER);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        // bytes arriving prove the write is under way; 8 MiB cannot all fit the pipe, so it is blocked part-way
        ByteBuffer first = ByteBuffer.allocateDirect(8);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (first.hasRemaining() && System.nanoTime() < deadline) {
            server.read(first, TimeUnit.SECONDS.toNanos(1));
        }
        assertFalse(first.hasRemaining(), "the write never started");
        client.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getCause() instanceof ClosedChannelException, String.valueOf(e.getCause()));
    }
}
