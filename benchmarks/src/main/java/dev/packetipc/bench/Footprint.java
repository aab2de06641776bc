package dev.packetipc.bench;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Memory per connection: a server JVM and a client JVM, each connected {@code N} times (client threads are not
 * needed: one thread connects them one after the other), every connection having carried one 64 B packet, so that
 * what a connection maps on first use is counted. Each JVM reads its own {@code VmRSS} (and the shared part of it,
 * {@code RssShmem + RssFile}: mapped rings, regions and queue files) after a warm-up connection has come and gone
 * (so class loading and native libraries are in the baseline) and again with the {@code N} connections open, both
 * after a {@link System#gc()}. The figure is (loaded - baseline) / N, per side. The JVMs run with a heap of fixed size
 * that is touched at start ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}), so the figures are what a connection costs
 * outside the Java heap (rings, regions, direct buffers, queue files, thread stacks); the few objects a connection
 * keeps on the heap are not in them.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.packetipc.bench.Footprint [--transports unix,shm]
 *     [--clients 1,64,256] [--out DIR]
 * </pre>
 *
 * <p>Shared memory that both sides map is counted in both processes' RSS, as Linux counts it; the machine's memory
 * holds it once.
 */
public final class Footprint {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long STEP_MILLIS = 300_000;

    private Footprint() {}

    /**
     * Runs the measurement, or one of its two roles in a child JVM.
     *
     * @param args see the class comment; {@code server <transport> <n>} and {@code client <transport> <name> <n>} are
     *     the child roles
     * @throws Exception if a step fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("server")) {
            server(args[1], Integer.parseInt(args[2]));
        } else if (args.length > 0 && args[0].equals("client")) {
            client(args[1], args[2], Integer.parseInt(args[3]));
        } else {
            System.exit(run(args, System.out));
        }
    }

    static int run(String[] args, PrintStream out) throws Exception {
        List<String> transports = List.of("unix", "shm");
        List<Integer> counts = List.of(1, 64, 256);
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--transports" -> transports = Arrays.asList(args[++i].split(","));
                case "--clients" ->
                    counts = Arrays.stream(args[++i].split(","))
                            .map(Integer::valueOf)
                            .toList();
                case "--out" -> dir = Path.of(args[++i]);
                default -> {
                    out.println("usage: Footprint [--transports unix,shm] [--clients 1,64,256] [--out DIR]");
                    return 2;
                }
            }
        }
        StringBuilder table = new StringBuilder();
        table.append("| transport | connections | server RSS per connection | of it shared | client RSS per connection"
                + " | of it shared |\n|---|---:|---:|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder(
                "transport,connections,server_rss_bytes_per_connection,server_shared_bytes_per_connection,"
                        + "client_rss_bytes_per_connection,client_shared_bytes_per_connection\n");
        for (String transport : transports) {
            for (int n : counts) {
                long[] perConnection = measure(transport, n);
                String row = String.format(
                        Locale.ROOT,
                        "| %s | %d | %s | %s | %s | %s |",
                        transport,
                        n,
                        kib(perConnection[0]),
                        kib(perConnection[1]),
                        kib(perConnection[2]),
                        kib(perConnection[3]));
                out.println(row);
                table.append(row).append('\n');
                csv.append(transport).append(',').append(n);
                for (long figure : perConnection) {
                    csv.append(',').append(figure);
                }
                csv.append('\n');
            }
        }
        if (dir != null) {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("footprint.md"), table.toString());
            Files.writeString(dir.resolve("footprint.csv"), csv.toString());
            out.println("wrote footprint.md and footprint.csv to " + dir);
        }
        return 0;
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
    }

    /** Server and client figures per connection: RSS, shared part of it, for each side. */
    private static long[] measure(String transport, int n) throws Exception {
        Process server = start("server", transport, Integer.toString(n));
        Process client = null;
        try {
            BufferedReader serverOut = reader(server);
            PrintWriter serverIn = writer(server);
            String name = expect(serverOut, "NAME ");
            client = start("client", transport, name, Integer.toString(n));
            BufferedReader clientOut = reader(client);
            PrintWriter clientIn = writer(client);
            long[] serverBase = figures(expect(serverOut, "BASE "));
            long[] clientBase = figures(expect(clientOut, "BASE "));
            clientIn.println("GO");
            long[] clientLoaded = figures(expect(clientOut, "LOADED "));
            long[] serverLoaded = figures(expect(serverOut, "LOADED "));
            serverIn.println("STOP");
            clientIn.println("STOP");
            return new long[] {
                (serverLoaded[0] - serverBase[0]) / n,
                (serverLoaded[1] - serverBase[1]) / n,
                (clientLoaded[0] - clientBase[0]) / n,
                (clientLoaded[1] - clientBase[1]) / n
            };
        } finally {
            stop(client);
            stop(server);
        }
    }

