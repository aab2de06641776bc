package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/**
 * The contract against {@link SocketTestTransport}, a real cross-process transport: every rule must pass, the
 * cross-process ones with real child JVMs.
 */
public class SocketTestTransportConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new SocketTestTransport();
    }
}
