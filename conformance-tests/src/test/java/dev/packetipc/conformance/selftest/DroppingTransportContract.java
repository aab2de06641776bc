package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import java.time.Duration;

/** The contract against {@link FaultyTransport#dropping()}; run by {@link BrokenTransportsTest}, not by surefire. */
public class DroppingTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.dropping();
    }

    /** Short, because a rule that waits for the lost packet waits this long. */
    @Override
    protected Duration waitTimeout() {
        return Duration.ofSeconds(1);
    }
}
