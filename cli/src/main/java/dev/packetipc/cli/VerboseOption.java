package dev.packetipc.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code --verbose}, accepted by every command: errors then come with their stack trace. */
final class VerboseOption {
    @Option(
            names = "--verbose",
            scope = ScopeType.INHERIT,
            description = "Print stack traces with errors, and more detail.")
    boolean verbose;
}
