package dev.packetipc.shm;

import com.google.auto.service.AutoService;
import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import java.nio.file.FileSystems;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Shared memory between JVMs on one host through Chronicle Queue: names like
 * {@code shm:///run/user/1000/packet-ipc/shm/4f2a1c9e-7b3d}, one queue per connection, one document per batch.
 *
 * <p>Chronicle needs JVM flags (see {@link #unavailabilityCause()} for the exact list on the running JDK); without
 * them the transport reports itself unavailable and no Chronicle class is ever loaded. Before the first Chronicle
 * class loads, the transport turns off Chronicle's analytics, banner and disk monitor, unless the user set those
 * properties.
 */
@AutoService(IpcTransport.class)
public final class ShmTransport implements IpcTransport {
    /** The transport's id and the scheme of its names. */
    public static final String ID = "shm";

    /** Set to {@code true} to turn the transport off ({@code -Dpacketipc.shm.disable=true}). */
    public static final String DISABLE_PROPERTY = "packetipc.shm.disable";

    private volatile Optional<Throwable> cause;

    /** Used by {@link java.util.ServiceLoader}; does no work. */
    public ShmTransport() {}

    @Override
    public String id() {
        return ID;
    }

    /** Below the Unix transport (100), so that it stays the default on Linux when both are present. */
    @Override
    public int priority() {
        return 50;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return EnumSet.of(
                TransportCapability.CROSS_PROCESS,
                TransportCapability.MULTIPLE_CLIENTS,
                TransportCapability.ZERO_COPY_RECEIVE,
                TransportCapability.PACKET_SIZE_LIMIT,
                TransportCapability.STREAM_PROPERTIES,
                TransportCapability.LIVENESS);
    }

    @Override
    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        Optional<Throwable> known = cause;
        if (known == null) {
            known = findCause();
            cause = known;
        }
        return known;
    }

    private static Optional<Throwable> findCause() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            return Optional.of(new UnsupportedOperationException(
                    "the shm transport is turned off by -D" + DISABLE_PROPERTY + "=true"));
        }
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return Optional.of(new UnsupportedOperationException("the shm transport needs a POSIX file system for its"
                    + " private directories; use another transport on this system"));
        }
        List<String> missing = JvmFlags.missing();
        if (!missing.isEmpty()) {
            String where = JvmFlags.onModulePath()
                    ? ", module path: the flags name Chronicle's module " + JvmFlags.CHRONICLE_MODULE
                            + (Runtime.version().feature() >= 24 ? " and JNA's module " + JvmFlags.JNA_MODULE : "")
                    : "";
            return Optional.of(new UnsupportedOperationException("Chronicle Queue needs JVM flags that this JVM was"
                    + " started without (JDK " + Runtime.version().feature() + where + "); add them to the java"
                    + " command line: " + String.join(" ", missing)));
        }
        return Optional.empty();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        ensureAvailable();
        ChronicleSettings.apply();
        return ShmServer.start(options);
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        ShmFiles.directoryOf(name);
        ensureAvailable();
        ChronicleSettings.apply();
        return ShmConnector.connect(name, options);
    }
}
