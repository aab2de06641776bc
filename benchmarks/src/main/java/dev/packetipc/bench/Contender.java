package dev.packetipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Something the harness measures: one of our transports with one receive path and one wait strategy, a peer a Java
 * user could pick instead (with each wait strategy it has), or the two-thread ring.
 *
 * @param id the stable id in the result files, e.g. {@code unix/poll/spin} or {@code aeron/spin}
 * @param label the name in the table and the chart
 * @param role what the figures are compared against
 * @param waitMode how its receiver waits ({@code block} or {@code spin})
 * @param medium the spec the child JVMs make their {@link Medium} from
 */
public record Contender(String id, String label, Role role, String waitMode, String medium) {
    /** How a contender's figures are used. */
    public enum Role {
        /** One of our transports: measured against the best peer with the same wait strategy. */
        TRANSPORT,
        /** A baseline a user could pick instead; the best of them is the bar. */
        PEER,
        /** The two-thread ring in one JVM (a ceiling where nothing beats it). */
        LIMIT
    }

    /** The baselines' ids ({@code --baselines}) with their names and the wait strategies each has. */
    private static final List<String[]> BASELINE_IDS = List.of(
            new String[] {"junixsocket", "raw junixsocket", "block,spin"},
            new String[] {"jdk-uds", "JDK UDS channel", "block,spin"},
            new String[] {"chronicle", "raw Chronicle Queue", "spin"},
            new String[] {"aeron", "Aeron IPC", "spin"},
            new String[] {"ring", "two-thread ring", "spin"},
            new String[] {"aeron-udp", "raw Aeron UDP", "spin"});

    /** Baselines run only when asked for by name: they are the bar of a transport that is not run by default. */
    private static final List<String> ON_REQUEST = List.of("aeron-udp");

    /** The baselines' ids, as {@code --baselines} takes them. */
    public static List<String> baselineIds() {
        return BASELINE_IDS.stream().map(b -> b[0]).toList();
    }

    /** The baselines run when {@code --baselines} is not given: every one but those run only on request. */
    public static List<String> defaultBaselineIds() {
        return baselineIds().stream().filter(id -> !ON_REQUEST.contains(id)).toList();
    }

    /** Our transport {@code id} received with {@code poll} or with {@code receivePackets}, waiting as {@code wait}. */
    public static Contender transport(String transportId, String receivePath, String wait) {
        return new Contender(
                transportId + "/" + receivePath + "/" + wait,
                transportId + " " + receivePath + ", " + wait,
                Role.TRANSPORT,
                wait,
                "ipc:" + transportId + ":" + receivePath + ":" + wait);
    }

    /** The harness's id ({@code --transports c-client}) of the C client receiving from our Java Unix server. */
    public static final String C_CLIENT = "c-client";

    /**
     * The C library's {@code packet-ipc-cat} receiving from our Java Unix server (issue 16): one of ours, so measured
     * like a transport; it blocks in {@code recvmsg}, so its wait is {@code block}. See {@link CClientRun}.
     */
    public static Contender cClient() {
        return new Contender(
                C_CLIENT + "/block", "C client (packet-ipc-cat) from Java unix", Role.TRANSPORT, "block", C_CLIENT);
    }

    /** Whether our transport's receive path has this wait strategy ({@code receivePackets} only blocks). */
    static boolean hasWait(String receivePath, String wait) {
        return !(receivePath.equals("receivePackets") && wait.equals("spin"));
    }

    /**
     * The baseline with this id in each of {@code waits} it has (a spin-only peer appears only when spin is asked
     * for).
     */
    public static List<Contender> baseline(String id, List<String> waits) {
        String[] known = BASELINE_IDS.stream()
                .filter(b -> b[0].equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown baseline '" + id + "'; known: " + String.join(",", baselineIds())));
        List<Contender> contenders = new ArrayList<>();
        for (String wait : waits) {
            if (List.of(known[2].split(",")).contains(wait)) {
                contenders.add(new Contender(
                        id + "/" + wait,
                        known[1] + ", " + wait,
                        id.equals("ring") ? Role.LIMIT : Role.PEER,
                        wait,
                        id + ":" + wait));
            }
        }
        return contenders;
    }

    /** The one contender of this baseline id and wait strategy. */
    public static Contender baseline(String id, String wait) {
        List<Contender> found = baseline(id, List.of(wait));
        if (found.isEmpty()) {
            throw new IllegalArgumentException(id + " has no " + wait + " mode");
        }
        return found.get(0);
    }

    /** The transport id for {@link Role#TRANSPORT} ({@code unix}), the baseline id otherwise ({@code aeron}). */
    public String transportId() {
        int slash = id.indexOf('/');
        return slash < 0 ? id : id.substring(0, slash);
    }

    /** The id without the wait strategy, e.g. {@code unix/poll} or {@code junixsocket}. */
    public String kind() {
        int slash = id.lastIndexOf('/');
        return slash < 0 ? id : id.substring(0, slash).toLowerCase(Locale.ROOT);
    }
}
