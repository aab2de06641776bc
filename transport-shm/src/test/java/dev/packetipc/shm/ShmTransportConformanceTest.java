package dev.packetipc.shm;

import dev.packetipc.IpcTransport;
import dev.packetipc.TransportCapability;
import dev.packetipc.conformance.TransportContract;
import java.util.List;

/**
 * The conformance suite against the shm transport; R201/R202 run server or client in a child JVM, R203 many clients,
 * R204 large payloads through {@code poll} in place. The transport declares {@link TransportCapability#CROSS_PROCESS},
 * {@link TransportCapability#MULTIPLE_CLIENTS} and {@link TransportCapability#ZERO_COPY_RECEIVE}.
 */
public class ShmTransportConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new ShmTransport();
    }

    @Override
    protected List<String> childJvmArguments() {
        return JvmFlags.required();
    }
}
