package dev.packetipc.conformance;

import dev.packetipc.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Compares the packets that arrived with the packets that were sent and says precisely where they differ. */
final class StreamCheck {
    private StreamCheck() {}

    /** The packets of all batches, in order. */
    static List<Packet> flatten(List<List<Packet>> batches) {
        List<Packet> all = new ArrayList<>();
        batches.forEach(all::addAll);
        return all;
    }

    /** Empty when {@code received} equals {@code expected}; otherwise what is wrong, in words. */
    static Optional<String> difference(List<Packet> expected, List<Packet> received) {
        int common = Math.min(expected.size(), received.size());
        for (int i = 0; i < common; i++) {
            Packet want = expected.get(i);
            Packet got = received.get(i);
            if (!want.equals(got)) {
                return Optional.of(explain(expected, received, i));
            }
        }
        if (received.size() < expected.size()) {
            return Optional.of("packets missing: " + expected.size() + " packets were sent but only " + received.size()
                    + " arrived; the first missing one is #" + received.size() + " "
                    + describe(expected.get(received.size())));
        }
        if (received.size() > expected.size()) {
            return Optional.of("extra packets: " + expected.size() + " packets were sent but " + received.size()
                    + " arrived; the first extra one is #" + expected.size() + " "
                    + describe(received.get(expected.size())));
        }
        return Optional.empty();
    }

    private static String explain(List<Packet> expected, List<Packet> received, int i) {
        Packet want = expected.get(i);
        Packet got = received.get(i);
        int rest = received.size() - i;
        if (rest <= expected.size() - i - 1
                && received.subList(i, received.size()).equals(expected.subList(i + 1, i + 1 + rest))) {
            return "packet missing: packet #" + i + " " + describe(want) + " never arrived; everything after it"
                    + " arrived";
        }
        int laterInReceived = indexOf(received, want, i + 1);
        int laterInExpected = indexOf(expected, got, i + 1);
        if (laterInReceived >= 0 && laterInExpected >= 0) {
            return "packets out of order: packet #" + i + " " + describe(want) + " arrived at position #"
                    + laterInReceived + ", and position #" + i + " holds packet #" + laterInExpected + " "
                    + describe(got);
        }
        if (laterInExpected >= 0) {
            return "packet missing: packet #" + i + " " + describe(want) + " never arrived; the next packet to"
                    + " arrive was packet #" + laterInExpected;
        }
        if (want.timestampNanos() != got.timestampNanos()) {
            return "wrong timestamp: packet #" + i + " was sent with timestamp " + want.timestampNanos()
                    + " but arrived with " + got.timestampNanos() + " (payload " + got.length() + " bytes)";
        }
        if (want.length() != got.length()) {
            return "wrong payload length: packet #" + i + " was sent with " + want.length() + " bytes but arrived"
                    + " with " + got.length() + " bytes (timestamp " + want.timestampNanos() + ")";
        }
        byte[] a = want.toByteArray();
        byte[] b = got.toByteArray();
        int at = 0;
        while (a[at] == b[at]) {
            at++;
        }
        return "corrupted payload: packet #" + i + " " + describe(want) + " differs first at byte " + at + ": sent 0x"
                + hex(a[at]) + ", received 0x" + hex(b[at]);
    }

    private static int indexOf(List<Packet> packets, Packet packet, int from) {
        for (int j = from; j < packets.size(); j++) {
            if (packets.get(j).equals(packet)) {
                return j;
            }
        }
        return -1;
    }

    static String describe(Packet packet) {
        return "(timestamp " + packet.timestampNanos() + ", " + packet.length() + " bytes)";
    }

    private static String hex(byte b) {
        return String.format("%02x", b & 0xff);
    }
}
