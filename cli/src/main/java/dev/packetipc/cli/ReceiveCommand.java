package dev.packetipc.cli;

import dev.packetipc.Client;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketHandler;
import dev.packetipc.PacketIpc;
import dev.packetipc.cli.pcap.CaptureWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code packet-ipc receive NAME --out FILE}: connects to a server and writes every packet that arrives to a capture
 * file with nanosecond timestamps, until the end of the stream.
 */
@Command(
        name = "receive",
        mixinStandardHelpOptions = true,
        description = {
            "Connects to a server and writes what arrives as a capture with nanosecond timestamps.",
            "The link type does not travel with the packets: pass the one 'packet-ipc serve' printed."
        })
final class ReceiveCommand implements Callable<Integer> {
    /** The capture formats {@code --format} accepts. */
    enum Format {
        pcap,
        pcapng
    }

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
            defaultValue = "1",
            paramLabel = "N",
            description = "The LINKTYPE_ value to write, as 'serve' printed it (default: ${DEFAULT-VALUE}, Ethernet).")
    int linkType;

    @Option(
            names = "--format",
            defaultValue = "pcap",
            description = "pcap (nanosecond) or pcapng (if_tsresol=9). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() throws Exception {
        if (linkType < 0 || linkType > 0xFFFF) {
            throw new ParameterException(spec.commandLine(), "--linktype must be 0 to 65535, was " + linkType);
        }
        String target = "-".equals(out) ? "<standard output>" : out;
        try (Client client = PacketIpc.connect(name);
                CaptureWriter writer = CaptureWriter.create(format.name(), open(out), linkType)) {
            PacketHandler handler = packet -> write(writer, packet);
            try {
                while (client.poll(handler, 4096, Duration.ofSeconds(1)) != Client.END_OF_STREAM) {
                    // poll until the end of the stream
                }
            } catch (UncheckedIOException e) {
                throw new IOException(target + ": " + e.getCause().getMessage(), e.getCause());
            }
            writer.flush();
            System.err.println("receive: wrote " + writer.packets() + " packets to " + target + " (" + format
                    + ", link type " + linkType + ")");
        }
        return ExitCodes.OK;
    }

    private static OutputStream open(String out) throws IOException {
        if ("-".equals(out)) {
            return new FileOutputStream(FileDescriptor.out);
        }
        return Files.newOutputStream(Path.of(out));
    }

    private static void write(CaptureWriter writer, IpcPacket packet) {
        try {
            writer.write(packet.timestampNanos(), packet.data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
