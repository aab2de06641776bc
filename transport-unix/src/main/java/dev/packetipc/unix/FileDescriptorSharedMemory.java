package dev.packetipc.unix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Platform;
import dev.packetipc.IpcException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.spi.stream.Mappings;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamChannel;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * Shared-memory regions as files that have no name: on Linux a {@code memfd_create} file, elsewhere (macOS) a file in
 * the private runtime directory that is unlinked as soon as it is open. The descriptor travels once per connection
 * with the REGION frame; the client maps it read-only and closes its descriptor at once. When the last mapping goes,
 * the system frees the memory; nothing is left on disk.
 *
 * <p>On Linux the memfd is sealed after the server mapped it: it can neither shrink nor grow ({@code F_SEAL_SHRINK},
 * {@code F_SEAL_GROW}), nothing can write to it or map it writable any more except the server's own mapping ({@code
 * F_SEAL_FUTURE_WRITE}, Linux 5.1+), and no seal can be added ({@code F_SEAL_SEAL}). What travels is a read-only
 * descriptor of it. A Linux client checks the seals ({@code F_GET_SEALS}) and the size before it maps anything, so a
 * server, or an impostor, cannot truncate the region under the client's reads (which would crash them with {@code
 * SIGBUS}). The unlinked-file fallback has no seals; see the README for what that means.
 */
final class FileDescriptorSharedMemory implements SharedMemory {
    /** The seals a client needs before it maps a region: without them, a truncation crashes its reads. */
    static final int REQUIRED_SEALS = Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW;

