package dev.packetipc.cli;

import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.cli.pcap.CaptureFormatException;
import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CapturedPacket;
import dev.packetipc.flow.FlowFanout;
import dev.packetipc.flow.FlowRule;
import dev.packetipc.flow.LinkTypes;
import dev.packetipc.flow.WorkerCounters;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code packet-ipc serve --pcap FILE}: starts a server, prints its name on stdout, and streams the capture to the
 * first client that connects, then the end of the stream. The capture's link type, snap length, format and file
 * name travel to every client as stream properties ({@link CaptureProperties}), so {@code receive} needs no
 * {@code --linktype}. With {@code --workers N} it waits for N clients and
 * splits the capture among them by flow ({@link FlowFanout}, keyed with the capture's link type), then prints each
 * worker's counters.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Streams a pcap or pcapng capture to the first client that connects, then ends the stream.",
            "Prints the server's name on stdout (one line) and, on stderr, the capture's link type and the command"
                    + " that receives it: packet-ipc receive NAME --out FILE",
            "The link type, snap length, format and file name travel with the stream; original lengths of packets"
                    + " the capture cut to its snap length do not (the first such packet is noted on stderr).",
            "A capture packet larger than the transport carries stops the stream there, as damage in the file does.",
            "With --workers N, waits for N clients and splits the capture among them by flow (both directions of a"
                    + " flow at one client, in order), then prints each worker's counters on stderr."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TransportOption transport;

    @Option(
            names = "--pcap",
            required = true,
            paramLabel = "FILE",
            description = "The capture to stream: pcap or pcapng, or '-' for standard input.")
    String pcap;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "The server's name in the transport's form (unix: a plain name in the runtime directory or"
                    + " an absolute socket path). Default: a fresh name.")
    String name;

    @Option(names = "--batch", defaultValue = "256", description = "Packets per send (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--accept-timeout",
            paramLabel = "SECONDS",
            description = "Give up when no client connected within this time. Default: wait until interrupted.")
    Long acceptTimeoutSeconds;

    @Option(
            names = "--workers",
            paramLabel = "N",
            description = "Wait for N clients (1 to 1024) and split the capture among them by flow, using the"
                    + " capture's link type; packets that are not IP go to the first client. Default: one client"
                    + " gets every packet.")
    Integer workers;

    @Option(
            names = "--flow-rule",
            paramLabel = "RULE",
            defaultValue = "UDP_BY_ADDRESSES",
            description = "With --workers: which headers make a flow, one of ${COMPLETION-CANDIDATES} (default:"
                    + " ${DEFAULT-VALUE}: TCP and SCTP by addresses and ports, UDP and the rest by addresses).")
    FlowRule flowRule;

    /** The most workers {@code --workers} takes. */
    static final int MAX_WORKERS = 1024;

    /** Where a batch of the capture goes: one connection, or a flow fan-out. */
    @FunctionalInterface
    private interface Sink {
        void send(List<CapturedPacket> batch) throws IpcException;
    }

    @Override
    @SuppressWarnings("try") // the stop hook is a resource for its scope only
    public Integer call() throws Exception {
        if (batch < 1 || batch > 65536) {
            throw new ParameterException(spec.commandLine(), "--batch must be 1 to 65536, was " + batch);
        }
        if (workers != null && (workers < 1 || workers > MAX_WORKERS)) {
            throw new ParameterException(
                    spec.commandLine(), "--workers must be 1 to " + MAX_WORKERS + ", was " + workers);
        }
        if (acceptTimeoutSeconds != null && acceptTimeoutSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--accept-timeout must be positive");
        }
        IpcTransport chosen = transport.resolve(spec);
        IpcOptions.Builder options = IpcOptions.builder();
        if (name != null) {
            options.set(IpcOptions.SERVER_NAME, name);
        }
        PrintStream err = System.err;
        try (CaptureReader capture = CaptureReader.open(pcap);
                Server server = newServer(
                        chosen,
                        options.set(
                                        IpcOptions.STREAM_PROPERTIES,
                                        CaptureProperties.of(capture, linkTypeOf(capture), pcap))
                                .build());
                StopHook stop = StopHook.register("serve", () -> stopped(server))) {
            System.out.println(server.name());
            System.out.flush();
            int linkType = linkTypeOf(capture);
            err.println("serve: serving " + capture.source() + " (" + capture.format() + ", link type " + linkType
                    + ") as " + server.name());
            if (workers != null) {
                return fanOut(capture, server, linkType, chosen.id());
            }
            err.println("serve: receive it with: packet-ipc receive " + server.name() + " --out FILE");
            Connection connection;
            try {
                connection = acceptTimeoutSeconds == null
                        ? server.accept()
                        : server.accept(Duration.ofSeconds(acceptTimeoutSeconds));
            } catch (IpcTimeoutException e) {
                throw new CommandFailure(
                        "no client connected to " + server.name() + " within " + acceptTimeoutSeconds
                                + " s; start 'packet-ipc receive " + server.name() + " --out FILE', or raise"
                                + " --accept-timeout",
                        e);
            }
            err.println("serve: a client connected; streaming");
            turnAwayOthers(server, "one 'packet-ipc serve' streams to one client; start one serve per client");
            IOException damage;
            try (connection) {
                damage = stream(capture, connection::send, connection.maxPacketBytes(), chosen.id());
                if (damage == null) {
                    connection.sendEnd();
                } // else closed without the end: the receiver must not take a cut capture for a whole one
                err.println("serve: sent " + connection.packetsSent() + " packets, " + connection.bytesSent()
                        + " bytes (" + Units.bytes(connection.bytesSent()) + ")");
            }
            if (damage != null) {
                throw new CommandFailure(
                        ErrorReporter.oneLine(damage) + "; sent the " + connection.packetsSent()
                                + (damage instanceof CaptureProperties.PacketTooLarge ? "" : " intact")
                                + " packets before it, then closed the stream without its end, so the"
                                + " receiver sees it cut",
                        damage);
            }
        }
        return ExitCodes.OK;
    }

    /**
     * {@code --workers N}: accepts N clients, streams the capture through a {@link FlowFanout} over them, ends the
     * stream and prints every worker's counters.
     */
    private int fanOut(CaptureReader capture, Server server, int linkType, String transportId) throws Exception {
        PrintStream err = System.err;
        err.println("serve: splitting the capture by flow (" + flowRule + ", " + LinkTypes.name(linkType) + ") among "
                + workers + " clients; start each with: packet-ipc receive " + server.name() + " --out FILE");
        if (!LinkTypes.isSupported(linkType)) {
            err.println("serve: warning: the flow fan-out does not read link type " + linkType + " ("
                    + LinkTypes.name(linkType) + "), so every packet goes to the first client");
        }
        Duration timeout = acceptTimeoutSeconds == null ? null : Duration.ofSeconds(acceptTimeoutSeconds);
        List<Connection> accepted = new ArrayList<>(workers);
        FlowFanout fanout;
        try {
            while (accepted.size() < workers) {
                try {
                    accepted.add(timeout == null ? server.accept() : server.accept(timeout));
                } catch (IpcTimeoutException e) {
                    throw new CommandFailure(
                            accepted.size() + " of " + workers + " clients connected to " + server.name()
                                    + ", and no other within " + acceptTimeoutSeconds + " s; start " + workers
                                    + " 'packet-ipc receive " + server.name() + " --out FILE', or raise"
                                    + " --accept-timeout",
                            e);
                }
                err.println("serve: client " + accepted.size() + " of " + workers + " connected");
            }
            fanout = FlowFanout.builder(linkType).flowRule(flowRule).build(accepted);
        } catch (Exception e) {
            accepted.forEach(Connection::close);
            throw e;
        }
        err.println("serve: every client connected; streaming");
        turnAwayOthers(
                server,
                "this 'packet-ipc serve --workers " + workers + "' has all its clients; start another serve for more");
        IOException damage;
        List<WorkerCounters> counters;
        int limit = accepted.stream().mapToInt(Connection::maxPacketBytes).min().orElse(Integer.MAX_VALUE);
        try (fanout) {
            damage = stream(capture, fanout::send, limit, transportId);
            if (damage == null) {
                fanout.sendEnd();
            } // else closed without the end, as with one client
            counters = fanout.counters();
        }
        long packets = 0;
        long bytes = 0;
        for (WorkerCounters worker : counters) {
            packets += worker.packets();
            bytes += worker.bytes();
            err.println(counterLine(worker));
        }
        err.println("serve: sent " + packets + " packets, " + bytes + " bytes (" + Units.bytes(bytes) + ") to "
                + workers + " clients");
        if (damage != null) {
            throw new CommandFailure(
                    ErrorReporter.oneLine(damage) + "; sent the " + packets
                            + (damage instanceof CaptureProperties.PacketTooLarge ? "" : " intact")
                            + " packets before it, then closed the streams without their end, so the"
                            + " receivers see them cut",
                    damage);
        }
        return ExitCodes.OK;
    }

    /** One worker's counters, as {@code serve --workers} prints them. */
    static String counterLine(WorkerCounters worker) {
        return "serve: worker " + worker.worker() + (worker.live() ? "" : " (lost)") + ": packets "
                + worker.packets() + ", bytes " + worker.bytes() + ", batches " + worker.batches() + ", dropped "
                + worker.droppedPackets() + ", flow buckets " + worker.buckets() + ", moved in "
                + worker.bucketsMovedIn();
    }

    /** The capture's link type, or 1 (Ethernet) if it declares none. */
    private static int linkTypeOf(CaptureReader capture) {
        return capture.linkType() < 0 ? 1 : capture.linkType();
    }

    /** A server; a name the transport cannot take is a usage error. */
    private Server newServer(IpcTransport chosen, IpcOptions options) throws IpcException {
        try {
            return chosen.newServer(options);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--name: " + ErrorReporter.oneLine(e), e);
        }
    }

    /** SIGINT or SIGTERM: close the server, which removes its socket file, and say so. */
    private static void stopped(Server server) {
        server.close();
        System.err.println("packet-ipc serve: stopped before the end of the capture; closed " + server.name()
                + " (the client sees the stream cut)");
        System.err.flush();
    }

    /**
     * This command streams to one client: later ones are accepted and closed at once, so that they fail now with
     * the reason rather than wait for a handshake that never comes, and the one serving is told.
     */
    private static void turnAwayOthers(Server server, String why) {
        Thread thread = new Thread(
                () -> {
                    while (server.isOpen()) {
                        try {
                            server.accept().close();
                        } catch (IpcException | RuntimeException e) {
                            return; // the server closed
                        }
                        System.err.println("serve: turned away another client: " + why);
                    }
                },
                "packet-ipc serve: other clients");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Sends every packet of the capture; a capture damaged part way (cut mid-packet), or with a packet larger than
     * {@code limit}, has every packet before that sent and the reason returned.
     */
    private IOException stream(CaptureReader capture, Sink connection, int limit, String transportId) throws Exception {
        List<CapturedPacket> next = new ArrayList<>(batch);
        long index = 0;
        IOException damage = null;
        CaptureProperties.SnapNotice snaps = new CaptureProperties.SnapNotice("serve", System.err);
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
            if (packet.linkType() != capture.linkType()) {
                throw new IOException(capture.source() + ": packet " + index + " has link type " + packet.linkType()
                        + " but the first interface has "
                        + capture.linkType() + "; a packet-ipc stream carries one link type: split the"
                        + " capture by interface first (tshark -r FILE -Y 'frame.interface_id == 0' -w PART)");
            }
            if (packet.length() > limit) {
                damage = new CaptureProperties.PacketTooLarge(
                        capture.source(), index, packet.length(), limit, transportId);
                break;
            }
            snaps.check(packet, index);
            next.add(packet);
            if (next.size() == batch) {
                connection.send(next);
                next.clear();
            }
        }
        if (!next.isEmpty()) {
            connection.send(next);
        }
        return damage;
    }
}
