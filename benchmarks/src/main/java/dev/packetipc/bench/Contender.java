package dev.packetipc.bench;

import java.util.List;

/**
 * Something the harness measures: one of our transports with one receive path, a peer a Java user could pick
 * instead, or the memory-copy limit.
 *
 * @param id the stable id in the result files, e.g. {@code unix/poll} or {@code aeron}
 * @param label the name in the table and the chart
 * @param role what the figures are compared against
 * @param medium the spec the child JVMs make their {@link Medium} from
 */
public record Contender(String id, String label, Role role, String medium) {
    /** How a contender's figures are used. */
    public enum Role {
        /** One of our transports: measured against the best peer. */
        TRANSPORT,
        /** A baseline a user could pick instead; the best of them is the bar. */
        PEER,
        /** The physical limit (one memory copy). */
        LIMIT
    }

    /** The baselines, by the ids {@code --baselines} takes. */
    public static final List<Contender> BASELINES = List.of(
            new Contender("junixsocket", "raw junixsocket", Role.PEER, "junixsocket"),
            new Contender("jdk-uds", "JDK UDS channel", Role.PEER, "jdk-uds"),
            new Contender("chronicle", "raw Chronicle Queue", Role.PEER, "chronicle"),
            new Contender("aeron", "Aeron IPC", Role.PEER, "aeron"),
            new Contender("memcpy", "memcpy (limit)", Role.LIMIT, "memcpy"));

    /** Our transport {@code id} received with {@code poll} or with {@code receivePackets}. */
    public static Contender transport(String transportId, String receivePath) {
        return new Contender(
                transportId + "/" + receivePath,
                transportId + " " + receivePath,
                Role.TRANSPORT,
                "ipc:" + transportId + ":" + receivePath);
    }

    /** The baseline with this id. */
    public static Contender baseline(String id) {
        return BASELINES.stream()
                .filter(c -> c.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown baseline '" + id + "'; known: "
                        + String.join(",", BASELINES.stream().map(Contender::id).toList())));
    }

    /** The transport id for {@link Role#TRANSPORT}, e.g. {@code unix}; the id otherwise. */
    public String transportId() {
        int slash = id.indexOf('/');
        return slash < 0 ? id : id.substring(0, slash);
    }
}
