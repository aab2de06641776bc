package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/** The contract against {@link FaultyTransport#corrupting()}; run by {@link BrokenTransportsTest}, not by surefire. */
public class CorruptingTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.corrupting();
    }
}
