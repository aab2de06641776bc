package dev.packetipc.cli;

import dev.packetipc.IpcException;
import dev.packetipc.PacketIpc;
import dev.packetipc.TransportStatus;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code packet-ipc doctor}: every transport found, whether it can run here and why not, the JVM flags it needs, a
 * one-packet self-test of each available one, and the runtime directory. The last line is exactly
 * {@code doctor: PASSED} or {@code doctor: FAILED}.
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Checks what packet-ipc needs here: transports, JVM flags, the runtime directory and what stopped"
                    + " servers left in it.",
            "The last line is exactly 'doctor: PASSED' or 'doctor: FAILED' (exit code 0 or 1); a warning line"
                    + " before it says what needs attention but does not fail."
        })
final class DoctorCommand implements Callable<Integer> {
    /** A server's socket file: {@code s-<pid>-<id>.sock}. */
    private static final Pattern SOCKET_FILE = Pattern.compile("s-(\\d+)-[^/]*\\.sock");

    @Option(
            names = "--clean",
            description = "Remove the socket files in the runtime directory whose server process is gone.")
    boolean clean;

    private final List<String> warnings = new ArrayList<>();

    /** The project's transports and the artifact that brings each. */
    private static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("unix", "packet-ipc-transport-unix (Linux, macOS)");
        KNOWN.put("shm", "packet-ipc-transport-shm (Chronicle Queue)");
        KNOWN.put("pipe", "packet-ipc-transport-windows-pipes (Windows)");
        KNOWN.put("aeron", "packet-ipc-transport-aeron (Aeron UDP, across hosts)");
    }

    private final PrintStream out = System.out;
    private boolean failed;

    @Override
    public Integer call() {
        out.println("packet-ipc doctor " + VersionProvider.version());
        out.println("java          " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
                + "), " + ChildJvm.javaExecutable());
        out.println("os            " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        // Before the self-tests: a unix server that starts removes dead servers' socket files itself.
        Leftovers leftovers = findLeftovers(RuntimeDirectory.path());
        checkTransports();
        checkDefault();
        checkRuntimeDirectory(leftovers);
        warnings.forEach(w -> out.println("warning: " + w));
        out.println(failed ? "doctor: FAILED" : "doctor: PASSED");
        return failed ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    private void checkTransports() {
        List<TransportStatus> statuses = PacketIpc.availableTransports();
        out.println("transports    " + statuses.size() + " found on the class path");
        boolean crossProcess = false;
        for (TransportStatus status : statuses) {
            boolean loaded = status.transport().isPresent();
            if (!loaded) {
                failed = true;
            }
            String state;
            if (status.isAvailable()) {
                state = "available, priority " + status.priority()
                        + (Transports.crossProcess(status)
                                ? ""
                                : ", within one JVM only: for tests, not for this command's demo or serve");
            } else {
                state = (loaded ? "not available: " : "FAILED to load: ")
                        + ErrorReporter.oneLine(status.unavailabilityCause().orElseThrow());
            }
            out.println("  " + pad(status.id(), 11) + state);
            out.println("  " + pad("", 11) + "provider " + status.providerClass());
            checkFlags(status.id());
            if (status.isAvailable()) {
                if (selfTest(status)) {
                    crossProcess |= status.priority() >= 0;
                }
            }
        }
        for (Map.Entry<String, String> known : KNOWN.entrySet()) {
            if (statuses.stream().noneMatch(s -> s.id().equals(known.getKey()))) {
                out.println("  " + pad(known.getKey(), 11) + "not on the class path: add " + known.getValue());
                checkFlags(known.getKey());
            }
        }
        if (!crossProcess) {
            failed = true;
            out.println("  no transport between processes works here: add one of the above to the class path");
        }
    }

    private void checkFlags(String id) {
        for (JvmFlags.Flag flag : JvmFlags.neededBy(id)) {
            boolean present = flag.inEffect().getAsBoolean();
            out.println("  " + pad("", 11) + "JVM flag " + flag.text() + ": "
                    + (present
                            ? "in effect"
                            : "MISSING (bin/packet-ipc and java -jar add it; with -cp, add it yourself)"));
        }
    }

    private boolean selfTest(TransportStatus status) {
        try {
            long nanos = SelfTest.run(status.transport().orElseThrow());
            out.println("  " + pad("", 11) + "self-test: one packet sent and received in " + Units.elapsed(nanos));
            return true;
        } catch (Exception e) {
            failed = true;
            out.println("  " + pad("", 11) + "self-test FAILED: " + ErrorReporter.oneLine(e));
            return false;
        }
    }

    private void checkDefault() {
        String why = System.getProperty(PacketIpc.TRANSPORT_PROPERTY) != null
                ? "selected by -D" + PacketIpc.TRANSPORT_PROPERTY
                : System.getenv(PacketIpc.TRANSPORT_ENV) != null
                        ? "selected by " + PacketIpc.TRANSPORT_ENV
                        : "the available transport of highest priority";
        try {
            out.println("default       " + PacketIpc.transport().id() + " (" + why + ")");
        } catch (IpcException e) {
            failed = true;
            out.println("default       none (" + why + "): " + ErrorReporter.oneLine(e));
        }
    }

    private void checkRuntimeDirectory(Leftovers leftovers) {
        Path dir = RuntimeDirectory.path();
        boolean existed = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
        try {
            RuntimeDirectory.ensure();
            String permissions = "";
            if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                permissions = ", owner uid " + Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ", "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
            }
            boolean writable = Files.isWritable(dir);
            if (!writable) {
                failed = true;
            }
            out.println("runtime dir   " + dir + (existed ? ": exists" : ": created") + permissions
                    + (writable ? ", writable: ok" : ", NOT writable"));
            reportLeftovers(dir, leftovers);
        } catch (IOException | UnsupportedOperationException e) {
            failed = true;
            out.println("runtime dir   " + dir + ": FAILED: " + ErrorReporter.oneLine(e));
        }
    }

    /** What {@link #findLeftovers} found, and what it could not remove. */
    private record Leftovers(List<Path> found, List<Path> removed, List<String> failures) {}

    /**
     * Socket files whose server process is gone (killed, or a library user's server never closed). Only files named
     * {@code s-<pid>-*.sock} that are not regular files or directories, and whose pid is not a running process,
     * count; with {@code --clean} they are removed here, before any self-test runs.
     */
    private Leftovers findLeftovers(Path dir) {
        List<Path> found = new ArrayList<>();
        List<Path> removed = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return new Leftovers(found, removed, failures);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Matcher m = SOCKET_FILE.matcher(entry.getFileName().toString());
                if (!m.matches()
                        || Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)
                        || Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                        || Files.isSymbolicLink(entry)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    found.add(entry);
                }
            }
        } catch (IOException e) {
            failures.add("could not list " + dir + ": " + ErrorReporter.oneLine(e));
        }
        found.sort(null);
        if (clean) {
            for (Path leftover : found) {
                try {
                    if (Files.deleteIfExists(leftover)) {
                        removed.add(leftover);
                    }
                } catch (IOException e) {
                    failures.add("could not remove " + leftover + ": " + ErrorReporter.oneLine(e));
                }
            }
        }
        return new Leftovers(found, removed, failures);
    }

    private void reportLeftovers(Path dir, Leftovers leftovers) {
        warnings.addAll(leftovers.failures());
        List<Path> found = leftovers.found();
        if (found.isEmpty()) {
            out.println("leftovers     none (no socket file of a process that is gone)");
            return;
        }
        if (clean) {
            List<Path> removed = leftovers.removed();
            out.println("leftovers     removed " + removed.size() + " socket file" + (removed.size() == 1 ? "" : "s")
                    + " of processes that are gone" + (removed.isEmpty() ? "" : ": " + names(removed)));
            return;
        }
        out.println("leftovers     " + found.size() + " socket file" + (found.size() == 1 ? "" : "s")
                + " of processes that are gone: " + names(found));
        List<Path> remaining = new ArrayList<>();
        for (Path leftover : found) {
            if (Files.exists(leftover, LinkOption.NOFOLLOW_LINKS)) {
                remaining.add(leftover);
            }
        }
        if (remaining.size() < found.size()) {
            out.println("              " + (found.size() - remaining.size()) + " removed since by the unix"
                    + " self-test's server (a unix server that starts removes the files of dead servers)");
        }
        if (!remaining.isEmpty()) {
            warnings.add(remaining.size() + " socket file" + (remaining.size() == 1 ? "" : "s")
                    + " left by servers that did not close (killed, or never closed) in " + dir
                    + "; remove them with: packet-ipc doctor --clean");
        }
    }

    private static String names(List<Path> files) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < files.size() && i < 5; i++) {
            text.append(i == 0 ? "" : ", ").append(files.get(i).getFileName());
        }
        if (files.size() > 5) {
            text.append(" and ").append(files.size() - 5).append(" more");
        }
        return text.toString();
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
