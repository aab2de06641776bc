package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import java.time.Duration;

/**
 * The contract against {@link FaultyTransport#replayingAfterAThrow()}; run by {@link BrokenTransportsTest}, not by
 * surefire.
 */
public class ReplayingTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.replayingAfterAThrow();
    }

    @Override
    protected Duration waitTimeout() {
        return Duration.ofSeconds(2);
    }
}
