package dev.packetipc.bench;

import java.util.Locale;

/** How a receiver waits for packets that have not arrived yet ({@code --wait}). */
enum Wait {
    /** In the kernel or the library: a blocking read, {@code poll(2)}, a timed poll. The thread sleeps. */
    BLOCK,
    /** A loop that asks again at once (non-blocking read, {@code poll} without a wait), {@link Idler} in between. */
    SPIN;

    /** The name on the command line and in the tables. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #label()}. */
    static Wait parse(String text) {
        for (Wait wait : values()) {
            if (wait.label().equals(text)) {
                return wait;
            }
        }
        throw new IllegalArgumentException("--wait takes block and/or spin, not '" + text + "'");
    }
}
