package dev.packetipc.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts this command in a child JVM: the same java, the same class path, the flags transports need. */
final class ChildJvm {
    private ChildJvm() {}

    /** The java executable running this JVM. */
    static String javaExecutable() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Starts {@code packet-ipc <arguments>} in a child JVM whose stdout is piped to this process and whose stderr is
     * this process's stderr.
     */
    static Process start(List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(JvmFlags.forChildJvm());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(arguments);
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
    }
}
