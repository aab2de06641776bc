package dev.packetipc.aeron;

import com.google.auto.service.AutoService;
import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The packet-ipc API over <a href="https://github.com/real-logic/aeron">Aeron</a>: names are Aeron channels such as
 * {@code aeron:udp?endpoint=10.0.0.1:40123} (across hosts) or {@code aeron:ipc} (one host, one shared media driver).
 * Each connection is one exclusive publication from the server to a reply channel the client names in its handshake;
 * see the module's README for the handshake and the media driver.
 *
 * <p>Never chosen automatically (its priority is negative): select it by id ({@code -Dpacketipc.transport=aeron}) or
 * connect to one of its names. Agrona needs {@value JvmFlags#EXPORT_MISC} on every JDK; without it the transport
 * reports itself unavailable and no Aeron or Agrona class is loaded. Aeron sends nothing anywhere but to the peers
 * it is given.
 */
@AutoService(IpcTransport.class)
public final class AeronTransport implements IpcTransport {
    /** The transport's id and the scheme of its names. */
    public static final String ID = "aeron";

    /** Set to {@code true} to turn the transport off ({@code -Dpacketipc.aeron.disable=true}). */
    public static final String DISABLE_PROPERTY = "packetipc.aeron.disable";

    private volatile Optional<Throwable> cause;

    /** Used by {@link java.util.ServiceLoader}; does no work. */
    public AeronTransport() {}

    @Override
    public String id() {
        return ID;
    }

    /** Negative: only used when chosen by id or by a name's scheme, never in place of unix, pipe or shm. */
    @Override
    public int priority() {
        return -10;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return EnumSet.of(
                TransportCapability.CROSS_PROCESS,
                TransportCapability.MULTIPLE_CLIENTS,
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
                    "the aeron transport is turned off by -D" + DISABLE_PROPERTY + "=true"));
        }
        List<String> missing = JvmFlags.missing();
        if (!missing.isEmpty()) {
            return Optional.of(new UnsupportedOperationException("Aeron's Agrona needs this JVM flag on JDK "
                    + Runtime.version().feature() + ": " + String.join(" ", JvmFlags.required())
                    + "; add it to the java command line"));
        }
        return Optional.empty();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        String requested = options.get(IpcOptions.SERVER_NAME);
        if (requested != null) {
            AeronName.parse(requested);
        }
        ensureAvailable();
        return AeronServer.start(options);
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        AeronName parsed = AeronName.parse(name);
        ensureAvailable();
        return AeronClient.connect(name, parsed, options);
    }
}
