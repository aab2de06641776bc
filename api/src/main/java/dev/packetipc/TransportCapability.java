package dev.packetipc;

/**
 * What a transport can do beyond the required contract. The conformance suite runs its optional rules only for the
 * capabilities a transport declares, and reports the others as skipped.
 */
public enum TransportCapability {
    /** Server and client may live in different processes (every transport but {@code inprocess}). */
    CROSS_PROCESS,
    /** One server accepts many clients at once, each with its own stream. */
    MULTIPLE_CLIENTS,
    /** {@link Client#poll(PacketHandler, int)} hands out views of the transport's memory without a copy. */
    ZERO_COPY_RECEIVE,
    /** Large payloads travel through shared memory rather than through a byte stream. */
    SHARED_MEMORY_PAYLOADS,
    /** The server learns who the connecting peer is (process id, user id) and can refuse it. */
    PEER_CREDENTIALS,
    /**
     * The largest packet can be set lower with {@link IpcOptions#MAX_PACKET_BYTES}, and {@link Connection#send} then
     * refuses a batch with a larger packet whole, with an {@link IllegalArgumentException}, sending nothing of it.
     * (Every transport states and keeps its limit, {@link Connection#maxPacketBytes()}; this is about the option.)
     */
    PACKET_SIZE_LIMIT,
    /**
     * The server's {@link IpcOptions#STREAM_PROPERTIES} reach every client, unchanged and in order, as {@link
     * Client#properties()}.
     */
    STREAM_PROPERTIES,
    /**
     * {@link IpcOptions#LIVENESS_TIMEOUT} is honoured: a peer in another process that is frozen (stopped, never
     * scheduled) or killed is reported to a side blocked in receive or in send, within the time-out plus the
     * transport's stated slack, as a {@link PeerGoneException}, not left to the call's own time-out. Its conformance
     * rules (R207 to R210) freeze and kill a peer in another process, so a transport that declares it declares {@link
     * #CROSS_PROCESS} too.
     */
    LIVENESS
}
