package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The performance targets, checked against one run (reported, never asserted): the Unix transport against
 * 10 M packets/s and raw junixsocket, the shared-memory transport against raw Chronicle and Aeron IPC, the aeron
 * transport over UDP ({@code aeron-udp}) against raw Aeron over UDP.
 */
final class Targets {
    private Targets() {}

    static List<String> check(List<Result> results, List<Result> measured) {
        Ranking ranking = new Ranking(measured);
        List<String> lines = new ArrayList<>();
        for (Result row : results) {
            if (!row.ok()
                    || row.contender().role() != Contender.Role.TRANSPORT
                    || row.workload().consume() == Consume.Mode.VERIFY) {
                continue;
            }
            Workload w = row.workload();
            String who = row.contender().label() + ", " + w + ": ";
            String id = row.contender().transportId();
            if (id.equals("unix")) {
                if (w.isThroughput() && w.payloadBytes() == 64 && w.batch() == 1024 && w.clients() == 1) {
                    lines.add(who + Format.count(row.packetsPerSecond()) + " packets/s, target >= 10 M: "
                            + verdict(row.packetsPerSecond() / 10e6, 1.0, true));
                }
                if (w.isThroughput() && w.payloadBytes() == 65536 && w.clients() == 1) {
                    compare(lines, who, ranking, row, "junixsocket", 0.9, true);
                }
                if (w.kind() == Workload.Kind.ROUND_TRIP) {
                    compare(lines, who, ranking, row, "junixsocket", 1.5, false);
                }
            } else if (id.equals(PacketIpcMedium.AERON_UDP)
                    && row.contender().waitMode().equals("spin")) {
                // issue 17: at least 0.9x raw Aeron on the same kind of UDP channel, 64 B and 1500 B in batches of 1024
                if (w.isThroughput()
                        && w.clients() == 1
                        && w.batch() == 1024
                        && (w.payloadBytes() == 64 || w.payloadBytes() == 1500)) {
                    compare(lines, who, ranking, row, "aeron-udp", 0.9, true);
                } else if (w.isThroughput() || w.kind() == Workload.Kind.ROUND_TRIP) {
                    standing(lines, who, ranking, row, "aeron-udp");
                }
            } else if (id.equals("shm") && row.contender().waitMode().equals("spin")) {
                // Chronicle and Aeron only spin: the shm transport is compared with them in spin mode only
                if (w.isThroughput() && w.clients() == 1) {
                    compare(lines, who, ranking, row, "chronicle", 0.8, true);
                } else if (w.kind() == Workload.Kind.ROUND_TRIP) {
                    standing(lines, who, ranking, row, "chronicle");
                }
                if (w.kind() == Workload.Kind.ROUND_TRIP || w.isThroughput() && w.clients() == 1) {
                    standing(lines, who, ranking, row, "aeron");
                }
            }
        }
        return lines;
    }

    private static void compare(
            List<String> lines,
            String who,
            Ranking ranking,
            Result row,
            String baseline,
            double target,
            boolean atLeast) {
        String base = baseline + "/" + row.contender().waitMode();
        Optional<Spread> spread = ranking.vs(row.contender(), row.workload(), base);
        if (spread.isEmpty()) {
            lines.add(who + "no " + base + " figure in this run to compare with");
            return;
        }
        double ratio = spread.get().median();
        String measure = row.workload().isThroughput() ? "packets/s" : "p50";
        lines.add(String.format(
                Locale.ROOT,
                "%s%s %s vs %s (median of the rounds), target %s %s: %s",
                who,
                measure,
                Format.spread(spread.get()),
                base,
                atLeast ? ">=" : "<=",
                Format.ratio(target),
                verdict(ratio / target, 1.0, atLeast)));
    }

    /** The row against a baseline without a target: the issue asks only that the standing be stated. */
    private static void standing(List<String> lines, String who, Ranking ranking, Result row, String baseline) {
        String base = baseline + "/" + row.contender().waitMode();
        ranking.vs(row.contender(), row.workload(), base)
                .ifPresent(spread -> lines.add(who + (row.workload().isThroughput() ? "packets/s " : "p50 ")
                        + Format.spread(spread) + " vs " + base + " (no target)"));
    }

    private static String verdict(double relative, double bar, boolean atLeast) {
        boolean met = atLeast ? relative >= bar : relative <= bar;
        if (met) {
            return "met";
        }
        double off = atLeast ? (1 - relative) * 100 : (relative - 1) * 100;
        return String.format(Locale.ROOT, "missed by %.0f%%", off);
    }
}
