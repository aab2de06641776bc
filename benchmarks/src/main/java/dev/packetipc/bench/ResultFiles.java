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
    static final String CSV_HEADER = "contender,role,kind,payload_bytes,batch,clients,status,packets_per_s,gb_per_s,"
            + "vs_best_peer,best_peer,vs_memcpy,round_trips,p50_us,p99_us,p999_us,note";

    private ResultFiles() {}

    static void writeCsv(Path file, List<Result> results) throws IOException {
        Ranking ranking = new Ranking(results);
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (Result r : results) {
            Optional<Result> best = ranking.bestPeer(r.workload());
            csv.append(String.join(
                            ",",
                            r.contender().id(),
                            r.contender().role().name().toLowerCase(Locale.ROOT),
                            r.workload().isThroughput() ? "throughput" : "round_trip",
                            String.valueOf(r.workload().payloadBytes()),
                            String.valueOf(r.workload().batch()),
                            String.valueOf(r.workload().clients()),
                            r.status().name().toLowerCase(Locale.ROOT),
                            r.ok() && r.workload().isThroughput() ? number(r.packetsPerSecond()) : "",
                            r.ok() && r.workload().isThroughput() ? number(r.bytesPerSecond() / 1e9) : "",
                            ranking.vsBestPeer(r).map(ResultFiles::number).orElse(""),
                            best.map(b -> b.contender().id()).orElse(""),
                            ranking.vsLimit(r).map(ResultFiles::number).orElse(""),
                            r.ok() && !r.workload().isThroughput() ? String.valueOf(r.roundTrips()) : "",
                            micros(r, r.p50Nanos()),
                            micros(r, r.p99Nanos()),
                            micros(r, r.p999Nanos()),
                            csvText(r.note())))
                    .append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    static void writeJson(Path file, List<Result> results, Map<String, String> machine, String command)
            throws IOException {
        Ranking ranking = new Ranking(results);
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
            json.append(", \"kind\": ").append(jsonText(r.workload().isThroughput() ? "throughput" : "round_trip"));
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
            ranking.vsBestPeer(r)
                    .ifPresent(v -> json.append(", \"vsBestPeer\": ").append(number(v)));
            ranking.vsLimit(r).ifPresent(v -> json.append(", \"vsMemcpy\": ").append(number(v)));
            json.append(", \"note\": ").append(jsonText(r.note())).append('}');
            separator = ",\n";
        }
        json.append("\n  ]\n}\n");
        Files.writeString(file, json, StandardCharsets.UTF_8);
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
