package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import java.time.Duration;

/** The contract against {@link FaultyTransport#neverEnding()}; run by {@link BrokenTransportsTest}, not by surefire. */
public class NeverEndingTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return FaultyTransport.neverEnding();
    }

    /** Short, because every stream rule waits this long for the end that never comes. */
    @Override
    protected Duration waitTimeout() {
        return Duration.ofMillis(300);
    }
}
