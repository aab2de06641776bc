package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
        Contender aeron = Contender.baseline("aeron", "spin");
        Workload workload = Workload.throughput(64, 64, 1);
        String line = "full 300 100 200 | 3000 1000 2000 | 1234";
        Result result = ContenderSession.throughputResult(aeron, workload, line);
        assertEquals(200.0, result.packetsPerSecond());
        assertEquals(2000.0, result.bytesPerSecond());
        assertEquals("", result.note());
        assertEquals(3, result.windows().length, "every window is kept");
        assertEquals(1234, ContenderSession.packets(line));
        Result capped = ContenderSession.throughputResult(aeron, workload, "capped 50 | 500");
        assertEquals(50.0, capped.packetsPerSecond());
        assertTrue(capped.note().contains("volume cap"), capped.note());
    }

    @Test
    void ratiosAreTakenWithinEachRoundAgainstTheBestPeerOfTheSameWait() {
        Workload w = Workload.throughput(64, 1024, 1);
        Contender ours = Contender.transport("unix", "poll", "spin");
        Contender oursBlocking = Contender.transport("unix", "poll", "block");
        Contender aeron = Contender.baseline("aeron", "spin");
        Contender socketSpin = Contender.baseline("jdk-uds", "spin");
        Contender socketBlock = Contender.baseline("jdk-uds", "block");
        Contender ring = Contender.baseline("ring", "spin");
        // round 1: the machine is fast; round 2: everything is half as fast; round 3: aeron is slow, the socket best
        List<Result> measured = List.of(
                tp(ours, w, 12e6, 1),
                tp(aeron, w, 24e6, 1),
                tp(socketSpin, w, 20e6, 1),
                tp(ring, w, 48e6, 1),
                tp(ours, w, 6e6, 2),
                tp(aeron, w, 12e6, 2),
                tp(socketSpin, w, 10e6, 2),
                tp(ring, w, 24e6, 2),
                tp(ours, w, 9e6, 3),
                tp(aeron, w, 4e6, 3),
                tp(socketSpin, w, 10e6, 3),
                tp(ring, w, 30e6, 3),
                tp(oursBlocking, w, 5e6, 1),
                tp(socketBlock, w, 10e6, 1));
        Ranking ranking = new Ranking(measured);
        assertEquals(aeron, ranking.bestPeer(w, "spin", 1).orElseThrow().contender());
        assertEquals(socketSpin, ranking.bestPeer(w, "spin", 3).orElseThrow().contender());
        assertEquals(socketBlock, ranking.bestPeer(w, "block", 1).orElseThrow().contender(), "like with like");

        Spread vsPeer = ranking.vsBestPeer(ours, w).orElseThrow();
        assertEquals(0.5, vsPeer.median(), 1e-9, "0.5, 0.5 and 0.9: the median of the per-round ratios");
        assertEquals(0.5, vsPeer.min(), 1e-9);
        assertEquals(0.9, vsPeer.max(), 1e-9);
        assertEquals(3, vsPeer.count());
        assertEquals("aeron/spin", ranking.usualBestPeer(ours, w).orElseThrow());

        Spread vsRing = ranking.vsRing(ours, w).orElseThrow();
        assertEquals(0.25, vsRing.median(), 1e-9);
        assertEquals(0.3, vsRing.max(), 1e-9);
        assertEquals(
                0.5, ranking.vsBestPeer(oursBlocking, w).orElseThrow().median(), 1e-9, "against the blocking socket");
        assertEquals(0.5, ranking.vs(ours, w, "aeron/spin").orElseThrow().median(), 1e-9);

        Spread figure = ranking.figure(ours, w).orElseThrow();
        assertEquals(9e6, figure.median(), 1e-3, "the figure's own median differs from the ratio's");

        Workload rtt = Workload.roundTrip(64);
        Result fast = Result.roundTrip(aeron, rtt, 10, 200, 300, 400).inRound(1);
        Result mine = Result.roundTrip(ours, rtt, 10, 500, 600, 700).inRound(1);
        Ranking latency = new Ranking(List.of(fast, mine));
        assertEquals(2.5, latency.vsBestPeer(ours, rtt).orElseThrow().median(), 1e-9, "lower p50 is better");
    }

    @Test
    void spreadOfOneAndOfManyValues() {
        assertEquals(new Spread(3, 1, 9, 3), Spread.of(new double[] {9, 1, 3}));
        assertEquals(new Spread(2.5, 1, 4, 4), Spread.of(new double[] {4, 1, 2, 3}));
        assertEquals("0.50x", Format.spread(Spread.of(new double[] {0.5})));
        assertEquals("0.50x (0.40-0.90)", Format.spread(Spread.of(new double[] {0.9, 0.5, 0.4})));
    }

    @Test
    void costIsPerPacketAndRoundsTakeTheMedianCost() {
        Cost cost = ContenderSession.cost(
                new ProcStats(1_000, 10, 1),
                new ProcStats(5_000, 20, 2),
                new ProcStats(0, 30, 3),
                new ProcStats(2_000, 40, 4),
                100);
        assertEquals(40.0, cost.serverNanosPerPacket(), 1e-9);
        assertEquals(20.0, cost.clientNanosPerPacket(), 1e-9);
        assertEquals(6, cost.sharedBytes(), "both processes at the end");
        assertTrue(!ContenderSession.cost(ProcStats.NONE, ProcStats.NONE, ProcStats.NONE, ProcStats.NONE, 1)
                .measured());
        Contender unix = Contender.transport("unix", "poll", "block");
        Workload w = Workload.throughput(64, 1024, 1);
        Result merged = Rounds.merge(List.of(
                tp(unix, w, 1, 1).with(new double[] {1}, "", new Cost(100, 10, 10, 1, 1, 1)),
                tp(unix, w, 2, 2).with(new double[] {2}, "", new Cost(300, 30, 10, 1, 1, 1)),
                tp(unix, w, 3, 3).with(new double[] {3}, "", new Cost(2000, 20, 10, 1, 1, 1))));
        assertEquals(30.0, merged.cost().serverNanosPerPacket(), 1e-9);
        assertEquals(2.0, merged.cost().clientNanosPerPacket(), 1e-9);
        assertEquals(3, merged.windows().length, "every round's windows are kept");
    }

    @Test
    void clientJvmsAreSummedWindowByWindow() {
        String summed = ContenderSession.sumMeasured(
                List.of("full 100 200 300 | 1000 2000 3000 | 600", "capped 10 20 | 100 200 | 30"));
        assertEquals("capped 110 220 | 1100 2200 | 630", summed, "the shorter JVM's windows; capped if any was");
        assertEquals("full 1 | 2 | 3", ContenderSession.sumMeasured(List.of("full 1 | 2 | 3")));
    }

    private static Result tp(Contender c, Workload w, double pps, int round) {
        return Result.throughput(c, w, pps, pps * 64, "").inRound(round);
    }

    @Test
    void roundsFoldIntoTheirMedianAndCountTheFailedOnes() {
        Contender unix = Contender.transport("unix", "poll", "block");
        Workload w = Workload.throughput(64, 1024, 1);
        Result merged = Rounds.merge(List.of(
                Result.throughput(unix, w, 30, 300, ""),
                Result.without(unix, w, Result.Status.FAILED, "boom"),
                Result.throughput(unix, w, 10, 100, ""),
                Result.throughput(unix, w, 20, 200, "")));
        assertEquals(20.0, merged.packetsPerSecond());
        assertEquals(200.0, merged.bytesPerSecond());
        assertEquals("1 of 4 rounds failed: boom", merged.note());

        Workload rtt = Workload.roundTrip(64);
        Result trips = Rounds.merge(List.of(
                Result.roundTrip(unix, rtt, 5, 100, 900, 5000), Result.roundTrip(unix, rtt, 7, 300, 700, 3000)));
        assertEquals(12, trips.roundTrips());
        assertEquals(200, trips.p50Nanos());
        assertEquals(800, trips.p99Nanos());

        Result none = Rounds.merge(List.of(
                Result.without(unix, w, Result.Status.SKIPPED, "absent"),
                Result.without(unix, w, Result.Status.FAILED, "crashed")));
        assertEquals(Result.Status.FAILED, none.status(), "a failure says more than a skip");
    }

    @Test
    void workloadsTravelAsCodes() {
        for (Workload w : new Workload[] {
            Workload.throughput(1500, 64, 4),
            Workload.roundTrip(64),
            Workload.throughput(64, 1, 1, Consume.Mode.VERIFY),
            Workload.roundTrip(64, Consume.Mode.NONE)
        }) {
            assertEquals(w, Workload.parse(w.code()));
        }
        assertEquals("64 KiB", Workload.sizeLabel(65536));
        assertEquals("1500 B", Workload.sizeLabel(1500));
        assertThrows(IllegalArgumentException.class, () -> Workload.parse("tp:64:x:1:touch"));
        assertThrows(IllegalArgumentException.class, () -> Workload.parse("tp:64:1:1:read"));
        assertEquals(Timing.QUICK, Timing.parse(Timing.QUICK.code()));
    }

    private static void assertWithin(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 100, "expected about " + expected + ", got " + actual);
    }
}
