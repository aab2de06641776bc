package dev.packetipc.unix;

import com.sun.jna.LastErrorException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamChannel;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shared-memory regions as files that have no name: on Linux a {@code memfd_create} file, elsewhere (macOS) a file in
 * the private runtime directory that is unlinked as soon as it is open. The descriptor travels once per connection
 * with the REGION frame; the client maps it read-only and closes its descriptor at once. When the last mapping goes,
 * the system frees the memory; nothing is left on disk.
 */
final class FileDescriptorSharedMemory implements SharedMemory {
    @Override
    public SharedRegion create(long size) throws IOException {
        RandomAccessFile file = openAnonymous();
        try {
            file.setLength(size);
            MappedByteBuffer buffer = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            return new Region(file, buffer);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static RandomAccessFile openAnonymous() throws IOException {
        Libc libc = Libc.linux();
        if (libc != null) {
            int fd;
            try {
                fd = libc.memfd_create("packet-ipc", Libc.MFD_CLOEXEC);
            } catch (LastErrorException e) {
                fd = -1;
            }
            if (fd >= 0) {
                try { // a descriptor of our own, through procfs, so the JDK owns and closes it
                    return new RandomAccessFile("/proc/self/fd/" + fd, "rw");
                } finally {
                    libc.close(fd);
                }
            }
        }
        Path file = Files.createTempFile(RuntimeDirectory.ensure(), "region-", ".shm");
        try {
            return new RandomAccessFile(file.toFile(), "rw");
        } finally {
            Files.delete(file);
        }
    }

    @Override
    public int share(SharedRegion region, StreamChannel channel) throws IOException {
        ((UnixStreamChannel) channel).attach(((Region) region).file.getFD());
        return 0;
    }

    @Override
    public ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException {
        FileDescriptor fd = ((UnixStreamChannel) channel).takeReceived();
        if (fd == null) {
            throw new ProtocolException("a REGION frame arrived without a file descriptor; the server is not a"
                    + " packet-ipc Unix server, or descriptors cannot be passed here");
        }
        try (FileInputStream in = new FileInputStream(fd)) {
            FileChannel file = in.getChannel();
            if (file.size() < size) {
                throw new ProtocolException("the shared region has " + file.size() + " bytes, less than the " + size
                        + " its REGION frame claims");
            }
            return file.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
    }

    /** A region: the open file (its descriptor is what travels) and its read-write mapping. */
    private static final class Region implements SharedRegion {
        private final RandomAccessFile file;
        private final MappedByteBuffer buffer;

        Region(RandomAccessFile file, MappedByteBuffer buffer) {
            this.file = file;
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        @Override
        public void close() {
            try {
                file.close();
            } catch (IOException e) {
                // the mapping stays valid; the descriptor is gone either way
            }
        }
    }
}
