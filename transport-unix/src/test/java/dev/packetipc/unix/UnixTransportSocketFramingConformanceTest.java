package dev.packetipc.unix;

import dev.packetipc.IpcOptions;

/**
 * The conformance suite against the Unix transport with the packet ring refused by the server (its {@link
 * IpcOptions#RING_BYTES} is 0) although the client offers it: every batch travels in frames on the socket, as with a
 * peer that does not speak the ring.
 */
public class UnixTransportSocketFramingConformanceTest extends UnixTransportConformanceTest {
    @Override
    protected IpcOptions serverOptions() {
        return IpcOptions.builder().set(IpcOptions.RING_BYTES, 0).build();
    }
}
