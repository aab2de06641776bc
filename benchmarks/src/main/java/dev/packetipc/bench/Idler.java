package dev.packetipc.bench;

/**
 * What every spinning loop of the harness does after a pass that found nothing: {@link Thread#onSpinWait()} and ask
 * again, as Agrona's {@code BusySpinIdleStrategy}, the idle strategy of Aeron's own IPC throughput and ping-pong
 * samples ({@code aeron.sample.idleStrategy}'s default). The same for every contender in {@code spin} mode, so that
 * no peer waits more politely than another.
 */
final class Idler {
    /** Called after a pass that did nothing. */
    void idle() {
        Thread.onSpinWait();
    }

    /** Called after a pass that did something. */
    void reset() {}
}
