package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load and crash rounds repeated for a while against long-lived servers in this JVM, with a trend check of this
 * (the server's) process: {@code -Dreliability.soakMinutes} (0.5 in the default run, 60 with {@code -Psoak}).
 *
 * <p>Each round, for unix and shm each, one server per transport living through the whole soak: {@value #CLIENTS}
 * client threads connect and each receives its own checked stream of {@value #PACKETS} packets; then one client
 * process (alternately of unix and shm) is killed with SIGKILL while the server streams to it, and the server's send
 * must fail with an {@link IpcException} within the transport's bound. After each round the test runs the garbage
 * collector and samples the heap used after it, the RSS ({@code /proc/self/status}), the live threads (without the
 * JDK's and the harness's own, as {@link Resources} counts them, and without the stream servers' handshake pools,
 * which start a thread per handshake up to 64 and end each after 10 s idle, so that with rounds shorter than 10 s
 * they climb to 64 a server and stay: those are only bounded, by 64 a server) and the open descriptors ({@code
 * /proc/self/fd}).
 *
 * <p><b>The trend rule</b>, for each of the four series: the first {@link #warmUp} samples are dropped (class loading,
 * JIT, pools filling). Of the remaining {@code m} samples, let {@code early} be the median of the first quarter and
 * {@code late} the median of the last quarter (each at least 2 samples), and {@code slope} the least-squares slope
 * over the second half, per round. The series fails if {@code late - early > tolerance} <i>and</i> {@code slope * m/2 >
 * tolerance}: it ended higher than it started by more than the tolerance and was still rising in the second half at
 * a rate that adds more than the tolerance over that half. Tolerances: descriptors 8, threads 4, heap after GC
 * 16 MiB + 10% of {@code early}, RSS 64 MiB + 15% of {@code early}. At least {@value #MIN_ROUNDS} rounds run, however
 * short the duration. After the soak the servers close and nothing may be left ({@link Resources}).
 *
 * <p>The rule sees a leak of more than {@code tolerance / (m/2)} per round: in the default run's 8 rounds (m = 6)
 * about 3 descriptors per round, in an hour's soak (some 500 rounds) one descriptor every 30 rounds. {@code
 * -Dreliability.soakLeak=N} leaks N descriptors per round on purpose: the check must then fail (how the rule was
 * checked against a real leak).
 */
@ExtendWith(Results.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "uses /proc, kill(1) and Linux file modes; runs on Linux only")
@Timeout(value = 90, unit = TimeUnit.MINUTES)
class SoakTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CLIENTS = 8;
    private static final int PACKETS = 2000;
    private static final int SIZE = 200;
    private static final int MIN_ROUNDS = 8;
    private static final long MIB = 1 << 20;
    /** The handshake pool's threads of one server at most (HandshakePool.THREADS). */
    private static final int HANDSHAKE_THREADS = 64;

    private static final String HANDSHAKE_THREAD = "packet-ipc-handshake ";

    /** The series sampled after each round, each with its tolerance. */
    enum Series {
        DESCRIPTORS("descriptors", 1) {
            @Override
            double tolerance(double early) {
                return 8;
            }
        },
        /** Without the handshake pools' threads, which are bounded apart (see {@link #HANDSHAKE_THREADS}). */
        THREADS("threads", 1) {
            @Override
            double tolerance(double early) {
                return 4;
            }
        },
        HEAP("heap after GC (MiB)", MIB) {
            @Override
            double tolerance(double early) {
                return 16 * MIB + 0.10 * early;
            }
        },
        RSS("RSS (MiB)", MIB) {
            @Override
            double tolerance(double early) {
                return 64 * MIB + 0.15 * early;
            }
        };

        final String label;
        final long unit;

        Series(String label, long unit) {
            this.label = label;
            this.unit = unit;
        }

        abstract double tolerance(double early);
    }

    /** How many of the first samples are dropped: 2, or a tenth of them in a long run. */
    static int warmUp(int samples) {
        return Math.max(2, samples / 10);
    }

    /** The verdict of the trend rule (see the class comment) on one series; {@code null} if it passes. */
    static String trend(Series series, double[] samples) {
        int skip = warmUp(samples.length);
        double[] kept = Arrays.copyOfRange(samples, skip, samples.length);
        int m = kept.length;
        int quarter = Math.max(2, m / 4);
        double early = median(Arrays.copyOfRange(kept, 0, quarter));
        double late = median(Arrays.copyOfRange(kept, m - quarter, m));
        double slope = slope(Arrays.copyOfRange(kept, m / 2, m));
        double tolerance = series.tolerance(early);
        String numbers = series.label + ": early " + show(early, series) + ", late " + show(late, series) + ", slope "
                + show(slope, series) + "/round over the second half, tolerance " + show(tolerance, series);
        if (late - early > tolerance && slope * (m / 2.0) > tolerance) {
            return numbers;
        }
        return null;
    }

    private static String show(double value, Series series) {
        return series.unit == 1 ? String.format("%.1f", value) : String.format("%.1f", value / series.unit);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The least-squares slope of the values against their index. */
    static double slope(double[] values) {
        int n = values.length;
        if (n < 2) {
            return 0;
        }
        double meanX = (n - 1) / 2.0;
        double meanY = Arrays.stream(values).average().orElse(0);
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (i - meanX) * (values[i] - meanY);
            den += (i - meanX) * (i - meanX);
        }
        return num / den;
    }

    @Test
    @Proves(
            injects = "load and crash rounds for -Dreliability.soakMinutes (0.5 by default, 60 with -Psoak) against"
                    + " one long-lived unix and one shm server: each round 8 client threads per transport with 2000"
                    + " checked packets each, and one client process killed (SIGKILL) mid-stream",
            bound = "every client served in full, every killed client's send fails with IpcException within the"
                    + " transport's bound; after each round (GC first) heap, RSS, threads and descriptors sampled:"
                    + " none may trend up (late-quarter median above early-quarter median by more than the tolerance"
                    + " and second-half least-squares slope adding more than it; descriptors 8, threads 4 (handshake pool threads, up to 64 a server by design, bounded apart), heap 16 MiB"
                    + " + 10%, RSS 64 MiB + 15%); nothing left after close")
    void loadAndCrashRoundsLeaveNoUpwardTrend(TestInfo info) throws Exception {
        double minutes = Double.parseDouble(System.getProperty("reliability.soakMinutes", "0.5"));
        int leak = Integer.getInteger("reliability.soakLeak", 0);
        long end = System.nanoTime() + (long) (minutes * 60e9);
        Resources before = Resources.now();
        List<long[]> samples = new ArrayList<>();
        List<RandomAccessFile> leaked = new ArrayList<>();
        long worstKillMillis = 0;
        long started = System.nanoTime();
        Map<Transports, Server> servers = new EnumMap<>(Transports.class);
        try {
            for (Transports transport : List.of(Transports.UNIX, Transports.SHM)) {
                servers.put(transport, PacketIpc.transport(transport.id).newServer());
            }
            for (int round = 0; round < MIN_ROUNDS || System.nanoTime() - end < 0; round++) {
                for (Server server : servers.values()) {
                    load(server);
                }
                Transports killed = round % 2 == 0 ? Transports.UNIX : Transports.SHM;
                worstKillMillis = Math.max(worstKillMillis, crash(servers.get(killed), killed));
                for (int i = 0; i < leak; i++) {
                    leaked.add(new RandomAccessFile("/proc/self/status", "r")); // the deliberate leak
                }
                samples.add(sample());
            }
        } finally {
            for (Server server : servers.values()) {
                server.close();
            }
            for (RandomAccessFile file : leaked) {
                file.close();
            }
        }
        long tookSeconds = (System.nanoTime() - started) / 1_000_000_000L;
        List<String> rising = new ArrayList<>();
        StringBuilder seen = new StringBuilder(samples.size() + " rounds in " + tookSeconds + " s");
        for (Series series : Series.values()) {
            double[] values =
                    samples.stream().mapToDouble(s -> s[series.ordinal()]).toArray();
            String verdict = trend(series, values);
            if (verdict != null) {
                rising.add(verdict);
            }
            seen.append("; ")
                    .append(series.label)
                    .append(" first ")
                    .append(show(values[0], series))
                    .append(" last ")
                    .append(show(values[values.length - 1], series))
                    .append(" max ")
                    .append(show(Arrays.stream(values).max().orElse(0), series));
        }
        seen.append("; handshake threads at most ")
                .append(mostHandshakeThreads)
                .append("; slowest kill noticed in ")
                .append(worstKillMillis)
                .append(" ms");
        Results.observe(Results.id(info), seen.toString());
        assertTrue(rising.isEmpty(), "an upward trend: " + rising + " (" + seen + ")");
        before.assertNothingLeftSince("the soak", Set.of());
    }

    /** {@link #CLIENTS} client threads, each served its own checked stream by its own sender thread. */
    private static void load(Server server) throws Exception {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Thread client = new Thread(
                    () -> {
                        Checked.Receiver checker = new Checked.Receiver();
                        try (Client c = PacketIpc.connect(server.name())) {
                            Optional<List<IpcPacket>> batch;
                            while ((batch = c.receivePackets(256, WAIT)).isPresent()) {
                                batch.get().forEach(checker::accept);
                            }
                            if (checker.count() != PACKETS) {
                                failures.add("a client got " + checker.count());
                            }
                        } catch (Exception | AssertionError e) {
                            failures.add("a client: " + e);
                        }
                    },
                    "soak-client");
            client.start();
            threads.add(client);
            Connection connection = server.accept(WAIT);
            Thread sender = new Thread(
                    () -> {
                        try (connection) {
                            for (int s = 0; s < PACKETS; s += 250) {
                                connection.send(Checked.batch(s, 250, SIZE), WAIT);
                            }
                            connection.sendEnd(WAIT);
                        } catch (IpcException e) {
                            failures.add("the server: " + e);
                        }
                    },
                    "soak-sender");
            sender.start();
            threads.add(sender);
        }
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
            assertFalse(t.isAlive(), "a thread of the load still runs after " + WAIT);
        }
        assertTrue(failures.isEmpty(), "the load failed: " + failures);
    }

    /** A client process killed mid-stream; returns how long the server's send took to fail. */
    private static long crash(Server server, Transports transport) throws Exception {
        try (ChildJvm client = Children.peer("client", server.name(), "read", "0")) {
            long pid = Children.pid(client);
            Connection connection = server.accept(WAIT);
            AtomicReference<Long> killedAt = new AtomicReference<>();
            CompletableFuture<Long> sending = CompletableFuture.supplyAsync(() -> {
                long sequence = 0;
                try (connection) {
                    while (true) {
                        connection.send(Checked.batch(sequence, 64, SIZE), WAIT);
                        sequence += 64;
                    }
                } catch (IpcException e) {
                    Long at = killedAt.get();
                    if (at == null) {
                        throw new IllegalStateException("the send failed before the kill: " + e, e);
                    }
                    return (System.nanoTime() - at) / 1_000_000;
                }
            });
            client.awaitLine("GOT ", WAIT);
            Thread.sleep(ThreadLocalRandom.current().nextInt(100)); // random timing of the kill
            killedAt.set(System.nanoTime());
            Children.kill(client, pid);
            long took = sending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(
                    took <= transport.killedBound.toMillis(),
                    transport + ": the send failed " + took + " ms after the kill; bound " + transport.killedBound);
            return took;
        }
    }

    private static long mostHandshakeThreads;

    /** Heap after GC, RSS, threads (not the JDK's or the harness's own), descriptors, in {@link Series} order. */
    private static long[] sample() throws IOException, InterruptedException {
        System.gc();
        System.gc(); // a second collection for what the first one's reference processing freed
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        Set<String> names = Resources.threadNames();
        long handshakes =
                names.stream().filter(t -> t.startsWith(HANDSHAKE_THREAD)).count();
        assertTrue(
                handshakes <= 2 * HANDSHAKE_THREADS,
                handshakes + " handshake threads for 2 servers, more than " + HANDSHAKE_THREADS + " each");
        mostHandshakeThreads = Math.max(mostHandshakeThreads, handshakes);
        long threads = names.stream()
                .filter(t -> !Resources.isHarmless(t) && !t.startsWith(HANDSHAKE_THREAD))
                .count();
        long[] sample = new long[Series.values().length];
        sample[Series.DESCRIPTORS.ordinal()] = Resources.descriptorCount();
        sample[Series.THREADS.ordinal()] = threads;
        sample[Series.HEAP.ordinal()] = heap;
        sample[Series.RSS.ordinal()] = rss;
        return sample;
    }

    /** The rule itself: a leak of one descriptor per round fails it; a flat series with noise passes. */
    @Test
    void theTrendRuleCatchesALeakAndToleratesNoise() {
        double[] leaking = new double[20];
        double[] noisy = new double[12];
        double[] warmingUp = new double[12];
        for (int i = 0; i < 20; i++) {
            leaking[i] = 100 + i;
        }
        for (int i = 0; i < 12; i++) {
            noisy[i] = 100 + (i % 3) * 3;
            warmingUp[i] = i < 3 ? 80 + 10 * i : 110 + (i % 2);
        }
        assertTrue(trend(Series.DESCRIPTORS, leaking) != null, "1 descriptor per round over 20 rounds");
        assertEquals(null, trend(Series.DESCRIPTORS, noisy));
        assertEquals(null, trend(Series.DESCRIPTORS, warmingUp));
        double[] heap = new double[60];
        for (int i = 0; i < 60; i++) {
            heap[i] = 100 * MIB + i * 2 * MIB; // 2 MiB per round
        }
        assertTrue(trend(Series.HEAP, heap) != null, "2 MiB of heap per round over 60 rounds");
    }
}
