package dev.packetipc.unix;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * {@code poll(2)} on one descriptor, bound with JNA's direct mapping (a plain native call, no proxy): waiting for a
 * socket to become readable this way costs one system call, where a {@link java.nio.channels.Selector} adds its own
 * bookkeeping to every wait. 64-bit Linux only; loaded on first use, never elsewhere.
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
