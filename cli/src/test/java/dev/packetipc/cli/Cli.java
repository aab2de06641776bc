package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs the built jar, target/packet-ipc.jar, as a process: what a user runs. Every wait is bounded. */
final class Cli {
    /** Generous: the machine is shared and slow. */
    static final long TIMEOUT_SECONDS = 180;

    private Cli() {}

    /** What a finished command left. */
    record Result(int exitCode, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\\R"));
        }

        List<String> stderrLines() {
            return stderr.isEmpty() ? List.of() : Arrays.asList(stderr.split("\\R"));
        }

        String lastLine() {
            List<String> lines = stdoutLines();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }

        @Override
        public String toString() {
            return "exit code " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    static Path jar() {
        String jar = System.getProperty("packetipc.cli.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "the runnable jar was not built: " + jar);
        return Path.of(jar);
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** {@code java <flags> -jar packet-ipc.jar <arguments>}, with the flags bin/packet-ipc adds. */
    static List<String> command(String... arguments) {
        List<String> command = new ArrayList<>(List.of(java().toString()));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(arguments));
        return command;
    }

    /** Starts the command; stdin from {@code input} when not null. */
    static Process start(List<String> command, Path input, Map<String, String> environment) throws IOException {
        return start(command, input, null, environment);
    }

    /** Starts the command; stdin from {@code input} and stdout to {@code output} when they are not null. */
    static Process start(List<String> command, Path input, Path output, Map<String, String> environment)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        if (output != null) {
            builder.redirectOutput(output.toFile());
        }
        return builder.start();
    }

    static Result run(String... arguments) throws Exception {
        return run(command(arguments), null, Map.of());
    }

    static Result run(List<String> command, Path input, Map<String, String> environment) throws Exception {
        return finish(start(command, input, environment));
    }

    /** Collects a started process's output and waits for it to exit, killing it after the timeout. */
    static Result finish(Process process) throws Exception {
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        return finish(process, stdout, stderr);
    }

    static Result finish(Process process, CompletableFuture<String> stdout, CompletableFuture<String> stderr)
            throws Exception {
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the command did not finish within " + TIMEOUT_SECONDS + " s: " + process.info());
        }
        return new Result(
                process.exitValue(),
                stdout.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
                stderr.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    /**
     * Runs a blocking task on a thread of its own: the common pool has one thread on a 2-core machine, and a
     * blocked reader there would starve the others.
     */
    static <T> CompletableFuture<T> onThread(String name, Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        result.complete(task.get());
                    } catch (RuntimeException | Error e) {
                        result.completeExceptionally(e);
                    }
                },
                name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    /** Reads a stream to its end on a thread of its own. */
    static CompletableFuture<String> drain(InputStream in) {
        return onThread("drain", () -> {
            try (InputStream stream = in) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                stream.transferTo(out);
                return out.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * The command with SIGINT and SIGTERM at their defaults: a process started from a background job of a shell
     * inherits SIGINT ignored, and a JVM does not handle an ignored signal. GNU env resets it where it can.
     */
    static List<String> signalable(List<String> command) throws Exception {
        if (envResetsSignals == null) {
            boolean works;
            try {
                Process probe = new ProcessBuilder("env", "--default-signal=INT,TERM", "true")
                        .redirectErrorStream(true)
                        .start();
                probe.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                works = probe.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && probe.exitValue() == 0;
            } catch (IOException e) {
                works = false;
            }
            envResetsSignals = works;
        }
        if (!envResetsSignals) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("env", "--default-signal=INT,TERM"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static volatile Boolean envResetsSignals;

    /** Sends {@code signal} (INT, TERM, KILL) to the process with {@code kill}. */
    static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(kill.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "kill did not finish");
        assertTrue(kill.exitValue() == 0, "kill -" + signal + " " + pid + " failed: " + output);
    }

    /** A started command whose output is read line by line as it comes, so that a test can wait for a line. */
    static final class Running {
        final Process process;
        private final java.util.concurrent.BlockingQueue<String> stdoutLines =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.BlockingQueue<String> stderrLines =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final StringBuffer stdout = new StringBuffer();
        private final StringBuffer stderr = new StringBuffer();
        private final CompletableFuture<String> stdoutDone;
        private final CompletableFuture<String> stderrDone;

        Running(Process process) {
            this.process = process;
            stdoutDone = lines(process.getInputStream(), stdoutLines, stdout);
            stderrDone = lines(process.getErrorStream(), stderrLines, stderr);
        }

        private static CompletableFuture<String> lines(
                InputStream in, java.util.concurrent.BlockingQueue<String> queue, StringBuffer all) {
            return onThread("lines", () -> {
                try (java.io.BufferedReader reader =
                        new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        all.append(line).append('\n');
                        queue.add(line);
                    }
                    return all.toString();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** Waits for a line on stdout that starts with {@code prefix}, and returns it. */
        String awaitStdout(String prefix) throws Exception {
            return await(stdoutLines, prefix, "stdout");
        }

        /** Waits for a line on stderr that starts with {@code prefix}, and returns it. */
        String awaitStderr(String prefix) throws Exception {
            return await(stderrLines, prefix, "stderr");
        }

        private String await(java.util.concurrent.BlockingQueue<String> queue, String prefix, String which)
                throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    process.destroyForcibly();
                    fail("no line starting with '" + prefix + "' on " + which + " within " + TIMEOUT_SECONDS
                            + " s\n--- stdout\n" + stdout + "--- stderr\n" + stderr);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        /** Waits for the process to exit (killing it after the timeout) and returns everything it printed. */
        Result finish() throws Exception {
            return Cli.finish(process, stdoutDone, stderrDone);
        }
    }
}
