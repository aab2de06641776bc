package dev.packetipc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Writes a run as {@code results.csv} (one row per contender and workload) and {@code results.json}. */
final class ResultFiles {
    static final String CSV_HEADER = "contender,role,wait,kind,consume,payload_bytes,batch,clients,status,rounds,"
            + "packets_per_s,packets_per_s_min,packets_per_s_max,gb_per_s,vs_best_peer,vs_best_peer_min,"
            + "vs_best_peer_max,best_peer,vs_ring,vs_ring_min,vs_ring_max,round_trips,p50_us,p99_us,p999_us,"
            + "sender_cpu_ns_per_packet,receiver_cpu_ns_per_packet,sender_rss_mib,receiver_rss_mib,shared_mib,note";
    static final String WINDOWS_HEADER = "round,contender,workload,status,window,packets_per_s,p50_us,p99_us,p999_us,"
            + "sender_cpu_ns_per_packet,receiver_cpu_ns_per_packet,note";

    private ResultFiles() {}

    static void writeCsv(Path file, List<Result> results, List<Result> measured) throws IOException {
        Ranking ranking = new Ranking(measured);
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (Result r : results) {
            Contender c = r.contender();
            Workload w = r.workload();
            Optional<Spread> figure = ranking.figure(c, w);
            Optional<Spread> vsPeer = ranking.vsBestPeer(c, w);
            Optional<Spread> vsRing = ranking.vsRing(c, w);
            boolean tp = r.ok() && w.isThroughput();
            Cost cost = r.cost();
            csv.append(String.join(
                            ",",
                            c.id(),
                            c.role().name().toLowerCase(Locale.ROOT),
                            c.waitMode(),
                            w.isThroughput() ? "throughput" : "round_trip",
                            w.consume().label(),
                            String.valueOf(w.payloadBytes()),
                            String.valueOf(w.batch()),
                            String.valueOf(w.clients()),
                            r.status().name().toLowerCase(Locale.ROOT),
                            figure.map(f -> String.valueOf(f.count())).orElse("0"),
                            tp ? number(r.packetsPerSecond()) : "",
                            tp ? figure.map(f -> number(f.min())).orElse("") : "",
                            tp ? figure.map(f -> number(f.max())).orElse("") : "",
                            tp ? number(r.bytesPerSecond() / 1e9) : "",
                            vsPeer.map(v -> number(v.median())).orElse(""),
                            vsPeer.map(v -> number(v.min())).orElse(""),
                            vsPeer.map(v -> number(v.max())).orElse(""),
                            ranking.usualBestPeer(c, w).orElse(""),
                            vsRing.map(v -> number(v.median())).orElse(""),
                            vsRing.map(v -> number(v.min())).orElse(""),
                            vsRing.map(v -> number(v.max())).orElse(""),
                            r.ok() && !w.isThroughput() ? String.valueOf(r.roundTrips()) : "",
                            micros(r, r.p50Nanos()),
                            micros(r, r.p99Nanos()),
                            micros(r, r.p999Nanos()),
                            cost.measured() ? number(cost.serverNanosPerPacket()) : "",
                            cost.measured() ? number(cost.clientNanosPerPacket()) : "",
                            cost.measured() ? Format.mebibytes(cost.serverRssBytes()) : "",
                            cost.measured() ? Format.mebibytes(cost.clientRssBytes()) : "",
                            cost.measured() ? Format.mebibytes(cost.sharedBytes()) : "",
                            csvText(r.note())))
                    .append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    /** Every measurement of every round, one line per measured window (throughput) or per measurement. */
    static void writeWindows(Path file, List<Result> measured) throws IOException {
        StringBuilder csv = new StringBuilder(WINDOWS_HEADER).append('\n');
        for (Result r : measured) {
            Cost cost = r.cost();
            String costs = (cost.measured() ? number(cost.serverNanosPerPacket()) : "") + ","
                    + (cost.measured() ? number(cost.clientNanosPerPacket()) : "");
            String head = r.round() + "," + r.contender().id() + ","
                    + r.workload().code() + "," + r.status().name().toLowerCase(Locale.ROOT);
            if (r.ok() && r.workload().isThroughput()) {
                for (int i = 0; i < r.windows().length; i++) {
                    csv.append(head)
                            .append(',')
                            .append(i + 1)
                            .append(',')
                            .append(number(r.windows()[i]))
                            .append(",,,,")
                            .append(costs)
                            .append(',')
                            .append(csvText(r.note()))
                            .append('\n');
                }
            } else {
                csv.append(head)
                        .append(",,,")
                        .append(micros(r, r.p50Nanos()))
                        .append(',')
                        .append(micros(r, r.p99Nanos()))
                        .append(',')
                        .append(micros(r, r.p999Nanos()))
                        .append(',')
                        .append(costs)
                        .append(',')
                        .append(csvText(r.ok() ? r.note() : r.statusText()))
                        .append('\n');
            }
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    /** The idle pass: CPU time of each JVM while a connected client had nothing to receive. */
    static void writeIdle(Path file, List<Result> idle) throws IOException {
        StringBuilder csv = new StringBuilder(
                "contender,wait,status,watched_ms,sender_cpu_ms,receiver_cpu_ms,sender_rss_mib,receiver_rss_mib,note\n");
        for (Result r : idle) {
            Cost cost = r.cost();
            boolean known = r.ok() && cost.read();
            csv.append(String.join(
                            ",",
                            r.contender().id(),
                            r.contender().waitMode(),
                            r.status().name().toLowerCase(Locale.ROOT),
                            r.ok() ? number(r.p50Nanos() / 1e6) : "",
                            known ? number(cost.serverCpuNanos() / 1e6) : "",
                            known ? number(cost.clientCpuNanos() / 1e6) : "",
                            known ? Format.mebibytes(cost.serverRssBytes()) : "",
                            known ? Format.mebibytes(cost.clientRssBytes()) : "",
                            csvText(r.ok() ? r.note() : r.statusText())))
                    .append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    /**
     * One HdrHistogram log per round-trip contender and workload ({@code hlog/<contender>_<workload>.hlog}), one
     * interval per round, readable with HdrHistogram's {@code HistogramLogReader} or HdrHistogram's plotter.
     *
     * @return the files written
     */
    static List<Path> writeHistogramLogs(Path dir, List<Result> measured) throws IOException {
        Map<String, List<Result>> byKey = new java.util.LinkedHashMap<>();
        for (Result r : measured) {
            if (r.ok() && !r.histogram().isEmpty()) {
                String key = (r.contender().id() + "_" + r.workload().code()).replaceAll("[^A-Za-z0-9._-]", "-");
                byKey.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(r);
            }
        }
        List<Path> written = new java.util.ArrayList<>();
        if (byKey.isEmpty()) {
            return written;
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, List<Result>> entry : byKey.entrySet()) {
            Path file = dir.resolve(entry.getKey() + ".hlog");
            try (java.io.PrintStream stream = new java.io.PrintStream(file.toFile(), StandardCharsets.UTF_8)) {
                org.HdrHistogram.HistogramLogWriter writer = new org.HdrHistogram.HistogramLogWriter(stream);
                writer.outputComment("packet-ipc bench: "
                        + entry.getValue().get(0).contender().label() + ", "
                        + entry.getValue().get(0).workload() + "; one interval per round, nanoseconds");
                writer.outputLogFormatVersion();
                writer.outputLegend();
                for (Result r : entry.getValue()) {
                    org.HdrHistogram.Histogram histogram = RoundTrips.decode(r.histogram());
                    histogram.setTag("round-" + r.round());
                    writer.outputIntervalHistogram(histogram);
                }
            }
            written.add(file);
        }
        return written;
    }

    static void writeJson(
            Path file, List<Result> results, List<Result> measured, Map<String, String> machine, String command)
            throws IOException {
        Ranking ranking = new Ranking(measured);
        StringBuilder json = new StringBuilder("{\n  \"command\": ").append(jsonText(command));
        json.append(",\n  \"machine\": {");
        String separator = "";
        for (Map.Entry<String, String> fact : machine.entrySet()) {
            json.append(separator).append(jsonText(fact.getKey())).append(": ").append(jsonText(fact.getValue()));
            separator = ", ";
        }
        json.append("},\n  \"results\": [");
        separator = "\n";
        for (Result r : results) {
            json.append(separator).append("    {");
            json.append("\"contender\": ").append(jsonText(r.contender().id()));
            json.append(", \"label\": ").append(jsonText(r.contender().label()));
            json.append(", \"role\": ")
                    .append(jsonText(r.contender().role().name().toLowerCase(Locale.ROOT)));
            json.append(", \"wait\": ").append(jsonText(r.contender().waitMode()));
            json.append(", \"kind\": ").append(jsonText(r.workload().isThroughput() ? "throughput" : "round_trip"));
            json.append(", \"consume\": ")
                    .append(jsonText(r.workload().consume().label()));
            json.append(", \"payloadBytes\": ").append(r.workload().payloadBytes());
            json.append(", \"batch\": ").append(r.workload().batch());
            json.append(", \"clients\": ").append(r.workload().clients());
            json.append(", \"status\": ").append(jsonText(r.status().name().toLowerCase(Locale.ROOT)));
            if (r.ok() && r.workload().isThroughput()) {
                json.append(", \"packetsPerSecond\": ").append(number(r.packetsPerSecond()));
                json.append(", \"gigabytesPerSecond\": ").append(number(r.bytesPerSecond() / 1e9));
            }
            if (r.ok() && !r.workload().isThroughput()) {
                json.append(", \"roundTrips\": ").append(r.roundTrips());
                json.append(", \"p50Micros\": ").append(micros(r, r.p50Nanos()));
                json.append(", \"p99Micros\": ").append(micros(r, r.p99Nanos()));
                json.append(", \"p999Micros\": ").append(micros(r, r.p999Nanos()));
            }
            ranking.vsBestPeer(r.contender(), r.workload())
                    .ifPresent(v -> json.append(", \"vsBestPeer\": ").append(spreadJson(v)));
            ranking.vsRing(r.contender(), r.workload())
                    .ifPresent(v -> json.append(", \"vsRing\": ").append(spreadJson(v)));
            if (r.cost().measured()) {
                json.append(", \"senderCpuNanosPerPacket\": ")
                        .append(number(r.cost().serverNanosPerPacket()));
                json.append(", \"receiverCpuNanosPerPacket\": ")
                        .append(number(r.cost().clientNanosPerPacket()));
            }
            json.append(", \"note\": ").append(jsonText(r.note())).append('}');
            separator = ",\n";
        }
        json.append("\n  ]\n}\n");
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    private static String spreadJson(Spread spread) {
        return "{\"median\": " + number(spread.median()) + ", \"min\": " + number(spread.min()) + ", \"max\": "
                + number(spread.max()) + ", \"rounds\": " + spread.count() + "}";
    }

    private static String micros(Result r, long nanos) {
        return r.ok() && !r.workload().isThroughput() ? number(nanos / 1e3) : "";
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String csvText(String text) {
        String plain = text == null ? "" : text;
        return plain.contains(",") || plain.contains("\"") || plain.contains("\n")
                ? "\"" + plain.replace("\"", "\"\"") + "\""
                : plain;
    }

    static String jsonText(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : (text == null ? "" : text).toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
