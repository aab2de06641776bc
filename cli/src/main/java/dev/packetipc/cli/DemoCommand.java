package dev.packetipc.cli;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.cli.pcap.CaptureFormatException;
import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code packet-ipc demo}: starts a receiving child process, streams packets to it through a transport, and
 * reports what arrived, with checksums compared on both sides.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Streams packets to a child process through a transport and checks that every byte arrived intact.",
            "Shows a live progress line at a terminal, then a summary; the last line is 'demo: PASSED' or"
                    + " 'demo: FAILED'."
        })
final class DemoCommand implements Callable<Integer> {
    /** How long the child may take to start and connect, and to finish after the end was sent. */
    private static final long CHILD_TIMEOUT_SECONDS = 120;

    private static final int MAX_SIZE = 8 << 20;

    /** Without --packets: this many packets... */
    static final long DEFAULT_PACKETS = 200_000;

    /** ...or fewer, so that the run moves at most this many bytes (128 packets at 8 MiB). */
    static final long DEFAULT_BYTES = 1L << 30;

    @Spec
    CommandSpec spec;

    @Mixin
    TransportOption transport;

    @Option(
            names = "--packets",
            paramLabel = "N",
            description = "How many packets. Default: 200000, or fewer so that the run moves at most 1 GiB"
                    + " (128 packets at 8 MiB).")
    Long packetsOption;

    private long packets;

    @Option(
            names = "--size",
            defaultValue = "1500",
            description = "Bytes per packet, 0 to 8388608 (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(
            names = "--batch",
            defaultValue = "256",
            description = "Packets per send, 1 to 65536 (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--pcap",
            paramLabel = "FILE",
            description = "Stream the packets of this pcap or pcapng capture instead ('-' for standard input).")
    String pcap;

    private final AtomicLong sentPackets = new AtomicLong();
    private volatile Process child;
    private long checksumNanos;
    private final AtomicLong sentBytes = new AtomicLong();
    private long connectionPackets;
    private long connectionBytes;
    private long connectionBatches;
    private String counters;

    @Override
    @SuppressWarnings("try") // the stop hook is a resource for its scope only
    public Integer call() throws Exception {
        checkArguments();
        packets = packetsOption != null ? packetsOption : defaultPackets(size);
        PrintStream out = System.out;
        IpcTransport chosen = transport.resolve(spec);
        try (CaptureReader capture = pcap == null ? null : CaptureReader.open(pcap);
                Server server = capture == null
                        ? chosen.newServer()
                        : chosen.newServer(IpcOptions.builder()
                                .set(
                                        IpcOptions.STREAM_PROPERTIES,
                                        CaptureProperties.of(
                                                capture, capture.linkType() < 0 ? 1 : capture.linkType(), pcap))
                                .build());
                StopHook stop = StopHook.register("demo", () -> stopped(server))) {
            String what = capture == null
                    ? packets + " packets of " + size + " bytes"
                            + (packetsOption == null && packets < DEFAULT_PACKETS
                                    ? " (" + Units.bytes(packets * size) + "; the default stops at "
                                            + Units.bytes(DEFAULT_BYTES) + ", --packets N for more)"
                                    : "")
                    : "the packets of " + capture.source() + " (" + capture.format() + ")";
            out.println("packet-ipc demo: " + what + " through transport '" + chosen.id() + "', batches of " + batch);
            out.println("  server     " + server.name());
            Process child = ChildJvm.start(List.of("receive-child", server.name()));
            this.child = child;
            CompletableFuture<String> report = readReport(child);
            StreamDigest sent = new StreamDigest();
            long start;
            String line;
            IOException damage = null;
            // The connection stays open until the receiver is done: it closes first, after the end of the stream.
            try (Connection connection = awaitChild(server, child)) {
                out.println("  receiver   process " + child.pid());
                start = System.nanoTime();
                ProgressLine progress = ProgressLine.startIfInteractive(out, sentPackets::get, sentBytes::get);
                try {
                    if (capture == null) {
                        sendSynthetic(connection, sent);
                    } else {
                        damage = sendCapture(connection, capture, sent, chosen.id());
                    }
                    connection.sendEnd();
                } finally {
                    progress.close();
                }
                connectionPackets = connection.packetsSent();
                connectionBytes = connection.bytesSent();
                connectionBatches = connection.batchesSent();
                line = awaitReport(child, report);
            } catch (Exception e) {
                child.destroyForcibly();
                throw e;
            }
            long nanos = System.nanoTime() - start;
            counters = "sent packets " + connectionPackets + ", bytes " + connectionBytes + ", batches "
                    + connectionBatches + " (the connection's own counters)";
            int result = summarize(out, chosen.id(), sent, StreamDigest.parse(line), line, nanos, damage);
            if (damage != null) {
                throw new CommandFailure(
                        ErrorReporter.oneLine(damage) + "; the " + sent.packets()
                                + (damage instanceof CaptureProperties.PacketTooLarge ? "" : " intact")
                                + " packets before it were sent, then the stream was ended",
                        damage);
            }
            return result;
        }
    }

