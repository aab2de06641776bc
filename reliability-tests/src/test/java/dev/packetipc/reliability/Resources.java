package dev.packetipc.reliability;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What this JVM holds and what lies in the runtime directory: open descriptors ({@code /proc/self/fd}), live threads
 * and every path under the runtime directory. A snapshot before a run is compared with the state after it, allowing
 * a few seconds for what is closed asynchronously.
 */
final class Resources {
    private static final Duration SETTLE = Duration.ofSeconds(10);
    /** The settling time for runs with aeron: its driver's 2 s idle delay and 10 s drain bound, plus slack. */
    static final Duration AERON_SETTLE = Duration.ofSeconds(20);

    final int descriptors;
    final Set<String> threads;
    final Set<String> files;

    private Resources(int descriptors, Set<String> threads, Set<String> files) {
        this.descriptors = descriptors;
        this.threads = threads;
        this.files = files;
    }

    /**
     * The state now. The first call first runs one connection of every transport inside this JVM, so that what a
     * transport sets up once per JVM (shm's heartbeat thread and Chronicle's resource releaser, with their
     * descriptors) belongs to the baseline and not to the first test's leaks.
     */
    static Resources now() {
        warmUp();
        return new Resources(descriptorCount(), threadNames(), runtimeFiles());
    }

    private static boolean warm;

    private static synchronized void warmUp() {
        if (warm) {
            return;
        }
        warm = true;
        // Not aeron: its embedded media driver closes on its own 2 s after its last user, so nothing of it belongs to
        // the baseline; the 10 s allowed to settle cover that.
        for (Transports transport : List.of(Transports.UNIX, Transports.SHM)) {
            try (Server server = PacketIpc.transport(transport.id).newServer()) {
                CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(() -> {
                    try {
                        return server.accept(Duration.ofSeconds(30));
                    } catch (IpcException e) {
                        throw new CompletionException(e);
                    }
                });
                try (Client client = PacketIpc.connect(server.name());
                        Connection connection = accepted.get(30, TimeUnit.SECONDS)) {
                    connection.send(List.of(Checked.packet(0, 100)));
                    connection.sendEnd();
                    while (client.receivePackets(10, Duration.ofSeconds(30)).isPresent()) {
                        // drain to the end
                    }
                }
            } catch (Exception e) {
                throw new AssertionError("warming up " + transport.id + " failed", e);
            }
        }
    }

    static int descriptorCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(t -> t.getName() + "#" + t.getId())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> runtimeFiles() {
        Path dir = RuntimeDirectory.path();
        for (int attempt = 1; ; attempt++) {
            if (!Files.isDirectory(dir)) {
                return new TreeSet<>();
            }
            try (Stream<Path> all = Files.walk(dir)) {
                return all.map(p -> dir.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
            } catch (IOException | UncheckedIOException e) { // something vanished while walking (the stream wraps it)
                if (attempt == 100) { // a walk that meets a deletion is retried at once; deletions do not go on
                    throw new UncheckedIOException(
                            "the runtime directory " + dir + " kept changing while walked",
                            e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
                }
            }
        }
    }

    /**
     * Fails unless, within a few seconds, no more descriptors are open, no thread runs that did not run, and no path
     * is in the runtime directory that was not there at this snapshot, except those {@code allowed} (names of a live
     * peer, for instance).
     */
    void assertNothingLeftSince(String what, Set<String> allowedPrefixes) throws InterruptedException {
        assertNothingLeftSince(what, allowedPrefixes, SETTLE);
    }

    /**
     * As {@link #assertNothingLeftSince(String, Set)}, with {@code settle} to settle: aeron's embedded media driver
     * closes 2 s after its last user and first waits up to 10 s for its closed publications to drain
     * (transport-aeron's README), so a run whose last connection went to a killed client needs {@link #AERON_SETTLE}.
     */
    void assertNothingLeftSince(String what, Set<String> allowedPrefixes, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + settle.toNanos();
        while (true) {
            int fds = descriptorCount();
            Set<String> newThreads = threadNames();
            newThreads.removeAll(threads);
            newThreads.removeIf(Resources::isHarmless);
            Set<String> newFiles = runtimeFiles();
            newFiles.removeAll(files);
            newFiles.removeIf(f -> allowedPrefixes.stream().anyMatch(f::startsWith));
            if (fds <= descriptors && newThreads.isEmpty() && newFiles.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " left " + (fds - descriptors) + " descriptors (" + descriptors
                        + " before, " + fds + " after " + settle.toSeconds() + " s), threads " + newThreads
                        + " and files " + newFiles + " in " + RuntimeDirectory.path());
            }
            Thread.sleep(50); // polling the system's state until the deadline above
        }
    }

    /** Threads of the JDK or of the test harness that come and go on their own. */
    static boolean isHarmless(String thread) {
        return thread.startsWith("process reaper")
                || thread.startsWith("ForkJoinPool")
                || thread.startsWith("packet-ipc-conformance-child-output")
                || thread.startsWith("Attach Listener")
                || thread.startsWith("Common-Cleaner")
                || thread.startsWith("JqwikExecutor")
                || thread.startsWith("junit");
    }
}
