package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds the rows of one contender on one workload, measured once per round, into one row: the median of the rounds
 * that succeeded. Rounds go through every workload and contender before the next round starts, so a burst of noise
 * from the shared machine spoils one round of one contender rather than a whole comparison.
 */
final class Rounds {
    private Rounds() {}

    static Result merge(List<Result> rounds) {
        List<Result> ok = new ArrayList<>();
        Result firstFailure = null;
        for (Result round : rounds) {
            if (round.ok()) {
                ok.add(round);
            } else if (firstFailure == null || round.status() == Result.Status.FAILED) {
                firstFailure =
                        firstFailure != null && firstFailure.status() == Result.Status.FAILED ? firstFailure : round;
            }
        }
        if (ok.isEmpty()) {
            return firstFailure;
        }
        Result first = ok.get(0);
        String note = first.note();
        if (firstFailure != null) {
            note = (note.isEmpty() ? "" : note + "; ") + (rounds.size() - ok.size()) + " of " + rounds.size()
                    + " rounds " + firstFailure.statusText();
        }
        if (first.workload().isThroughput()) {
            double[] pps = new double[ok.size()];
            double[] bps = new double[ok.size()];
            List<Double> windows = new ArrayList<>();
            for (int i = 0; i < pps.length; i++) {
                pps[i] = ok.get(i).packetsPerSecond();
                bps[i] = ok.get(i).bytesPerSecond();
                for (double window : ok.get(i).windows()) {
                    windows.add(window);
                }
            }
            return Result.throughput(first.contender(), first.workload(), Stats.median(pps), Stats.median(bps), note)
                    .with(windows.stream().mapToDouble(Double::doubleValue).toArray(), "", medianCost(ok));
        }
        double[] p50 = new double[ok.size()];
        double[] p99 = new double[ok.size()];
        double[] p999 = new double[ok.size()];
        long trips = 0;
        for (int i = 0; i < p50.length; i++) {
            p50[i] = ok.get(i).p50Nanos();
            p99[i] = ok.get(i).p99Nanos();
            p999[i] = ok.get(i).p999Nanos();
            trips += ok.get(i).roundTrips();
        }
        return new Result(
                first.contender(),
                first.workload(),
                Result.Status.OK,
                note,
                0,
                0,
                trips,
                (long) Stats.median(p50),
                (long) Stats.median(p99),
                (long) Stats.median(p999),
                0,
                new double[0],
                "",
                medianCost(ok));
    }

    /** Each cost figure's median over the rounds that measured it (packets: their sum). */
    static Cost medianCost(List<Result> rounds) {
        List<Cost> costs =
                rounds.stream().map(Result::cost).filter(Cost::measured).toList();
        if (costs.isEmpty()) {
            return Cost.NONE;
        }
        long packets = costs.stream().mapToLong(Cost::packets).sum();
        double server = Stats.median(
                costs.stream().mapToDouble(Cost::serverNanosPerPacket).toArray());
        double client = Stats.median(
                costs.stream().mapToDouble(Cost::clientNanosPerPacket).toArray());
        return new Cost(
                Math.round(server * packets),
                Math.round(client * packets),
                packets,
                (long) Stats.median(
                        costs.stream().mapToDouble(Cost::serverRssBytes).toArray()),
                (long) Stats.median(
                        costs.stream().mapToDouble(Cost::clientRssBytes).toArray()),
                (long) Stats.median(
                        costs.stream().mapToDouble(Cost::sharedBytes).toArray()));
    }
}
