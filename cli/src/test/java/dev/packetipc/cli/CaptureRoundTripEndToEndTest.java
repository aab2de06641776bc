package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CaptureWriter;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} and {@code receive} move real captures (tcpdump's pcap, tshark's pcapng) between processes: what
 * comes out has the same packets, bytes and timestamps, checked packet by packet and by capinfos and tshark.
 */
class CaptureRoundTripEndToEndTest {
    private static final Pattern LINK_TYPE = Pattern.compile("link type (\\d+)\\)");

    @TempDir
    static Path dir;

    private static LoopbackCapture.Made tcpdumpCapture;
    private static LoopbackCapture.Made tsharkCapture;

    @BeforeAll
    static void capture() throws Exception {
        if (Tools.missing("tcpdump", "tshark", "capinfos", "text2pcap") == null) {
            tcpdumpCapture = LoopbackCapture.make("tcpdump", dir.resolve("tcpdump.pcap"));
            tsharkCapture = LoopbackCapture.make("tshark", dir.resolve("tshark.pcapng"));
            System.out.println("captures made by " + tcpdumpCapture.how() + "; " + tsharkCapture.how());
        }
    }

    private static void assumeTools() {
        String missing = Tools.missing("tcpdump", "tshark", "capinfos", "text2pcap");
        assumeTrue(missing == null, missing);
    }

    /** A serve process, its name and link type as it printed them, and its output. */
    private record Serving(Process process, String name, int linkType, CompletableFuture<String> stderr) {}

    private static Serving serve(String pcapArgument, Path stdin) throws Exception {
        Process process =
                Cli.start(Cli.command("serve", "--pcap", pcapArgument, "--accept-timeout", "120"), stdin, Map.of());
        CompletableFuture<String> name = Cli.onThread("serve stdout", () -> firstLine(process));
        StringBuffer errors = new StringBuffer();
        CompletableFuture<Integer> linkType = new CompletableFuture<>();
        CompletableFuture<String> stderr = Cli.onThread("serve stderr", () -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    errors.append(line).append('\n');
                    Matcher m = LINK_TYPE.matcher(line);
                    if (m.find()) {
                        linkType.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                errors.append(e);
            }
            linkType.complete(-1);
            return errors.toString();
        });
        String serverName = name.get(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(serverName, () -> "serve printed no name: " + stderr.join());
        return new Serving(process, serverName, linkType.get(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS), stderr);
    }

    private static String firstLine(Process process) {
        try {
            BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = lines.readLine();
            Cli.drain(process.getInputStream());
            return line;
        } catch (IOException e) {
            return null;
        }
    }

    /** serve the input, receive it into {@code output}; through stdin and stdout when {@code piped}. */
    private static void roundTrip(Path input, Path output, String format, boolean piped) throws Exception {
        moveCapture(input, output, format, piped, LoopbackCapture.PACKETS);
        assertSameForCapinfosAndTshark(input, output);
    }

