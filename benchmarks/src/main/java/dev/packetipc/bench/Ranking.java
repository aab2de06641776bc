package dev.packetipc.bench;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Compares rows of one run: each row against the best peer on the same workload (most packets per second, or the
 * lowest median round trip) and against the memory-copy limit.
 */
public final class Ranking {
    private final List<Result> results;

    /** Ranks these rows. */
    public Ranking(List<Result> results) {
        this.results = List.copyOf(results);
    }

    /** The measured peer with the most packets per second (throughput) or the lowest p50 (round trip). */
    public Optional<Result> bestPeer(Workload workload) {
        Comparator<Result> better = workload.isThroughput()
                ? Comparator.comparingDouble(Result::packetsPerSecond)
                : Comparator.comparingLong((Result r) -> r.p50Nanos()).reversed();
        return results.stream()
                .filter(r ->
                        r.ok() && r.workload().equals(workload) && r.contender().role() == Contender.Role.PEER)
                .max(better);
    }

    /** The measured row of this contender id on this workload. */
    public Optional<Result> find(String contenderId, Workload workload) {
        return results.stream()
                .filter(r -> r.ok()
                        && r.workload().equals(workload)
                        && r.contender().id().equals(contenderId))
                .findFirst();
    }

    /**
     * How the row compares with the best peer: packets per second divided by the best's (above 1 is faster), or for
     * round trips the p50 divided by the best's (below 1 is faster).
     */
    public Optional<Double> vsBestPeer(Result row) {
        return bestPeer(row.workload()).flatMap(best -> ratio(row, best));
    }

    /** The row's packets per second as a fraction of the memory copy's. */
    public Optional<Double> vsLimit(Result row) {
        if (!row.workload().isThroughput()) {
            return Optional.empty();
        }
        return results.stream()
                .filter(r -> r.ok()
                        && r.workload().equals(row.workload())
                        && r.contender().role() == Contender.Role.LIMIT)
                .findFirst()
                .flatMap(limit -> ratio(row, limit));
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
