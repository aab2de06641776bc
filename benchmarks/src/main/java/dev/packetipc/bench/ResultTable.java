package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The run as Markdown tables, for stdout and the README: throughput, then round trips, then idle cost. Every row
 * names its receiver's work ({@code --consume}) and its wait strategy; every ratio is taken within a round against
 * the best peer of the same wait strategy, and shown as the median of the rounds with their range.
 */
final class ResultTable {
    private ResultTable() {}

    static String format(List<Result> results, List<Result> measured, Map<String, String> machine, String command) {
        Ranking ranking = new Ranking(measured);
        Footnotes notes = new Footnotes();
        StringBuilder out = new StringBuilder();
        out.append("Machine: ");
        machine.forEach(
                (key, value) -> out.append(key).append(" ").append(value).append("; "));
        out.setLength(out.length() - 2);
        out.append("\nCommand: ").append(command).append("\n\n");
        Set<Workload> workloads = new LinkedHashSet<>();
        results.forEach(r -> workloads.add(r.workload()));
        out.append("Ratios are taken within each round (median of the rounds, range in brackets); \"vs best peer\" "
                + "compares with the best peer of the same wait strategy. CPU: ns per packet, sender / receiver. "
                + "RSS: MiB, sender / receiver; shm: MiB of shared memory and mapped files, both.\n\n");
        out.append(
                "| payload | batch | clients | receiver | contender | wait | packets/s | GB/s | vs best peer | vs ring "
                        + "| CPU ns/packet | RSS MiB | shm MiB |\n");
        out.append("|---|---:|---:|---|---|---|---:|---:|---|---|---:|---:|---:|\n");
        List<String> beaten = new ArrayList<>();
        for (Workload workload : workloads) {
            if (!workload.isThroughput()) {
                continue;
            }
            for (Result row : rows(results, workload)) {
                Optional<Spread> vsRing = ranking.vsRing(row.contender(), workload);
                if (row.contender().role() != Contender.Role.LIMIT
                        && vsRing.isPresent()
                        && vsRing.get().median() > 1) {
                    beaten.add(row.contender().label() + " on " + workload + " (" + Format.spread(vsRing.get()) + ")");
                }
                Cost cost = row.cost();
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        Workload.sizeLabel(workload.payloadBytes()),
                        workload.batch(),
                        workload.clients(),
                        workload.consume().label(),
                        row.contender().label(),
                        row.contender().waitMode(),
                        row.ok() ? Format.count(row.packetsPerSecond()) : notes.mark(row),
                        row.ok() ? Format.gigabytes(row.bytesPerSecond()) : "",
                        vsBest(ranking, row),
                        vsRing.map(Format::spread).orElse(""),
                        cost.measured()
                                ? String.format(
                                        Locale.ROOT,
                                        "%.0f / %.0f",
                                        cost.serverNanosPerPacket(),
                                        cost.clientNanosPerPacket())
                                : "",
                        cost.measured()
                                ? Format.mebibytes(cost.serverRssBytes()) + " / "
                                        + Format.mebibytes(cost.clientRssBytes())
                                : "",
                        cost.measured() ? Format.mebibytes(cost.sharedBytes()) : ""));
            }
        }
        if (!beaten.isEmpty()) {
            out.append("\nThe two-thread ring is not a ceiling where a contender beats it: ")
                    .append(String.join("; ", beaten))
                    .append(".\n");
        }
        boolean anyRoundTrip = workloads.stream().anyMatch(w -> !w.isThroughput());
        if (anyRoundTrip) {
            out.append("\n| round trip | receiver | contender | wait | p50 | p99 | p99.9 | round trips "
                    + "| p50 vs best peer |\n");
            out.append("|---|---|---|---|---:|---:|---:|---:|---|\n");
            for (Workload workload : workloads) {
                if (workload.isThroughput()) {
                    continue;
                }
                for (Result row : rows(results, workload)) {
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            workload.isOpenLoop()
                                    ? "open loop " + Workload.sizeLabel(workload.payloadBytes()) + " at "
                                            + Format.count(workload.batch()) + "/s"
                                    : Workload.sizeLabel(workload.payloadBytes()),
                            workload.consume().label(),
                            row.contender().label(),
                            row.contender().waitMode(),
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

    /** The idle pass: CPU used by each side while a connected client waits 2 s with nothing to receive. */
    static String idle(List<Result> idle) {
        if (idle.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("\nIdle: a connected client with nothing to receive, CPU time of each JVM"
                + " over the watched time (100% = one core busy).\n\n");
        out.append("| contender | wait | sender CPU | receiver CPU | receiver RSS MiB |\n");
        out.append("|---|---|---:|---:|---:|\n");
        for (Result row : idle) {
            Cost cost = row.cost();
            boolean known = row.ok() && cost.read() && row.p50Nanos() > 0;
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s |%n",
                    row.contender().label(),
                    row.contender().waitMode(),
                    known
                            ? String.format(Locale.ROOT, "%.1f%%", cost.serverCpuNanos() * 100.0 / row.p50Nanos())
                            : row.ok() ? "not readable here" : row.statusText(),
                    known ? String.format(Locale.ROOT, "%.1f%%", cost.clientCpuNanos() * 100.0 / row.p50Nanos()) : "",
                    known ? Format.mebibytes(cost.clientRssBytes()) : ""));
        }
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
        Optional<Spread> spread = ranking.vsBestPeer(row.contender(), row.workload());
        if (spread.isEmpty()) {
            return "";
        }
        String best = ranking.usualBestPeer(row.contender(), row.workload()).orElse("?");
        return Format.spread(spread.get()) + (best.equals(row.contender().id()) ? " (best)" : " (" + best + ")");
    }
}
