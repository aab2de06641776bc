package dev.packetipc.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether this process talks to a person at a terminal. */
final class Terminal {
    private Terminal() {}

    /**
     * True when standard input and output are a terminal. On JDK 22 and later {@link System#console()} exists even
     * when they are not, so its {@code isTerminal()} decides.
     */
    static boolean isInteractive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
