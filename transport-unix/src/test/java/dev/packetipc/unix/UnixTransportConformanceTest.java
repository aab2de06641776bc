package dev.packetipc.unix;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import java.util.List;

/** The conformance suite against the Unix transport, with servers and clients also in child JVMs. */
public class UnixTransportConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new UnixTransport();
    }

    @Override
    protected List<String> childJvmArguments() {
        return TestJvms.nativeAccessFlags();
    }
}
