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
 * @param consume what the receiver does with every packet ({@code --consume})
 */
public record Workload(Kind kind, int payloadBytes, int batch, int clients, Consume.Mode consume) {
    /** What is measured. */
    public enum Kind {
        /** Packets per second from servers to clients, summed over the clients. */
        THROUGHPUT,
        /** Time from sending one packet to receiving the peer's answer. */
        ROUND_TRIP,
        /** A connected client with nothing to receive: what waiting costs. */
        IDLE,
        /**
         * Packets sent at a fixed rate ({@link #batch()} per second) regardless of the answers, each answered by the
         * client; the latency of each from its intended send time (no coordinated omission).
         */
        OPEN_LOOP
    }

    /**
     * The payload size that stands for mixed sizes: simple IMIX, 7 : 4 : 1 packets of 64, 594 and 1518 bytes (Ethernet
     * frame sizes; 362 bytes on average), the industry's stand-in for the size distribution of captured Internet
     * traffic.
     */
    public static final int IMIX = 0;

    /** Checks the numbers. */
    public Workload {
        if (consume == null) {
            throw new IllegalArgumentException("no consume mode");
        }
        if (payloadBytes < 1 && payloadBytes != IMIX || batch < 1 || clients < 1) {
            throw new IllegalArgumentException(
                    "payload, batch and clients must be positive: " + payloadBytes + ", " + batch + ", " + clients);
        }
    }

    /** A throughput workload whose receivers read every byte ({@code touch}). */
    public static Workload throughput(int payloadBytes, int batch, int clients) {
        return throughput(payloadBytes, batch, clients, Consume.Mode.TOUCH);
    }

    /** A throughput workload. */
    static Workload throughput(int payloadBytes, int batch, int clients, Consume.Mode consume) {
        return new Workload(Kind.THROUGHPUT, payloadBytes, batch, clients, consume);
    }

    /** A round-trip workload whose receivers read every byte: one packet at a time, one client. */
    public static Workload roundTrip(int payloadBytes) {
        return roundTrip(payloadBytes, Consume.Mode.TOUCH);
    }

    /** A round-trip workload: one packet at a time, one client. */
    static Workload roundTrip(int payloadBytes, Consume.Mode consume) {
        return new Workload(Kind.ROUND_TRIP, payloadBytes, 1, 1, consume);
    }

    /** Connected clients (streams) that receive nothing, for the CPU time of waiting. */
    static Workload idle(int clients) {
        return new Workload(Kind.IDLE, 64, 1, clients, Consume.Mode.TOUCH);
    }

    /** An open-loop latency run at {@code rate} packets per second. */
    static Workload openLoop(int payloadBytes, int rate, Consume.Mode consume) {
        return new Workload(Kind.OPEN_LOOP, payloadBytes, rate, 1, consume);
    }

    /** Whether this is an open-loop latency run ({@link #batch()} is then its rate per second). */
    boolean isOpenLoop() {
        return kind == Kind.OPEN_LOOP;
    }

    /** Whether this is an idle workload. */
    boolean isIdle() {
        return kind == Kind.IDLE;
    }

    /** The same workload with another receiver's work. */
    Workload with(Consume.Mode mode) {
        return new Workload(kind, payloadBytes, batch, clients, mode);
    }

    /** Whether this is a throughput workload. */
    public boolean isThroughput() {
        return kind == Kind.THROUGHPUT;
    }

    /** The compact form the child JVMs parse, e.g. {@code tp:64:1024:1:touch} or {@code rtt:64:touch}. */
    public String code() {
        if (isIdle()) {
            return "idle:" + clients;
        }
        if (isOpenLoop()) {
            return "ol:" + payloadBytes + ":" + batch + ":" + consume.label();
        }
        return (isThroughput() ? "tp:" + payloadBytes + ":" + batch + ":" + clients : "rtt:" + payloadBytes) + ":"
                + consume.label();
    }

    /** Parses {@link #code()}. */
    public static Workload parse(String code) {
        String[] parts = code.split(":");
        try {
            if (parts[0].equals("tp") && parts.length == 5) {
                return throughput(
                        Integer.parseInt(parts[1]),
                        Integer.parseInt(parts[2]),
                        Integer.parseInt(parts[3]),
                        Consume.Mode.parse(parts[4]));
            }
            if (parts[0].equals("ol") && parts.length == 4) {
                return openLoop(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), Consume.Mode.parse(parts[3]));
            }
            if (parts[0].equals("idle") && parts.length == 2) {
                return idle(Integer.parseInt(parts[1]));
            }
            if (parts[0].equals("rtt") && parts.length == 3) {
                return roundTrip(Integer.parseInt(parts[1]), Consume.Mode.parse(parts[2]));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a workload: '" + code + "'", e);
        }
        throw new IllegalArgumentException(
                "not a workload: '" + code + "' (expected tp:SIZE:BATCH:CLIENTS:CONSUME or rtt:SIZE:CONSUME)");
    }

    /** A payload size as people write it: 64 B, 1500 B, 64 KiB. */
    public static String sizeLabel(int bytes) {
        if (bytes == IMIX) {
            return "imix";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes / 1024) + " KiB";
        }
        return bytes + " B";
    }

    @Override
    public String toString() {
        if (isOpenLoop()) {
            return "open loop " + sizeLabel(payloadBytes) + " at " + batch + "/s, " + consume.label();
        }
        if (isIdle()) {
            return "idle, " + clients + " client" + (clients == 1 ? "" : "s");
        }
        return isThroughput()
                ? String.format(
                        Locale.ROOT,
                        "%s x%d, %d client%s, %s",
                        sizeLabel(payloadBytes),
                        batch,
                        clients,
                        clients == 1 ? "" : "s",
                        consume.label())
                : "round trip " + sizeLabel(payloadBytes) + ", " + consume.label();
    }
}
