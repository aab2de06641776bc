package dev.packetipc.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code packet-ipc} command: it only holds the subcommands. */
@Command(
        name = "packet-ipc",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Moves packets between processes on one host. Start with: packet-ipc demo",
        subcommands = {
            DemoCommand.class,
            ServeCommand.class,
            ReceiveCommand.class,
            DoctorCommand.class,
            BenchCommand.class,
            ReceiveChildCommand.class
        },
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage error. Add --verbose to see stack traces."})
final class PacketIpcCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    VerboseOption verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: try 'packet-ipc demo'");
    }
}
