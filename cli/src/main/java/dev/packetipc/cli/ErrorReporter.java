package dev.packetipc.cli;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Reports a failed command in one line on stderr, in the command's words (with the library's own message and the
 * stack trace under {@code --verbose}); exit code 1.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
    /** Library phrases and what the command calls them, applied in order. */
    private static final List<Rewrite> REWRITES = List.of(
            // "pass the exact string Server.name() returned", "is exactly its Server.name()", ...
            new Rewrite(
                    "(?:the exact (?:string|name) |exactly (?:its |the name the server's |the name )?)"
                            + "(?:the server's )?Server\\.name\\(\\)(?: returned| gives it| as it is)?",
                    "exactly the name the server printed"),
            new Rewrite("as Server\\.name\\(\\) gives it", "as the server printed it"),
            new Rewrite("\\(use the server's Server\\.name\\(\\) as it is\\)", "(as the server printed it)"),
            new Rewrite("(?:the server's )?Server\\.name\\(\\)", "the server's name"),
            new Rewrite("leave IpcOptions\\.SERVER_NAME unset", "leave out --name"),
            new Rewrite("IpcOptions\\.SERVER_NAME or leave it unset", "another --name, or leave it out"),
            new Rewrite("IpcOptions\\.SERVER_NAME", "--name"),
            new Rewrite("is it calling Server\\.accept\\(\\)\\?", "is it still serving?"),
            // Settings the command does not offer: drop the advice, keep the fact.
            new Rewrite("\\s*\\((?:raise )?IpcOptions\\.[A-Z_]+[^)]*\\)", ""),
            new Rewrite(",? or raise IpcOptions\\.[A-Z_]+", ""),
            new Rewrite(";? ?(?:if [^;]*, )?raise IpcOptions\\.[A-Z_]+(?: on both [a-z ]+)?", ""),
            new Rewrite("IpcOptions\\.([A-Z_]+)", "a library setting"),
            // Codes only a protocol reader knows.
            new Rewrite("\\s*\\(reason=\\d+\\)", ""),
            new Rewrite("reason=\\d+ ", ""),
            // Exception class names, qualified or not, before their message.
            new Rewrite("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error)\\b:?\\s*", ""),
            new Rewrite("\\b[A-Z]\\w*(?:Exception|Error): ", ""));

    private static final Pattern ISO_DURATION =
            Pattern.compile("\\bPT(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+)(?:\\.(\\d+))?S)?\\b");

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        boolean verbose = isVerbose(parseResult);
        if (StopHook.stopping()) {
            // stopped by a signal: the stop action said what happened; this is the consequence in the command
            if (verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            return ExitCodes.FAILURE;
        }
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": error: " + oneLine(e));
        if (e instanceof CommandFailure failure) {
            failure.details().forEach(commandLine.getErr()::println);
        }
        if (verbose) {
            e.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return ExitCodes.FAILURE;
    }

    /** The message of a failure on one line, in the command's words. */
    static String oneLine(Throwable e) {
        return words(raw(e));
    }

    /** The message of a failure on one line, as the library wrote it. */
    static String raw(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = "an unexpected failure without a message; run again with --verbose to see where";
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            message = "permission denied: " + message;
        } else if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            message = f.getFile() + ": " + f.getReason();
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }

    /** Rewrites the Java API's words (method and option names, ISO durations, codes, class names) in a message. */
    static String words(String message) {
        String text = message;
        for (Rewrite rewrite : REWRITES) {
            text = rewrite.pattern.matcher(text).replaceAll(rewrite.replacement);
        }
        return durations(text).replaceAll("  +", " ").trim();
    }

    /** {@code PT2S} becomes {@code 2 s}, {@code PT1M30S} {@code 1 min 30 s}. */
    private static String durations(String text) {
        Matcher m = ISO_DURATION.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (m.group(1) == null && m.group(2) == null && m.group(3) == null) {
                continue;
            }
            StringBuilder human = new StringBuilder();
            if (m.group(1) != null) {
                human.append(m.group(1)).append(" h");
            }
            if (m.group(2) != null) {
                human.append(human.length() > 0 ? " " : "").append(m.group(2)).append(" min");
            }
            if (m.group(3) != null) {
                human.append(human.length() > 0 ? " " : "").append(m.group(3));
                if (m.group(4) != null) {
                    human.append('.').append(m.group(4));
                }
                human.append(" s");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(human.toString()));
        }
        m.appendTail(out);
        return out.toString();
    }

    static boolean isVerbose(ParseResult parseResult) {
        for (ParseResult result = parseResult; result != null; result = result.subcommand()) {
            if (result.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private record Rewrite(Pattern pattern, String replacement) {
        Rewrite(String regex, String replacement) {
            this(Pattern.compile(regex), replacement);
        }
    }
}
