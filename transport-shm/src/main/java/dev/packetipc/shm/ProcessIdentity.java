package dev.packetipc.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Who a process is, as far as another process can verify it: its pid, its pid namespace and its start time. A pid
 * alone proves nothing: in another pid namespace (a container) the same number names another process or none,
 * and a pid is reused after its process died. So a peer counts as verifiably gone only if it lives in this process's
 * pid namespace and no process with its pid and its start time exists there.
 *
 * <p>On Linux the namespace is the inode of {@code /proc/self/ns/pid} and the start time is field 22 of
 * {@code /proc/<pid>/stat} (clock ticks since boot, which a wall-clock step does not change). Elsewhere pids are
 * global (namespace {@value #GLOBAL}) and the start time is not known ({@code 0}), so a reused pid looks alive:
 * that errs on the side of keeping files.
 */
final class ProcessIdentity {
    /** The namespace of a system whose pids are global (not Linux). */
    static final long GLOBAL = 0;
    /** The namespace could not be read: nothing is ever verifiable against it. */
    static final long UNKNOWN = -1;

    private static final boolean LINUX =
            System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux");
    /** This process's pid. */
    static final long PID = ProcessHandle.current().pid();
    /** This process's pid namespace. */
    static final long NAMESPACE = readNamespace();
    /** This process's start time (Linux: clock ticks since boot), or 0 if not known. */
    static final long START = startOf(PID);

    private ProcessIdentity() {}

    /**
     * Whether the process with this pid, start time and namespace is verifiably gone: same namespace as ours, and no
     * such process (no process with the pid, a zombie, or another process that reused the pid).
     */
    static boolean isVerifiablyGone(long pid, long start, long namespace) {
        if (pid <= 0 || NAMESPACE == UNKNOWN || namespace != NAMESPACE) {
            return false;
        }
        if (!LINUX) {
            return ProcessHandle.of(pid).map(handle -> !handle.isAlive()).orElse(true);
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
        String[] fields = afterName(stat);
        if (fields.length < 20) {
            return false;
        }
        if (fields[0].equals("Z") || fields[0].equals("X")) {
            return true; // killed, not yet reaped by its parent: it runs no more
        }
        return start != 0 && !fields[19].equals(Long.toString(start));
    }

    /** The fields of a {@code /proc/<pid>/stat} line after the command name (which may hold spaces and ')'). */
    private static String[] afterName(String stat) {
        int end = stat.lastIndexOf(')');
        return end < 0 ? new String[0] : stat.substring(end + 1).trim().split(" ");
    }

    private static long startOf(long pid) {
        if (!LINUX) {
            return 0;
        }
        try {
            String[] fields = afterName(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            return fields.length < 20 ? 0 : Long.parseLong(fields[19]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long readNamespace() {
        if (!LINUX) {
            return GLOBAL;
        }
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // pid:[4026531836]
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }
}
