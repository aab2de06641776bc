package dev.packetipc.unix;

import dev.packetipc.IpcOption;

/** Options only the Unix transport reads; other transports ignore them. */
public final class UnixOptions {
    /** Who may connect to a server. Default: the server's own user only. */
    public static final IpcOption<PeerPolicy> PEER_POLICY =
            IpcOption.of("unix.peerPolicy", PeerPolicy.class, PeerPolicy.sameUser(), p -> true, "a PeerPolicy");

    /**
     * Which users a client accepts as its server, checked against the server's credentials ({@code SO_PEERCRED}) right
     * after the socket connects, before a byte is sent. Default: only a server run by the client's own user; {@code
     * connect} refuses any other with an {@link dev.packetipc.IpcException} that names both users. Allow others with
     * {@link PeerPolicy#uids} (or {@link PeerPolicy#anyUser}).
     *
     * <pre>{@code
     * IpcOptions.builder().set(UnixOptions.SERVER_POLICY, PeerPolicy.uids(0)).build(); // also a server run by root
     * }</pre>
     */
    public static final IpcOption<PeerPolicy> SERVER_POLICY =
            IpcOption.of("unix.serverPolicy", PeerPolicy.class, PeerPolicy.sameUser(), p -> true, "a PeerPolicy");

    private UnixOptions() {}
}
