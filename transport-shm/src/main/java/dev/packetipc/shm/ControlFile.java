package dev.packetipc.shm;

import dev.packetipc.IpcException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A small memory-mapped file shared by the two sides of a connection (or, for a server's lease, by the server and
 * its would-be clients). Every field is a 64-bit word read and written with volatile semantics:
 *
 * <pre>
 * offset  field
 *   0     magic 0x5049_5043_5348_4d31 ("PIPCSHM1")
 *   8     left: how many sides have closed (the side that makes it 2 deletes the connection's files)
 *  16     handshake: 0 announced, 1 taken (the server is accepting it), 2 withdrawn (the client gave up first),
 *         3 failed (the server took it but could not set the connection up)
 *  64     side 0 (the server): pid, heartbeat counter, state, -, -, produced bytes, start time, pid namespace
 * 128     side 1 (the client): pid, heartbeat counter, state, consumed bytes, consumed cycle, -, start time,
 *         pid namespace
 * </pre>
 *
 * Each side lives on its own cache line; see {@link Side} for the fields. The mapping stays until the garbage
 * collector frees it; the file itself is deleted by the side that leaves last.
 */
final class ControlFile {
    static final int SIZE = 192;
    static final long MAGIC = 0x5049_5043_5348_4d31L;
    private static final int LEFT = 8;
    private static final int HANDSHAKE = 16;
    /** The handshake word: the client has announced itself and nobody has acted on it yet. */
    static final long ANNOUNCED = 0;
    /** The handshake word: a server has begun accepting the client (it sets up the queue, then marks side 0). */
    static final long TAKEN = 1;
    /** The handshake word: the client gave up waiting before a server took it; it deletes its own directory. */
    static final long WITHDRAWN = 2;
    /** The handshake word: the server took the client but could not set the connection up (written before side 0). */
    static final long FAILED = 3;

    private static final int SIDE_0 = 64;
    private static final int SIDE_1 = 128;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final ByteBuffer buffer;
    private final boolean snapshot;

    private ControlFile(MappedByteBuffer buffer) {
        this.buffer = buffer;
        this.snapshot = false;
    }

    private ControlFile(ByteBuffer copy, boolean snapshot) {
        this.buffer = copy;
        this.snapshot = snapshot;
    }

    /**
     * Creates a new control file and opens one side of it for this process; fails if the file exists. The owner of
     * that side (pid, start time, namespace) and its state OPEN are written before the magic number, so a file that
     * carries the magic always names a process that can be checked, and one whose side is open: a server's cleanup
     * that read the magic with the side not yet open took a live client's announcement for an abandoned one and
     * deleted it (one client of 12 starting at once, in 1 of 6 runs).
     */
    static ControlFile create(Path path, boolean clientSide) throws IpcException {
        try (FileChannel channel = FileChannel.open(
                path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ControlFile file = new ControlFile(channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE));
            Side side = clientSide ? file.client() : file.server();
            side.claimForThisProcess();
            side.markOpen();
            file.set(0, MAGIC); // last: a file with the magic has an open side (a cleanup deletes one without)
            return file;
        } catch (IOException e) {
            throw new IpcException("cannot create the control file " + path + ": " + e, e);
        }
    }

    /**
     * Opens an existing control file.
     *
     * @throws IpcException if it is missing, of the wrong size or without the magic number
     */
    static ControlFile open(Path path) throws IpcException {
        try (FileChannel channel =
                FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            if (channel.size() != SIZE) {
                throw new IpcException(
                        "the control file " + path + " has " + channel.size() + " bytes instead of " + SIZE);
            }
            ControlFile file = new ControlFile(channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE));
            if (file.get(0) != MAGIC) {
                throw new IpcException("the control file " + path + " is not a packet-ipc shm control file");
            }
            return file;
        } catch (IOException e) {
            throw new IpcException("cannot open the control file " + path + ": " + e, e);
        }
    }

    /**
     * Reads a copy of an existing control file, without mapping it: for one-shot checks (cleanup, a client's look at
     * a lease), which would otherwise leave a mapping behind until the next garbage collection each time. The copy
     * cannot be written.
     *
     * @throws IpcException if it is missing, a link, of the wrong size or without the magic number
     */
    static ControlFile read(Path path) throws IpcException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (channel.size() != SIZE) {
                throw new IpcException(
                        "the control file " + path + " has " + channel.size() + " bytes instead of " + SIZE);
            }
            ByteBuffer copy = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
            while (copy.hasRemaining() && channel.read(copy, copy.position()) >= 0) {
                // read until full
            }
            if (copy.hasRemaining()) {
                throw new IpcException("the control file " + path + " was cut short while it was read");
            }
            ControlFile file = new ControlFile(copy, true);
            if (file.get(0) != MAGIC) {
                throw new IpcException("the control file " + path + " is not a packet-ipc shm control file");
            }
            return file;
        } catch (IOException e) {
            throw new IpcException("cannot read the control file " + path + ": " + e, e);
        }
    }

    /** Whether a control file exists at the path. */
    static boolean exists(Path path) {
        return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Whether the path is a control file of this transport (a regular file, not a link, of the right size with the
     * magic number): the marker that makes the directory holding it the transport's to delete.
     */
    static boolean isOurs(Path path) {
        if (!exists(path)) {
            return false;
        }
        try {
            read(path);
            return true;
        } catch (IpcException e) {
            return false;
        }
    }

    /** The server's side (of a connection, or of a server's own lease). */
    Side server() {
        return new Side(this, SIDE_0);
    }

    /** The client's side of a connection. */
    Side client() {
        return new Side(this, SIDE_1);
    }

    /** Notes that one side has left; true for the side that left last, which deletes the files. */
    boolean leaveAndIsLast() {
        return (long) LONGS.getAndAdd(buffer, LEFT, 1L) == 1L;
    }

    /**
     * The server takes the announced client, before it does anything with the connection's files: false if the
     * client withdrew first (then it deletes its directory itself), or another server took it.
     */
    boolean take() {
        checkWritable();
        return LONGS.compareAndSet(buffer, HANDSHAKE, ANNOUNCED, TAKEN);
    }

    /**
     * The client withdraws its announcement (it gave up waiting): true if no server had taken it, so that nothing
     * but the client touches the directory any more; false if a server is accepting it (or did), after which the
     * two sides leave as in any connection ({@link #leaveAndIsLast()}).
     */
    boolean withdraw() {
        checkWritable();
        return LONGS.compareAndSet(buffer, HANDSHAKE, ANNOUNCED, WITHDRAWN);
    }

    /**
     * The server, having taken the client, could not set its connection up: written before side 0 is marked closed,
     * so that a client that finds side 0 closed can tell this from a connection that was set up and has already
     * ended.
     */
    void markFailed() {
        set(HANDSHAKE, FAILED);
    }

    /** The handshake word: {@link #ANNOUNCED}, {@link #TAKEN}, {@link #WITHDRAWN} or {@link #FAILED}. */
    long handshake() {
        return get(HANDSHAKE);
    }

    private void checkWritable() {
        if (snapshot) {
            throw new IllegalStateException("a copy of a control file cannot be written");
        }
    }

    long get(int offset) {
        return snapshot ? buffer.getLong(offset) : (long) LONGS.getVolatile(buffer, offset);
    }

    void set(int offset, long value) {
        checkWritable();
        LONGS.setVolatile(buffer, offset, value);
    }
}
