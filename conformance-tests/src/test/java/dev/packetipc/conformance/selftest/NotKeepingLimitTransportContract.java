package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/** The contract against {@link FaultyTransport#notKeepingItsLimit()}; run by {@link BrokenTransportsTest}, not by surefire. */
public class NotKeepingLimitTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.notKeepingItsLimit();
    }
}
