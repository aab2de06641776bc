package dev.packetipc.conformance;

import dev.packetipc.Client;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a client until its stream stops, by one of the two receive paths, checking each call's own contract. */
final class Receiver {
    /** Which receive path to use. */
    enum Mode {
        /** {@link Client#receivePackets(int, Duration)}: owned packets. */
        RECEIVE_PACKETS,
        /** {@link Client#poll(dev.packetipc.PacketHandler, int, Duration)}: the reused flyweight. */
        POLL
    }

    private Receiver() {}

    /**
     * Receives until the end of the stream, a failure, or a wait of {@code timeout} without anything arriving.
     *
     * @param maxPackets stop (as a failure) once more than this many packets arrived
     */
    static Received drain(Client client, Mode mode, int receiveSize, Duration timeout, int maxPackets) {
        List<Packet> packets = new ArrayList<>();
        try {
            while (packets.size() <= maxPackets) {
                String problem = mode == Mode.POLL
                        ? pollOnce(client, receiveSize, timeout, packets)
                        : receiveOnce(client, receiveSize, timeout, packets);
                if (problem == null) {
                    return new Received(packets, Received.Ending.END, "");
                }
                if (!problem.isEmpty()) {
                    return new Received(packets, Received.Ending.FAILED, problem);
                }
            }
            return new Received(
                    packets, Received.Ending.FAILED, "more than " + maxPackets + " packets arrived and no end");
        } catch (IpcTimeoutException e) {
            return new Received(packets, Received.Ending.TIMEOUT, "waited " + timeout + ": " + e);
        } catch (PeerGoneException e) {
            return new Received(packets, Received.Ending.PEER_GONE, e.toString());
        } catch (Exception | AssertionError e) {
            return new Received(packets, Received.Ending.FAILED, e.toString());
        }
    }

    /** One receive: {@code null} at the end, "" after packets, else what went wrong. */
    private static String receiveOnce(Client client, int receiveSize, Duration timeout, List<Packet> into)
            throws Exception {
        Optional<List<IpcPacket>> batch = client.receivePackets(receiveSize, timeout);
        if (batch.isEmpty()) {
            return null;
        }
        List<IpcPacket> list = batch.get();
        if (list.isEmpty()) {
            return "receivePackets(" + receiveSize + ", " + timeout + ") returned an empty list; it must block until"
                    + " at least one packet arrives or throw IpcTimeoutException";
        }
        if (list.size() > receiveSize) {
            return "receivePackets(" + receiveSize + ") returned " + list.size() + " packets, more than asked for";
        }
        for (IpcPacket packet : list) {
            into.add(Packet.of(packet.timestampNanos(), packet.toByteArray()));
        }
        return "";
    }

    /** One poll: {@code null} at the end, "" after packets, else what went wrong. */
    private static String pollOnce(Client client, int limit, Duration timeout, List<Packet> into) throws Exception {
        int before = into.size();
        String[] flyweightProblem = new String[1];
        int n = client.poll(
                packet -> {
                    ByteBuffer data = packet.data();
                    if (data.remaining() != packet.length() && flyweightProblem[0] == null) {
                        flyweightProblem[0] = "the flyweight's data() has " + data.remaining()
                                + " bytes remaining but length() says " + packet.length();
                    }
                    byte[] bytes = new byte[data.remaining()];
                    data.duplicate().get(bytes);
                    into.add(Packet.of(packet.timestampNanos(), bytes));
                },
                limit,
                timeout);
        int handed = into.size() - before;
        if (flyweightProblem[0] != null) {
            return flyweightProblem[0];
        }
        if (n == Client.END_OF_STREAM) {
            return handed == 0
                    ? null
                    : "poll handed out " + handed + " packets but returned END_OF_STREAM instead of the count";
        }
        if (n == 0 && handed == 0) {
            throw new IpcTimeoutException("poll(handler, " + limit + ", " + timeout + ") returned 0");
        }
        if (n != handed) {
            return "poll returned " + n + " but handed " + handed + " packets to the handler";
        }
        if (n > limit) {
            return "poll(handler, " + limit + ") handed out " + n + " packets, more than the limit";
        }
        return "";
    }
}
