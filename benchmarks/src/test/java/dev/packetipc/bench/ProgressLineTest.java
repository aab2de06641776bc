package dev.packetipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The progress line of an idle pass says the CPU figures the tables carry (it said "not readable" for every one). */
class ProgressLineTest {
    @Test
    void anIdlePassWithCpuTimesPrintsThem() {
        Contender unix = Contender.transport("unix", "poll", "block");
        long watched = 2_000_000_000L;
        Cost cost = new Cost(20_000_000L, 10_000_000L, 0, 1L << 20, 1L << 20, 0);
        Result idle = new Result(
                unix, Workload.idle(1), Result.Status.OK, "", 0, 0, 0, watched, 0, 0, 0, new double[0], "", cost);
        assertEquals("idle CPU 1.0% sender, 0.5% receiver", figures(idle));
        Result unread = new Result(
                unix, Workload.idle(1), Result.Status.OK, "", 0, 0, 0, watched, 0, 0, 0, new double[0], "", Cost.NONE);
        assertEquals("idle CPU not readable here", figures(unread));
    }

    private static String figures(Result result) {
        String line = ContenderSession.describe(result);
        return line.substring(line.lastIndexOf(": ") + 2);
    }
}
