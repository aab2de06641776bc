package dev.packetipc.unix;

import com.google.auto.service.AutoService;
import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.spi.Timeouts;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamEndpoints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

/**
 * Unix domain sockets through junixsocket: the default transport on Linux and macOS. Names are {@code unix://} plus
 * the socket's absolute path, by default in a private per-user directory. Packets are packed many to a frame; payloads
 * of at least {@link IpcOptions#SHARED_MEMORY_THRESHOLD} bytes go through a shared-memory region whose descriptor is
 * passed over the socket once per connection, and {@link Client#poll} reads them in place. Clients are checked
 * against {@link UnixOptions#PEER_POLICY}, and servers against {@link UnixOptions#SERVER_POLICY}. See the module's README for sizes, limits and options.
 */
@AutoService(IpcTransport.class)
public final class UnixTransport implements IpcTransport {
    /** The transport's id and the scheme of its names. */
    public static final String ID = "unix";

    private final SharedMemory sharedMemory = new FileDescriptorSharedMemory();

    /** Used by {@link java.util.ServiceLoader}. */
    public UnixTransport() {}

    @Override
    public String id() {
        return ID;
    }

    /** The highest of the built-in transports: chosen by default where it is available. */
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
        return UnixAvailability.cause().isEmpty();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return UnixAvailability.cause();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        ensureAvailable();
        // Loaded now, not while the first clients wait: on the accepting thread, loading JNA took 7.8 s in a storm of
        // 64 client JVMs (load average 89), and every client behind the first waited in the backlog meanwhile.
        FirstUse.ensure();
        return UnixServer.open(options, sharedMemory);
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        long begun = System.nanoTime();
        long timeout = Math.min(Timeouts.toNanos(options.get(IpcOptions.CONNECT_TIMEOUT)), Timeouts.FOREVER / 4);
        Path path = SocketPath.forClient(name);
        // A process's first connect loads the native libraries and classes first; CONNECT_TIMEOUT counts from the end
        // of that (issue 21: under a storm of starting JVMs it alone outlasted the 10 s default of then). Nothing in it
        // waits
        // for a peer.
        long loading = FirstUse.ensure();
        ensureAvailable();
        ConnectClock clock = new ConnectClock(name, begun, loading, timeout);
        AFUNIXSocketChannel socket = SocketConnector.connect(path, name, clock);
        UnixStreamChannel channel;
        try {
            checkServer(socket, name, options.get(UnixOptions.SERVER_POLICY));
            channel = new UnixStreamChannel(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already failing
            }
            if (e instanceof IpcException) {
                throw (IpcException) e;
            }
            throw new IpcException("could not set up the socket to " + name + ": " + e.getMessage(), e);
        }
        long left = clock.left();
        if (left <= 0) {
            channel.close();
            throw new IpcTimeoutException(clock.gaveUp() + ": the server took the connection only"
                    + " as the time ran out, before the handshake could start; it is overloaded, or raise"
                    + " IpcOptions.CONNECT_TIMEOUT");
        }
        try {
            return StreamEndpoints.connect(channel, name, options, sharedMemory, left);
        } catch (IpcTimeoutException e) {
            throw new IpcTimeoutException(clock.gaveUp() + "; the last step: " + e.getMessage(), e);
        }
    }

    /**
     * The time of one {@code connect}: when it began, how long it first spent loading what a process loads once (not
     * counted), and its limit, {@link IpcOptions#CONNECT_TIMEOUT}, counted from the end of that loading.
     */
    record ConnectClock(String name, long begun, long loadingNanos, long timeoutNanos) {
        /** When the limit started to run ({@link System#nanoTime()}). */
        long start() {
            return begun + loadingNanos;
        }

        /** Nanoseconds left until the limit; 0 or less when it has run out. */
        long left() {
            return start() + timeoutNanos - System.nanoTime();
        }

        /** The start of a time-out message: how long {@code connect} really waited, against its limit. */
        String gaveUp() {
            long now = System.nanoTime();
            String limit = "IpcOptions.CONNECT_TIMEOUT is " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
            String counted = TimeUnit.NANOSECONDS.toMillis(loadingNanos) == 0
                    ? ", counted from the start of connect()"
                    : "; this process's first connect first spent " + TimeUnit.NANOSECONDS.toMillis(loadingNanos)
                            + " ms loading junixsocket's and JNA's native libraries and classes, which is done once"
                            + " per process and not counted, then " + TimeUnit.NANOSECONDS.toMillis(now - start())
                            + " ms counted";
            return "connect() to " + name + " gave up after " + TimeUnit.NANOSECONDS.toMillis(now - begun)
                    + " ms in all (" + limit + counted + ")";
        }
    }

    /** Refuses a server whose user {@code policy} does not admit, before a byte is sent to it. */
    private static void checkServer(AFUNIXSocketChannel socket, String name, PeerPolicy policy) throws IOException {
        long ownUid = Long.parseLong(RuntimeDirectory.userId());
        AFUNIXSocketCredentials credentials;
        try {
            credentials = socket.getPeerCredentials();
        } catch (IOException | RuntimeException e) {
            credentials = null;
        }
        long uid = credentials == null ? -1 : credentials.getUid();
        if (policy.admits(uid, ownUid)) {
            return;
        }
        if (uid < 0) {
            throw new IpcException("refused the server " + name + ": its credentials are unknown, and " + policy
                    + " of this client (uid " + ownUid + ") needs them; allow any server with"
                    + " UnixOptions.SERVER_POLICY = PeerPolicy.anyUser() if this system cannot report them");
        }
        throw new IpcException("refused the server " + name + ": it is run by uid " + uid + " (pid "
                + credentials.getPid() + "), and this client, run by uid " + ownUid + ", accepts only " + policy
                + "; if that server is the one you mean, allow its user with UnixOptions.SERVER_POLICY ="
                + " PeerPolicy.uids(" + uid + ")");
    }
}
