package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many clients on one server in this JVM, each receiving its own checked stream (sequence numbers, CRC32C): as
 * separate processes, as threads, and as a storm (all connecting at once at default options). The server's heap,
 * RSS, threads and descriptors are sampled during the run and bounded; one client that never reads does not keep
 * the others from finishing (each connection is independent).
 */
@ExtendWith(Results.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "uses /proc, kill(1) and Linux file modes; runs on Linux only")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class LoadTest {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final int PACKETS = 5_000;
    private static final int SIZE = 200;

    /** 16 client processes in the default run (2 cores), 64 with -Psoak. */
    private static int processes() {
        return Boolean.getBoolean("reliability.soak") ? 64 : 16;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Transports.class,
            names = {"UNIX", "SHM"})
    @Proves(
            injects = "16 client processes (64 with -Psoak) on one server, one of them never reads",
            bound = "every reading client gets its 5000 packets intact while the stalled one blocks its own"
                    + " connection only; server fds <= base + 8/client + 64, threads <= base + 4/client + 32,"
                    + " RSS <= base + 40 MiB/client + 256 MiB; nothing left after close")
    void clientProcessesWithOneStalledClient(Transports transport, TestInfo info) throws Exception {
        load(transport, info);
    }

    /**
     * The same load on aeron. Known defect: in the CI run of 2026-12-03 on JDK 25 a client JVM exited without its
     * stream ("exited without a line starting with 'OK '"); it passed on JDK 17 there and in two earlier runs here.
     */
    @Test
    @Tag("known-defect")
    @Proves(
            injects = "16 aeron client processes (64 with -Psoak) on one server, one of them never reads",
            bound = "as for unix and shm")
    void aeronClientProcessesWithOneStalledClient(TestInfo info) throws Exception {
        load(Transports.AERON, info);
    }

    private void load(Transports transport, TestInfo info) throws Exception {
        Resources before = Resources.now();
        int n = processes();
        long stalledPid = -1;
        Sampler sampler = new Sampler();
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            List<ChildJvm> clients = new ArrayList<>();
            try {
                ChildJvm stalled = Children.peer("client", server.name(), "stall", "0");
                clients.add(stalled);
                stalledPid = Children.pid(stalled);
                Connection stalledConnection = server.accept(WAIT);
                stalled.awaitLine("CONNECTED", Children.STARTUP);
                ExecutorService stalledSender = Executors.newSingleThreadExecutor();
                Future<?> stalledSending = stalledSender.submit(() -> {
                    try (stalledConnection) {
                        for (long s = 0; ; s += 100) {
                            stalledConnection.send(Checked.batch(s, 100, SIZE), WAIT);
                        }
                    } catch (IpcException e) {
                        // the stalled client is killed at the end: its send fails, as it should
                    }
                    return null;
                });
                CrashMatrixTest.awaitSendBlocked(stalledConnection);
                long stalledSent = stalledConnection.packetsSent();
                for (int i = 1; i < n; i++) {
                    clients.add(Children.peer("client", server.name(), "read", "0"));
                }
                Served served = serve(server, n - 1, sampler);
                for (ChildJvm client : clients.subList(1, clients.size())) {
                    assertEquals("" + PACKETS, client.awaitLine("OK ", WAIT), client.describe());
                }
                served.await();
                assertEquals(
                        stalledSent,
                        stalledConnection.packetsSent(),
                        "the stalled client's send stayed blocked while the others were served");
                assertTrue(!stalledSending.isDone());
                clients.get(0).kill();
                stalledSending.get(1, TimeUnit.MINUTES);
                stalledSender.shutdown();
            } finally {
                clients.forEach(ChildJvm::close);
            }
        }
        sampler.stop();
        sampler.check(n, info);
        // The stalled client is killed, and close() kills a client JVM still shutting down: a killed process's
        // embedded aeron driver directory (aeron-<pid>-...) stays until the next aeron driver starts in this runtime
        // directory and removes those of dead processes (transport-aeron's README; FrozenPeerTest allows the same).
        // Any other file is a leak.
        before.assertNothingLeftSince(
                "the load run",
                transport == Transports.AERON ? Set.of("aeron-") : Set.of("aeron-" + stalledPid + "-"),
                transport.settle());
    }

    @Test
    @Proves(
            injects = "256 unix client threads in one JVM (at most 8 connecting at a time), each with its own stream"
                    + " of 5000 packets",
            bound = "every client gets its packets intact; server fds <= base + 8/client + 64, threads <= base"
                    + " + 4/client + 32, RSS <= base + 40 MiB/client + 256 MiB; nothing left after close")
    void twoHundredFiftySixUnixClientThreads(TestInfo info) throws Exception {
        clientThreads(Transports.UNIX, 256, 8, info);
    }

    @Test
    @Proves(
            injects = "256 shm client threads in one JVM (at most 8 connecting at a time), each with its own stream"
                    + " of 5000 packets",
            bound = "every client gets its packets intact;"
                    + " server fds, threads and RSS bounded as for unix; nothing left after close")
    void twoHundredFiftySixShmClientThreads(TestInfo info) throws Exception {
        clientThreads(Transports.SHM, 256, 8, info);
    }

    /** In {@code -Psoak} runs only: 64 JVMs starting at once take about 40 s of a 2-core machine. */
    @Test
    @Tag("soak")
    @Proves(
            injects = "a storm: 64 unix client processes started at once, default options (issue 21)",
            bound = "zero failures: every client connects and gets its 5000 packets intact")
    void stormOfSixtyFourUnixClientProcesses(TestInfo info) throws Exception {
        stormOfClientProcesses(Transports.UNIX, info);
    }

    /** In {@code -Psoak} runs only, as the unix storm. */
    @Test
    @Tag("soak")
    @Proves(
            injects = "a storm: 64 shm client processes started at once, default options (issue 21)",
            bound = "zero failures: every client connects and gets its 5000 packets intact")
    void stormOfSixtyFourShmClientProcesses(TestInfo info) throws Exception {
        stormOfClientProcesses(Transports.SHM, info);
    }

    private void stormOfClientProcesses(Transports transport, TestInfo info) throws Exception {
        Sampler sampler = new Sampler();
        int n = 64;
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            List<ChildJvm> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(Children.peer("client", server.name(), "read", "0"));
                }
                Served served = serve(server, n, sampler);
                List<String> failures = new ArrayList<>();
                for (ChildJvm client : clients) {
                    try {
                        String ok = client.awaitLine("OK ", WAIT);
                        if (!ok.equals("" + PACKETS)) {
                            failures.add("got " + ok);
                        }
                    } catch (AssertionError e) {
                        failures.add(e.getMessage()
                                .lines()
                                .filter(l -> l.startsWith("FAIL"))
                                .findFirst()
                                .orElse("no OK"));
                    }
                }
                Results.observe(Results.id(info), (n - failures.size()) + " of " + n + " clients served");
                assertTrue(
                        failures.isEmpty(),
                        () -> failures.size() + " of " + n + " clients failed, e.g.: " + failures.get(0));
                served.await();
            } finally {
                clients.forEach(ChildJvm::close);
            }
        }
        sampler.stop();
    }

    @Test
    @Proves(
            injects = "a storm: 256 unix client threads connecting at once, default options (issue 21)",
            bound = "zero failures: every client connects and gets its 5000 packets intact")
    void stormOfTwoHundredFiftySixUnixClientThreads(TestInfo info) throws Exception {
        clientThreads(Transports.UNIX, 256, 256, info);
    }

    @Test
    @Proves(
            injects = "a storm: 256 shm client threads connecting at once, default options (issue 21)",
            bound = "zero failures: every client connects and gets its 5000 packets intact")
    void stormOfTwoHundredFiftySixShmClientThreads(TestInfo info) throws Exception {
        clientThreads(Transports.SHM, 256, 256, info);
    }

    /** {@code n} client threads, at most {@code connecting} of them in connect at a time. */
    private void clientThreads(Transports transport, int n, int connecting, TestInfo info) throws Exception {
        Semaphore handshakes = new Semaphore(connecting);
        Resources before = Resources.now();
        Sampler sampler = new Sampler();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    Checked.Receiver checker = new Checked.Receiver();
                    try {
                        go.await();
                        Client connected;
                        handshakes.acquire();
                        try {
                            connected = PacketIpc.connect(server.name());
                        } finally {
                            handshakes.release();
                        }
                        try (Client client = connected) {
                            Optional<List<IpcPacket>> batch;
                            while ((batch = client.receivePackets(256, WAIT)).isPresent()) {
                                batch.get().forEach(checker::accept);
                            }
                        }
                        if (checker.count() != PACKETS) {
                            failures.add("got " + checker.count());
                        }
                    } catch (Exception | AssertionError e) {
                        failures.add(e.toString());
                    }
                });
                t.start();
                threads.add(t);
            }
            go.countDown(); // every client connects at once
            Served served = serve(server, n, sampler);
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
            Results.observe(
                    Results.id(info),
                    (n - failures.size()) + " of " + n + " clients served; first failure: " + failures.peek());
            assertTrue(failures.isEmpty(), failures.size() + " of " + n + " clients failed, e.g. " + failures.peek());
            served.await();
        }
        sampler.stop();
        sampler.check(n, info);
        before.assertNothingLeftSince("the threads' run", Set.of());
    }

    /** Accepts {@code n} connections and sends each its own stream on its own thread. */
    private static Served serve(Server server, int n, Sampler sampler) {
        Served served = new Served();
        Thread acceptor = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                Connection connection;
                try {
                    connection = server.accept(WAIT);
                } catch (IpcException e) {
                    served.failures.add("accept: " + e);
                    return;
                }
                sampler.sample();
                Thread sender = new Thread(() -> {
                    try (connection) {
                        for (int s = 0; s < PACKETS; s += 250) {
                            connection.send(Checked.batch(s, 250, SIZE), WAIT);
                        }
                        connection.sendEnd(WAIT);
                        served.done.incrementAndGet();
                    } catch (IpcException e) {
                        served.failures.add(e.toString());
                    }
                    sampler.sample();
                });
                sender.start();
                served.senders.add(sender);
            }
        });
        acceptor.start();
        served.senders.add(acceptor);
        return served;
    }

    private static final class Served {
        final ConcurrentLinkedQueue<Thread> senders = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicInteger done = new AtomicInteger();

        void await() throws InterruptedException {
            for (Thread t : senders) {
                t.join(WAIT.toMillis());
            }
            assertTrue(failures.isEmpty(), "the server failed: " + failures);
        }
    }

    /** Samples the server's heap, RSS, threads and descriptors, and bounds their peaks. */
    private static final class Sampler {
        final long baseRss = rss();
        final int baseThreads = Thread.activeCount();
        final int baseFds = Resources.descriptorCount();
        final AtomicLong maxRss = new AtomicLong();
        final AtomicLong maxHeap = new AtomicLong();
        final AtomicInteger maxThreads = new AtomicInteger();
        final AtomicInteger maxFds = new AtomicInteger();
        private final Thread thread;
        private volatile boolean running = true;

        Sampler() {
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(200); // the sampling period
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        void sample() {
            maxRss.accumulateAndGet(rss(), Math::max);
            maxHeap.accumulateAndGet(
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
            maxThreads.accumulateAndGet(Thread.activeCount(), Math::max);
            maxFds.accumulateAndGet(Resources.descriptorCount(), Math::max);
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(10_000);
        }

        void check(int clients, TestInfo info) {
            long mib = 1 << 20;
            String seen = clients + " clients; peak server RSS " + maxRss.get() / mib + " MiB (base " + baseRss / mib
                    + "), heap " + maxHeap.get() / mib + " MiB, threads " + maxThreads.get() + " (base "
                    + baseThreads + "), fds " + maxFds.get() + " (base " + baseFds + ")";
            Results.observe(Results.id(info), seen);
            assertTrue(maxFds.get() <= baseFds + 8 * clients + 64, seen);
            assertTrue(maxThreads.get() <= baseThreads + 4 * clients + 32, seen);
            assertTrue(maxRss.get() <= baseRss + 40 * mib * clients + 256 * mib, seen);
        }

        private static long rss() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException e) {
                return -1;
            }
            return -1;
        }
    }
}
