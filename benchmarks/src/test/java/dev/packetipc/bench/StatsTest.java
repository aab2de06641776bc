package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void ratesArePerSecond() {
        assertEquals(2_000_000.0, Stats.perSecond(1_000_000, 500_000_000L), 1e-6);
        assertEquals(0.0, Stats.perSecond(5, 0));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3.0, Stats.median(new double[] {9, 1, 3}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> Stats.median(new double[0]));
    }

    @Test
    void medianLeavesItsInputAlone() {
        double[] values = {3, 1, 2};
        Stats.median(values);
        assertEquals(3.0, values[0]);
    }

    @Test
    void roundTripPercentilesComeFromTheHistogram() {
        RoundTrips trips = new RoundTrips();
        for (int micros = 1; micros <= 1000; micros++) {
            trips.record(micros * 1000L);
        }
        assertEquals(1000, trips.count());
        assertWithin(500_000, trips.percentileNanos(50));
        assertWithin(990_000, trips.percentileNanos(99));
        assertWithin(999_000, trips.percentileNanos(99.9));
        assertTrue(trips.report().startsWith("1000 "), trips.report());
    }

    @Test
    void throughputReportTakesTheMedianWindow() {
        Contender aeron = Contender.baseline("aeron");
        Workload workload = Workload.throughput(64, 64, 1);
        Result result = ContenderSession.throughputResult(aeron, workload, "full 300 100 200 | 3000 1000 2000");
        assertEquals(200.0, result.packetsPerSecond());
        assertEquals(2000.0, result.bytesPerSecond());
        assertEquals("", result.note());
        Result capped = ContenderSession.throughputResult(aeron, workload, "capped 50 | 500");
        assertEquals(50.0, capped.packetsPerSecond());
        assertTrue(capped.note().contains("volume cap"), capped.note());
    }

    @Test
    void rankingComparesWithTheBestPeerAndTheLimit() {
        Workload w = Workload.throughput(64, 1024, 1);
        Result ours = Result.throughput(Contender.transport("unix", "poll"), w, 12e6, 0, "");
        Result slowPeer = Result.throughput(Contender.baseline("jdk-uds"), w, 8e6, 0, "");
        Result fastPeer = Result.throughput(Contender.baseline("aeron"), w, 24e6, 0, "");
        Result limit = Result.throughput(Contender.baseline("memcpy"), w, 48e6, 0, "");
        Ranking ranking = new Ranking(java.util.List.of(ours, slowPeer, fastPeer, limit));
        assertEquals(fastPeer, ranking.bestPeer(w).orElseThrow());
        assertEquals(0.5, ranking.vsBestPeer(ours).orElseThrow(), 1e-9);
        assertEquals(0.25, ranking.vsLimit(ours).orElseThrow(), 1e-9);

        Workload rtt = Workload.roundTrip(64);
        Result fast = Result.roundTrip(Contender.baseline("aeron"), rtt, 10, 200, 300, 400);
        Result slow = Result.roundTrip(Contender.baseline("junixsocket"), rtt, 10, 4000, 5000, 6000);
        Result mine = Result.roundTrip(Contender.transport("unix", "poll"), rtt, 10, 5000, 6000, 7000);
        Ranking latency = new Ranking(java.util.List.of(slow, fast, mine));
        assertEquals(fast, latency.bestPeer(rtt).orElseThrow(), "the lowest p50 is the best round trip");
        assertEquals(1.25, Ranking.ratio(mine, slow).orElseThrow(), 1e-9);
    }

    @Test
    void roundsFoldIntoTheirMedianAndCountTheFailedOnes() {
        Contender unix = Contender.transport("unix", "poll");
        Workload w = Workload.throughput(64, 1024, 1);
        Result merged = Rounds.merge(java.util.List.of(
                Result.throughput(unix, w, 30, 300, ""),
                Result.without(unix, w, Result.Status.FAILED, "boom"),
                Result.throughput(unix, w, 10, 100, ""),
                Result.throughput(unix, w, 20, 200, "")));
        assertEquals(20.0, merged.packetsPerSecond());
        assertEquals(200.0, merged.bytesPerSecond());
        assertEquals("1 of 4 rounds failed: boom", merged.note());

        Workload rtt = Workload.roundTrip(64);
        Result trips = Rounds.merge(java.util.List.of(
                Result.roundTrip(unix, rtt, 5, 100, 900, 5000), Result.roundTrip(unix, rtt, 7, 300, 700, 3000)));
        assertEquals(12, trips.roundTrips());
        assertEquals(200, trips.p50Nanos());
        assertEquals(800, trips.p99Nanos());

        Result none = Rounds.merge(java.util.List.of(
                Result.without(unix, w, Result.Status.SKIPPED, "absent"),
                Result.without(unix, w, Result.Status.FAILED, "crashed")));
        assertEquals(Result.Status.FAILED, none.status(), "a failure says more than a skip");
    }

    @Test
    void workloadsTravelAsCodes() {
        for (Workload w : new Workload[] {Workload.throughput(1500, 64, 4), Workload.roundTrip(64)}) {
            assertEquals(w, Workload.parse(w.code()));
        }
        assertEquals("64 KiB", Workload.sizeLabel(65536));
        assertEquals("1500 B", Workload.sizeLabel(1500));
        assertThrows(IllegalArgumentException.class, () -> Workload.parse("tp:64:x:1"));
        assertEquals(Timing.QUICK, Timing.parse(Timing.QUICK.code()));
    }

    private static void assertWithin(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 100, "expected about " + expected + ", got " + actual);
    }
}
