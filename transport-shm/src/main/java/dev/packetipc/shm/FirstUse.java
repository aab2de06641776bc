package dev.packetipc.shm;

import dev.packetipc.IpcOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * What a process loads once, before its first connect's {@link IpcOptions#CONNECT_TIMEOUT} starts to run: the classes
 * and first runs of a client's announcement (a random id, a 0700 directory, a mapped control file that names this
 * process, the heartbeat thread, an atomic rename, a look at the server's lease), done once on a throw-away directory
 * in the server's directory that no server ever takes (its name keeps the announcing prefix). In a fresh JVM this is
 * most of what a connect does before it waits for the accept: with 64 client JVMs started at once on 2 shared cores
 * (JDK 25, load average 73 to 98, 2026-12-03), some spent the whole 10 s default of then in it before they could announce
 * themselves (issue 21). It is bounded by the machine, not by any peer: nothing in it waits for another process. A
 * crash in the middle leaves a directory that a server removes as any dead client's announcement.
 */
final class FirstUse {
    /** Set when loading has ended (whatever it achieved). */
    private static volatile boolean loaded;

    private FirstUse() {}

    /**
     * Loads it all if this process has not yet, with the server's directory {@code server} as the scratch place and
     * its lease read once;
     * returns the nanoseconds this call spent, waiting for another thread that loads it included (0 once it is done).
     */
    static long ensure(Path server, long leaseMillis) {
        if (loaded) {
            return 0;
        }
        long start = System.nanoTime();
        synchronized (FirstUse.class) {
            if (!loaded) {
                try {
                    rehearseAnnouncement(server, leaseMillis);
                } finally {
                    loaded = true;
                }
            }
        }
        return System.nanoTime() - start;
    }

    /** Best effort: whatever fails here fails again, with its message, in the connect itself. */
    private static void rehearseAnnouncement(Path server, long leaseMillis) {
        Path first = server.resolve(ShmFiles.announcingName(UUID.randomUUID().toString()));
        Path second = server.resolve(ShmFiles.announcingName(UUID.randomUUID().toString()));
        Side self = null;
        try {
            Files.createDirectory(first, ShmFiles.privateDirectory());
            ControlFile control = ControlFile.create(first.resolve(ShmFiles.CONTROL), true);
            self = control.client();
            Heartbeats.start(self);
            Files.move(first, second, StandardCopyOption.ATOMIC_MOVE);
            control.server().state();
            control.handshake();
            Side lease = ControlFile.read(server.resolve(ShmFiles.SERVER_LEASE)).server();
            new PeerWatch(lease, leaseMillis).check();
            new Backoff().idle();
            control.withdraw();
        } catch (IOException | RuntimeException e) {
            // the connect itself reports it
        } finally {
            if (self != null) {
                self.markClosed();
                Heartbeats.stop(self);
            }
            ShmFiles.deleteTree(first);
            ShmFiles.deleteTree(second);
        }
    }
}
