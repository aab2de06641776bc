package dev.packetipc.windows;

import dev.packetipc.IpcException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamChannel;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shared-memory regions as sections backed by the paging file, written only against {@link Win32Pipes}. The server
 * creates a section and maps it read-write; to share it, it asks the pipe for the client's process id, opens that
 * process for handle duplication and duplicates the section into it with read access only. The duplicated handle's
 * value travels in the REGION frame, with the size beside it (Windows cannot report a section's size). The client
 * maps that handle read-only and closes it at once. Every view is unmapped ({@code UnmapViewOfFile}) when its side is
 * done with it, not at a garbage collection: the server's when the engine closes the region, the client's when the
 * engine calls {@link #unmap} as the client is closed. A client view the engine never hands back (a client that is
 * never closed) is still unmapped once its buffer is unreachable.
 */
final class SectionSharedMemory implements SharedMemory {
    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread thread = new Thread(runnable, "packet-ipc-windows-view-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private final Win32Pipes os;
    /**
     * The client's views not yet unmapped, by address. The entries hold no buffer, so that a view nobody unmaps still
     * goes at a garbage collection.
     */
    private final Map<Long, View> views = new ConcurrentHashMap<>();

    SectionSharedMemory(Win32Pipes os) {
        this.os = os;
    }

    @Override
    public SharedRegion create(long size) throws IOException {
        return create(size, false);
    }

    /** The packet ring: a section the client maps read-write (its position and waiting word live in it). */
    @Override
    public boolean sharesWritable() {
        return true;
    }

    @Override
    public SharedRegion createWritable(long size) throws IOException {
        return create(size, true);
    }

    private SharedRegion create(long size, boolean peerWrites) throws IOException {
        long section = os.createSection(size);
        try {
            return new Region(os, section, os.mapView(section, size, true), peerWrites);
        } catch (Win32Error | RuntimeException e) {
            os.closeHandle(section);
            throw e;
        }
    }

    @Override
    public int share(SharedRegion region, StreamChannel channel) throws IOException {
        long pipe = ((PipeStreamChannel) channel).handle();
        int clientPid = os.clientProcessId(pipe);
        long process;
        try {
            process = os.openProcess(clientPid);
        } catch (Win32Error e) {
            throw new IpcException(
                    "cannot open the client's process " + clientPid + " to hand it shared memory (" + e.getMessage()
                            + "); a client running elevated or in another session cannot be given sections: set"
                            + " IpcOptions.SHARED_MEMORY_BYTES to 0 on the server to send every payload inline",
                    e);
        }
        try {
            Region shared = (Region) region;
            long value = shared.peerWrites
                    ? os.duplicateWritableSectionInto(process, shared.section)
                    : os.duplicateSectionInto(process, shared.section);
            if (value != (int) value) {
                throw new IOException("the duplicated section handle " + value + " does not fit the REGION frame");
            }
            return (int) value;
        } finally {
            os.closeHandle(process);
        }
    }

    @Override
    public ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException {
        return open(handle, size, false).asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer openWritable(StreamChannel channel, int handle, long size) throws IOException {
        return open(handle, size, true);
    }

    private ByteBuffer open(int handle, long size, boolean writable) throws IOException {
        long section = handle; // handle values are sign-extended from 32 bits, as Windows documents
        ByteBuffer view;
        try {
            view = os.mapView(section, size, writable);
        } catch (Win32Error e) {
            throw new ProtocolException(
                    "the REGION frame's handle " + handle + " does not map " + size + " bytes of a section in this"
                            + " process (" + e.getMessage() + "); the server is not a packet-ipc pipe server, or the"
                            + " frame is corrupt",
                    e);
        }
        // The view keeps the section alive. A handle that mapped nothing is left alone: it might be another of this
        // process's handles, named by a hostile frame.
        os.closeHandle(section);
        View mapped = new View(os, os.addressOf(view), views);
        mapped.cleanable = CLEANER.register(view, mapped);
        views.put(mapped.address, mapped);
        return view;
    }

    /**
     * Unmaps, now, a view that {@link #open} or {@link #openWritable} returned (or a duplicate of it at its start). The
     * engine calls it once no thread of the client reads the view any more; a later access would crash the JVM.
     * Idempotent; a buffer that is not such a view is left alone.
     */
    @Override
    public void unmap(ByteBuffer mapped) {
        if (mapped == null || !mapped.isDirect()) {
            return;
        }
        View view = views.remove(os.addressOf(mapped));
        if (view != null) {
            view.cleanable.clean(); // runs View.run once: here, or never again at a garbage collection
        }
    }

    /** A client's view: unmapped once, by {@link #unmap} or when its buffer is unreachable, whichever comes first. */
    private static final class View implements Runnable {
        private final Win32Pipes os;
        private final long address;
        private final Map<Long, View> views;
        private volatile Cleaner.Cleanable cleanable;

        View(Win32Pipes os, long address, Map<Long, View> views) {
            this.os = os;
            this.address = address;
            this.views = views;
        }

        @Override
        public void run() {
            views.remove(address, this); // a later view at the same address is another entry
            os.unmapView(address);
        }
    }

    /** A section and its read-write view on the server side. */
    private static final class Region implements SharedRegion {
        private final Win32Pipes os;
        private final long section;
        private final ByteBuffer view;
        private final boolean peerWrites;
        private boolean closed;

        Region(Win32Pipes os, long section, ByteBuffer view, boolean peerWrites) {
            this.os = os;
            this.section = section;
            this.view = view;
            this.peerWrites = peerWrites;
        }

        @Override
        public ByteBuffer buffer() {
            return view;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            os.unmapView(os.addressOf(view));
            os.closeHandle(section);
        }
    }
}
