package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import java.time.Duration;

/** The contract against {@link DeafTransport}; run by {@link BrokenTransportsTest}, not by surefire. */
public class DeafTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new DeafTransport();
    }

    /** Short, because the rules that catch this transport wait this long for a wake-up that never comes. */
    @Override
    protected Duration waitTimeout() {
        return Duration.ofMillis(500);
    }
}