    /** The default number of packets: {@link #DEFAULT_PACKETS}, or fewer to move at most {@link #DEFAULT_BYTES}. */
    static long defaultPackets(int size) {
        return size == 0 ? DEFAULT_PACKETS : Math.max(1, Math.min(DEFAULT_PACKETS, DEFAULT_BYTES / size));
    }

    /** SIGINT or SIGTERM: stop the receiving child, close the server (its socket file goes), and say so. */
    private void stopped(Server server) {
        Process receiver = child;
        if (receiver != null) {
            receiver.destroy();
        }
        server.close();
        System.out.flush();
        System.err.println(System.lineSeparator() + "packet-ipc demo: stopped; closed the server " + server.name()
                + (receiver != null ? " and stopped the receiving process " + receiver.pid() : ""));
        System.err.flush();
    }

    private void checkArguments() {
        if (packetsOption != null && packetsOption < 0) {
            throw new ParameterException(spec.commandLine(), "--packets must be 0 or more, was " + packetsOption);
        }
        if (size < 0 || size > MAX_SIZE) {
            throw new ParameterException(spec.commandLine(), "--size must be 0 to " + MAX_SIZE + ", was " + size);
        }
        if (batch < 1 || batch > 65536) {
            throw new ParameterException(spec.commandLine(), "--batch must be 1 to 65536, was " + batch);
        }
    }

