package dev.packetipc.unix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** The few C library calls the JDK lacks, through JNA; loaded on first use and only on Linux. */
interface Libc extends Library {
    /** {@code MFD_CLOEXEC}: the descriptor does not leak into child processes. */
    int MFD_CLOEXEC = 1;

    /** Creates an anonymous file in memory (Linux 3.17+) and returns its descriptor. */
    int memfd_create(String name, int flags) throws LastErrorException;

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
