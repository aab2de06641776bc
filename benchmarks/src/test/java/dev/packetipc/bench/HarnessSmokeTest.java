package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs the real harness (child JVMs and all) over one cheap baseline with tiny windows, and checks what it writes.
 * Figures are never judged, only their presence and form.
 */
class HarnessSmokeTest {
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @Test
    void aBaselineRunWritesTableCsvJsonWindowsHistogramsAndChart() throws IOException {
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "none",
                "--baselines",
                "jdk-uds,ring",
                "--sizes",
                "64,1500",
                "--batches",
                "64",
                "--clients",
                "1",
                "--warmup-ms",
                "50",
                "--window-ms",
                "100",
                "--repeats",
                "2",
                "--rounds",
                "2",
                "--no-verify",
                "--no-idle",
                "--no-open-loop",
                "--out",
                out.toString());
        assertEquals(0, code, describe());

        String table = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("| 64 B | 64 | 1 | touch | JDK UDS channel, block | block |"), table);
        assertTrue(table.contains("| 64 B | 64 | 1 | touch | JDK UDS channel, spin | spin |"), table);
        assertTrue(table.contains("| 64 B | 64 | 1 | touch | two-thread ring, spin | spin |"), table);
        assertTrue(table.contains("(best)"), table);
        assertTrue(table.contains("Machine: cpus "), table);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("round 2 of 2:"), describe());

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(ResultFiles.CSV_HEADER, csv.get(0));
        // jdk-uds block and spin: two sizes and a round trip each; ring: two sizes and a skipped round trip
        assertEquals(10, csv.size(), String.join("\n", csv));
        int columns = ResultFiles.CSV_HEADER.split(",").length;
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            assertEquals(columns, cells.length, row);
            if (cells[8].equals("ok") && cells[3].equals("throughput")) {
                assertEquals("2", cells[9], "two rounds: " + row);
                assertTrue(Double.parseDouble(cells[10]) > 0, row);
            }
        }
        assertTrue(
                csv.stream().anyMatch(r -> r.startsWith("jdk-uds/block,peer,block,round_trip,touch,64,1,1,ok,2,")),
                csv.toString());
        assertTrue(
                csv.stream().anyMatch(r -> r.startsWith("ring/spin,limit,spin,round_trip,touch,64,1,1,skipped,")),
                csv.toString());

        List<String> windows = Files.readAllLines(out.resolve("windows.csv"));
        assertEquals(ResultFiles.WINDOWS_HEADER, windows.get(0));
        // 2 rounds x (3 contenders x 2 sizes x 2 windows + 3 round-trip lines)
        assertEquals(1 + 2 * (3 * 2 * 2 + 3), windows.size(), String.join("\n", windows));

        Path hlog = out.resolve("hlog").resolve("jdk-uds-block_rtt-64-touch.hlog");
        assertTrue(Files.exists(hlog), "no histogram log: " + describe());
        try (org.HdrHistogram.HistogramLogReader reader = new org.HdrHistogram.HistogramLogReader(hlog.toFile())) {
            int intervals = 0;
            while (reader.nextIntervalHistogram() != null) {
                intervals++;
            }
            assertEquals(2, intervals, "one interval per round");
        }

        String json = Files.readString(out.resolve("results.json"));
        assertTrue(json.startsWith("{") && json.trim().endsWith("}"), json);
        assertEquals(9, count(json, "\"contender\": "), json);
        assertEquals(6, count(json, "\"packetsPerSecond\": [0-9.]+"), json);
        assertEquals(2, count(json, "\"p50Micros\": [0-9.]+"), json);
        assertTrue(json.contains("\"machine\": {\"cpus\": "), json);

        BufferedImage chart = ImageIO.read(out.resolve("throughput.png").toFile());
        assertNotNull(chart, "throughput.png is not a readable image");
        assertEquals(1000, chart.getWidth());
        assertTrue(Files.readString(out.resolve("results.md")).contains("| payload | batch |"));
    }

    @ParameterizedTest
    @EnumSource(
            value = Batch.Fault.class,
            names = {"GAP", "DUPLICATE", "FLIP"})
    void verifyFailsTheRunOnAnInjectedFault(Batch.Fault fault) throws IOException {
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "none",
                "--baselines",
                "jdk-uds",
                "--wait",
                "block",
                "--consume",
                "verify",
                "--sizes",
                "1500",
                "--batches",
                "64",
                "--no-latency",
                "--rounds",
                "1",
                "--warmup-ms",
                "50",
                "--window-ms",
                "100",
                "--repeats",
                "1",
                "--inject-fault",
                fault.name().toLowerCase(java.util.Locale.ROOT),
                "--out",
                out.toString());
        assertEquals(3, code, "a verify failure fails the run" + describe());
        String expected = switch (fault) {
            case GAP -> "gap: expected packet 100, got packet 101";
            case DUPLICATE -> "duplicate or out of order: expected packet 100, got packet 99";
            default -> "corrupted payload: packet 100 of 1500 bytes";
        };
        String table = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("VERIFY FAILED"), table);
        assertTrue(table.contains(expected), table);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("VERIFY FAILED"), describe());
    }

    @Test
    void everyContenderKindRunsWithEveryNewOption() throws IOException {
        // our Unix transport in both waits and receive paths, Aeron, Chronicle, both sockets and the ring; a
        // verify pass, descriptors only, a fixed seed: each option is run once, the figures are not judged
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "unix",
                "--baselines",
                "junixsocket,chronicle,aeron,ring",
                "--wait",
                "block,spin",
                "--consume",
                "none",
                "--sizes",
                "64,65536",
                "--batches",
                "16",
                "--rounds",
                "1",
                "--seed",
                "42",
                "--rate",
                "1000",
                "--warmup-ms",
                "50",
                "--window-ms",
                "100",
                "--repeats",
                "1",
                "--out",
                out.toString());
        String all = describe();
        assertEquals(0, code, all);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("seed 42"), all);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        String[] ids = {
            "unix/poll/block",
            "unix/poll/spin",
            "unix/receivePackets/block",
            "junixsocket/block",
            "junixsocket/spin",
            "chronicle/spin",
            "aeron/spin",
            "ring/spin"
        };
        for (String id : ids) {
            for (String workload : new String[] {",throughput,none,64,16,1,ok,", ",throughput,verify,65536,16,1,ok,"}) {
                assertTrue(
                        csv.stream().anyMatch(r -> r.startsWith(id + ",") && r.contains(workload)),
                        id + workload + " missing or not ok:\n" + String.join("\n", csv));
            }
        }
        assertTrue(
                csv.stream().anyMatch(r -> r.startsWith("aeron/spin,") && r.contains(",round_trip,none,64,1,1,ok,")),
                "Aeron's round trip runs on one driver:\n" + String.join("\n", csv));
        assertTrue(!all.contains("VERIFY FAILED"), all);
        List<String> idle = Files.readAllLines(out.resolve("idle.csv"));
        for (String id : ids) {
            if (!id.startsWith("ring")) {
                assertTrue(
                        idle.stream().anyMatch(r -> r.startsWith(id + ",") && r.contains(",ok,")),
                        id + " idle missing:\n" + String.join("\n", idle));
            }
        }
        List<String> rtt = csv.stream().filter(r -> r.contains(",round_trip,")).toList();
        assertTrue(
                rtt.stream().anyMatch(r -> r.startsWith("aeron/spin,") && r.contains(",none,64,1000,1,ok,")),
                "the open-loop run at 1000/s:\n" + String.join("\n", rtt));
    }

    @Test
    void theAeronTransportOverUdpRunsBesideRawAeronOverUdp() throws IOException {
        // issue 17's rows: our aeron transport over UDP on loopback and raw Aeron on the same kind of channel, each
        // verified once per size; the figures are not judged, only that both ran and the target line is there
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "aeron-udp",
                "--baselines",
                "aeron-udp",
                "--receive",
                "poll",
                "--wait",
                "spin",
                "--sizes",
                "64,1500",
                "--batches",
                "1024",
                "--rounds",
                "1",
                "--no-idle",
                "--no-open-loop",
                "--warmup-ms",
                "50",
                "--window-ms",
                "100",
                "--repeats",
                "1",
                "--out",
                out.toString());
        String all = describe();
        assertEquals(0, code, all);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        for (String id : new String[] {"aeron-udp/poll/spin", "aeron-udp/spin"}) {
            for (String workload : new String[] {
                ",throughput,touch,64,1024,1,ok,", ",throughput,touch,1500,1024,1,ok,", ",throughput,verify,1500,"
            }) {
                assertTrue(
                        csv.stream().anyMatch(r -> r.startsWith(id + ",") && r.contains(workload)),
                        id + workload + " missing or not ok:\n" + String.join("\n", csv));
            }
            assertTrue(
                    csv.stream().anyMatch(r -> r.startsWith(id + ",") && r.contains(",round_trip,touch,64,1,1,ok,")),
                    id + " round trip:\n" + String.join("\n", csv));
        }
        assertTrue(!all.contains("VERIFY FAILED"), all);
        String table = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("raw Aeron UDP, spin"), table);
        assertTrue(table.matches("(?s).*aeron-udp poll, spin, .*vs aeron-udp/spin.*target >= 0\\.90x.*"), table);
    }

    @Test
    void theCClientReceivesFromTheJavaServerBesideTheJavaClientOrIsSkippedWithTheReason() throws IOException {
        // issue 16's row: packet-ipc-cat (built with make -C native) receiving from our Java unix server, next to
        // the Java client on the same workload; without a C compiler it is skipped and says why
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "unix,c-client",
                "--baselines",
                "none",
                "--receive",
                "poll",
                "--wait",
                "block",
                "--consume",
                "none",
                "--sizes",
                "64,1500",
                "--batches",
                "1024",
                "--rounds",
                "1",
                "--no-latency",
                "--no-idle",
                "--warmup-ms",
                "50",
                "--window-ms",
                "100",
                "--repeats",
                "1",
                "--out",
                out.toString());
        String all = describe();
        assertEquals(0, code, all);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        String missing = CClientRun.missingToolchain();
        for (String size : new String[] {"64", "1500"}) {
            String workload = ",throughput,none," + size + ",1024,1,";
            assertTrue(
                    csv.stream().anyMatch(r -> r.startsWith("unix/poll/block,") && r.contains(workload + "ok,")),
                    "the Java client " + workload + ":\n" + String.join("\n", csv));
            if (missing == null) {
                assertTrue(
                        csv.stream()
                                .anyMatch(r -> r.startsWith("c-client/block,transport,block,")
                                        && r.contains(workload + "ok,")),
                        "the C client " + workload + ":\n" + String.join("\n", csv) + all);
            } else {
                assertTrue(
                        csv.stream()
                                .anyMatch(r -> r.startsWith("c-client/block,")
                                        && r.contains(workload + "skipped,")
                                        && r.contains(missing)),
                        "skipped with the reason " + missing + ":\n" + String.join("\n", csv));
            }
        }
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("C client (packet-ipc-cat) from Java unix"), all);
    }

    @Test
    void theCClientsStatsLineIsReadAndAnythingElseIsNot() {
        assertArrayEquals(
                new long[] {1024, 65536, 123456},
                CClientRun.parseStats("CONNECTED unix:///x\nEND 1024 65536 regions=0\nSTATS 1024 65536 123456\n"));
        assertNull(CClientRun.parseStats("END 0 0 regions=0\nSTATS 0 0 0\n"), "no time, no figure");
        assertNull(CClientRun.parseStats("ERROR PIPC_ERR_PEER_GONE: the server is gone\n"));
        assertNull(CClientRun.parseStats("STATS 1 two 3\n"));
    }

    @Test
    void eachClientIsAJvmOfItsOwnAndMixedAndThresholdSizesRun() throws IOException {
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "none",
                "--baselines",
                "jdk-uds",
                "--wait",
                "block",
                "--sizes",
                "imix",
                "--threshold",
                "--batches",
                "64",
                "--clients",
                "2",
                "--no-latency",
                "--no-verify",
                "--no-idle",
                "--rounds",
                "1",
                "--warmup-ms",
                "50",
                "--window-ms",
                "100",
                "--repeats",
                "1",
                "--verbose",
                "--out",
                out.toString());
        assertEquals(0, code, describe());
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        for (String size : new String[] {"0", "32767", "32768"}) { // imix, just below and at the threshold
            assertTrue(
                    csv.stream()
                            .anyMatch(r ->
                                    r.startsWith("jdk-uds/block,peer,block,throughput,touch," + size + ",64,2,ok,")),
                    size + ":\n" + String.join("\n", csv));
        }
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("| imix | 64 | 2 | touch |"), describe());
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("[client-1 jdk-uds:block]"), describe());
    }

    @Test
    void aTransportThatIsNotThereIsSkippedWithItsCause() throws IOException {
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "no-such-transport",
                "--baselines",
                "none",
                "--sizes",
                "64",
                "--batches",
                "1",
                "--clients",
                "1",
                "--receive",
                "poll",
                "--wait",
                "block",
                "--no-latency",
                "--no-verify",
                "--out",
                out.toString());
        assertEquals(1, code, "nothing was measured" + describe());
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(2, csv.size(), csv.toString());
        assertTrue(
                csv.get(1).startsWith("no-such-transport/poll/block,transport,block,throughput,touch,64,1,1,skipped,"),
                csv.get(1));
        assertTrue(csv.get(1).contains("no transport has the id 'no-such-transport'"), csv.get(1));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("skipped [1]"), describe());
    }

    @Test
    void aBadCommandLineSaysWhatIsWrong() {
        assertEquals(2, run("--sizes", "big"));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("--sizes takes whole numbers"), describe());
        assertEquals(2, run("--baselines", "zeromq"));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("unknown baseline 'zeromq'"), describe());
        assertEquals(0, run("--help"));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("--quick"));
    }

    private int run(String... args) {
        return Harness.run(
                args,
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(progress, true, StandardCharsets.UTF_8));
    }

    private String describe() {
        return "\n--- stdout:\n" + stdout.toString(StandardCharsets.UTF_8) + "\n--- progress:\n"
                + progress.toString(StandardCharsets.UTF_8);
    }

    private static Path freshDirectory() throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "harness-" + UUID.randomUUID()));
    }

    private static int count(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (matcher.find()) {
            n++;
        }
        return n;
    }
}