    private static Process start(String... roleArguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a heap of fixed size, touched at start: RSS then moves with what connections map and allocate outside the
        // heap (rings, regions, buffers, queue files, threads), not with the collector's sizing of the heap
        command.addAll(Harness.childJvmArguments(List.of("-Xms1g", "-XX:+AlwaysPreTouch")));
        command.add("-cp");
        command.add(Harness.classPath());
        command.add(Footprint.class.getName());
        command.addAll(List.of(roleArguments));
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static PrintWriter writer(Process process) {
        return new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** The rest of the next line that starts with {@code prefix}; fails on another line or the end. */
    private static String expect(BufferedReader in, String prefix) throws IOException {
        String line = in.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IllegalStateException("expected '" + prefix + "...' from a child JVM, got: " + line);
        }
        return line.substring(prefix.length());
    }

    private static long[] figures(String line) {
        String[] parts = line.trim().split(" ");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }

    private static void stop(Process process) throws InterruptedException {
        if (process != null && !process.waitFor(STEP_MILLIS, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
        }
    }

    // ------------------------------------------------------------------ the child JVMs

    private static void server(String transport, int n) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<Packet> one = List.of(Packet.of(1, new byte[64]));
        try (Server server = PacketIpc.transport(transport).newServer()) {
            System.out.println("NAME " + server.name());
            try (Connection warmUp = server.accept(WAIT)) {
                warmUp.send(one, WAIT);
                warmUp.sendEnd(WAIT);
            }
            System.out.println("BASE " + self());
            List<Connection> connections = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Connection connection = server.accept(WAIT);
                    connections.add(connection);
                    connection.send(one, WAIT);
                }
                System.out.println("LOADED " + self());
                awaitStop(in);
            } finally {
                connections.forEach(Connection::close);
            }
        }
    }

    private static void client(String transport, String name, int n) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Client warmUp = PacketIpc.transport(transport).connect(name)) {
            while (warmUp.poll(p -> {}, 16, WAIT) != Client.END_OF_STREAM) {
                // drains the warm-up stream
            }
        }
        System.out.println("BASE " + self());
        String go = in.readLine();
        if (!"GO".equals(go)) {
            throw new IllegalStateException("expected GO, got " + go);
        }
        List<Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Client client = PacketIpc.transport(transport).connect(name);
                clients.add(client);
                if (client.poll(p -> {}, 16, WAIT) != 1) {
                    throw new IllegalStateException("client " + i + " did not get its packet");
                }
            }
            System.out.println("LOADED " + self());
            awaitStop(in);
        } finally {
            clients.forEach(Client::close);
        }
    }

    private static void awaitStop(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (!"STOP".equals(line)) {
            throw new IllegalStateException("expected STOP, got " + line);
        }
    }

    /** This JVM's RSS and the shared part of it, after a collection. */
    private static String self() throws IpcException {
        System.gc();
        ProcStats stats = ProcStats.of(ProcessHandle.current().pid());
        return stats.rssBytes() + " " + stats.sharedBytes();
    }
}
