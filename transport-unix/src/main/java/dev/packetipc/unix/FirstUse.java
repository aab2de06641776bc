package dev.packetipc.unix;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.spi.stream.SharedMemory;
import dev.packetipc.spi.stream.StreamEndpoints;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/**
 * What a process loads once, before its first server starts or its first connect's {@link IpcOptions#CONNECT_TIMEOUT}
 * starts to run: junixsocket's native library and socket classes, JNA's native library (for {@code poll(2)}, {@code
 * sendmsg(2)} and libc), this user's id, and the classes of a handshake, by one handshake with itself over a socket
 * pair (with the packet ring, in shared memory that is gone when it ends; no file, no listening socket). In a fresh JVM
 * this is most of a connect's work: with 64 client JVMs started at once on 2 shared cores (load average 56,
 * 2026-12-03; each phase timed with {@code System.nanoTime} in the clients) it took 17 to 21 s of first connects that
 * took 19 to 23 s in all, so a 10 s time-out ran out before the handshake began (issue 21). It is bounded by the
 * machine, not by any peer: nothing in it waits for another process.
 */
final class FirstUse {
    /** Set when loading has ended (whatever it achieved); a field of this class, so reading it loads nothing. */
    private static volatile boolean loaded;

    private FirstUse() {}

    /** How long each step of the handshake with itself may wait (it waits only for this process). */
    private static final long HANDSHAKE_STEP_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Loads it all if this process has not yet; returns the nanoseconds this call spent, waiting for another thread
     * that loads it included (0 once it is done).
     */
    static long ensure() {
        if (loaded) {
            return 0;
        }
        long start = System.nanoTime();
        Holder.touch(); // the JVM runs the holder's initializer once; other threads wait for it
        return System.nanoTime() - start;
    }

    private static final class Holder {
        static {
            load();
            loaded = true;
        }

        private Holder() {}

        static void touch() {
            // initializing the class is the point
        }
    }

    /** Best effort: whatever fails here fails again, with its message, in the connect itself. */
    private static void load() {
        if (UnixAvailability.cause().isPresent()) { // junixsocket's native library; on Windows nothing native
            return;
        }
        NativePoll.isAvailable(); // binds JNA's direct mapping (it catches its own failures)
        RuntimeDirectory.userId();
        handshakeWithItself();
    }

    /**
     * One handshake between a server and a client side of this process, over a socket pair: it loads what a real
     * handshake needs on both sides (the stream engine, libc through JNA, the packet ring's mapping). Failures are
     * ignored: a real connect reports its own.
     */
    private static void handshakeWithItself() {
        SharedMemory sharedMemory = new FileDescriptorSharedMemory();
        UnixStreamChannel serverSide = null;
        UnixStreamChannel clientSide = null;
        try {
            AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
            try {
                serverSide = new UnixStreamChannel(pair.getSocket1());
            } finally {
                if (serverSide == null) {
                    pair.getSocket1().close();
                    pair.getSocket2().close();
                }
            }
            try {
                clientSide = new UnixStreamChannel(pair.getSocket2());
            } finally {
                if (clientSide == null) {
                    serverSide.close();
                    pair.getSocket2().close();
                }
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            return;
        }
        UnixStreamChannel server = serverSide;
        AtomicReference<Connection> accepted = new AtomicReference<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        accepted.set(StreamEndpoints.accept(
                                server, "warm-up", IpcOptions.defaults(), sharedMemory, HANDSHAKE_STEP_NANOS));
                    } catch (IpcException | RuntimeException e) {
                        server.close(); // the client side then fails at once
                    }
                },
                "packet-ipc-unix-warm-up");
        thread.setDaemon(true);
        thread.start();
        try (Client client = StreamEndpoints.connect(
                clientSide, "warm-up", IpcOptions.defaults(), sharedMemory, HANDSHAKE_STEP_NANOS)) {
            client.name(); // connected: that is all this is for
        } catch (IpcException | RuntimeException e) {
            clientSide.close(); // the server side then fails at once
        }
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(2 * HANDSHAKE_STEP_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection connection = accepted.get();
        if (connection != null) {
            connection.close();
        }
        server.close();
    }
}
