package dev.packetipc.windows;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The real {@link WindowsPipeTransport} over the emulated Windows of one JVM: servers run in one emulated process and
 * clients in another of the same user, so sections really are duplicated from one handle table into another. It
 * declares every capability but {@link TransportCapability#CROSS_PROCESS}: the emulation lives in one JVM.
 */
final class EmulatedPipeTransport implements IpcTransport {
    /** One machine for every test in the JVM, as the suite makes many transports. */
    static final EmulatedWindows MACHINE = new EmulatedWindows();

    static final String USER = "S-1-5-21-1004336348-1177238915-682003330-1001";

    private final EmulatedWin32Pipes serverProcess = MACHINE.newProcess(USER);
    private final EmulatedWin32Pipes clientProcess = MACHINE.newProcess(USER);
    private final WindowsPipeTransport servers = new WindowsPipeTransport(serverProcess);
    private final WindowsPipeTransport clients = new WindowsPipeTransport(clientProcess);

    EmulatedWin32Pipes serverProcess() {
        return serverProcess;
    }

    EmulatedWin32Pipes clientProcess() {
        return clientProcess;
    }

    @Override
    public String id() {
        return servers.id();
    }

    @Override
    public int priority() {
        return servers.priority();
    }

    @Override
    public Set<TransportCapability> capabilities() {
        Set<TransportCapability> capabilities = EnumSet.copyOf(servers.capabilities());
        capabilities.remove(TransportCapability.CROSS_PROCESS);
        capabilities.remove(TransportCapability.LIVENESS); // its rules freeze and kill a peer in another process
        return capabilities;
    }

    @Override
    public boolean isAvailable() {
        return servers.isAvailable();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return servers.unavailabilityCause();
    }

    @Override
    public Server newServer(IpcOptions options) throws IpcException {
        return servers.newServer(options);
    }

    @Override
    public Client connect(String name, IpcOptions options) throws IpcException {
        return clients.connect(name, options);
    }
}
