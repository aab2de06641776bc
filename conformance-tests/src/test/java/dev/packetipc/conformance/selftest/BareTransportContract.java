package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/** The contract against {@link FaultyTransport#withoutCapabilities()}; run by {@link BrokenTransportsTest}, not by surefire. */
public class BareTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.withoutCapabilities();
    }
}
