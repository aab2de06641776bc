package dev.packetipc.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Records the outcome of every test annotated {@link Proves} as a row of {@code target/reliability-results.md} (one
 * row per test, replaced when it runs again), and with {@code -Dreliability.writeReport=true} rewrites the table of
 * {@code docs/reliability.md} between its markers from those rows. Tests add what they observed with
 * {@link #observe}.
 */
public final class Results implements TestWatcher {
    static final String BEGIN = "<!-- reliability-results:begin -->";
    static final String END = "<!-- reliability-results:end -->";
    private static final Map<String, String> OBSERVED = new ConcurrentHashMap<>();

    /** Notes what the running test observed (runs, worst time, counts); shown in its row. */
    static void observe(String testId, String text) {
        OBSERVED.put(testId, text);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, "passed");
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        String message = String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
        record(context, "**FAILED**: " + cut(message, 160));
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, "skipped: " + cut(String.valueOf(cause.getMessage()), 160));
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        record(context, "disabled: " + reason.orElse(""));
    }

    /** The key of a test in {@link #observe}: class, method and display name. */
    static String id(ExtensionContext context) {
        return id(
                context.getRequiredTestClass(), context.getRequiredTestMethod().getName(), context.getDisplayName());
    }

    /** The key of the running test in {@link #observe}. */
    static String id(TestInfo info) {
        return id(
                info.getTestClass().orElseThrow(),
                info.getTestMethod().orElseThrow().getName(),
                info.getDisplayName());
    }

    private static String id(Class<?> type, String method, String displayName) {
        String display = displayName.startsWith(method + "(") ? "" : " " + displayName;
        return type.getSimpleName() + "." + method + display;
    }

    private static String cut(String s, int n) {
        String one = s.replace('|', '/').replace('\n', ' ');
        return one.length() <= n ? one : one.substring(0, n) + "…";
    }

    private static void record(ExtensionContext context, String outcome) {
        Proves proves = context.getRequiredTestMethod().getAnnotation(Proves.class);
        if (proves == null) {
            return;
        }
        List<String> tags = new ArrayList<>();
        for (Tag tag : context.getRequiredTestMethod().getAnnotationsByType(Tag.class)) {
            tags.add(tag.value());
        }
        String id = id(context);
        row(id, tags, proves.injects(), proves.bound(), OBSERVED.getOrDefault(id, ""), outcome);
    }

    /** Records one row directly, for tests that JUnit Jupiter extensions do not reach (jqwik properties). */
    static synchronized void row(
            String id, List<String> tags, String injects, String bound, String observed, String outcome) {
        String row = "| " + cut(id, 200) + (tags.isEmpty() ? "" : " (" + String.join(", ", tags) + ")") + " | "
                + injects + " | " + bound + " | " + cut(observed, 300) + " | " + outcome + " | "
                + "JDK " + Runtime.version().feature() + ", " + System.getProperty("os.name") + ", "
                + (Boolean.getBoolean("reliability.soak") ? "soak" : "default") + " run, "
                + Instant.now().truncatedTo(ChronoUnit.MINUTES) + " |";
        Path results = Path.of(System.getProperty("reliability.results", "target/reliability-results.md"));
        try {
            TreeMap<String, String> rows = new TreeMap<>();
            if (Files.exists(results)) {
                for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
                    if (line.startsWith("| ")) {
                        rows.put(line.substring(2, line.indexOf(" |")), line);
                    }
                }
            }
            rows.put(row.substring(2, row.indexOf(" |")), row);
            Files.createDirectories(results.toAbsolutePath().getParent());
            Files.write(results, rows.values(), StandardCharsets.UTF_8);
            if (Boolean.getBoolean("reliability.writeReport")) {
                writeReport(Path.of(System.getProperty("reliability.report")), List.copyOf(rows.values()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeReport(Path report, List<String> rows) throws IOException {
        String text = Files.readString(report, StandardCharsets.UTF_8);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(report + " lacks the markers " + BEGIN + " and " + END);
        }
        StringBuilder table = new StringBuilder(BEGIN).append('\n');
        table.append("| test | injects | bound checked | observed in the last run | result | where |\n");
        table.append("|---|---|---|---|---|---|\n");
        for (String row : rows) {
            table.append(row).append('\n');
        }
        Files.writeString(report, text.substring(0, begin) + table + text.substring(end), StandardCharsets.UTF_8);
    }
}
