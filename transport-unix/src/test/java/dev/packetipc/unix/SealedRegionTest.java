package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import dev.packetipc.spi.stream.SharedMemory.SharedRegion;
import dev.packetipc.spi.stream.StreamChannel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/**
 * The memfd regions on Linux, passed over a real socket: the client gets a read-only mapping of a file that nobody can
 * shrink (so its reads never meet {@code SIGBUS}), grow or write to any more, except through the server's own mapping.
 */
@Timeout(60)
class SealedRegionTest {
    private static final int SIZE = 1 << 20;

    @Test
    void aMappedRegionCannotBeShrunkGrownOrWrittenByAnyoneButTheServersMapping() throws Exception {
        assumeTrue(Platform.isLinux() && Libc.linux() != null, "memfd and seals are Linux only");
        FileDescriptorSharedMemory memory = new FileDescriptorSharedMemory();
        AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
        UnixStreamChannel server = new UnixStreamChannel(pair.getSocket1());
        UnixStreamChannel client = new UnixStreamChannel(pair.getSocket2());
        try (SharedRegion region = memory.create(SIZE)) {
            region.buffer().put(SIZE - 1, (byte) 42);
            memory.share(region, server);
            server.write(new ByteBuffer[] {ByteBuffer.allocateDirect(1)}, StreamChannel.FOREVER);
            assertEquals(1, client.read(ByteBuffer.allocateDirect(1), StreamChannel.FOREVER));
            ByteBuffer mapped = memory.open(client, 0, SIZE);

            assertTrue(mapped.isReadOnly(), "the client's mapping is writable");
            assertThrows(ReadOnlyBufferException.class, () -> mapped.put(0, (byte) 1));

            List<Path> memfds = packetIpcMemfds();
            for (Path fd : memfds) { // every way to the file this process has: the server's rw and its ro one
                try (RandomAccessFile file = new RandomAccessFile(fd.toFile(), "rw")) {
                    IOException shrink = assertThrows(IOException.class, () -> file.setLength(SIZE / 2), "shrink");
                    assertTrue(shrink.getMessage().contains("not permitted"), shrink.getMessage());
                    assertThrows(IOException.class, () -> file.setLength(2L * SIZE), "grow");
                    assertThrows(IOException.class, () -> file.write(1), "write");
                    assertThrows(
                            IOException.class,
                            () -> file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, SIZE),
                            "a new writable mapping");
                }
            }
            assertEquals(42, mapped.get(SIZE - 1), "the client reads the whole region after the attempts");
            region.buffer().put(0, (byte) 7);
            assertEquals(7, mapped.get(0), "the server's own mapping still writes, and the client sees it");
        } finally {
            server.close();
            client.close();
        }
    }

    @Test
    void theDescriptorThatTravelsIsReadOnly() throws Exception {
        assumeTrue(Platform.isLinux() && Libc.linux() != null, "memfd and seals are Linux only");
        FileDescriptorSharedMemory memory = new FileDescriptorSharedMemory();
        AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
        UnixStreamChannel server = new UnixStreamChannel(pair.getSocket1());
        UnixStreamChannel client = new UnixStreamChannel(pair.getSocket2());
        try (SharedRegion region = memory.create(SIZE)) {
            memory.share(region, server);
            server.write(new ByteBuffer[] {ByteBuffer.allocateDirect(1)}, StreamChannel.FOREVER);
            assertEquals(1, client.read(ByteBuffer.allocateDirect(1), StreamChannel.FOREVER));
            java.io.FileDescriptor received = client.takeReceived();
            try (java.io.FileOutputStream out = new java.io.FileOutputStream(received)) {
                assertThrows(IOException.class, () -> out.write(1), "the received descriptor writes");
            }
        } finally {
            server.close();
            client.close();
        }
    }

    /** The descriptors of this process that are packet-ipc memfds. */
    private static List<Path> packetIpcMemfds() throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("/memfd:packet-ipc")) {
                        found.add(fd);
                    }
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        assertFalse(found.isEmpty(), "no packet-ipc memfd is open in this process");
        return found;
    }
}
