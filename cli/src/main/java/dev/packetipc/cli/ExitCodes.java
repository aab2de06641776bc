package dev.packetipc.cli;

/** The command's exit codes. */
final class ExitCodes {
    /** Everything worked. */
    static final int OK = 0;
    /** The command ran and failed. */
    static final int FAILURE = 1;
    /** The command line was wrong. */
    static final int USAGE = 2;

    private ExitCodes() {}
}
