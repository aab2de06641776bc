package dev.packetipc.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/**
 * Reports a usage error in one line on stderr, pointing at the command's help, then any lines of detail the message
 * carries after its first (a table); exit code 2.
 */
final class UsageErrorReporter implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        String name = commandLine.getCommandSpec().qualifiedName();
        String message = e.getMessage() == null ? "" : e.getMessage();
        String[] lines = message.split("\\R", -1);
        String first = lines[0];
        commandLine
                .getErr()
                .println(name + ": usage error: " + ErrorReporter.words(first)
                        // a first line followed by a table ends with a colon: the pointer to --help fits only alone
                        + (lines.length > 1 ? "" : " (see '" + name + " --help')"));
        for (int i = 1; i < lines.length; i++) {
            commandLine.getErr().println(lines[i]);
        }
        commandLine.getErr().flush();
        return ExitCodes.USAGE;
    }
}
