package dev.packetipc.bench;

import java.util.Locale;

/**
 * One measured configuration: a throughput run (payload size, packets per batch, clients) or a round trip of one
 * packet of a payload size. Travels to the child JVMs as {@link #code()}.
 *
 * @param kind throughput or round trip
 * @param payloadBytes bytes of payload per packet
 * @param batch packets per {@code send}
 * @param clients concurrent clients (streams), each with its own sender
 */
public record Workload(Kind kind, int payloadBytes, int batch, int clients) {
    /** What is measured. */
    public enum Kind {
        /** Packets per second from servers to clients, summed over the clients. */
        THROUGHPUT,
        /** Time from sending one packet to receiving the peer's answer. */
        ROUND_TRIP
    }

    /** Checks the numbers. */
    public Workload {
        if (payloadBytes < 1 || batch < 1 || clients < 1) {
            throw new IllegalArgumentException(
                    "payload, batch and clients must be positive: " + payloadBytes + ", " + batch + ", " + clients);
        }
    }

    /** A throughput workload. */
    public static Workload throughput(int payloadBytes, int batch, int clients) {
        return new Workload(Kind.THROUGHPUT, payloadBytes, batch, clients);
    }

    /** A round-trip workload: one packet at a time, one client. */
    public static Workload roundTrip(int payloadBytes) {
        return new Workload(Kind.ROUND_TRIP, payloadBytes, 1, 1);
    }

    /** Whether this is a throughput workload. */
    public boolean isThroughput() {
        return kind == Kind.THROUGHPUT;
    }

    /** The compact form the child JVMs parse, e.g. {@code tp:64:1024:1} or {@code rtt:64}. */
    public String code() {
        return isThroughput() ? "tp:" + payloadBytes + ":" + batch + ":" + clients : "rtt:" + payloadBytes;
    }

    /** Parses {@link #code()}. */
    public static Workload parse(String code) {
        String[] parts = code.split(":");
        try {
            if (parts[0].equals("tp") && parts.length == 4) {
                return throughput(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
            }
            if (parts[0].equals("rtt") && parts.length == 2) {
                return roundTrip(Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a workload: '" + code + "'", e);
        }
        throw new IllegalArgumentException(
                "not a workload: '" + code + "' (expected tp:SIZE:BATCH:CLIENTS or rtt:SIZE)");
    }

    /** A payload size as people write it: 64 B, 1500 B, 64 KiB. */
    public static String sizeLabel(int bytes) {
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes / 1024) + " KiB";
        }
        return bytes + " B";
    }

    @Override
    public String toString() {
        return isThroughput()
                ? String.format(
                        Locale.ROOT,
                        "%s x%d, %d client%s",
                        sizeLabel(payloadBytes),
                        batch,
                        clients,
                        clients == 1 ? "" : "s")
                : "round trip " + sizeLabel(payloadBytes);
    }
}
