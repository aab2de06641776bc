package dev.packetipc.unix;

import dev.packetipc.IpcOptions;

/**
 * The conformance suite against the Unix transport with the packet ring declined by the client (its {@link
 * IpcOptions#RING_BYTES} is 0, so its HELLO does not offer the ring) although the server would accept it: every batch
 * travels in frames on the socket, as with a client that does not speak the ring (the C client with
 * {@code no_packet_ring}, say). {@link UnixTransportSocketFramingConformanceTest} is the other side: the server
 * refuses. The cross-process rules build their child JVM's client from these options too.
 */
public class UnixTransportRingDeclinedByClientConformanceTest extends UnixTransportConformanceTest {
    @Override
    protected IpcOptions clientOptions() {
        return IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
    }
}
