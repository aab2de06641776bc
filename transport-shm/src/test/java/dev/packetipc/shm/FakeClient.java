package dev.packetipc.shm;

import dev.packetipc.IpcException;
import dev.packetipc.Server;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * A client whose control file the test writes byte by byte, as {@code docs/shm-layout.md} describes it, so that the
 * test plays the peer's identity and heartbeat against a real server.
 */
final class FakeClient implements AutoCloseable {
    /** A pid above Linux's largest pid_max (2^22): no process has it. */
    static final long NO_SUCH_PID = (1L << 22) + 4321;

    private static final int CLIENT = 128;

    final Path directory;
    private final FileChannel channel;
    private final MappedByteBuffer words;

    private FakeClient(Path directory, FileChannel channel, MappedByteBuffer words) {
        this.directory = directory;
        this.channel = channel;
        this.words = words;
    }

    /** What a test puts into a fake client's directory before it is announced. */
    interface Contents {
        void write(Path directory) throws IOException;
    }

    /** A client announced to the server (its directory renamed to {@code c-<id>}), state OPEN. */
    static FakeClient announce(Server server, long pid, long namespace) throws IOException {
        return announce(server, pid, namespace, directory -> {});
    }

    /**
     * As {@link #announce(Server, long, long)}, with {@code contents} written into the directory before it is renamed
     * into place: the server's listener may take an announcement at once, so nothing can be added after.
     */
    static FakeClient announce(Server server, long pid, long namespace, Contents contents) throws IOException {
        FakeClient prepared = prepare(ShmFiles.directoryOf(server.name()), pid, namespace);
        contents.write(prepared.directory);
        Path announced = prepared.directory.resolveSibling(ShmFiles.CONNECTION
                + prepared.directory.getFileName().toString().substring(2));
        Files.move(prepared.directory, announced, StandardCopyOption.ATOMIC_MOVE);
        return new FakeClient(announced, prepared.channel, prepared.words);
    }

    /** A client still preparing its announcement ({@code t-<id>}), as one killed during connect leaves it. */
    static FakeClient prepare(Path serverDirectory, long pid, long namespace) throws IOException {
        Path announcing = Files.createDirectory(serverDirectory.resolve(ShmFiles.ANNOUNCING + UUID.randomUUID()));
        FileChannel channel = FileChannel.open(
                announcing.resolve(ShmFiles.CONTROL),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        MappedByteBuffer words = channel.map(FileChannel.MapMode.READ_WRITE, 0, ControlFile.SIZE);
        words.order(ByteOrder.nativeOrder());
        words.putLong(CLIENT, pid);
        words.putLong(CLIENT + 8, System.currentTimeMillis());
        words.putLong(CLIENT + 56, namespace);
        words.putLong(CLIENT + 16, 1); // OPEN
        words.putLong(0, ControlFile.MAGIC);
        return new FakeClient(announcing, channel, words);
    }

    /**
     * Plays a server that never answers: creates {@code directory} (0700) with an open lease of this process and
     * starts its heartbeat, so that a waiting client finds it alive. The caller stops the heartbeat ({@link
     * Heartbeats#stop}) and deletes the directory.
     */
    /** A {@link #silentServer} that, when closed, stops its heartbeat and deletes its directory. */
    static final class SilentServer implements AutoCloseable {
        final Path directory;
        private final Side lease;

        private SilentServer(Path directory, Side lease) {
            this.directory = directory;
            this.lease = lease;
        }

        /** The server's name, for {@code connect}. */
        String name() {
            return ShmFiles.nameOf(directory);
        }

        @Override
        public void close() {
            Heartbeats.stop(lease);
            ShmFiles.deleteTree(directory);
        }
    }

    /** Starts a {@link SilentServer} in {@code directory}; what it made is deleted if it cannot start. */
    static SilentServer startSilentServer(Path directory) throws IOException, IpcException {
        try {
            return new SilentServer(directory, silentServer(directory));
        } catch (IOException | RuntimeException e) {
            ShmFiles.deleteTree(directory);
            throw e;
        }
    }

    static Side silentServer(Path directory) throws IOException, IpcException {
        Files.createDirectory(directory, ShmFiles.privateDirectory());
        writeLease(directory, ProcessIdentity.PID, ProcessIdentity.NAMESPACE);
        Side lease = ControlFile.open(directory.resolve(ShmFiles.SERVER_LEASE)).server();
        Heartbeats.start(lease);
        return lease;
    }

    /** Writes a server lease byte by byte: a server of this pid and namespace, state OPEN. */
    static void writeLease(Path serverDirectory, long pid, long namespace) throws IOException {
        try (FileChannel channel = FileChannel.open(
                serverDirectory.resolve(ShmFiles.SERVER_LEASE),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer words =
                    java.nio.ByteBuffer.allocate(ControlFile.SIZE).order(ByteOrder.nativeOrder());
            words.putLong(64, pid);
            words.putLong(64 + 8, 1);
            words.putLong(64 + 16, 1); // OPEN
            words.putLong(64 + 56, namespace);
            words.putLong(0, ControlFile.MAGIC);
            channel.write(words, 0);
        }
    }

    void setHeartbeat(long value) {
        words.putLong(CLIENT + 8, value);
    }

    void setPid(long pid) {
        words.putLong(CLIENT, pid);
    }

    void setStart(long start) {
        words.putLong(CLIENT + 48, start);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
