package dev.packetipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One process's CPU time and memory as Linux's {@code /proc} shows them; {@link #NONE} where there is no
 * {@code /proc} or the process is gone.
 *
 * @param cpuNanos user plus system CPU time since the process started
 * @param rssBytes resident memory ({@code VmRSS})
 * @param sharedBytes resident shared memory and file-backed pages ({@code RssShmem} + {@code RssFile})
 */
record ProcStats(long cpuNanos, long rssBytes, long sharedBytes) {
    static final ProcStats NONE = new ProcStats(-1, -1, -1);

    /** Linux's {@code USER_HZ}: {@code /proc/<pid>/stat} counts CPU time in ticks of 10 ms on every Linux ABI. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    /** Reads the figures of process {@code pid}. */
    static ProcStats of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
            long rss = -1;
            long shared = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kibibytes(line);
                } else if (line.startsWith("RssShmem:") || line.startsWith("RssFile:")) {
                    shared += kibibytes(line);
                }
            }
            return new ProcStats(ticks * NANOS_PER_TICK, rss, shared);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    private static long kibibytes(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }

    /** Whether the figures were read. */
    boolean known() {
        return cpuNanos >= 0;
    }
}
