package dev.packetipc.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** The {@code packet-ipc} command's entry point: exit code 0 (ok), 1 (failure) or 2 (usage). */
public final class Main {
    private Main() {}

    /** Runs the command and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code. */
    public static int run(String[] args) {
        quietLibraries();
        return commandLine().execute(args);
    }

    /**
     * SLF4J (which Chronicle Queue uses) warns on stderr that it has no logging provider; a command's stderr is for
     * its own errors. A user's own setting wins.
     */
    private static void quietLibraries() {
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
    }

    /** The command line with its error handling: one line on stderr, a stack trace only with {@code --verbose}. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new PacketIpcCommand());
        commandLine.setExecutionExceptionHandler(new ErrorReporter());
        commandLine.setParameterExceptionHandler(new UsageErrorReporter());
        commandLine.setErr(new PrintWriter(System.err, true));
        return commandLine;
    }
}
