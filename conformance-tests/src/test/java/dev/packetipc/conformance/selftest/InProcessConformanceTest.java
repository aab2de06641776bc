package dev.packetipc.conformance.selftest;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import dev.packetipc.inprocess.InProcessTransport;

/** The contract against the reference transport: every required rule must pass, optional ones run or skip. */
class InProcessConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new InProcessTransport();
    }
}
