package dev.packetipc.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** Reports a usage error in one line on stderr, pointing at the command's help; exit code 2. */
final class UsageErrorReporter implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        String name = commandLine.getCommandSpec().qualifiedName();
        commandLine
                .getErr()
                .println(name + ": usage error: " + ErrorReporter.oneLine(e) + " (see '" + name + " --help')");
        commandLine.getErr().flush();
        return ExitCodes.USAGE;
    }
}
