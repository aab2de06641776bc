package dev.packetipc.bench;

import java.io.PrintStream;

/**
 * The protocol lines a child JVM prints for the harness: each starts with {@value #PREFIX}, so that whatever the
 * libraries print (banners, warnings) cannot be mistaken for them.
 */
final class ChildOutput {
    static final String PREFIX = "@@ ";

    private final PrintStream out;

    ChildOutput(PrintStream out) {
        this.out = out;
    }

    /** Prints one protocol line. */
    void say(String line) {
        synchronized (out) {
            out.println(PREFIX + line);
            out.flush();
        }
    }

    /** The failure on one line: its class, its message, and its causes'. */
    static String oneLine(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (text.length() > 0) {
                text.append(" <- ");
            }
            text.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
        }
        return text.toString().replaceAll("\\s*\\R\\s*", " / ");
    }
}
