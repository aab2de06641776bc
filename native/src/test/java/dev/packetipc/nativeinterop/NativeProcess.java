package dev.packetipc.nativeinterop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A C program of the build, its output captured line by line; closing it kills it if it still runs. */
final class NativeProcess implements AutoCloseable {
    private final Process process;
    private final List<String> command;
    private final List<String> all = new ArrayList<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread pump;

    private NativeProcess(Process process, List<String> command) {
        this.process = process;
        this.command = command;
        this.pump = new Thread(this::pump, "native-process-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code program} of the build in {@code dir} with these arguments, under the sanitizers' settings. */
    static NativeProcess start(Path dir, String program, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(dir.resolve(program).toString());
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(NativeBuild.sanitizerEnvironment());
        return new NativeProcess(builder.start(), command);
    }

    private void pump() {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (all) {
                    all.add(line);
                }
                lines.add(line);
            }
        } catch (IOException e) {
            synchronized (all) {
                all.add("(reading the output failed: " + e + ")");
            }
        }
    }

    /** The first line from here on that starts with the prefix, without it; fails if none comes in time. */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(0, Math.min(left, 100_000_000L)), TimeUnit.NANOSECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
            if (line == null && (left <= 0 || !process.isAlive() && !pump.isAlive() && lines.isEmpty())) {
                throw new AssertionError("no line starting with '" + prefix + "' within " + timeout + describe());
            }
        }
    }

    /** Waits for the exit (destroying the process if it does not come in time) and for all of its output. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not exit within " + timeout + " and was destroyed" + describe());
        }
        pump.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /** Writes a line to the process's standard input. */
    void tell(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Everything printed so far. */
    List<String> output() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** Kills the process as SIGKILL does and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("was killed but had not ended after 30 s" + describe());
        }
    }

    /** The command and the output, for failure messages. */
    String describe() {
        return "\n--- command: " + String.join(" ", command) + "\n--- output:\n" + String.join("\n", output())
                + "\n--- end of output";
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
