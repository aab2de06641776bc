package dev.packetipc.shm;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PeerGoneException;
import dev.packetipc.spi.PacketLimits;
import dev.packetipc.spi.StreamProperties;
import dev.packetipc.spi.Timeouts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The server's side of one client: appends one Chronicle document per batch (split into documents of about an eighth
 * of the buffer, so the client reads one while the next is written), filled in place in the mapped file; waits while the client lags by more than the buffer, and deletes the cycle files the client has passed.
 */
final class ShmConnection implements Connection {
    private final Path directory;
    private final ControlFile control;
    private final Side self;
    private final Side client;
    private final PeerWatch clientWatch;
    private final ShmSettings settings;
    private final RollingClock clock = new RollingClock(Queues.ROLL_CYCLE.lengthInMillis());
    private final ConcurrentSkipListMap<Integer, File> released = new ConcurrentSkipListMap<>();
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final ReentrantLock lock = new ReentrantLock();
    private final Backoff backoff = new Backoff();
    private final byte[] scratch = new byte[64 * 1024];
    private final MappedWindow window = MappedWindow.writable();
    private volatile boolean closed;
    private boolean released0;
    private boolean ended;
    private long written;
    private long bytesInCycle;
    private volatile long packets;
    private volatile long bytes;
    private volatile long batches;

