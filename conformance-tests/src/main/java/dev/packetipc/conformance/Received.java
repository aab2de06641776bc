package dev.packetipc.conformance;

import dev.packetipc.Packet;
import java.util.List;

/**
 * What a client received until its stream stopped, and how it stopped.
 *
 * @param packets the packets, owned copies, in the order they arrived
 * @param ending how the stream stopped
 * @param detail the exception or the protocol violation that stopped it, in words (empty for a clean end)
 */
record Received(List<Packet> packets, Ending ending, String detail) {
    /** How a stream stopped. */
    enum Ending {
        /** The client reported the end of the stream. */
        END,
        /** The client threw {@link dev.packetipc.PeerGoneException}. */
        PEER_GONE,
        /** Nothing arrived within the wait: the end of the stream never came. */
        TIMEOUT,
        /** The client broke its own contract or threw something else. */
        FAILED
    }

    /** How the stream stopped, in words, with the number of packets before that. */
    String describeEnding() {
        switch (ending) {
            case END:
                return "the end of the stream after " + packets.size() + " packets";
            case PEER_GONE:
                return "PeerGoneException after " + packets.size() + " packets: " + detail;
            case TIMEOUT:
                return "no end of stream: after " + packets.size() + " packets nothing more arrived (" + detail + ")";
            default:
                return "a failure after " + packets.size() + " packets: " + detail;
        }
    }
}
