package dev.packetipc.aeron;

import dev.packetipc.IpcException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.spi.RuntimeDirectory;
import io.aeron.Aeron;
import io.aeron.AeronCounters;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Aeron clients of this JVM, one per media driver, shared by every server, connection and client and counted:
 * the embedded media driver (started on first use in the runtime directory) or the external one named by
 * {@code -Daeron.dir}, and for {@code aeron:ipc} names the driver of the server.
 *
 * <p>When the last user of the embedded driver lets go, the driver is closed a moment later (so that a process that
 * opens and closes servers in a row does not restart it each time); before it closes, it waits (bounded) for its
 * closed publications to drain, so that a stream sent just before is not cut off, and it deletes its directory. A
 * shutdown hook does the same when the JVM exits.
 */
final class Drivers {
    /** Aeron's own property for an external media driver's directory. */
    static final String AERON_DIR_PROPERTY = "aeron.dir";

    private static final System.Logger LOG = System.getLogger(Drivers.class.getName());
    private static final long IDLE_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final String EMBEDDED_PREFIX = "aeron-";

    private static final Map<String, Handle> HANDLES = new HashMap<>();
    private static Handle embedded;
    private static String lastEmbeddedDir;
    private static boolean hookInstalled;

    private Drivers() {}

    /** One use of an Aeron client; closing it lets go of it. */
    static final class Lease implements AutoCloseable {
        private final Handle handle;
        private boolean closed;

        private Lease(Handle handle) {
            this.handle = handle;
        }

        Aeron aeron() {
            return handle.aeron;
        }

        /** The media driver's directory. */
        String directory() {
            return handle.dir;
        }

        /** The last error Aeron reported for this driver's client, or null. */
        Throwable lastError() {
            return handle.lastError;
        }

        @Override
        public void close() {
            synchronized (Drivers.class) {
                if (closed) {
                    return;
                }
                closed = true;
                release(handle);
            }
        }
    }

    private static final class Handle {
        final String dir;
        final MediaDriver driver; // null when external
        Aeron aeron;
        int refs;
        long idleSince;
        volatile Throwable lastError;

        Handle(String dir, MediaDriver driver) {
            this.dir = dir;
            this.driver = driver;
        }
    }

    /** The embedded driver's directory while it runs, else the last one it had; for tests. */
    static synchronized String directoryForTests() {
        return lastEmbeddedDir;
    }

    /** The driver this JVM uses for its own servers and UDP clients: the external one if named, else embedded. */
    static synchronized Lease local() throws IpcException {
        String external = System.getProperty(AERON_DIR_PROPERTY);
        if (external != null && !external.isBlank()) {
            return attach(external, false);
        }
        if (embedded == null || embedded.aeron == null) {
            embedded = startEmbedded();
            lastEmbeddedDir = embedded.dir;
            HANDLES.put(embedded.dir, embedded);
        }
        embedded.refs++;
        return new Lease(embedded);
    }

    /** The driver of an {@code aeron:ipc} server, which this client must share. */
    static synchronized Lease at(String dir) throws IpcException {
        return attach(dir, true);
    }

    private static Lease attach(String dir, boolean serverDriver) throws IpcException {
        Handle handle = HANDLES.get(dir);
        if (handle == null) {
            handle = new Handle(dir, null);
            Handle h = handle;
            Aeron.Context context = new Aeron.Context().aeronDirectoryName(dir).errorHandler(t -> onError(h, t));
            if (!driverActive(dir)) {
                context.close();
                if (serverDriver) {
                    throw new NoSuchServerException("no Aeron media driver runs in " + dir + ", the directory an"
                            + " aeron:ipc name points to: its server has closed or its process ended; ask the server"
                            + " for a fresh name");
                }
                throw new IpcException("no Aeron media driver runs in -D" + AERON_DIR_PROPERTY + "=" + dir + ": start"
                        + " one (java " + JvmFlags.EXPORT_MISC + " -cp aeron-all.jar -D" + AERON_DIR_PROPERTY + "="
                        + dir + " io.aeron.driver.MediaDriver), or leave -D" + AERON_DIR_PROPERTY + " unset to use an"
                        + " embedded driver");
            }
            try {
                handle.aeron = Aeron.connect(context);
            } catch (RuntimeException e) {
                throw new IpcException("cannot connect to the Aeron media driver in " + dir + ": " + e, e);
            }
            HANDLES.put(dir, handle);
        }
        handle.refs++;
        return new Lease(handle);
    }

