package dev.packetipc.cli;

import java.util.List;

/**
 * A failure the command describes itself: one line for the error, then lines of detail (a table of transports, what
 * was left behind) printed below it as they are. Exit code 1.
 */
final class CommandFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** Printed below the error line, one by one; not serialized (a command never serializes its failures). */
    private final transient List<String> details;

    CommandFailure(String message, List<String> details, Throwable cause) {
        super(message, cause);
        this.details = List.copyOf(details);
    }

    CommandFailure(String message) {
        this(message, List.of(), null);
    }

    CommandFailure(String message, Throwable cause) {
        this(message, List.of(), cause);
    }

    List<String> details() {
        return details == null ? List.of() : details;
    }
}
