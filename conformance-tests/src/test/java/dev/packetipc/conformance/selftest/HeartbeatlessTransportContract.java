package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.TransportCapability;
import dev.packetipc.conformance.TransportContract;
import java.time.Duration;

/**
 * {@link SocketTestTransport} claiming {@link TransportCapability#LIVENESS} without sending heartbeats: a frozen peer
 * is never reported, so R207 and R208 must fail; a killed one still is (its socket ends), so R209 and R210 pass. Run
 * by {@link LivenessRulesTest}.
 */
public class HeartbeatlessTransportContract extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new SocketTestTransport(true);
    }

    @Override
    protected Duration waitTimeout() {
        return Duration.ofSeconds(3); // what "never reported" waits for: the rules' bound plus this
    }
}
