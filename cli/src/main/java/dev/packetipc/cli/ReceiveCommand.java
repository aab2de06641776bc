package dev.packetipc.cli;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.NoSuchTransportException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PacketIpc;
import dev.packetipc.PeerGoneException;
import dev.packetipc.cli.pcap.CaptureWriter;
import dev.packetipc.flow.LinkTypes;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code packet-ipc receive NAME --out FILE}: connects to a server and writes every packet that arrives to a capture
 * file with nanosecond timestamps, until the end of the stream. The file appears under its name only when the
 * stream ended or the command was stopped (SIGINT, SIGTERM): until then it is {@code FILE.part}.
 */
@Command(
        name = "receive",
        mixinStandardHelpOptions = true,
        description = {
            "Connects to a server and writes what arrives as a capture with nanosecond timestamps.",
            "The link type and snap length come with the stream from 'packet-ipc serve'; --linktype is needed only"
                    + " for a server that does not send them, and must agree with the stream's if it does.",
            "The capture is written to FILE.part and renamed to FILE at the end of the stream, or when stopped with"
                    + " Ctrl-C (then the exit code is not 0 and the stream is reported cut); a failure leaves"
                    + " FILE.part with the packets received before it, and says so."
        })
final class ReceiveCommand implements Callable<Integer> {
    /** The capture formats {@code --format} accepts. */
    enum Format {
        pcap,
        pcapng
    }

    /** How long one wait for packets lasts: a stop request is seen within this time. */
    private static final Duration POLL = Duration.ofMillis(250);

    /** How long a stop (SIGINT, SIGTERM) waits for the command to finish its file. */
    private static final long STOP_SECONDS = 10;