    @Override
    public SharedRegion create(long size) throws IOException {
        Libc libc = Libc.linux();
        if (libc != null) {
            int fd;
            try {
                fd = libc.memfd_create("packet-ipc", Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
            } catch (LastErrorException e) {
                fd = -1; // no memfd (Linux before 3.17): the unlinked file
            }
            if (fd >= 0) {
                try {
                    return sealedMemfd(libc, fd, size);
                } finally {
                    libc.close(fd);
                }
            }
        }
        return unlinkedFile(size);
    }

    /**
     * The packet ring needs a region the client writes too (its position, its waiting word): on Linux only, where a
     * memfd can be sealed against shrinking and growing yet stay writable, and reopened read-write through procfs.
     */
    @Override
    public boolean sharesWritable() {
        return Libc.linux() != null;
    }

    @Override
    public SharedRegion createWritable(long size) throws IOException {
        Libc libc = Libc.linux();
        if (libc == null) {
            throw new IOException("a writable shared region needs Linux's memfd");
        }
        int fd;
        try {
            fd = libc.memfd_create("packet-ipc-ring", Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
        } catch (LastErrorException e) {
            throw new IOException("memfd_create failed (errno " + e.getErrorCode() + ")", e);
        }
        try {
            return sealedMemfd(libc, fd, size, true);
        } finally {
            libc.close(fd);
        }
    }

    @Override
    public ByteBuffer openWritable(StreamChannel channel, int handle, long size) throws IOException {
        FileDescriptor fd = ((UnixStreamChannel) channel).takeReceived();
        if (fd == null) {
            throw new ProtocolException("a RING frame arrived without a file descriptor; the server is not a"
                    + " packet-ipc Unix server, or descriptors cannot be passed here");
        }
        FileInputStream received = new FileInputStream(fd); // closes the received descriptor when done
        try {
            checkSeals(fd);
            Integer number = FileDescriptorCast.using(fd).as(Integer.class);
            try (RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + number, "rw")) {
                long actual = file.length();
                if (actual < size) {
                    throw new ProtocolException("the ring's region has " + actual + " bytes, less than the " + size
                            + " its RING frame claims; the server is not a packet-ipc server or is broken");
                }
                return Mappings.map(file.getChannel(), FileChannel.MapMode.READ_WRITE, size);
            }
        } finally {
            received.close();
        }
    }

    /** Sizes, maps and seals the memfd {@code fd}; the region keeps descriptors of its own, through procfs. */
    private static SharedRegion sealedMemfd(Libc libc, int fd, long size) throws IOException {
        return sealedMemfd(libc, fd, size, false);
    }

    /**
     * As {@link #sealedMemfd(Libc, int, long)}; with {@code peerWrites}, writes stay allowed (no {@code
     * F_SEAL_FUTURE_WRITE}) and the descriptor that travels is read-write.
     */
    private static SharedRegion sealedMemfd(Libc libc, int fd, long size, boolean peerWrites) throws IOException {
        String self = "/proc/self/fd/" + fd;
        RandomAccessFile file = new RandomAccessFile(self, "rw");
        try {
            file.setLength(size);
            ByteBuffer buffer = Mappings.map(file.getChannel(), FileChannel.MapMode.READ_WRITE, size);
            if (peerWrites) {
                try {
                    libc.fcntl(fd, Libc.F_ADD_SEALS, Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_SEAL);
                } catch (LastErrorException e) {
                    throw new IOException("cannot seal the ring's region (errno " + e.getErrorCode() + ")", e);
                }
                return new Region(file, new RandomAccessFile(self, "rw"), buffer);
            }
            addSeals(libc, fd);
            return new Region(file, new RandomAccessFile(self, "r"), buffer);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static void addSeals(Libc libc, int fd) throws IOException {
        int seals = Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_SEAL;
        try {
            libc.fcntl(fd, Libc.F_ADD_SEALS, seals | Libc.F_SEAL_FUTURE_WRITE);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Libc.EINVAL) {
                throw new IOException("cannot seal the shared region (errno " + e.getErrorCode() + ")", e);
            }
            try { // before Linux 5.1: no F_SEAL_FUTURE_WRITE; the client's mapping is read-only all the same
                libc.fcntl(fd, Libc.F_ADD_SEALS, seals);
            } catch (LastErrorException again) {
                throw new IOException("cannot seal the shared region (errno " + again.getErrorCode() + ")", again);
            }
        }
    }

    private static SharedRegion unlinkedFile(long size) throws IOException {
        Path path = Files.createTempFile(RuntimeDirectory.ensure(), "region-", ".shm");
        try {
            RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
            try {
                file.setLength(size);
                ByteBuffer buffer = Mappings.map(file.getChannel(), FileChannel.MapMode.READ_WRITE, size);
                return new Region(file, new RandomAccessFile(path.toFile(), "r"), buffer);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        } finally {
            Files.delete(path);
        }
    }

    @Override
    public int share(SharedRegion region, StreamChannel channel) throws IOException {
        ((UnixStreamChannel) channel).attach(((Region) region).readOnly.getFD());
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
            if (Platform.isLinux()) {
                checkSeals(fd);
            }
            FileChannel file = in.getChannel();
            long actual = file.size();
            if (actual < size) {
                throw new ProtocolException("the shared region has " + actual + " bytes, less than the " + size
                        + " its REGION frame claims; the server is not a packet-ipc server or is broken");
            }
            return Mappings.map(file, FileChannel.MapMode.READ_ONLY, size);
        }
    }

    @Override
    public void unmap(ByteBuffer mapped) {
        Mappings.unmap(mapped);
    }

    /** Refuses a descriptor that is not a memfd sealed against shrinking and growing. */
    static void checkSeals(FileDescriptor fd) throws IOException {
        Libc libc = Libc.linux();
        if (libc == null) {
            throw new IpcException("cannot check the seals of the server's shared region: JNA's native library did"
                    + " not load here; make JNA usable (see UnixTransport.unavailabilityCause), or set"
                    + " IpcOptions.SHARED_MEMORY_BYTES to 0 on the server");
        }
        Integer number = FileDescriptorCast.using(fd).as(Integer.class);
        int seals;
        try {
            seals = libc.fcntl(number, Libc.F_GET_SEALS, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.EINVAL) {
                throw new ProtocolException("the descriptor that came with the REGION frame is not a memfd (it"
                        + " cannot carry seals), so the server could truncate it under this client; refused: the"
                        + " server is not a packet-ipc Unix server, or one from before sealed regions");
            }
            throw new IpcException(
                    "cannot read the seals of the server's shared region (errno " + e.getErrorCode() + ")", e);
        }
        if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
            throw new ProtocolException("the server's shared region is not sealed against shrinking and growing"
                    + " (F_GET_SEALS gave 0x" + Integer.toHexString(seals) + ", F_SEAL_SHRINK|F_SEAL_GROW needed),"
                    + " so it could be truncated under this client; refused: the server is not a packet-ipc Unix"
                    + " server, or one from before sealed regions");
        }
    }

    /** A region: the server's open file and read-write mapping, and the read-only descriptor that travels. */
    private static final class Region implements SharedRegion {
        private final RandomAccessFile file;
        private final RandomAccessFile readOnly;
        private final ByteBuffer buffer;
        private boolean closed;

        Region(RandomAccessFile file, RandomAccessFile readOnly, ByteBuffer buffer) {
            this.file = file;
            this.readOnly = readOnly;
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(readOnly);
            closeQuietly(file);
            Mappings.unmap(buffer); // the engine closes a region only once nothing writes into it
        }

        private static void closeQuietly(RandomAccessFile file) {
            try {
                file.close();
            } catch (IOException e) {
                // the mapping stays valid; the descriptor is gone either way
            }
        }
    }
}
