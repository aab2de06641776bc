package dev.packetipc.conformance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on this JVM's class path, for tests that need a real process boundary: the conformance suite runs its
 * peers in one, and a transport's own tests can run theirs the same way. The child's standard output and error are
 * captured line by line, for {@link #awaitLine} and for failure messages; closing it kills the process if it still
 * runs.
 *
 * <pre>{@code
 * try (ChildJvm peer = ChildJvm.start(List.of("-Xmx256m"), MyPeerMain.class, List.of("serve"))) {
 *     String name = peer.awaitLine("NAME ", Duration.ofSeconds(30));
 *     ...
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> command;

    private ChildJvm(Process process, List<String> command) {
        this.process = process;
        this.command = command;
        Thread pump = new Thread(this::pump, "packet-ipc-conformance-child-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts the suite's own {@link ChildMain} with these JVM arguments and program arguments. */
    static ChildJvm start(List<String> jvmArguments, List<String> arguments) throws IOException {
        return start(jvmArguments, ChildMain.class, arguments);
    }

    /**
     * Starts {@code mainClass} in a new JVM: the same {@code java}, this JVM's class path and temporary directory,
     * and these JVM arguments (flags a transport needs, for example) and program arguments.
     *
     * @param jvmArguments arguments before the main class, e.g. {@code --enable-native-access=ALL-UNNAMED}
     * @param mainClass the class whose {@code main} the child runs; it must be on this JVM's class path
     * @param arguments the program arguments
     * @return the running child; close it to kill it if it still runs
     * @throws IOException if the {@code java} command cannot be started
     */
    public static ChildJvm start(List<String> jvmArguments, Class<?> mainClass, List<String> arguments)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArguments);
        String tmpdir = System.getProperty("java.io.tmpdir");
        if (tmpdir != null && Files.isDirectory(Path.of(tmpdir))) {
            command.add("-Djava.io.tmpdir=" + tmpdir);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvm(process, command);
    }

    private void pump() {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                lines.add(line);
            }
        } catch (IOException e) {
            output.append("(reading the child's output failed: ").append(e).append(")\n");
        }
    }

    /**
     * The first line of output that starts with the prefix, without it; fails if none comes in time.
     *
     * @param prefix what the line starts with
     * @param timeout the longest wait for it
     * @return the rest of the line after the prefix
     * @throws AssertionError if no such line came in time or the child exited without it; the message has the child's command and output
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(0, Math.min(left, 100_000_000L)), TimeUnit.NANOSECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
            if (line == null && (!process.isAlive() && lines.isEmpty() || left <= 0)) {
                throw new AssertionError("the child JVM " + (process.isAlive() ? "did not print" : "exited without")
                        + " a line starting with '" + prefix + "' within " + timeout + describe());
            }
        }
    }

    /**
     * Writes one line to the child's standard input.
     *
     * @param line the line, without a line break
     * @throws IOException if the child's standard input is closed
     */
    public void say(String line) throws IOException {
        Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        in.write(line + "\n");
        in.flush();
    }

    /**
     * Whether the child still runs.
     *
     * @return true until the child has exited
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the child to exit and returns its exit code; destroys it and fails if it does not exit in time.
     *
     * @param timeout the longest wait
     * @return the child's exit code
     * @throws AssertionError if it did not exit in time; the message has the child's command and output
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(
                    "the child JVM did not exit within " + timeout + " and was destroyed" + describe());
        }
        return process.exitValue();
    }

    /**
     * The command and everything the child printed so far, for failure messages.
     *
     * @return the text, starting with a line break
     */
    public String describe() {
        return "\n--- child JVM command: " + String.join(" ", command) + "\n--- child JVM output:\n" + output
                + "--- end of child JVM output";
    }

    /**
     * Freezes the child with {@code SIGSTOP}: it stays alive, holding every socket and file, but never runs again (a
     * process stopped in a debugger, or starved of CPU, looks the same to its peers). {@link #kill()} still ends it.
     *
     * @throws UnsupportedOperationException on Windows, which has no {@code SIGSTOP}
     * @throws IOException if {@code kill(1)} cannot be run
     * @throws InterruptedException if this thread is interrupted while waiting for {@code kill(1)}
     */
    public void freeze() throws IOException, InterruptedException {
        if (!canFreeze()) {
            throw new UnsupportedOperationException("freezing a process needs SIGSTOP, which Windows does not have");
        }
        Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        if (!stop.waitFor(10, TimeUnit.SECONDS) || stop.exitValue() != 0) {
            stop.destroyForcibly();
            throw new AssertionError("kill -STOP " + process.pid() + " failed" + describe());
        }
    }

    /**
     * Whether {@link #freeze()} works here: everywhere but Windows.
     *
     * @return true where {@code SIGSTOP} exists
     */
    public static boolean canFreeze() {
        return !System.getProperty("os.name", "").startsWith("Windows");
    }

    /**
     * Kills the child as {@code SIGKILL} would (a crash, as far as its peers can tell) and waits until it is gone.
     *
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child JVM was killed but had not ended after 30 s" + describe());
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
