package dev.packetipc.unix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** The few C library calls the JDK lacks, through JNA; loaded on first use and only on Linux. */
interface Libc extends Library {
    /** {@code MFD_CLOEXEC}: the descriptor does not leak into child processes. */
    int MFD_CLOEXEC = 1;
    /** {@code MFD_ALLOW_SEALING}: seals may be added to the file (without it, it is born with {@code F_SEAL_SEAL}). */
    int MFD_ALLOW_SEALING = 2;
    /** {@code F_ADD_SEALS}. */
    int F_ADD_SEALS = 1033;
    /** {@code F_GET_SEALS}: fails with {@code EINVAL} on a file that cannot carry seals (not a memfd or shmem file). */
    int F_GET_SEALS = 1034;
    /** {@code F_SEAL_SEAL}: no seal can be added any more. */
    int F_SEAL_SEAL = 0x1;
    /** {@code F_SEAL_SHRINK}: the file cannot be made smaller. */
    int F_SEAL_SHRINK = 0x2;
    /** {@code F_SEAL_GROW}: the file cannot be made larger. */
    int F_SEAL_GROW = 0x4;
    /**
     * {@code F_SEAL_FUTURE_WRITE} (Linux 5.1+): no new write, and no new writable shared mapping; mappings made before
     * the seal stay writable (the server's own).
     */
    int F_SEAL_FUTURE_WRITE = 0x10;
    /** {@code EINVAL}. */
    int EINVAL = 22;

    /** Creates an anonymous file in memory (Linux 3.17+) and returns its descriptor. */
    int memfd_create(String name, int flags) throws LastErrorException;

    /** {@code fcntl} with an integer argument (here: the seal commands). */
    int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    /** Closes a descriptor. */
    int close(int fd) throws LastErrorException;

    /** The C library, or {@code null} where memfd does not exist (not Linux) or JNA cannot load. */
    static Libc linux() {
        return Holder.LIBC;
    }

    /** Loads the library once, lazily. */
    final class Holder {
        static final Libc LIBC = load();

        private Holder() {}

        private static Libc load() {
            if (!Platform.isLinux()) {
                return null;
            }
            try {
                return Native.load("c", Libc.class);
            } catch (LinkageError e) {
                return null;
            }
        }
    }
}
