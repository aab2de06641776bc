package dev.packetipc.cli;

import dev.packetipc.IpcException;
import dev.packetipc.PacketIpc;
import dev.packetipc.TransportStatus;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code packet-ipc doctor}: every transport found, whether it can run here and why not, the JVM flags it needs, a
 * one-packet self-test of each available one, and the runtime directory. The last line is exactly
 * {@code doctor: PASSED} or {@code doctor: FAILED}.
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Checks what packet-ipc needs here: transports, JVM flags, the runtime directory.",
            "The last line is exactly 'doctor: PASSED' or 'doctor: FAILED' (exit code 0 or 1)."
        })
final class DoctorCommand implements Callable<Integer> {
    /** The project's transports and the artifact that brings each. */
    private static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("unix", "packet-ipc-transport-unix (Linux, macOS)");
        KNOWN.put("shm", "packet-ipc-transport-shm (Chronicle Queue)");
        KNOWN.put("pipe", "packet-ipc-transport-windows-pipes (Windows)");
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
        checkTransports();
        checkDefault();
        checkRuntimeDirectory();
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
                        + (status.priority() < 0 ? " (only when selected; within one JVM only)" : "");
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

    private void checkRuntimeDirectory() {
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
        } catch (IOException | UnsupportedOperationException e) {
            failed = true;
            out.println("runtime dir   " + dir + ": FAILED: " + ErrorReporter.oneLine(e));
        }
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
