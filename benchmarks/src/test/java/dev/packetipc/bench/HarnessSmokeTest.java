package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

/**
 * Runs the real harness (child JVMs and all) over one cheap baseline with tiny windows, and checks what it writes.
 * Figures are never judged, only their presence and form.
 */
class HarnessSmokeTest {
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @Test
    void aBaselineRunWritesTableCsvJsonAndChart() throws IOException {
        Path out = freshDirectory();
        int code = run(
                "--transports",
                "none",
                "--baselines",
                "jdk-uds,memcpy",
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
                "--out",
                out.toString());
        assertEquals(0, code, describe());

        String table = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("| 64 B | 64 | 1 | JDK UDS channel |"), table);
        assertTrue(table.contains("1.00x (best)"), table);
        assertTrue(table.contains("Machine: cpus "), table);

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(ResultFiles.CSV_HEADER, csv.get(0));
        // jdk-uds: two sizes and a round trip; memcpy: two sizes and a skipped round trip
        assertEquals(7, csv.size(), String.join("\n", csv));
        int columns = ResultFiles.CSV_HEADER.split(",").length;
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            assertEquals(columns, cells.length, row);
            if (cells[6].equals("ok") && cells[2].equals("throughput")) {
                assertTrue(Double.parseDouble(cells[7]) > 0, row);
            }
        }
        assertTrue(csv.stream().anyMatch(r -> r.startsWith("jdk-uds,peer,round_trip,64,1,1,ok,")), csv.toString());
        assertTrue(csv.stream().anyMatch(r -> r.startsWith("memcpy,limit,round_trip,64,1,1,skipped,")), csv.toString());

        String json = Files.readString(out.resolve("results.json"));
        assertTrue(json.startsWith("{") && json.trim().endsWith("}"), json);
        assertEquals(6, count(json, "\"contender\": "), json);
        assertEquals(4, count(json, "\"packetsPerSecond\": [0-9.]+"), json);
        assertEquals(1, count(json, "\"p50Micros\": [0-9.]+"), json);
        assertTrue(json.contains("\"machine\": {\"cpus\": "), json);

        BufferedImage chart = ImageIO.read(out.resolve("throughput.png").toFile());
        assertNotNull(chart, "throughput.png is not a readable image");
        assertEquals(1000, chart.getWidth());
        assertTrue(Files.readString(out.resolve("results.md")).contains("| payload | batch |"));
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
                "--no-latency",
                "--out",
                out.toString());
        assertEquals(1, code, "nothing was measured" + describe());
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(2, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith("no-such-transport/poll,transport,throughput,64,1,1,skipped,"), csv.get(1));
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
