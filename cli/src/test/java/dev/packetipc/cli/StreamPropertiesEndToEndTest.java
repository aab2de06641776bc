package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture's link type and snap length travel with the stream (issue 19): {@code receive} needs no
 * {@code --linktype}, refuses one that disagrees, and both sides say when original lengths of snap-cut packets are
 * lost; a capture packet larger than the transport carries stops {@code serve} in the command's words.
 */
class StreamPropertiesEndToEndTest {
    /** Words of the Java API that a one-line error of the command must not contain. */
    private static final Pattern API_WORDS = Pattern.compile(
            "Server\\.name\\(\\)|IpcOptions\\.|MAX_PACKET_BYTES|maxPacketBytes|\\bPT\\d|reason=|Exception\\b"
                    + "|dev\\.packetipc\\.");

    /** LINKTYPE_LINUX_SLL2, the Linux cooked capture of "tcpdump -i any" since libpcap 1.10. */
    private static final int LINUX_SLL2 = 276;

    @TempDir
    Path dir;

    /** A pcap file written by hand: microsecond magic, then records with their captured and original lengths. */
    private static Path pcap(Path file, int linkType, int snapLength, List<byte[]> packets, List<Integer> originals)
            throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xa1b2c3d4)
                    .putShort((short) 2)
                    .putShort((short) 4)
                    .putInt(0)
                    .putInt(0);
            header.putInt(snapLength).putInt(linkType);
            out.write(header.array());
            for (int i = 0; i < packets.size(); i++) {
                ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                record.putInt(1_700_000_000 + i).putInt(1000 * i + 7).putInt(packets.get(i).length);
                record.putInt(originals.get(i));
                out.write(record.array());
                out.write(packets.get(i));
            }
        }
        return file;
    }

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    private static List<CapturedPacket> read(Path file) throws IOException {
        try (CaptureReader reader = CaptureReader.open(file.toString())) {
            List<CapturedPacket> packets = new ArrayList<>();
            CapturedPacket packet;
            while ((packet = reader.next()) != null) {
                packets.add(packet);
            }
            return packets;
        }
    }

    private static Map<String, String> environment(Path dir) throws IOException {
        return Map.of(
                "XDG_RUNTIME_DIR", Files.createDirectories(dir.resolve("rt")).toString());
    }

    private Cli.Running serve(Path capture, Map<String, String> environment) throws Exception {
        return new Cli.Running(Cli.start(
                Cli.command("serve", "--pcap", capture.toString(), "--accept-timeout", "120"), null, environment));
    }

    @Test
    void aLinuxCookedCaptureComesBackWithItsLinkTypeWithoutLinktype() throws Exception {
        Map<String, String> environment = environment(dir);
        List<byte[]> packets = List.of(bytes(60, 1), bytes(1500, 2), bytes(20, 3));
        Path input = pcap(dir.resolve("any.pcap"), LINUX_SLL2, 262144, packets, List.of(60, 1500, 20));
        Cli.Running serve = serve(input, environment);
        String name = serve.awaitStdout("unix://");
        String hint = serve.awaitStderr("serve: receive it with:");
        assertEquals("serve: receive it with: packet-ipc receive " + name + " --out FILE", hint);
        Path output = dir.resolve("copy.pcap");
        Cli.Result received = Cli.run(Cli.command("receive", name, "--out", output.toString()), null, environment);
        Cli.Result served = serve.finish();
        assertEquals(0, served.exitCode(), served::toString);
        assertEquals(0, received.exitCode(), received::toString);
        assertTrue(
                received.stderr().contains("wrote 3 packets to " + output + " (pcap, link type 276)"),
                received::toString);
        assertFalse(received.stderr().contains("note:"), received::toString);
        List<CapturedPacket> out = read(output);
        assertEquals(3, out.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(LINUX_SLL2, out.get(i).linkType());
            assertArrayEquals(packets.get(i), out.get(i).bytes());
        }
        assertEquals(
                262144,
                ByteBuffer.wrap(Files.readAllBytes(output))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt(16));
        String missing = Tools.missing("tshark");
        if (missing == null) {
            Cli.Result tshark = Cli.run(
                    List.of("tshark", "-r", output.toString(), "-T", "fields", "-e", "frame.protocols"),
                    null,
                    Map.of());
            assertEquals(0, tshark.exitCode(), tshark::toString);
            assertTrue(tshark.stdoutLines().stream().allMatch(l -> l.startsWith("sll")), tshark::toString);
        }
    }

    @Test
    void aLinktypeThatDisagreesWithTheStreamIsAUsageErrorAndWritesNothing() throws Exception {
        Map<String, String> environment = environment(dir);
        Path input = pcap(dir.resolve("any.pcap"), LINUX_SLL2, 262144, List.of(bytes(60, 1)), List.of(60));
        Cli.Running serve = serve(input, environment);
        String name = serve.awaitStdout("unix://");
        Path output = dir.resolve("copy.pcap");
        Cli.Result refused =
                Cli.run(Cli.command("receive", name, "--linktype", "1", "--out", output.toString()), null, environment);
        assertEquals(2, refused.exitCode(), refused::toString);
        assertTrue(
                refused.stderr().contains("--linktype 1 disagrees with the stream, whose packets have link type 276 ("),
                refused::toString);
        assertTrue(refused.stderr().contains("leave --linktype out to write the stream's"), refused::toString);
        assertFalse(API_WORDS.matcher(refused.stderr()).find(), refused::toString);
        assertFalse(Files.exists(output), refused::toString);
        assertFalse(Files.exists(dir.resolve("copy.pcap.part")), refused::toString);
        serve.finish(); // it sent to a client that left: how it ends is not this test's business

        Cli.Running again = serve(input, environment);
        String second = again.awaitStdout("unix://");
        Cli.Result agreeing = Cli.run(
                Cli.command("receive", second, "--linktype", "276", "--out", output.toString()), null, environment);
        assertEquals(0, agreeing.exitCode(), agreeing::toString);
        assertEquals(0, again.finish().exitCode());
        assertEquals(LINUX_SLL2, read(output).get(0).linkType());
    }

    @Test
    void snapCutPacketsAreNotedOnBothSidesAndTheSnapLengthTravels() throws Exception {
        Map<String, String> environment = environment(dir);
        List<byte[]> packets = List.of(bytes(40, 1), bytes(96, 2), bytes(96, 3));
        Path input = pcap(dir.resolve("snapped.pcap"), 1, 96, packets, List.of(40, 1514, 96));
        Cli.Running serve = serve(input, environment);
        String name = serve.awaitStdout("unix://");
        Path output = dir.resolve("copy.pcapng");
        Cli.Result received = Cli.run(
                Cli.command("receive", name, "--format", "pcapng", "--out", output.toString()), null, environment);
        Cli.Result served = serve.finish();
        assertEquals(0, served.exitCode(), served::toString);
        assertEquals(0, received.exitCode(), received::toString);
        assertTrue(
                served.stderrLines()
                        .contains("serve: note: packet 2 was cut to the capture's snap length (96 of its 1514 bytes);"
                                + " original lengths do not travel on a packet-ipc stream, so a receiver writes the"
                                + " captured length as the original length of such packets"),
                served::toString);
        assertEquals(
                1,
                served.stderrLines().stream().filter(l -> l.contains("note:")).count(),
                served::toString);
        assertTrue(
                received.stderrLines()
                        .contains("receive: note: packet 2 has 96 bytes, exactly the stream's snap length of 96, so"
                                + " the capture may have cut it; original lengths do not travel with the stream, so"
                                + " the file gives the captured length as the original length"),
                received::toString);
        assertEquals(
                1,
                received.stderrLines().stream().filter(l -> l.contains("note:")).count(),
                received::toString);
        List<CapturedPacket> out = read(output);
        assertEquals(3, out.size());
        assertEquals(96, out.get(1).originalLength(), "the original length is lost, as the notes say");
        try (CaptureReader reader = CaptureReader.open(output.toString())) {
            assertEquals(96, reader.snapLength(), "the capture's snap length is written into the copy");
        }
    }

    @Test
    void aCapturePacketLargerThanTheTransportCarriesStopsServeInTheCommandsWords() throws Exception {
        Map<String, String> environment = environment(dir);
        int limit = 16 << 20;
        List<byte[]> packets = List.of(bytes(10, 1), bytes(20, 2), new byte[limit + 1], bytes(30, 4));
        Path input = pcap(dir.resolve("huge.pcap"), 1, 0, packets, List.of(10, 20, limit + 1, 30));
        Cli.Running serve = serve(input, environment);
        String name = serve.awaitStdout("unix://");
        Path output = dir.resolve("copy.pcap");
        Cli.Result received = Cli.run(Cli.command("receive", name, "--out", output.toString()), null, environment);
        Cli.Result served = serve.finish();
        assertEquals(1, served.exitCode(), served::toString);
        assertTrue(
                served.stderrLines()
                        .contains("packet-ipc serve: error: " + input + ": packet 3 has 16777217 captured bytes (16.0"
                                + " MiB), more than the largest packet the 'unix' transport carries, 16777216 bytes"
                                + " (16.0 MiB); sent the 2 packets before it, then closed the stream without its end,"
                                + " so the receiver sees it cut"),
                served::toString);
        assertFalse(API_WORDS.matcher(served.stderr()).find(), served::toString);
        assertEquals(1, received.exitCode(), received::toString);
        assertTrue(
                received.stderr().contains(output + ".part holds the 2 packets received before it"),
                received::toString);
    }

    @Test
    void demoStopsAtACapturePacketLargerThanTheTransportCarries() throws Exception {
        Map<String, String> environment = environment(dir);
        int limit = 16 << 20;
        Path input = pcap(
                dir.resolve("huge.pcap"), 1, 0, List.of(bytes(10, 1), new byte[limit + 1]), List.of(10, limit + 1));
        Cli.Result demo = Cli.run(Cli.command("demo", "--pcap", input.toString()), null, environment);
        assertEquals(1, demo.exitCode(), demo::toString);
        assertTrue(
                demo.stderr()
                        .contains(input + ": packet 2 has 16777217 captured bytes (16.0 MiB), more than the largest"
                                + " packet the 'unix' transport carries, 16777216 bytes (16.0 MiB); the 1 packets"
                                + " before it were sent, then the stream was ended"),
                demo::toString);
        assertFalse(API_WORDS.matcher(demo.stderr()).find(), demo::toString);
    }

    /** A server that sends no properties (a library user's, not 'serve'): receive writes 1 and says so, once. */
    @Test
    void aStreamWithoutALinkTypeIsWrittenAsEthernetWithANote() throws Exception {
        try (Server server = PacketIpc.transport("unix").newServer(IpcOptions.defaults())) {
            Path output = dir.resolve("copy.pcap");
            Cli.Running receive = new Cli.Running(
                    Cli.start(Cli.command("receive", server.name(), "--out", output.toString()), null, Map.of()));
            try (Connection connection = server.accept(Duration.ofSeconds(Cli.TIMEOUT_SECONDS))) {
                connection.send(List.of(Packet.of(1_700_000_000_000_000_000L, bytes(60, 1))));
                connection.sendEnd();
                Cli.Result received = receive.finish();
                assertEquals(0, received.exitCode(), received::toString);
                assertTrue(
                        received.stderrLines()
                                .contains("receive: note: the stream does not say its link type (the server is not"
                                        + " 'packet-ipc serve'?); writing 1 (Ethernet): pass --linktype N if it is"
                                        + " another"),
                        received::toString);
                assertEquals(1, read(output).get(0).linkType());
            }
        }
    }
}
