package dev.packetipc.aeron;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces, "server" and "client", joined by a veth pair with the private addresses {@link #SERVER_IP}
 * and {@link #CLIENT_IP}, and child JVMs started inside them with {@code ip netns exec}. Only root can make them;
 * {@link #whyNot()} says why they cannot be made here.
 */
final class Namespaces implements AutoCloseable {
    static final String SERVER_IP = "10.77.0.1";
    static final String CLIENT_IP = "10.77.0.2";
    private static final String PREFIX = "pipc-aeron-";

    final String serverNs;
    final String clientNs;
    final String serverLink;
    final String clientLink;
    private final List<Peer> peers = new ArrayList<>();

    private Namespaces(long id) {
        serverNs = PREFIX + "s-" + id;
        clientNs = PREFIX + "c-" + id;
        serverLink = "pas" + (id % 1_000_000);
        clientLink = "pac" + (id % 1_000_000);
    }

    /** Why namespaces cannot be made here, or null when they can. */
    static String whyNot() {
        if (!System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "network namespaces need Linux";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root (running as " + System.getProperty("user.name") + ")";
        }
        try {
            Result r = run(Duration.ofSeconds(10), "ip", "netns", "list");
            return r.exit == 0 ? null : "'ip netns list' failed: " + r.output;
        } catch (IOException e) {
            return "the 'ip' command is not available: " + e.getMessage();
        }
    }

    /**
     * As {@link #create()}, but a machine that lists namespaces and still refuses to make them (a container without
     * the capability, a read-only {@code /run}) skips the test with the reason instead of failing it.
     */
    static Namespaces createOrSkip() {
        try {
            return create();
        } catch (IOException e) {
            throw new org.opentest4j.TestAbortedException("SKIPPED: network namespaces cannot be made here: " + e, e);
        }
    }

    /** Makes both namespaces and the link, removing leftovers of earlier runs whose process is gone. */
    static Namespaces create() throws IOException {
        removeLeftovers();
        Namespaces ns = new Namespaces(ProcessHandle.current().pid());
        try {
            ns.ip("netns", "add", ns.serverNs);
            ns.ip("netns", "add", ns.clientNs);
            ns.ip("link", "add", ns.serverLink, "type", "veth", "peer", "name", ns.clientLink);
            ns.ip("link", "set", ns.serverLink, "netns", ns.serverNs);
            ns.ip("link", "set", ns.clientLink, "netns", ns.clientNs);
            ns.ip("-n", ns.serverNs, "addr", "add", SERVER_IP + "/24", "dev", ns.serverLink);
            ns.ip("-n", ns.clientNs, "addr", "add", CLIENT_IP + "/24", "dev", ns.clientLink);
            ns.ip("-n", ns.serverNs, "link", "set", "lo", "up");
            ns.ip("-n", ns.clientNs, "link", "set", "lo", "up");
            ns.linkUp(true);
            return ns;
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** Brings the client's end of the link up or down. */
    void linkUp(boolean up) throws IOException {
        ip("-n", serverNs, "link", "set", serverLink, up ? "up" : "down");
        ip("-n", clientNs, "link", "set", clientLink, up ? "up" : "down");
    }

    /** Runs a command inside a namespace; fails if it fails. */
    Result inNamespace(String ns, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(Duration.ofSeconds(20), full.toArray(new String[0]));
    }

    void ip(String... args) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip"));
        full.addAll(List.of(args));
        Result r = run(Duration.ofSeconds(20), full.toArray(new String[0]));
        if (r.exit != 0) {
            throw new IOException(String.join(" ", full) + " failed (" + r.exit + "): " + r.output);
        }
    }

    /** Starts {@link AeronPeerMain} with these arguments in a JVM inside the namespace. */
    Peer start(String ns, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(JvmFlags.required());
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AeronPeerMain.class.getName());
        command.addAll(List.of(args));
        Peer peer =
                new Peer(new ProcessBuilder(command).redirectErrorStream(true).start(), command);
        peers.add(peer);
        return peer;
    }

    @Override
    public void close() {
        for (Peer peer : peers) {
            peer.close();
        }
        for (String ns : List.of(serverNs, clientNs)) {
            try {
                run(Duration.ofSeconds(20), "ip", "netns", "del", ns);
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    private static void removeLeftovers() throws IOException {
        for (String line :
                run(Duration.ofSeconds(10), "ip", "netns", "list").output.split("\n")) {
            String name = line.trim().split(" ")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            run(Duration.ofSeconds(10), "ip", "netns", "del", name);
        }
    }

    record Result(int exit, String output) {}

    static Result run(Duration timeout, String... command) throws IOException {
        Path out = Files.createTempFile("netns", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(process.exitValue(), Files.readString(out).trim());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A child JVM; its output is collected line by line. */
    static final class Peer implements AutoCloseable {
        private final Process process;
        private final List<String> command;
        private final List<String> lines = new ArrayList<>();

        Peer(Process process, List<String> command) {
            this.process = process;
            this.command = command;
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                synchronized (lines) {
                                    lines.add(line);
                                    lines.notifyAll();
                                }
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    "peer-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** The first line that starts with the prefix, waiting at most the timeout. */
        String awaitLine(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lines) {
                while (true) {
                    for (String line : lines) {
                        if (line.startsWith(prefix)) {
                            return line;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError(
                                "no line starting with '" + prefix + "' within " + timeout + describe());
                    }
                    TimeUnit.NANOSECONDS.timedWait(lines, left);
                }
            }
        }

        /** The first line with one of the prefixes, waiting at most the timeout. */
        String awaitAny(Duration timeout, String... prefixes) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lines) {
                while (true) {
                    for (String line : lines) {
                        for (String prefix : prefixes) {
                            if (line.startsWith(prefix)) {
                                return line;
                            }
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("no line starting with any of " + List.of(prefixes) + " within "
                                + timeout + describe());
                    }
                    TimeUnit.NANOSECONDS.timedWait(lines, left);
                }
            }
        }

        int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the child did not exit within " + timeout + describe());
            }
            return process.exitValue();
        }

        String describe() {
            synchronized (lines) {
                return "\n--- command: " + String.join(" ", command) + "\n--- output:\n" + String.join("\n", lines);
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
