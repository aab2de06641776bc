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
            for (int i = 0; i < pps.length; i++) {
                pps[i] = ok.get(i).packetsPerSecond();
                bps[i] = ok.get(i).bytesPerSecond();
            }
            return Result.throughput(first.contender(), first.workload(), Stats.median(pps), Stats.median(bps), note);
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
                (long) Stats.median(p999));
    }
}