    private static void moveCapture(Path input, Path output, String format, boolean piped, int packets)
            throws Exception {
        Serving serving = piped ? serve("-", input) : serve(input.toString(), null);
        assertTrue(serving.linkType() >= 0, "serve printed no link type");
        List<String> receive = Cli.command(
                "receive",
                serving.name(),
                "--linktype",
                "" + serving.linkType(),
                "--format",
                format,
                "--out",
                piped ? "-" : output.toString());
        Cli.Result received = Cli.finish(Cli.start(receive, null, piped ? output : null, Map.of()));
        Cli.Result served = Cli.finish(serving.process(), CompletableFuture.completedFuture(""), serving.stderr());
        assertEquals(0, served.exitCode(), served::toString);
        assertEquals(0, received.exitCode(), received::toString);
        assertTrue(received.stderr().contains("wrote " + packets + " packets"), received::toString);
        assertSamePackets(input, output, packets);
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

    private static void assertSamePackets(Path input, Path output, int packets) throws IOException {
        List<CapturedPacket> in = read(input);
        List<CapturedPacket> out = read(output);
        assertEquals(packets, in.size());
        assertEquals(in.size(), out.size());
        for (int i = 0; i < in.size(); i++) {
            int index = i;
            assertEquals(in.get(i).timestampNanos(), out.get(i).timestampNanos(), () -> "packet " + index);
            assertArrayEquals(in.get(i).bytes(), out.get(i).bytes(), () -> "packet " + index);
            assertEquals(in.get(i).linkType(), out.get(i).linkType(), () -> "packet " + index);
        }
    }

    private static void assertSameForCapinfosAndTshark(Path input, Path output) throws Exception {
        Cli.Result inInfo = Cli.run(List.of("capinfos", "-c", "-M", input.toString()), null, Map.of());
        Cli.Result outInfo = Cli.run(List.of("capinfos", "-c", "-M", output.toString()), null, Map.of());
        assertEquals(0, outInfo.exitCode(), outInfo::toString);
        String count = "Number of packets:   " + LoopbackCapture.PACKETS;
        assertTrue(inInfo.stdout().contains(count), inInfo::toString);
        assertTrue(outInfo.stdout().contains(count), outInfo::toString);
        assertEquals(fields(input), fields(output));
    }

    /** What tshark sees in each packet: time (as a number), length, protocols, UDP port and payload. */
    private static List<String> fields(Path file) throws Exception {
        Cli.Result result = Cli.run(
                List.of(
                        "tshark",
                        "-r",
                        file.toString(),
                        "-T",
                        "fields",
                        "-e",
                        "frame.time_epoch",
                        "-e",
                        "frame.len",
                        "-e",
                        "frame.protocols",
                        "-e",
                        "udp.dstport",
                        "-e",
                        "data.data"),
                null,
                Map.of());
        assertEquals(0, result.exitCode(), result::toString);
        List<String> fields = new ArrayList<>();
        for (String line : result.stdoutLines()) {
            String[] columns = line.split("\t", 2);
            fields.add(new BigDecimal(columns[0]).stripTrailingZeros().toPlainString() + "\t" + columns[1]);
        }
        assertEquals(LoopbackCapture.PACKETS, fields.size(), result::toString);
        return fields;
    }

    @Test
    void aTcpdumpPcapComesOutAsANanosecondPcap() throws Exception {
        assumeTools();
        Path output = dir.resolve("from-tcpdump.pcap");
        roundTrip(tcpdumpCapture.file(), output, "pcap", false);
        Cli.Result info = Cli.run(List.of("capinfos", "-t", output.toString()), null, Map.of());
        assertTrue(info.stdout().contains("nanosecond"), info::toString);
    }

    @Test
    void aTsharkPcapngComesOutAsPcapngThroughStandardInputAndOutput() throws Exception {
        assumeTools();
        Path output = dir.resolve("from-tshark.pcapng");
        roundTrip(tsharkCapture.file(), output, "pcapng", true);
        Cli.Result info = Cli.run(List.of("capinfos", "-t", output.toString()), null, Map.of());
        assertTrue(info.stdout().contains("pcapng"), info::toString);
    }

    @Test
    void aTsharkPcapngComesOutAsPcap() throws Exception {
        assumeTools();
        roundTrip(tsharkCapture.file(), dir.resolve("from-tshark.pcap"), "pcap", false);
    }

    @Test
    void theText2pcapFallbackWritesTheSameDatagramsWithTheirTimestamps() throws Exception {
        String missing = Tools.missing("text2pcap");
        assumeTrue(missing == null, missing);
        for (boolean pcapng : new boolean[] {false, true}) {
            Path file = dir.resolve(pcapng ? "generated.pcapng" : "generated.pcap");
            LoopbackCapture.generate(pcapng, file);
            List<CapturedPacket> packets = read(file);
            assertEquals(LoopbackCapture.PACKETS, packets.size());
            for (int i = 0; i < packets.size(); i++) {
                byte[] bytes = packets.get(i).bytes();
                byte[] payload = LoopbackCapture.payload(i);
                int headers = 14 + 20 + 8; // Ethernet, IPv4, UDP
                assertArrayEquals(payload, Arrays.copyOfRange(bytes, headers, headers + payload.length));
                assertEquals(
                        (1000L * i + 7) * 1000, Math.floorMod(packets.get(i).timestampNanos(), 1_000_000_000L));
            }
        }
    }

    @Test
    void largePacketsArriveWhole() throws Exception {
        Path input = dir.resolve("large.pcapng");
        try (java.io.OutputStream out = Files.newOutputStream(input);
                CaptureWriter writer = CaptureWriter.create("pcapng", out, 101)) {
            for (int i = 0; i < 300; i++) {
                byte[] payload = new byte[40_000 + i * 100];
                Arrays.fill(payload, (byte) i);
                writer.write(1_800_000_000_000_000_000L + i * 1_000_003L, ByteBuffer.wrap(payload));
            }
        }
        moveCapture(input, dir.resolve("large-out.pcap"), "pcap", false, 300);
    }

    @Test
    void aTruncatedCaptureFailsServeWithTheFileAndOffsetAndTheReceiverHearsOfIt() throws Exception {
        assumeTools();
        byte[] whole = Files.readAllBytes(tcpdumpCapture.file());
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 3));
        Serving serving = serve(cut.toString(), null);
        Cli.Result received = Cli.run(
                "receive", serving.name(), "--out", dir.resolve("cut-out.pcap").toString());
        Cli.Result served = Cli.finish(serving.process(), CompletableFuture.completedFuture(""), serving.stderr());
        assertEquals(1, served.exitCode(), served::toString);
        assertTrue(
                served.stderr()
                        .matches("(?s).*packet-ipc serve: error: " + Pattern.quote(cut.toString())
                                + ": at byte offset \\d+: truncated: .*"),
                served::toString);
        assertEquals(1, received.exitCode(), received::toString);
        assertEquals(1, received.stderrLines().size(), received::toString);
    }

    @Test
    void aFileThatIsNoCaptureIsRefusedAtOnce() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "these are not packets\n");
        Cli.Result result = Cli.run("serve", "--pcap", text.toString());
        assertEquals(1, result.exitCode(), result::toString);
        assertEquals(
                List.of("packet-ipc serve: error: " + text + ": at byte offset 0: not a pcap or pcapng file: it starts"
                        + " with 0x74686573, not a pcap magic number (a1b2c3d4, a1b23c4d or swapped) or a pcapng"
                        + " section header (0a0d0d0a)"),
                result.stderrLines());
    }
}
