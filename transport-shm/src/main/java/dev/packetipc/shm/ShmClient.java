package dev.packetipc.shm;

import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.AbstractClient;
import dev.packetipc.spi.PacketView;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The client's side: tails the connection's queue and walks each batch document in place, through windows on the
 * mapped file whose bounds are the document's (checked against the layout before anything is handed out); its
 * packets go out through one {@link PacketView} over that memory. The document stays mapped until the next one is
 * read, which happens only once all its packets were handed out. After each document it publishes how far it has
 * read, which is what the sender's backpressure and retention use.
 */
final class ShmClient extends AbstractClient {
    private final Path directory;
    private final ControlFile control;
    private final Side self;
    private final Side server;
    private final PeerWatch serverWatch;
    private final ShmSettings settings;
    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Backoff backoff = new Backoff();
    private final PacketView view = new PacketView();
    private final MappedWindow headers = MappedWindow.readOnly();
    private final MappedWindow payloads = MappedWindow.readOnly();
    private ByteBuffer document;
    private ByteBuffer readOnly;
    private int count;
    private int index;
    private int payloadAt;
    private int terminal;
    private long consumed;
    private long stuckSince;
    private ProtocolException broken;
    private boolean released;
    private volatile boolean endReceived;

    ShmClient(
            String name,
            Path directory,
            ControlFile control,
            Side self,
            ShmSettings settings,
            Map<String, String> properties) {
        super(name);
        setProperties(properties);
        this.directory = directory;
        this.control = control;
        this.self = self;
        this.server = control.server();
        this.serverWatch = new PeerWatch(server, settings.leaseMillis);
        this.settings = settings;
        this.queue = Queues.open(
                directory.resolve(ShmFiles.QUEUE),
                settings.maxDocumentBytes,
                SystemTimeProvider.INSTANCE,
                StoreFileListener.noOp());
        this.tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true);
        detach();
    }

    @Override
    protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        lock.lock();
        try {
            return poll(handler, limit, waitNanos);
        } catch (InternalError e) {
            // HotSpot reports a fault in a mapped file (truncated under us) asynchronously, after the faulting read.
            broken = new ProtocolException(
                    "the queue of " + name() + " could not be read (" + e + "); its files are corrupt or truncated", e);
            throw broken;
        } finally {
            lock.unlock();
            releaseIfClosed();
        }
    }

    private int poll(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        long deadline = waitNanos == FOREVER ? Long.MAX_VALUE : System.nanoTime() + waitNanos;
        int delivered = 0;
        backoff.reset();
        while (true) {
            if (isClosed()) {
                throw new ClosedException("this shm client of " + name() + " was closed");
            }
            if (broken != null) {
                throw broken;
            }
            while (index < count && delivered < limit) {
                int length = document.getInt(BatchLayout.entryOffset(index) + 8);
                if (length < 0 || length > readOnly.capacity() - payloadAt) {
                    throw rewritten("packet #" + index + " now has length=" + length); // checked, then changed
                }
                view.wrap(document.getLong(BatchLayout.entryOffset(index)), readOnly, payloadAt, length);
                // Consumed before it is handed out: if the handler throws, the exception reaches the caller as it
                // is, and the next poll goes on with the next packet (no replay, nothing skipped).
                payloadAt += length;
                index++;
                delivered++;
                handler.onPacket(view);
            }
            if (delivered == limit) {
                return delivered;
            }
            if (terminal == 0 && readNext(delivered)) {
                backoff.reset();
                continue;
            }
            if (delivered > 0) {
                return delivered;
            }
            if (terminal == BatchLayout.KIND_END) {
                return END_OF_STREAM;
            }
            if (terminal == BatchLayout.KIND_CLOSE) {
                throw new PeerGoneException(
                        "the server closed the connection " + name() + " without sending the end of the stream");
            }
            Optional<String> gone = serverGone();
            if (gone.isPresent()) {
                if (readDocument()) {
                    continue;
                }
                long unread = server.producedBytes() - consumed;
                if (unread > 0) {
                    // It appended documents this client cannot find: "everything was received" would be false.
                    broken = new ProtocolException("the server of " + name() + " is gone (" + gone.get() + ") and "
                            + unread + " bytes of documents it appended could not be read; the queue file is"
                            + " corrupt, so what it sent after the packets received so far is lost");
                    throw broken;
                }
                throw new PeerGoneException("the server of " + name() + " is gone: " + gone.get()
                        + "; everything it sent was received; connect to a new server");
            }
            checkNotStuck();
            if (waitNanos == 0 || System.nanoTime() - deadline >= 0) {
                return 0;
            }
            backoff.idle();
        }
    }

    /** Reads the next document; after packets were handed out in this call a failure waits for the next call. */
    private boolean readNext(int delivered) throws ProtocolException {
        try {
            return readDocument();
        } catch (ProtocolException e) {
            if (delivered > 0) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Fails when the server has appended documents this client cannot find for longer than the lease: a damaged
     * queue file whose headers look like a write in progress would otherwise keep it waiting forever.
     */
    private void checkNotStuck() throws ProtocolException {
        if (terminal != 0 || server.producedBytes() <= consumed) {
            stuckSince = 0;
            return;
        }
        long now = System.nanoTime();
        if (stuckSince == 0) {
            stuckSince = now;
        } else if (now - stuckSince > settings.leaseMillis * 1_000_000L) {
            broken = new ProtocolException("the server appended " + (server.producedBytes() - consumed)
                    + " bytes of documents that this client could not read for " + settings.leaseMillis
                    + " ms; the queue file of " + name() + " is corrupt");
            throw broken;
        }
    }

    private Optional<String> serverGone() {
        if (server.state() == Side.CLOSED) {
            return Optional.of("it closed without a close marker");
        }
        return serverWatch.check().map(PeerWatch.Verdict::reason);
    }

    /** Reads the next document in place, if one is there; the previous one must have been handed out whole. */
    private boolean readDocument() throws ProtocolException {
        detach();
        try (DocumentContext context = tailer.readingDocument()) {
            if (!context.isPresent()) {
                return false;
            }
            Bytes<?> bytes = context.wire().bytes();
            long start = bytes.readPosition();
            long length = bytes.readRemaining();
            if (length > settings.maxDocumentBytes) {
                throw new ProtocolException("a queue document of " + length + " bytes exceeds the limit of "
                        + settings.maxDocumentBytes + " bytes (IpcOptions.MAX_PACKET_BYTES, or MAX_FRAME_BYTES if"
                        + " larger); the queue file is corrupt, or the server allows larger packets than this client:"
                        + " set the same IpcOptions.MAX_PACKET_BYTES on both");
            }
            int size = (int) length;
            ByteBuffer doc = headers.point(bytes, start, size, false);
            ByteBuffer view = payloads.point(bytes, start, size, false);
            if (doc == null || view == null) {
                throw new ProtocolException("a queue document of " + size + " bytes at offset " + start
                        + " does not lie inside one mapped region of the queue file; the queue file is corrupt");
            }
            int kind = BatchLayout.validate(doc, size);
            consumed += size;
            self.publishConsumed(consumed, tailer.cycle());
            if (kind == BatchLayout.KIND_BATCH) {
                document = doc;
                readOnly = view;
                count = doc.getInt(4); // read again from the shared file: it may differ from what validate saw
                if (count < 0 || BatchLayout.documentBytes(count, 0) > size) {
                    throw rewritten("its count is now " + count);
                }
                index = 0;
                payloadAt = BatchLayout.entryOffset(count);
            } else {
                detach();
                terminal = kind;
                endReceived = kind == BatchLayout.KIND_END;
            }
            return true;
        } catch (ProtocolException e) {
            detach();
            broken = e;
            throw e;
        } catch (RuntimeException | InternalError e) {
            detach();
            broken = new ProtocolException(
                    "the queue of " + name() + " could not be read (" + e + "); its files are corrupt", e);
            throw broken;
        }
    }

    /**
     * The document changed in the shared file after it was validated (only another writer can do that): the client
     * stops reading, as with any corrupt document, and says so.
     */
    private ProtocolException rewritten(String what) {
        detach();
        broken = new ProtocolException("a batch document of " + name() + " changed after it was checked (" + what
                + "); something other than its server writes the queue files, so the queue is corrupt");
        return broken;
    }

    /** Forgets the current document: nothing points into the queue file any more. */
    private void detach() {
        headers.detach();
        payloads.detach();
        document = null;
        readOnly = null;
        count = 0;
        index = 0;
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return endReceived;
    }

    @Override
    protected void closeTransport() {
        self.markClosed();
        Heartbeats.stop(self);
        if (!lock.isHeldByCurrentThread()) {
            releaseIfClosed();
        }
    }

    /** Closes the queue once no receive is using it; the side that leaves last deletes the connection's files. */
    private void releaseIfClosed() {
        if (!isClosed() || lock.isHeldByCurrentThread()) {
            return;
        }
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            detach();
            queue.close();
            // Only a server whose process is verifiably gone leaves its files to this side; a silent one keeps them.
            boolean serverDead = server.state() == Side.OPEN && server.isVerifiablyGone();
            if (control.leaveAndIsLast() || serverDead) {
                ShmFiles.deleteTree(directory);
                ShmFiles.removeServerIfDone(directory.getParent());
            }
        } finally {
            lock.unlock();
        }
    }
}
