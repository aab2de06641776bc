package dev.packetipc.reliability;

import java.time.Duration;

/** The transports the cross-process tests run here, with the bounds they are held to. */
enum Transports {
    /** Unix sockets: a dead peer's socket is closed by the kernel, so the survivor reads the end at once. */
    UNIX("unix", Duration.ofSeconds(5)),
    /** Chronicle Queue: a dead peer is found by its lease and pid (README: about 0.3 s), plus slack. */
    SHM("shm", Duration.ofSeconds(5));

    final String id;
    /** How long after SIGKILL of its peer the survivor may take to report the error (README's figure plus slack). */
    final Duration killedBound;

    Transports(String id, Duration killedBound) {
        this.id = id;
        this.killedBound = killedBound;
    }

    /** How many times each injection repeats: a few in the default run, many with -Psoak. */
    static int repetitions() {
        return Boolean.getBoolean("reliability.soak") ? 25 : 2;
    }
}
