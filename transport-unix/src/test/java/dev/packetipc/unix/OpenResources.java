package dev.packetipc.unix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What this JVM holds: its open file descriptors (Linux's {@code /proc/self/fd}) and its live non-daemon threads.
 * A snapshot taken before some work is compared with the state after it, allowing the system a few seconds to
 * finish closing what was closed asynchronously (a process reaper, a selector's wake-up).
 */
final class OpenResources {
    private static final Path FDS = Path.of("/proc/self/fd");
    private static final Duration SETTLE = Duration.ofSeconds(5);

    private final TreeMap<Integer, String> descriptors;
    private final Set<Thread> threads;

    private OpenResources(TreeMap<Integer, String> descriptors, Set<Thread> threads) {
        this.descriptors = descriptors;
        this.threads = threads;
    }

    /** Whether descriptors can be counted here. */
    static boolean countable() {
        return Files.isDirectory(FDS);
    }

    /** The descriptors and non-daemon threads open now. */
    static OpenResources now() {
        return new OpenResources(descriptors(), nonDaemonThreads());
    }

    private static TreeMap<Integer, String> descriptors() {
        TreeMap<Integer, String> open = new TreeMap<>();
        try (Stream<Path> entries = Files.list(FDS)) { // its own descriptor is counted every time alike
            entries.forEach(
                    entry -> open.put(Integer.valueOf(entry.getFileName().toString()), target(entry)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open;
    }

    private static String target(Path entry) {
        try {
            return Files.readSymbolicLink(entry).toString();
        } catch (IOException e) {
            return "(closed while listing)";
        }
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> !thread.isDaemon() && thread.isAlive())
                .collect(Collectors.toSet());
    }

    /**
     * Fails unless, within a few seconds, no more descriptors are open than in this snapshot and no non-daemon
     * thread runs that did not run then; the message lists what is left over.
     */
    void assertNothingLeftSince(String what) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            TreeMap<Integer, String> openNow = descriptors();
            Set<Thread> newThreads = nonDaemonThreads();
            newThreads.removeAll(threads);
            boolean settled = openNow.size() <= descriptors.size() && newThreads.isEmpty();
            if (settled) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                TreeMap<Integer, String> added = new TreeMap<>(openNow);
                added.entrySet().removeAll(descriptors.entrySet());
                throw new AssertionError(what + " left " + (openNow.size() - descriptors.size())
                        + " file descriptors open (" + descriptors.size() + " before, " + openNow.size() + " after "
                        + SETTLE.toSeconds() + " s; new or changed: " + added + ") and these non-daemon threads: "
                        + newThreads.stream().map(Thread::getName).collect(Collectors.toList()));
            }
            Thread.sleep(20); // polling the system's state, with the deadline above
        }
    }

    @Override
    public String toString() {
        return descriptors.size() + " descriptors, " + threads.size() + " non-daemon threads";
    }
}
