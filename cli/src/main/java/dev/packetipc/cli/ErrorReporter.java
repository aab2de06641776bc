package dev.packetipc.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Reports a failed command in one line on stderr (with the stack trace under {@code --verbose}); exit code 1. */
final class ErrorReporter implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": error: " + oneLine(e));
        if (isVerbose(parseResult)) {
            e.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return ExitCodes.FAILURE;
    }

    /** The message of a failure on one line, with the exception's simple name when it says more than the text. */
    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getName();
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            message = "permission denied: " + message;
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }

    static boolean isVerbose(ParseResult parseResult) {
        for (ParseResult result = parseResult; result != null; result = result.subcommand()) {
            if (result.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
