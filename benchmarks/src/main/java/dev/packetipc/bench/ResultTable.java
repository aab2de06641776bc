package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The run as Markdown tables, for stdout and the README: throughput, then round trips, each row with its ratios. */
final class ResultTable {
    private ResultTable() {}

    static String format(List<Result> results, Map<String, String> machine, String command) {
        Ranking ranking = new Ranking(results);
        Footnotes notes = new Footnotes();
        StringBuilder out = new StringBuilder();
        out.append("Machine: ");
        machine.forEach(
                (key, value) -> out.append(key).append(" ").append(value).append("; "));
        out.setLength(out.length() - 2);
        out.append("\nCommand: ").append(command).append("\n\n");
        Set<Workload> workloads = new LinkedHashSet<>();
        results.forEach(r -> workloads.add(r.workload()));
        out.append("| payload | batch | clients | contender | packets/s | GB/s | vs best peer | vs memcpy |\n");
        out.append("|---|---:|---:|---|---:|---:|---|---:|\n");
        for (Workload workload : workloads) {
            if (!workload.isThroughput()) {
                continue;
            }
            for (Result row : rows(results, workload)) {
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %d | %s | %s | %s | %s | %s |%n",
                        Workload.sizeLabel(workload.payloadBytes()),
                        workload.batch(),
                        workload.clients(),
                        row.contender().label(),
                        row.ok() ? Format.count(row.packetsPerSecond()) : notes.mark(row),
                        row.ok() ? Format.gigabytes(row.bytesPerSecond()) : "",
                        vsBest(ranking, row),
                        ranking.vsLimit(row).map(Format::ratio).orElse("")));
            }
        }
        boolean anyRoundTrip = workloads.stream().anyMatch(w -> !w.isThroughput());
        if (anyRoundTrip) {
            out.append("\n| round trip | contender | p50 | p99 | p99.9 | round trips | p50 vs best peer |\n");
            out.append("|---|---|---:|---:|---:|---:|---|\n");
            for (Workload workload : workloads) {
                if (workload.isThroughput()) {
                    continue;
                }
                for (Result row : rows(results, workload)) {
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %s | %s | %s | %s | %s | %s |%n",
                            Workload.sizeLabel(workload.payloadBytes()),
                            row.contender().label(),
                            row.ok() ? Format.micros(row.p50Nanos()) : notes.mark(row),
                            row.ok() ? Format.micros(row.p99Nanos()) : "",
                            row.ok() ? Format.micros(row.p999Nanos()) : "",
                            row.ok() ? String.valueOf(row.roundTrips()) : "",
                            vsBest(ranking, row)));
                }
            }
        }
        out.append(notes);
        return out.toString();
    }

    /** Skip and failure causes, each written once below the tables and marked [n] in the rows. */
    private static final class Footnotes {
        private final Map<String, Integer> numbers = new LinkedHashMap<>();

        String mark(Result row) {
            String text = row.contender().label() + ": " + row.statusText();
            int listing = text.indexOf(" Transports found:"); // the full list is in results.csv
            if (listing > 0) {
                text = text.substring(0, listing);
            }
            int number = numbers.computeIfAbsent(text, t -> numbers.size() + 1);
            return row.status().name().toLowerCase(Locale.ROOT) + " [" + number + "]";
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder(numbers.isEmpty() ? "" : "\n");
            numbers.forEach((text, number) ->
                    out.append('[').append(number).append("] ").append(text).append('\n'));
            return out.toString();
        }
    }

    private static List<Result> rows(List<Result> results, Workload workload) {
        List<Result> rows = new ArrayList<>();
        for (Result result : results) {
            if (result.workload().equals(workload)) {
                rows.add(result);
            }
        }
        return rows;
    }

    private static String vsBest(Ranking ranking, Result row) {
        if (!row.ok()) {
            return "";
        }
        return ranking.bestPeer(row.workload())
                .flatMap(best -> Ranking.ratio(row, best)
                        .map(ratio -> Format.ratio(ratio)
                                + (best.equals(row)
                                        ? " (best)"
                                        : " (" + best.contender().id() + ")")))
                .orElse("");
    }
}
