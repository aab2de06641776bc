package dev.packetipc.aeron;

import dev.packetipc.IpcTransport;
import dev.packetipc.TransportCapability;
import dev.packetipc.conformance.TransportContract;
import java.util.List;

/**
 * The conformance suite against the aeron transport over UDP on loopback (the default name,
 * {@code aeron:udp?endpoint=127.0.0.1:0}). R201/R202 put server or client in a child JVM with its own embedded media
 * driver, so the stream crosses real UDP between two drivers; R203 runs several clients, each with its own
 * publication. The transport declares {@link TransportCapability#CROSS_PROCESS} and
 * {@link TransportCapability#MULTIPLE_CLIENTS}; R204 (zero-copy receive) is skipped, because payloads larger than one
 * frame are copied by Aeron's reassembly.
 */
public class AeronTransportConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new AeronTransport();
    }

    @Override
    protected List<String> childJvmArguments() {
        return JvmFlags.required();
    }
}
