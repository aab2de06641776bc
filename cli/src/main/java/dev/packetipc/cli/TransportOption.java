package dev.packetipc.cli;

import dev.packetipc.IpcException;
import dev.packetipc.IpcTransport;
import dev.packetipc.PacketIpc;
import picocli.CommandLine.Option;

/** {@code --transport ID}: which transport a command starts its server on. */
final class TransportOption {
    @Option(
            names = {"-t", "--transport"},
            paramLabel = "ID",
            description = "The transport: unix, shm, pipe or another id 'packet-ipc doctor' lists. Default: the one"
                    + " -Dpacketipc.transport or PACKETIPC_TRANSPORT names, else the best available.")
    String id;

    /** The transport chosen, with a message listing what was found when it cannot be used. */
    IpcTransport resolve() throws IpcException {
        return id == null ? PacketIpc.transport() : PacketIpc.transport(id);
    }
}
