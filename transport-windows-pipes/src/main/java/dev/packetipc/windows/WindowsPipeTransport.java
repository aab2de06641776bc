package dev.packetipc.windows;

import com.google.auto.service.AutoService;
import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import dev.packetipc.spi.Timeouts;
import dev.packetipc.spi.stream.StreamEndpoints;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Windows named pipes through JNA: the default transport on Windows (id and scheme {@code pipe}, priority 100). Names
 * are {@code pipe://<name>} for the pipe {@code \\.\pipe\<name>}. Each client gets its own pipe instance, so many are
 * served at once; the pipe admits only the server's own user and SYSTEM, and no remote clients. Payloads of at least
 * {@link IpcOptions#SHARED_MEMORY_THRESHOLD} bytes go through a paging-file section that is duplicated into the client
 * with {@code DuplicateHandle}, and {@link Client#poll} reads them in place. The framing is the shared stream engine's.
 * Off Windows it is unavailable, with the cause "Windows only". See the module's README.
 */
@AutoService(IpcTransport.class)
public final class WindowsPipeTransport implements IpcTransport {
    /** The transport's id and the scheme of its names. */
    public static final String ID = PipeName.SCHEME;

    private final Win32Pipes system;
    private final Throwable cause;

    /** Used by {@link java.util.ServiceLoader}: the real system calls on Windows, unavailable elsewhere. */
    public WindowsPipeTransport() {
        this(PipeAvailability.system(), PipeAvailability.cause());
    }

    /** Over other system calls: the tests' emulation of Windows. */
    WindowsPipeTransport(Win32Pipes system) {
        this(system, null);
    }

    private WindowsPipeTransport(Win32Pipes system, Throwable cause) {
        this.system = system;
        this.cause = cause;
    }

    @Override
    public String id() {
        return ID;
    }

    /** The highest of the built-in transports: chosen by default on Windows, the only place it is available. */
    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Set<TransportCapability> capabilities() {
        return EnumSet.allOf(TransportCapability.class);
    }

    @Override
    public boolean isAvailable() {
        return cause == null;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(cause);
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        ensureAvailable();
        return PipeServer.open(system, options, new SectionSharedMemory(system));
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        ensureAvailable();
        PipeName pipe = PipeName.forClient(name);
        long timeout = Timeouts.toNanos(options.get(IpcOptions.CONNECT_TIMEOUT));
        long handle = PipeConnector.open(system, pipe, timeout);
        PipeStreamChannel channel;
        try {
            channel = new PipeStreamChannel(system, handle);
        } catch (Win32Error e) {
            throw new IpcException("could not set up the pipe to " + name + ": " + e.getMessage(), e);
        }
        return StreamEndpoints.connect(channel, pipe.serverName(), options, new SectionSharedMemory(system), timeout);
    }

    @Override
    public String toString() {
        return "WindowsPipeTransport[" + (cause == null ? "available" : "unavailable: " + cause.getMessage()) + "]";
    }
}
