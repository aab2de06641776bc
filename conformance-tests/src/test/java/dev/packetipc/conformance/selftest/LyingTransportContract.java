package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.TransportCapability;
import dev.packetipc.conformance.TransportContract;
import java.util.ArrayList;
import java.util.Set;

/**
 * The in-process transport claiming {@link TransportCapability#CROSS_PROCESS}, which it cannot do: the cross-process
 * rules must fail, quickly, with the child JVM's side of the story. Run by {@link CrossProcessRulesTest}.
 */
public class LyingTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new FaultyTransport("liar", () -> ArrayList::new, Set.of(TransportCapability.CROSS_PROCESS));
    }
}
