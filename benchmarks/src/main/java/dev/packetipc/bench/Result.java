package dev.packetipc.bench;

/**
 * One measurement, or one row after the rounds are folded ({@link Rounds#merge}): a contender on a workload, with
 * its figures or why there are none.
 *
 * @param contender what was measured
 * @param workload the workload
 * @param status measured, skipped or failed
 * @param note why it was skipped or failed, or a remark (e.g. the volume cap cut the run short)
 * @param packetsPerSecond median of the windows (throughput)
 * @param bytesPerSecond payload bytes per second, median of the windows (throughput)
 * @param roundTrips round trips recorded (round trip)
 * @param p50Nanos median round trip (an idle row: how long the idle client was watched)
 * @param p99Nanos 99th percentile round trip
 * @param p999Nanos 99.9th percentile round trip
 * @param round the round it was measured in (1-based; 0 for a folded row)
 * @param windows packets per second of every measured window (throughput; a folded row: every round's)
 * @param histogram the round trips as a compressed, Base64 HdrHistogram (one measurement; else empty)
 * @param cost what the two processes spent, when it was measured (else {@link Cost#NONE})
 */
public record Result(
        Contender contender,
        Workload workload,
        Status status,
        String note,
        double packetsPerSecond,
        double bytesPerSecond,
        long roundTrips,
        long p50Nanos,
        long p99Nanos,
        long p999Nanos,
        int round,
        double[] windows,
        String histogram,
        Cost cost) {
    /** Whether there are figures. */
    public enum Status {
        /** Measured. */
        OK,
        /** Not run: the contender is not on the class path, not available here, or does not apply. */
        SKIPPED,
        /** Run, but it failed. */
        FAILED
    }

    /** A throughput row. */
    public static Result throughput(Contender c, Workload w, double pps, double bps, String note) {
        return new Result(c, w, Status.OK, note, pps, bps, 0, 0, 0, 0, 0, new double[] {pps}, "", Cost.NONE);
    }

    /** A round-trip row. */
    public static Result roundTrip(Contender c, Workload w, long count, long p50, long p99, long p999) {
        return new Result(c, w, Status.OK, "", 0, 0, count, p50, p99, p999, 0, new double[0], "", Cost.NONE);
    }

    /**
     * This result with another note.
     *
     * @param newNote the note
     * @return a copy with {@code newNote}
     */
    public Result withNote(String newNote) {
        return new Result(
                contender,
                workload,
                status,
                newNote,
                packetsPerSecond,
                bytesPerSecond,
                roundTrips,
                p50Nanos,
                p99Nanos,
                p999Nanos,
                round,
                windows,
                histogram,
                cost);
    }

    /** A row without figures. */
    public static Result without(Contender c, Workload w, Status status, String note) {
        return new Result(c, w, status, note, 0, 0, 0, 0, 0, 0, 0, new double[0], "", Cost.NONE);
    }

    /** This row as measured in round {@code n}. */
    Result inRound(int n) {
        return new Result(
                contender,
                workload,
                status,
                note,
                packetsPerSecond,
                bytesPerSecond,
                roundTrips,
                p50Nanos,
                p99Nanos,
                p999Nanos,
                n,
                windows,
                histogram,
                cost);
    }

    /** This row with its windows, histogram and costs. */
    Result with(double[] windowRates, String encodedHistogram, Cost measuredCost) {
        return new Result(
                contender,
                workload,
                status,
                note,
                packetsPerSecond,
                bytesPerSecond,
                roundTrips,
                p50Nanos,
                p99Nanos,
                p999Nanos,
                round,
                windowRates,
                encodedHistogram,
                measuredCost);
    }

    /** The figure that is compared: packets per second (throughput) or the median round trip. */
    double figure() {
        return workload.isThroughput() ? packetsPerSecond : p50Nanos;
    }

    /** Whether this row has figures. */
    public boolean ok() {
        return status == Status.OK;
    }

    /** {@code ok}, {@code skipped: cause} or {@code failed: cause}. */
    public String statusText() {
        return switch (status) {
            case OK -> "ok";
            case SKIPPED -> "skipped: " + note;
            case FAILED -> "failed: " + note;
        };
    }
}