    /** Whether a media driver runs in the directory; waits up to 2 s for one that is just starting. */
    private static boolean driverActive(String dir) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            try {
                if (CommonContext.isDriverActive(new File(dir), TimeUnit.SECONDS.toMillis(2), message -> {})) {
                    return true;
                }
            } catch (RuntimeException e) {
                // a CnC file that is still being written
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static Handle startEmbedded() throws IpcException {
        Path runtime = RuntimeDirectory.ensure();
        removeLeftovers(runtime);
        Path dir = runtime.resolve(EMBEDDED_PREFIX + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        MediaDriver.Context context = new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true);
        // Lighter defaults than Aeron's for a driver inside an application; Aeron's properties still win.
        if (System.getProperty("aeron.threading.mode") == null) {
            context.threadingMode(ThreadingMode.SHARED);
        }
        if (System.getProperty("aeron.term.buffer.sparse.file") == null) {
            context.termBufferSparseFile(true);
        }
        if (System.getProperty("aeron.publication.linger.timeout") == null) {
            context.publicationLingerTimeoutNs(TimeUnit.SECONDS.toNanos(1));
        }
        MediaDriver driver;
        try {
            driver = MediaDriver.launch(context);
        } catch (RuntimeException e) {
            context.close();
            throw new IpcException(
                    "cannot start an embedded Aeron media driver in " + dir + ": " + e
                            + "; check that the runtime directory is writable, or run an external driver and pass -D"
                            + AERON_DIR_PROPERTY + "=DIR",
                    e);
        }
        Handle handle = new Handle(dir.toString(), driver);
        try {
            handle.aeron = Aeron.connect(
                    new Aeron.Context().aeronDirectoryName(dir.toString()).errorHandler(t -> onError(handle, t)));
        } catch (RuntimeException e) {
            driver.close();
            throw new IpcException("cannot connect to the embedded Aeron media driver in " + dir + ": " + e, e);
        }
        if (!hookInstalled) {
            hookInstalled = true;
            Runtime.getRuntime().addShutdownHook(new Thread(Drivers::closeAtExit, "packet-ipc-aeron-driver-shutdown"));
        }
        return handle;
    }

    private static void onError(Handle handle, Throwable error) {
        handle.lastError = error;
        LOG.log(System.Logger.Level.DEBUG, "Aeron reported an error (driver " + handle.dir + ")", error);
    }

    private static void release(Handle handle) {
        if (--handle.refs > 0) {
            return;
        }
        if (handle.driver == null) {
            HANDLES.remove(handle.dir);
            handle.aeron.close();
            return;
        }
        long since = System.nanoTime();
        handle.idleSince = since;
        Thread closer = new Thread(
                () -> {
                    try {
                        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(IDLE_CLOSE_NANOS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    synchronized (Drivers.class) {
                        if (handle.refs > 0 || handle.idleSince != since || handle.aeron == null) {
                            return; // used again meanwhile, or already closed
                        }
                        closeEmbedded(handle);
                    }
                },
                "packet-ipc-aeron-driver-closer");
        closer.setDaemon(true);
        closer.start();
    }

    private static void closeAtExit() {
        synchronized (Drivers.class) {
            if (embedded != null && embedded.aeron != null) {
                closeEmbedded(embedded);
            }
        }
    }

    /** Waits (bounded) until no publication of the driver is left, then closes the client and the driver. */
    private static void closeEmbedded(Handle handle) {
        long deadline = System.nanoTime() + DRAIN_NANOS;
        try {
            while (System.nanoTime() < deadline && hasPublications(handle.aeron)) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the client is already gone (driver timeout): close what is left
        }
        HANDLES.remove(handle.dir);
        if (embedded == handle) {
            embedded = null;
        }
        try {
            handle.aeron.close();
        } finally {
            handle.aeron = null;
            handle.driver.close();
        }
    }

    private static boolean hasPublications(Aeron aeron) {
        boolean[] found = {false};
        aeron.countersReader().forEach((counterId, typeId, keyBuffer, label) -> {
            if (typeId == AeronCounters.DRIVER_PUBLISHER_LIMIT_TYPE_ID) {
                found[0] = true;
            }
        });
        return found[0];
    }

    /** Deletes embedded driver directories of processes that no longer run (killed before their hook ran). */
    private static void removeLeftovers(Path runtime) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runtime, EMBEDDED_PREFIX + "*")) {
            for (Path dir : dirs) {
                String rest = dir.getFileName().toString().substring(EMBEDDED_PREFIX.length());
                int dash = rest.indexOf('-');
                if (dash <= 0) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid != ProcessHandle.current().pid()
                        && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                if (pid == ProcessHandle.current().pid()) {
                    continue;
                }
                deleteTree(dir);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not look for leftover Aeron directories in " + runtime, e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
