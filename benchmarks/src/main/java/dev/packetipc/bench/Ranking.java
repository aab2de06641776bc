package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares the measurements of one run, round by round: a ratio is taken between two measurements of the same
 * round (measured minutes apart at most, on the same state of a shared machine), and the report gives the median,
 * smallest and largest of those per-round ratios. A row is compared with the best peer <em>of the same wait
 * strategy</em> in that round (a spinning row with spinning peers, a blocking row with blocking peers), and with the
 * two-thread ring of that round.
 */
public final class Ranking {
    private final List<Result> measured;

    /**
     * Ranks these measurements.
     *
     * @param measured every measurement, each with its round ({@link Result#round()}); rows of round 0 are all taken
     *     as one round
     */
    public Ranking(List<Result> measured) {
        this.measured = List.copyOf(measured);
    }

    /**
     * The best peer of this round on this workload with this wait strategy: most packets per second (throughput) or
     * lowest p50 (round trip).
     */
    public Optional<Result> bestPeer(Workload workload, String wait, int round) {
        Comparator<Result> better = workload.isThroughput()
                ? Comparator.comparingDouble(Result::packetsPerSecond)
                : Comparator.comparingLong((Result r) -> r.p50Nanos()).reversed();
        return measured.stream()
                .filter(r -> r.ok()
                        && r.round() == round
                        && r.workload().equals(workload)
                        && r.contender().waitMode().equals(wait)
                        && r.contender().role() == Contender.Role.PEER)
                .max(better);
    }

    /** The ring's measurement of this round on this workload. */
    public Optional<Result> ring(Workload workload, int round) {
        return measured.stream()
                .filter(r -> r.ok()
                        && r.round() == round
                        && r.workload().equals(workload)
                        && r.contender().role() == Contender.Role.LIMIT)
                .findFirst();
    }

    /** The rounds' measurements of one contender on one workload, in round order. */
    public List<Result> rounds(Contender contender, Workload workload) {
        return measured.stream()
                .filter(r -> r.contender().equals(contender) && r.workload().equals(workload))
                .sorted(Comparator.comparingInt(Result::round))
                .toList();
    }

    /** The measurement of this contender id in this round. */
    public Optional<Result> find(String contenderId, Workload workload, int round) {
        return measured.stream()
                .filter(r -> r.ok()
                        && r.round() == round
                        && r.workload().equals(workload)
                        && r.contender().id().equals(contenderId))
                .findFirst();
    }

    /** The row against the best peer of its wait strategy, round by round (the ring's against spinning peers). */
    public Optional<Spread> vsBestPeer(Contender contender, Workload workload) {
        String wait = contender.waitMode();
        return perRound(contender, workload, round -> bestPeer(workload, wait, round));
    }

    /** The row against the ring, round by round (throughput only). */
    public Optional<Spread> vsRing(Contender contender, Workload workload) {
        if (!workload.isThroughput()) {
            return Optional.empty();
        }
        return perRound(contender, workload, round -> ring(workload, round));
    }

    /** The row against one baseline id, round by round. */
    public Optional<Spread> vs(Contender contender, Workload workload, String baselineId) {
        return perRound(contender, workload, round -> find(baselineId, workload, round));
    }

    /** The best peer's id most often in these rounds, for the table (ties: the first round's). */
    public Optional<String> usualBestPeer(Contender contender, Workload workload) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Result row : rounds(contender, workload)) {
            bestPeer(workload, contender.waitMode(), row.round())
                    .ifPresent(best -> counts.merge(best.contender().id(), 1, Integer::sum));
        }
        return counts.entrySet().stream()
                .max(Comparator.comparingInt(Map.Entry<String, Integer>::getValue))
                .map(Map.Entry::getKey);
    }

    /** How the figure spreads over the rounds. */
    public Optional<Spread> figure(Contender contender, Workload workload) {
        double[] values = rounds(contender, workload).stream()
                .filter(Result::ok)
                .mapToDouble(Result::figure)
                .toArray();
        return values.length == 0 ? Optional.empty() : Optional.of(Spread.of(values));
    }

    /** Where the other side of a ratio comes from, per round. */
    private interface Base {
        Optional<Result> in(int round);
    }

    private Optional<Spread> perRound(Contender contender, Workload workload, Base base) {
        List<Double> ratios = new ArrayList<>();
        for (Result row : rounds(contender, workload)) {
            base.in(row.round()).flatMap(b -> ratio(row, b)).ifPresent(ratios::add);
        }
        if (ratios.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                Spread.of(ratios.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /** {@code row} relative to {@code base}: throughput row/base, round trip p50 row/base. */
    public static Optional<Double> ratio(Result row, Result base) {
        if (!row.ok() || !base.ok()) {
            return Optional.empty();
        }
        if (row.workload().isThroughput()) {
            return base.packetsPerSecond() > 0
                    ? Optional.of(row.packetsPerSecond() / base.packetsPerSecond())
                    : Optional.empty();
        }
        return base.p50Nanos() > 0 ? Optional.of((double) row.p50Nanos() / base.p50Nanos()) : Optional.empty();
    }
}
