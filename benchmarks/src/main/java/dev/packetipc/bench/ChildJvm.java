package dev.packetipc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link ChildMain}: its protocol lines are queued for the harness, everything else it prints
 * is kept (the last lines) for failure notes and echoed when verbose. Closing it asks it to exit, then kills it.
 */
final class ChildJvm implements AutoCloseable {
    private static final int KEPT_LINES = 30;

    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final PrintStream echo;
    private final Writer stdin;

    private ChildJvm(String name, Process process, PrintStream echo) {
        this.name = name;
        this.process = process;
        this.echo = echo;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread pump = new Thread(this::pump, "bench-child-output " + name);
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code ChildMain role medium} with the harness's JVM flags and class path. */
    static ChildJvm start(String role, String medium, List<String> jvmArguments, String classPath, PrintStream echo)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArguments);
        command.add("-cp");
        command.add(classPath);
        command.add(ChildMain.class.getName());
        command.add(role);
        command.add(medium);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvm(role + " " + medium, process, echo);
    }

    private void pump() {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(ChildOutput.PREFIX)) {
                    lines.add(line.substring(ChildOutput.PREFIX.length()));
                } else {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > KEPT_LINES) {
                            tail.removeFirst();
                        }
                    }
                    if (echo != null) {
                        echo.println("  [" + name + "] " + line);
                    }
                }
            }
        } catch (IOException e) {
            synchronized (tail) {
                tail.addLast("(reading the child's output failed: " + e + ")");
            }
        }
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    /** Sends one command line. */
    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /**
     * Waits for the protocol line starting with {@code word} and returns the rest of it. An {@code ERROR} line from
     * this child or from {@code peer}, either one's exit, or the timeout fails with what went wrong.
     */
    String await(String word, long timeoutMillis, ChildJvm peer) throws InterruptedException, HarnessFailure {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                if (line.equals(word) || line.startsWith(word + " ")) {
                    return line.substring(word.length()).trim();
                }
                if (line.startsWith("ERROR")) {
                    throw new HarnessFailure(line.substring(5).trim() + lastOutput());
                }
                if (line.startsWith("UNAVAILABLE")) {
                    throw new Unavailable(line.substring(11).trim());
                }
                continue;
            }
            if (peer != null) {
                String error = peer.pendingError();
                if (error != null) {
                    // this side's own error, if any, is usually the cause (a receiver that found a verify failure
                    // closes its end, and the sender then fails on a broken pipe first): give it time to arrive
                    String own = pendingError();
                    for (int i = 0; own == null && i < 30 && process.isAlive(); i++) {
                        Thread.sleep(100);
                        own = pendingError();
                    }
                    throw new HarnessFailure((own == null ? "" : "the " + name + " side: " + own + lastOutput() + "; ")
                            + "the " + peer.name + " side: " + error + peer.lastOutput());
                }
            }
            if (!process.isAlive() && lines.isEmpty()) {
                throw new HarnessFailure(
                        "the " + name + " JVM exited (code " + process.exitValue() + ")" + lastOutput());
            }
            if (System.nanoTime() > deadline) {
                throw new HarnessFailure(
                        "no " + word + " from the " + name + " JVM within " + timeoutMillis + " ms" + lastOutput());
            }
        }
    }

    private String pendingError() {
        for (String line : lines) {
            if (line.startsWith("ERROR")) {
                lines.remove(line);
                return line.substring(5).trim();
            }
        }
        return null;
    }

    /** The last lines the child printed outside the protocol, for a failure note. */
    String lastOutput() {
        synchronized (tail) {
            return tail.isEmpty() ? "" : " (last output: " + String.join(" / ", tail) + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                send("EXIT");
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Something in a child JVM went wrong; the message says what. */
    static class HarnessFailure extends Exception {
        private static final long serialVersionUID = 1L;

        HarnessFailure(String message) {
            super(message);
        }
    }

    /** The child could not make its medium: not on the class path, or not available here. */
    static final class Unavailable extends HarnessFailure {
        private static final long serialVersionUID = 1L;

        Unavailable(String cause) {
            super(cause);
        }
    }
}
