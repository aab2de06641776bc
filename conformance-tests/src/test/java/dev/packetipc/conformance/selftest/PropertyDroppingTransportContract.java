package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/**
 * The contract against {@link FaultyTransport#droppingAProperty()}; run by {@link BrokenTransportsTest}, not by
 * surefire.
 */
public class PropertyDroppingTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.droppingAProperty();
    }
}
