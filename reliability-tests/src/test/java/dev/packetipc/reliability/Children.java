package dev.packetipc.reliability;

import dev.packetipc.conformance.ChildJvm;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Child JVMs running {@link Peer} with the flags the transports need, and signals to them. */
final class Children {
    static final Duration STARTUP = Duration.ofSeconds(60);

    private Children() {}

    /** JVM flags for a child: those of this JVM's tests (Chronicle's opens), a small heap, the same runtime dir. */
    static List<String> flags() {
        List<String> flags = new ArrayList<>();
        for (String flag : System.getProperty("reliability.childJvmArgs", "").split("\\s+")) {
            if (!flag.isBlank() && !flag.startsWith("-Xmx")) {
                flags.add(flag);
            }
        }
        flags.add("-Xmx128m");
        flags.add("-XX:TieredStopAtLevel=1"); // quick start-up: the children are many and short-lived
        flags.add("-Xshare:auto");
        flags.add("-D" + RuntimeDirectory.PROPERTY + "=" + RuntimeDirectory.path());
        return flags;
    }

    /** Starts {@link Peer} with these arguments. */
    static ChildJvm peer(String... arguments) throws IOException {
        return ChildJvm.start(flags(), Peer.class, Arrays.asList(arguments));
    }

    /** The child's pid, from its first line. */
    static long pid(ChildJvm child) throws InterruptedException {
        return Long.parseLong(child.awaitLine("PID ", STARTUP));
    }

    /** Sends a signal ({@code KILL}, {@code STOP}, {@code CONT}) to a process and waits until {@code kill} ran. */
    static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
        }
    }

    /** Kills with SIGKILL and waits until the process is gone. */
    static void kill(ChildJvm child, long pid) throws IOException, InterruptedException {
        signal("KILL", pid);
        child.awaitExit(Duration.ofSeconds(30));
    }
}
