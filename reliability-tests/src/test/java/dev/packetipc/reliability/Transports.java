package dev.packetipc.reliability;

import java.time.Duration;

/** The transports the cross-process tests run here, with the bounds they are held to. */
enum Transports {
    /** Unix sockets: a dead peer's socket is closed by the kernel, so the survivor reads the end at once. */
    UNIX("unix", Duration.ofSeconds(5), 1),
    /** Chronicle Queue: a dead peer is found by its lease and pid (README: about 0.3 s), plus slack. */
    SHM("shm", Duration.ofSeconds(5), 1),
    /**
     * Aeron over UDP on loopback, each process with its own embedded media driver: a dead server is found by Aeron's
     * image liveness time-out, a dead client by its publication connection time-out. This module's pom sets them to
     * 3 s and 2 s (Aeron's defaults: 10 s and 5 s; transport-aeron's README measured 11-12 s and 5 s with those), so
     * the bound is the larger, 3 s, plus the README's observed overshoot of 2 s and 5 s of slack for this loaded
     * machine. The crash matrix, the frozen-peer tests and the load of client processes run it; each crash
     * injection half as often as the others (every one costs a time-out).
     */
    AERON("aeron", Duration.ofSeconds(10), 2);

    final String id;
    /** How long after SIGKILL of its peer the survivor may take to report the error (README's figure plus slack). */
    final Duration killedBound;

    private final int divisor;

    Transports(String id, Duration killedBound, int divisor) {
        this.id = id;
        this.killedBound = killedBound;
        this.divisor = divisor;
    }

    /** How long what a run leaves may take to go away (see {@link Resources#AERON_SETTLE}). */
    Duration settle() {
        return this == AERON ? Resources.AERON_SETTLE : Duration.ofSeconds(10);
    }

    /** How many times each injection repeats: a few in the default run, many with -Psoak. */
    static int repetitions() {
        return Boolean.getBoolean("reliability.soak") ? 25 : 2;
    }

    /** How many times each injection repeats for this transport: {@link #repetitions()}, fewer for aeron. */
    int runs() {
        return Math.max(1, repetitions() / divisor);
    }
}
