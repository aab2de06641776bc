package dev.packetipc.unix;

import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.nio.channels.Selector;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * What a process loads once, before its first connect's {@link dev.packetipc.IpcOptions#CONNECT_TIMEOUT} starts to
 * run: junixsocket's native library and socket classes, JNA's native library (for {@code poll(2)} and {@code
 * sendmsg(2)}, on 64-bit Linux), a selector, and this user's id. In a fresh JVM this is most of a connect's work:
 * with 64 client JVMs started at once on 2 shared cores (load average 56, 2026-12-03; each phase timed with {@code
 * System.nanoTime} in the clients) it took 17 to 21 s of first connects that took 19 to 23 s in all, so a 10 s
 * time-out ran out before the handshake began (issue 21). It is bounded by the machine, not by any peer: nothing in it
 * waits for another process.
 */
final class FirstUse {
    /** Set when loading has ended (whatever it achieved); a field of this class, so reading it loads nothing. */
    private static volatile boolean loaded;

    private FirstUse() {}

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
        try (AFUNIXSocketChannel probe = AFUNIXSocketChannel.open()) {
            probe.configureBlocking(false);
            Selector selector = probe.provider().openSelector();
            selector.close();
        } catch (IOException | RuntimeException | LinkageError e) {
            // the connect reports it
        }
        NativePoll.isAvailable(); // binds JNA's direct mapping (it catches its own failures)
        RuntimeDirectory.userId();
    }
}
