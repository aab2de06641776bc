package dev.packetipc.flow;

/** What {@link FlowFanout} does when a worker's connection fails (the client went away or the connection broke). */
public enum WorkerLossPolicy {
    /**
     * The default: the lost worker's flows, and only those, move to the remaining workers (rendezvous hashing); the
     * flows of every other worker stay where they are. The move is logged and counted. When no worker remains,
     * {@code send} throws {@link dev.packetipc.PeerGoneException}.
     */
    MOVE_FLOWS,

    /**
     * End the whole stream: close every connection without sending the end (so every worker sees that the stream
     * broke, not that it finished) and throw {@link dev.packetipc.PeerGoneException} from {@code send} naming the
     * lost worker.
     */
    END_STREAM
}
