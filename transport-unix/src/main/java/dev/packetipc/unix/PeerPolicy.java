package dev.packetipc.unix;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which users a Unix peer may be, checked against its credentials ({@code SO_PEERCRED}). As {@link
 * UnixOptions#PEER_POLICY} a server checks every client it accepts: a refused client is sent a REJECT it can show,
 * closed and logged, and the server goes on serving others. As {@link UnixOptions#SERVER_POLICY} a client checks the
 * server it connected to, and {@code connect} fails if the server's user is not admitted. "Own user" is the user of
 * the process that checks. User ids are the system's numeric ids ({@code 0} for root).
 *
 * <p>Immutable, and so safe to share between threads and between any number of servers and clients.
 *
 * <pre>{@code
 * IpcOptions.builder().set(UnixOptions.PEER_POLICY, PeerPolicy.uids(1000, 1001)).build();
 * }</pre>
 */
public final class PeerPolicy {
    private static final PeerPolicy SAME_USER = new PeerPolicy(false, Set.of());
    private static final PeerPolicy ANY_USER = new PeerPolicy(true, Set.of());

    private final boolean anyUser;
    private final Set<Long> uids;

    private PeerPolicy(boolean anyUser, Set<Long> uids) {
        this.anyUser = anyUser;
        this.uids = uids;
    }

    /**
     * Only processes of the checking side's own user (the default).
     *
     * @return the policy that admits the own user only
     */
    public static PeerPolicy sameUser() {
        return SAME_USER;
    }

    /**
     * Any local process that can reach the socket file, whatever its user, even one whose credentials are unknown.
     * A server with this policy makes its socket file open to other users.
     *
     * @return the policy that admits everyone
     */
    public static PeerPolicy anyUser() {
        return ANY_USER;
    }

    /**
     * The checking side's own user and these user ids. A server with a policy that lists anyone makes its socket file
     * open to other users.
     *
     * @param uids the user ids admitted besides the own user; repeats are ignored, and none at all admits the own user
     *     only, as {@link #sameUser()} does
     * @return a new policy; later changes to the array do not affect it
     */
    public static PeerPolicy uids(long... uids) {
        TreeSet<Long> set = new TreeSet<>();
        Arrays.stream(uids).forEach(set::add);
        return new PeerPolicy(false, Set.copyOf(set));
    }

    /**
     * Whether a peer run by {@code peerUid} is admitted by a side run by {@code ownUid}.
     *
     * @param peerUid the peer's user id from its credentials, or -1 where they are unknown
     * @param ownUid the user id of the checking side
     * @return {@code true} if this policy admits any user, or {@code peerUid} is {@code ownUid} or one of the listed
     *     ids
     */
    public boolean admits(long peerUid, long ownUid) {
        return anyUser || peerUid == ownUid || uids.contains(peerUid);
    }

    /** Whether anyone other than the server's own user may connect, so the socket file must be open to others. */
    boolean admitsOthers() {
        return anyUser || !uids.isEmpty();
    }

    @Override
    public String toString() {
        return anyUser
                ? "PeerPolicy[any user]"
                : uids.isEmpty() ? "PeerPolicy[same user]" : "PeerPolicy[same user, uids=" + new TreeSet<>(uids) + "]";
    }
}
