package dev.packetipc.conformance.selftest;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.IpcTransport;
import dev.packetipc.TransportCapability;
import dev.packetipc.conformance.TransportContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contract against a transport that never sends the end, counting the connections the suite opens: one per
 * try of a stream rule, so the count says how often jqwik ran the rule. Run by {@link BrokenTransportsTest}.
 */
public class HangCountingTransportContract extends TransportContract {
    /** Connections made since the last reset. */
    static final AtomicInteger CONNECTIONS = new AtomicInteger();

    @Override
    protected IpcTransport newTransport() {
        return new FaultyTransport(
                "hang-counting",
                () -> {
                    CONNECTIONS.incrementAndGet();
                    return new FaultyTransport.Fault() {
                        @Override
                        public List<AsIpcPacket> onSend(List<? extends AsIpcPacket> batch) {
                            return new ArrayList<>(batch);
                        }

                        @Override
                        public boolean deliversEnd() {
                            return false;
                        }
                    };
                },
                Set.of(TransportCapability.MULTIPLE_CLIENTS));
    }

    /** Short, because every try waits this long for the end that never comes. */
    @Override
    protected Duration waitTimeout() {
        return Duration.ofMillis(300);
    }
}
