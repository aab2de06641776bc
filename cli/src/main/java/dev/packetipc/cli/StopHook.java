package dev.packetipc.cli;

/**
 * What a command does when SIGINT or SIGTERM stops it (a JVM shutdown hook): close its server so that no socket
 * file is left, finish a file. Registered for the command's run and removed when it returns; the action runs at most
 * once. While it runs, the failures it causes in the command's own thread are not reported as errors.
 */
final class StopHook implements AutoCloseable {
    private static volatile boolean stopping;

    private final Thread hook;

    private StopHook(Thread hook) {
        this.hook = hook;
    }

    /** Runs {@code action} if the JVM is stopped before {@link #close()}. */
    static StopHook register(String command, Runnable action) {
        Thread hook = new Thread(
                () -> {
                    stopping = true;
                    action.run();
                },
                "packet-ipc " + command + " stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return new StopHook(hook);
    }

    /** Whether a stop action has started: the command is being stopped by a signal. */
    static boolean stopping() {
        return stopping;
    }

    /** The command finished: the action will not run. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs, or ran
        }
    }
}
