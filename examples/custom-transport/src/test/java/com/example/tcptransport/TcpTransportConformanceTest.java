package com.example.tcptransport;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/** Runs packet-ipc's conformance suite against the example transport: this is all a third party writes. */
public class TcpTransportConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new TcpTransport();
    }
}
