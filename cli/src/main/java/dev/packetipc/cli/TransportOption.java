package dev.packetipc.cli;

import dev.packetipc.IpcException;
import dev.packetipc.IpcTransport;
import dev.packetipc.NoSuchTransportException;
import dev.packetipc.PacketIpc;
import dev.packetipc.TransportCapability;
import dev.packetipc.TransportUnavailableException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --transport ID}: which transport a command starts its server on. */
final class TransportOption {
    @Option(
            names = {"-t", "--transport"},
            paramLabel = "ID",
            description = "The transport: unix, shm, pipe (Windows) or another id 'packet-ipc doctor' lists. Default:"
                    + " the one -Dpacketipc.transport or PACKETIPC_TRANSPORT names, else the best available.")
    String id;

    /**
     * The transport chosen. An unknown id, or one that works within one JVM only, is a usage error; an unavailable
     * one a failure; both come with the table of transports.
     */
    IpcTransport resolve(CommandSpec spec) throws IpcException, CommandFailure {
        String requested = id != null ? id : System.getProperty(PacketIpc.TRANSPORT_PROPERTY);
        String by = id != null ? "" : " (-D" + PacketIpc.TRANSPORT_PROPERTY + ")";
        if (requested == null) {
            requested = System.getenv(PacketIpc.TRANSPORT_ENV);
            by = id != null ? "" : " (" + PacketIpc.TRANSPORT_ENV + ")";
        }
        IpcTransport chosen;
        try {
            chosen = id == null ? PacketIpc.transport() : PacketIpc.transport(id);
        } catch (NoSuchTransportException e) {
            throw new ParameterException(
                    spec.commandLine(),
                    withTable("no transport has the id '" + requested + "'" + by
                            + "; the transports here (pick one with --transport):"),
                    e);
        } catch (TransportUnavailableException e) {
            List<String> details = new ArrayList<>(List.of("the transports here (pick one with --transport):"));
            details.addAll(Transports.table());
            String what = requested == null
                    ? "no transport between processes can run here"
                    : "the transport '" + requested + "'" + by + " cannot run here";
            throw new CommandFailure(what, details, e);
        }
        if (!chosen.capabilities().contains(TransportCapability.CROSS_PROCESS)) {
            throw new ParameterException(
                    spec.commandLine(),
                    withTable("the '" + chosen.id() + "' transport works within one JVM only (it is for tests);"
                            + " this command needs one between processes (pick one with --transport):"));
        }
        return chosen;
    }

    private static String withTable(String first) {
        StringBuilder text = new StringBuilder(first);
        for (String line : Transports.table()) {
            text.append('\n').append(line);
        }
        return text.toString();
    }
}
