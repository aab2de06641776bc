package dev.packetipc.unix;

import dev.packetipc.IpcOption;

/** Options only the Unix transport reads; other transports ignore them. */
public final class UnixOptions {
    /** Who may connect to a server. Default: the server's own user only. */
    public static final IpcOption<PeerPolicy> PEER_POLICY =
            IpcOption.of("unix.peerPolicy", PeerPolicy.class, PeerPolicy.sameUser(), p -> true, "a PeerPolicy");

    private UnixOptions() {}
}