    /** Accepts the child's connection, failing at once if the child exits first. */
    private static Connection awaitChild(Server server, Process child) throws Exception {
        CompletableFuture<Connection> accepted = server.acceptAsync();
        try {
            CompletableFuture.anyOf(accepted, child.onExit()).get(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            child.destroyForcibly();
            throw new IpcException("the receiving child process did not connect within " + CHILD_TIMEOUT_SECONDS
                    + " s; run 'packet-ipc doctor' to check the transport");
        } catch (ExecutionException e) {
            child.destroyForcibly();
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
        if (!accepted.isDone()) {
            throw new IpcException("the receiving child process exited with code " + child.exitValue()
                    + " before it connected; its error is printed above");
        }
        return accepted.join();
    }

    private static CompletableFuture<String> readReport(Process child) {
        CompletableFuture<String> report = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines =
                            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        String last = null;
                        while ((line = lines.readLine()) != null) {
                            last = line;
                        }
                        report.complete(last);
                    } catch (IOException e) {
                        report.completeExceptionally(e);
                    }
                },
                "packet-ipc demo child output");
        reader.setDaemon(true);
        reader.start();
        return report;
    }

    private static String awaitReport(Process child, CompletableFuture<String> report) throws Exception {
        if (!child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new IpcException(
                    "the receiving child process did not finish within " + CHILD_TIMEOUT_SECONDS + " s of the end");
        }
        String line = report.get(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (child.exitValue() != 0) {
            throw new IpcException("the receiving child process failed with exit code " + child.exitValue()
                    + "; its error is printed above");
        }
        return line;
    }

    private void sendSynthetic(Connection connection, StreamDigest sent) throws IpcException {
        SyntheticPackets source = new SyntheticPackets(size, batch, 0x5eedL);
        long left = packets;
        while (left > 0) {
            List<? extends AsIpcPacket> next = source.nextBatch((int) Math.min(batch, left));
            send(connection, next, sent);
            left -= next.size();
        }
    }

    /**
     * Sends every intact packet of the capture; returns the damage, or the packet too large for the connection, that
     * ended it early, or null.
     */
    private IOException sendCapture(Connection connection, CaptureReader capture, StreamDigest sent, String transportId)
            throws IOException, IpcException {
        List<CapturedPacket> next = new ArrayList<>(batch);
        IOException damage = null;
        int limit = connection.maxPacketBytes();
        long index = 0;
        CaptureProperties.SnapNotice snaps = new CaptureProperties.SnapNotice("demo", System.err);
        while (true) {
            CapturedPacket packet;
            try {
                packet = capture.next();
            } catch (CaptureFormatException e) {
                damage = e;
                break;
            }
            if (packet == null) {
                break;
            }
            index++;
            if (packet.length() > limit) {
                damage = new CaptureProperties.PacketTooLarge(
                        capture.source(), index, packet.length(), limit, transportId);
                break;
            }
            snaps.check(packet, index);
            next.add(packet);
            if (next.size() == batch) {
                send(connection, next, sent);
                next.clear();
            }
        }
        if (!next.isEmpty()) {
            send(connection, next, sent);
        }
        return damage;
    }

    private void send(Connection connection, List<? extends AsIpcPacket> next, StreamDigest sent) throws IpcException {
        long before = System.nanoTime();
        for (AsIpcPacket packet : next) {
            sent.update(packet);
        }
        checksumNanos += System.nanoTime() - before;
        connection.send(next);
        sentPackets.set(sent.packets());
        sentBytes.set(sent.bytes());
    }

    private int summarize(
            PrintStream out,
            String transportId,
            StreamDigest sent,
            StreamDigest.Result got,
            String line,
            long nanos,
            IOException damage) {
        if (got == null) {
            out.println("demo: the receiving child process printed no result (its last line: " + line + ")");
            out.println("demo: FAILED");
            return ExitCodes.FAILURE;
        }
        boolean intact = got.packets() == sent.packets()
                && got.bytes() == sent.bytes()
                && got.checksum().equals(sent.checksum());
        out.println("transport   " + transportId);
        out.println("packets     " + sent.packets() + " sent, " + got.packets() + " received");
        out.println("bytes       " + sent.bytes() + " sent (" + Units.bytes(sent.bytes()) + "), " + got.bytes()
                + " received");
        out.println("counters    " + counters);
        out.println("elapsed     " + Units.elapsed(nanos));
        out.println("throughput  " + Units.megabytesPerSecond(got.bytes(), nanos) + ", "
                + Units.packetsPerSecond(got.packets(), nanos));
        out.println("checksums   crc32c " + sent.checksum() + " sent, " + got.checksum() + " received: "
                + (intact ? "every byte arrived intact" : "MISMATCH, the stream was damaged"));
        out.println("note        these figures include a CRC-32C of every byte on both sides ("
                + percent(checksumNanos, nanos)
                + " of this run on the sending side) and JVM warm-up, so they can be well below the transport's"
                + " own; measure it alone with: packet-ipc bench --quick --transports " + transportId + " --sizes "
                + (pcap == null ? size : 1500) + " --batches " + batch + " --clients 1 --baselines none --no-latency");
        if (damage != null) {
            out.println("capture     " + (damage instanceof CaptureProperties.PacketTooLarge ? "stopped" : "damaged")
                    + " after " + sent.packets() + " packets (see the error below)");
        }
        boolean passed = intact && damage == null;
        out.println(passed ? "demo: PASSED" : "demo: FAILED");
        return passed ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private static String percent(long part, long whole) {
        return whole <= 0 ? "?" : Math.min(100, Math.round(100.0 * part / whole)) + "%";
    }
}