    /** The LINKTYPE_ written when neither {@code --linktype} nor the stream says one. */
    static final int DEFAULT_LINK_TYPE = 1;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The server's name, as the server printed it.")
    String name;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "FILE",
            description = "Where to write the capture; '-' for standard output.")
    String out;

    @Option(
            names = "--linktype",
            paramLabel = "N",
            description = "The LINKTYPE_ value to write (default: the stream's, else 1, Ethernet); an error if the"
                    + " stream says another.")
    Integer linkTypeOption;

    @Option(
            names = "--format",
            defaultValue = "pcap",
            description = "pcap (nanosecond) or pcapng (if_tsresol=9). Default: ${DEFAULT-VALUE}.")
    Format format;

    private volatile boolean stopRequested;
    private long batches;
    private long bytes;
    private long firstPacketNanos;
    private long lastPacketNanos;
    /** The stream's snap length, or 0 when it says none. */
    private long snapLength;

    private long index;
    private boolean snapNoted;
    private final CountDownLatch finished = new CountDownLatch(1);

    @Override
    @SuppressWarnings("try") // the stop hook is a resource for its scope only
    public Integer call() throws Exception {
        if (linkTypeOption != null && (linkTypeOption < 0 || linkTypeOption > 0xFFFF)) {
            throw new ParameterException(spec.commandLine(), "--linktype must be 0 to 65535, was " + linkTypeOption);
        }
        boolean toStdout = "-".equals(out);
        Path target = toStdout ? null : Path.of(out);
        if (target != null && Files.isDirectory(target)) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " is a directory; name a file in it");
        }
        checkName();
        Path part = target == null ? null : target.resolveSibling(target.getFileName() + ".part");
        String shown = toStdout ? "<standard output>" : out;
        try (StopHook stop = StopHook.register("receive", this::stop)) {
            Client client = connect();
            try (client) {
                Map<String, String> properties = properties(client);
                int linkType = linkType(properties);
                snapLength = snapLength(properties);
                CaptureWriter writer = CaptureWriter.create(
                        format.name(),
                        toStdout ? new FileOutputStream(FileDescriptor.out) : open(part),
                        linkType,
                        snapLength > 0 ? (int) snapLength : CaptureWriter.SNAP_LENGTH);
                boolean ended;
                try {
                    ended = receive(client, writer);
                } catch (Exception e) {
                    throw failed(e, writer, part, target);
                }
                writer.close();
                if (part != null) {
                    move(part, target);
                }
                String wrote = "wrote " + writer.packets() + " packets to " + shown + " (" + format + ", link type "
                        + linkType + ")";
                if (!ended) {
                    System.err.println(counterLine(writer.packets()));
                    System.err.println("packet-ipc receive: stopped: " + wrote + "; the stream was cut: the server"
                            + " had not ended it");
                    return ExitCodes.FAILURE;
                }
                System.err.println("receive: " + wrote);
                System.err.println(counterLine(writer.packets()));
            }
        } finally {
            finished.countDown();
        }
        return ExitCodes.OK;
    }

    /** Receives until the end of the stream (true) or a stop request (false), writing every packet. */
    private boolean receive(Client client, CaptureWriter writer) throws Exception {
        PacketHandler handler = packet -> {
            bytes += packet.length();
            index++;
            if (snapLength > 0 && packet.length() >= snapLength && !snapNoted) {
                snapNoted = true;
                System.err.println("receive: note: packet " + index + " has " + packet.length() + " bytes, "
                        + (packet.length() == snapLength ? "exactly" : "more than") + " the stream's snap length of "
                        + snapLength + ", so the capture may have cut it; original lengths do not travel with the"
                        + " stream, so the file gives the captured length as the original length");
            }
            write(writer, packet);
        };
        while (!stopRequested) {
            int got = client.poll(handler, 4096, POLL);
            if (got == Client.END_OF_STREAM) {
                return true;
            }
            if (got > 0) {
                lastPacketNanos = System.nanoTime();
                if (batches++ == 0) {
                    firstPacketNanos = lastPacketNanos;
                }
            }
        }
        return false;
    }

    /**
     * The receiver's counters: packets, payload bytes, polls that returned packets (each at most 4096 packets), and
     * the time from the first to the last packet with the rate over it.
     */
    private String counterLine(long packets) {
        long nanos = lastPacketNanos - firstPacketNanos;
        return "receive: counters: packets " + packets + ", bytes " + bytes + ", batches " + batches + ", first to last"
                + " packet " + Units.elapsed(nanos)
                + (nanos > 0 ? " (" + Units.packetsPerSecond(packets, nanos) + ")" : "");
    }

    /** SIGINT or SIGTERM: ask the receiving loop to finish the packets in hand and the file, and wait for it. */
    private void stop() {
        stopRequested = true;
        try {
            if (!finished.await(STOP_SECONDS, TimeUnit.SECONDS)) {
                System.err.println("packet-ipc receive: stopped; the capture was not finished within " + STOP_SECONDS
                        + " s" + (out.equals("-") ? "" : ": what was received is in " + out + ".part"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The stream's properties; a server that sends none gives an empty map. */
    private static Map<String, String> properties(Client client) throws IpcException {
        return client.properties();
    }

    /**
     * The link type to write: the stream's ({@link CaptureProperties#LINK_TYPE}), else {@code --linktype}, else
     * {@value #DEFAULT_LINK_TYPE} (said on stderr). A {@code --linktype} that disagrees with the stream is a usage
     * error.
     */
    private int linkType(Map<String, String> properties) throws CommandFailure {
        String carried = properties.get(CaptureProperties.LINK_TYPE);
        if (carried == null) {
            if (linkTypeOption != null) {
                return linkTypeOption;
            }
            System.err.println("receive: note: the stream does not say its link type (the server is not 'packet-ipc"
                    + " serve'?); writing " + DEFAULT_LINK_TYPE + " (Ethernet): pass --linktype N if it is another");
            return DEFAULT_LINK_TYPE;
        }
        int linkType;
        try {
            linkType = Integer.parseInt(carried);
        } catch (NumberFormatException e) {
            linkType = -1;
        }
        if (linkType < 0 || linkType > 0xFFFF) {
            throw new CommandFailure("the server says its link type is '" + carried + "', which is not a number from 0"
                    + " to 65535; the server is not a 'packet-ipc serve' of this version");
        }
        if (linkTypeOption != null && linkTypeOption != linkType) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--linktype " + linkTypeOption + " disagrees with the stream, whose packets have link type "
                            + linkType + " (" + LinkTypes.name(linkType) + "); leave --linktype out to write the"
                            + " stream's");
        }
        return linkType;
    }

    /** The stream's snap length ({@link CaptureProperties#SNAP_LENGTH}), or 0 when it says none or nonsense. */
    private static long snapLength(Map<String, String> properties) {
        String carried = properties.get(CaptureProperties.SNAP_LENGTH);
        if (carried == null) {
            return 0;
        }
        try {
            long value = Long.parseLong(carried);
            return value > 0 && value <= Integer.MAX_VALUE ? value : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A name that is not a server's, or a transport that does not exist, is a usage error. */
    private Client connect() throws IpcException {
        try {
            return PacketIpc.connect(name);
        } catch (IllegalArgumentException | NoSuchTransportException e) {
            String scheme = name.indexOf(':') > 0 ? name.substring(0, name.indexOf(':')) : null;
            String what = e instanceof NoSuchTransportException
                    ? "no transport here handles names of the scheme '" + scheme + "' (" + name
                            + "); pass the name 'packet-ipc serve' printed, such as unix:///path/to/socket"
                    : ErrorReporter.oneLine(e);
            throw new ParameterException(spec.commandLine(), what, e);
        }
    }

    /** A file that exists but is not a socket (a regular file, a directory) is not a server, and not "stale". */
    private void checkName() throws CommandFailure {
        if (!name.startsWith("unix://")) {
            return;
        }
        Path path;
        try {
            path = Path.of(name.substring("unix://".length()));
        } catch (InvalidPathException e) {
            return;
        }
        if (!path.isAbsolute()) {
            return;
        }
        String kind = Files.isDirectory(path) ? "a directory" : Files.isRegularFile(path) ? "a regular file" : null;
        if (kind != null) {
            throw new CommandFailure(path + " is " + kind + ", not a server's socket: no server listens there;"
                    + " pass the name 'packet-ipc serve' printed");
        }
    }

    /** A failure while receiving: says what is left behind, {@code FILE.part} with the packets before it or nothing. */
    private CommandFailure failed(Exception e, CaptureWriter writer, Path part, Path target) {
        Exception cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        boolean writing = e instanceof UncheckedIOException;
        String what = writing ? part + ": " + ErrorReporter.oneLine(cause) : ErrorReporter.oneLine(cause);
        long packets = writer.packets();
        if (packets == 0 && !writing && (cause instanceof PeerGoneException || what.contains("without ending"))) {
            what += "; it sent nothing: a 'packet-ipc serve' streams to one client only, and may be serving another"
                    + " already (start one serve per client)";
        }
        try {
            writer.close();
        } catch (IOException closing) {
            e.addSuppressed(closing);
        }
        String left;
        if (part == null) {
            left = "standard output got the " + packets + " packets received before it";
        } else if (packets == 0 && !writing) {
            left = "nothing was written";
            try {
                Files.deleteIfExists(part);
            } catch (IOException deleting) {
                left = part + " is left, with no packets";
            }
        } else {
            left = part + " holds the " + packets + " packets received before it"
                    + (writing ? " (it may end in a partial one)" : "") + "; " + target + " was not written";
        }
        return new CommandFailure(what + "; " + left, cause);
    }

    private static OutputStream open(Path part) throws IOException {
        return Files.newOutputStream(part);
    }

    private static void move(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void write(CaptureWriter writer, IpcPacket packet) {
        try {
            writer.write(packet.timestampNanos(), packet.data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