    /**
     * Accepts the client whose connection directory this is (the caller has {@linkplain ControlFile#take() taken}
     * it): opens the queue, then tells the client by marking side 0 open.
     *
     * @throws UncheckedIOException if the queue directory or the properties cannot be written
     * @throws RuntimeException if Chronicle cannot open the queue; nothing of it stays open
     */
    ShmConnection(Path directory, ControlFile control, ShmSettings settings) {
        this.directory = directory;
        this.control = control;
        this.self = control.server();
        this.client = control.client();
        this.clientWatch = new PeerWatch(client, settings.leaseMillis);
        this.settings = settings;
        Path queueDirectory = directory.resolve(ShmFiles.QUEUE);
        try {
            Files.createDirectory(queueDirectory, ShmFiles.privateDirectory()); // 0700, not Chronicle's umask default
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(queueDirectory, LinkOption.NOFOLLOW_LINKS)) {
                throw new UncheckedIOException("the queue directory " + queueDirectory + " is not a directory", e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the queue directory " + queueDirectory + ": " + e, e);
        }
        if (!settings.properties.isEmpty()) { // read by the client once side 0 is OPEN, so written before that
            Path properties = directory.resolve(ShmFiles.PROPERTIES);
            try {
                Files.write(
                        properties,
                        StreamProperties.encode(settings.properties),
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the stream properties " + properties + ": " + e, e);
            }
        }
        this.queue = Queues.open(
                queueDirectory, settings.maxDocumentBytes, clock, (cycle, file) -> released.put(cycle, file));
        try {
            this.appender = queue.createAppender();
            appender.singleThreadedCheckDisabled(true);
            createFirstCycle(queue, appender);
        } catch (RuntimeException | Error e) {
            queue.close();
            throw e;
        }
        self.openAsThisProcess();
        Heartbeats.start(self);
    }

    /**
     * Writes one metadata document (which tailers skip), so that the first cycle file exists, complete, before the
     * client opens the queue. A tailer that meets a cycle file whose header is still being written waits for it only
     * Chronicle's time-out ({@link Queues#CHRONICLE_TIMEOUT_MILLIS}) and then passes over the whole cycle: on a
     * loaded machine a server descheduled while it created the first cycle made its client miss every document of
     * it (found with hundreds of clients connecting at once). The file's first part is written before Chronicle maps
     * it ({@link Queues#prepareCycleFile}).
     */
    static void createFirstCycle(SingleChronicleQueue queue, ExcerptAppender appender) {
        Path prepared;
        try {
            prepared = Queues.prepareCycleFile(queue);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the first cycle file of " + queue.file() + ": " + e, e);
        }
        try (DocumentContext document = appender.writingDocument(true)) {
            document.wire().bytes().writeInt(0);
        } finally {
            Queues.discardUnused(prepared);
        }
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch) throws IpcException {
        send0(batch, Timeouts.FOREVER, null);
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
        send0(batch, Timeouts.toNanos(timeout), timeout);
    }

    private void send0(List<? extends AsIpcPacket> batch, long timeoutNanos, Duration timeout) throws IpcException {
        lock.lock();
        try {
            checkOpen();
            if (batch.isEmpty()) {
                return;
            }
            validate(batch);
            long deadline = timeoutNanos == Timeouts.FOREVER ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
            int from = 0;
            while (from < batch.size()) {
                int to = from;
                long payload = 0;
                while (to < batch.size()
                        && (to == from
                                || BatchLayout.documentBytes(
                                                to - from + 1,
                                                payload + batch.get(to).length())
                                        <= settings.splitBytes)) {
                    payload += batch.get(to).length();
                    to++;
                }
                long documentBytes = BatchLayout.documentBytes(to - from, payload);
                awaitRoom(documentBytes, deadline, timeout);
                writeBatch(batch, from, to, (int) documentBytes);
                account(documentBytes);
                packets += to - from;
                bytes += payload;
                from = to;
            }
            batches++;
        } finally {
            lock.unlock();
            releaseIfClosed();
        }
    }

    /**
     * Checks the whole batch before anything of it is written, so that a batch refused here is not sent in part:
     * every packet present, its length not negative, its data holding at least that many bytes, and at most
     * {@link #maxPacketBytes()}.
     *
     * @throws IllegalArgumentException naming the packet and the limit it breaks; nothing of the batch was sent
     */
    private void validate(List<? extends AsIpcPacket> batch) {
        for (int i = 0; i < batch.size(); i++) {
            AsIpcPacket packet = batch.get(i);
            if (packet == null) {
                throw new IllegalArgumentException(
                        "packet #" + i + " of the batch is null; nothing of the batch was sent");
            }
            ByteBuffer data = packet.data();
            int length = packet.length();
            if (data == null || length < 0 || data.remaining() < length) {
                throw new IllegalArgumentException("packet #" + i + " of the batch says its length is " + length
                        + " bytes but its data() holds " + (data == null ? "nothing" : data.remaining() + " bytes")
                        + "; nothing of the batch was sent");
            }
            if (length > settings.maxPacketBytes) {
                throw PacketLimits.tooLarge(
                        i,
                        length,
                        settings.maxPacketBytes,
                        "raise IpcOptions.MAX_PACKET_BYTES on the server and the client");
            }
        }
    }

    private void awaitRoom(long documentBytes, long deadline, Duration timeout) throws IpcException {
        backoff.reset();
        while (true) {
            checkClient();
            if (closed) {
                throw new ClosedException("this shm connection was closed while sending");
            }
            long inFlight = written - client.consumedBytes();
            if (inFlight <= 0 || inFlight + documentBytes <= settings.bufferBytes) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IpcTimeoutException("the client of " + directory + " did not make room within " + timeout
                        + ": " + inFlight + " bytes are unread, the buffer is " + settings.bufferBytes
                        + " bytes (IpcOptions.BUFFER_BYTES); the batch may have been sent in part, so close"
                        + " the connection");
            }
            backoff.idle();
        }
    }

    private void writeBatch(List<? extends AsIpcPacket> batch, int from, int to, int documentBytes) {
        try (DocumentContext document = appender.writingDocument()) {
            try {
                Bytes<?> out = document.wire().bytes();
                long start = out.writePosition();
                ByteBuffer target = window.point(out, start, documentBytes, true);
                if (target != null) {
                    fill(target, batch, from, to);
                    window.detach();
                    out.writeSkip(documentBytes);
                } else {
                    stream(out, batch, from, to);
                }
            } catch (RuntimeException | Error e) {
                window.detach();
                document.rollbackOnClose();
                throw e;
            }
        }
    }

    /** Writes a document in place, in one pass: one copy of each payload, straight into the mapped file. */
    private static void fill(ByteBuffer target, List<? extends AsIpcPacket> batch, int from, int to) {
        target.putInt(0, BatchLayout.KIND_BATCH);
        target.putInt(4, to - from);
        int entry = BatchLayout.HEADER_BYTES;
        int payloadAt = BatchLayout.entryOffset(to - from);
        for (int i = from; i < to; i++) {
            AsIpcPacket packet = batch.get(i);
            ByteBuffer data = packet.data();
            int length = packet.length();
            target.putLong(entry, packet.timestampNanos());
            target.putInt(entry + 8, length);
            target.put(payloadAt, data, data.position(), length);
            entry += BatchLayout.ENTRY_BYTES;
            payloadAt += length;
        }
    }

    /** Writes a document through Chronicle's streaming writes: when it does not lie inside one mapped region. */
    private void stream(Bytes<?> out, List<? extends AsIpcPacket> batch, int from, int to) {
        out.writeInt(BatchLayout.KIND_BATCH);
        out.writeInt(to - from);
        for (int i = from; i < to; i++) {
            AsIpcPacket packet = batch.get(i);
            out.writeLong(packet.timestampNanos());
            out.writeInt(packet.length());
        }
        for (int i = from; i < to; i++) {
            copy(batch.get(i).data(), out);
        }
    }

    /** Copies a payload without moving the caller's buffer: absolute reads through one reused array. */
    private void copy(ByteBuffer data, Bytes<?> out) {
        int end = data.limit();
        for (int at = data.position(); at < end; at += scratch.length) {
            int n = Math.min(scratch.length, end - at);
            data.get(at, scratch, 0, n);
            out.write(scratch, 0, n);
        }
    }

    private void writeMarker(int kind) {
        try (DocumentContext document = appender.writingDocument()) {
            Bytes<?> out = document.wire().bytes();
            out.writeInt(kind);
            out.writeInt(0);
        }
        account(BatchLayout.HEADER_BYTES);
    }

    /** Counts a written document, rolls the cycle after enough bytes, deletes cycles the client has passed. */
    private void account(long documentBytes) {
        written += documentBytes;
        self.publishProduced(written);
        bytesInCycle += documentBytes;
        if (bytesInCycle >= settings.rollBytes) {
            bytesInCycle = 0;
            clock.roll();
            prepareNextCycle();
        }
        deletePassedCycles();
    }

    /**
     * Writes the first part of the cycle file the next document goes into, as the handshake does for the first one
     * ({@link Queues#PREPARED_BYTES}): otherwise the first touch of each new cycle's sparse mapping makes the kernel
     * read around it on a disk file system (8 MiB of zeros per roll where that was measured). Once per roll, not per
     * batch. A failure costs only that read-ahead: Chronicle then creates the file itself.
     */
    private void prepareNextCycle() {
        try {
            Queues.prepareCycleFile(queue);
        } catch (IOException e) {
            // the cycle file is created sparse by Chronicle, as without this
        }
    }

    /** Deletes released cycle files older than the cycle the client reads; never the current one. */
    private void deletePassedCycles() {
        if (released.isEmpty()) {
            return;
        }
        int passed = Math.min(client.consumedCycle(), appender.cycle());
        if (released.firstKey() >= passed) { // the usual case on every send: nothing to delete, nothing allocated
            return;
        }
        for (Map.Entry<Integer, File> entry : released.headMap(passed).entrySet()) {
            if (entry.getValue().delete() || !entry.getValue().exists()) {
                released.remove(entry.getKey());
            }
        }
    }

    /**
     * As {@link #sendEnd()}: appending the end marker never waits for the client. Added by the engine helper with
     * {@link Connection#sendEnd(Duration)} (issue 12, item 11); the shm helper owns this.
     */
    @Override
    public void sendEnd(Duration timeout) throws IpcException {
        java.util.Objects.requireNonNull(timeout, "timeout");
        sendEnd();
    }

    @Override
    public void sendEnd() throws IpcException {
        lock.lock();
        try {
            if (ended) {
                return;
            }
            checkOpen();
            writeMarker(BatchLayout.KIND_END);
            ended = true;
        } finally {
            lock.unlock();
            releaseIfClosed();
        }
    }

    private void checkOpen() throws IpcException {
        if (closed) {
            throw new ClosedException("this shm connection is closed");
        }
        if (ended) {
            throw new ClosedException("the end of the stream was already sent on this shm connection");
        }
        checkClient();
    }

    private void checkClient() throws PeerGoneException {
        if (client.state() == Side.CLOSED) {
            throw new PeerGoneException("the client of " + directory + " closed its end of the connection");
        }
        Optional<PeerWatch.Verdict> gone = clientWatch.check();
        if (gone.isPresent()) {
            throw new PeerGoneException(
                    "the client of " + directory + " is gone: " + gone.get().reason() + "; close this connection");
        }
    }

    /** The server's {@link IpcOptions#MAX_PACKET_BYTES}: the documents are sized to hold a packet of it. */
    @Override
    public int maxPacketBytes() {
        return settings.maxPacketBytes;
    }

    @Override
    public long packetsSent() {
        return packets;
    }

    @Override
    public long bytesSent() {
        return bytes;
    }

    @Override
    public long batchesSent() {
        return batches;
    }

    @Override
    public boolean isOpen() {
        return !closed && client.state() == Side.OPEN && clientWatch.check().isEmpty();
    }

    @Override
    public void close() {
        closed = true;
        if (!lock.isHeldByCurrentThread()) {
            releaseIfClosed();
        }
    }

    /** Writes the close marker, marks this side closed and releases the queue; by the side that leaves last. */
    private void releaseIfClosed() {
        if (!closed || lock.isHeldByCurrentThread()) {
            return;
        }
        lock.lock();
        try {
            if (released0) {
                return;
            }
            released0 = true;
            boolean clientGone =
                    client.state() != Side.OPEN || clientWatch.check().isPresent();
            // Only a client whose process is verifiably gone leaves its files to this side; a silent one keeps them.
            boolean clientDead = client.state() == Side.OPEN && client.isVerifiablyGone();
            if (!ended && !clientGone) {
                try {
                    writeMarker(BatchLayout.KIND_CLOSE);
                } catch (RuntimeException e) {
                    // the client will see the lease closed instead
                }
            }
            self.markClosed();
            Heartbeats.stop(self);
            queue.close();
            if (control.leaveAndIsLast() || clientDead) {
                ShmFiles.deleteTree(directory);
                ShmFiles.removeServerIfDone(directory.getParent());
            }
        } finally {
            lock.unlock();
        }
    }
}
