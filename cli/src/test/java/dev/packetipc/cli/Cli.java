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
}
