package dev.packetipc.unix;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * {@code poll(2)} on one descriptor, and {@code sendmsg(2)}, bound with JNA's direct mapping (a plain native call, no
 * proxy): waiting for a socket to become readable this way costs one system call, where a {@link
 * java.nio.channels.Selector} adds its own bookkeeping to every wait; and {@code sendmsg} writes many buffers in one
 * call, which junixsocket's gathering write does not (it writes the first buffer only). 64-bit Linux only; loaded on
 * first use, never elsewhere.
 */
final class NativePoll {
    /** {@code POLLIN}. */
    static final short POLLIN = 0x1;
    /** {@code sizeof(struct pollfd)}: {@code int fd; short events; short revents;}. */
    static final int POLLFD_BYTES = 8;
    /** Offset of {@code events} in {@code struct pollfd}. */
    static final int EVENTS_OFFSET = 4;
    /** {@code EINTR}. */
    static final int EINTR = 4;
    /** {@code EAGAIN} (= {@code EWOULDBLOCK}). */
    static final int EAGAIN = 11;
    /** {@code EPIPE}. */
    static final int EPIPE = 32;
    /** {@code ECONNRESET}. */
    static final int ECONNRESET = 104;
    /** {@code MSG_DONTWAIT}: this call does not block, whatever the socket's mode. */
    static final int MSG_DONTWAIT = 0x40;
    /** {@code MSG_NOSIGNAL}: a closed peer gives {@code EPIPE}, not {@code SIGPIPE}. */
    static final int MSG_NOSIGNAL = 0x4000;
    /** {@code sizeof(struct msghdr)} on 64-bit Linux. */
    static final int MSGHDR_BYTES = 56;
    /** Offset of {@code msg_iov} in {@code struct msghdr}. */
    static final int MSG_IOV_OFFSET = 16;
    /** Offset of {@code msg_iovlen} in {@code struct msghdr}. */
    static final int MSG_IOVLEN_OFFSET = 24;
    /** {@code sizeof(struct iovec)} on 64-bit Linux: {@code void *iov_base; size_t iov_len;}. */
    static final int IOVEC_BYTES = 16;

    private NativePoll() {}

    /** Whether {@link #poll} can be called here. */
    static boolean isAvailable() {
        return Binding.BOUND;
    }

    /**
     * {@code poll(fds, nfds, timeout)}.
     *
     * @param fds the address of {@code nfds} {@code struct pollfd}
     * @param timeout milliseconds, -1 for no limit
     */
    static native int poll(long fds, int nfds, int timeout);

    /**
     * {@code sendmsg(fd, msg, flags)}.
     *
     * @param msg the address of a {@code struct msghdr}
     * @return the bytes sent, or -1 (then see {@link Native#getLastError()})
     */
    static native long sendmsg(int fd, long msg, int flags);

    /** Binds {@link #poll} once, on 64-bit Linux only. */
    private static final class Binding {
        static final boolean BOUND = bind();

        private Binding() {}

        private static boolean bind() {
            try {
                if (!Platform.isLinux() || !Platform.is64Bit()) { // poll's pointer is passed as a 64-bit long
                    return false;
                }
                Native.register(NativePoll.class, "c");
                return true;
            } catch (LinkageError | RuntimeException e) { // no JNA native library, or native access denied
                return false;
            }
        }
    }
}
