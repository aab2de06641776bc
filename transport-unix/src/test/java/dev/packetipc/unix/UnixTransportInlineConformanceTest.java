package dev.packetipc.unix;

import dev.packetipc.IpcOptions;

/**
 * The conformance suite against the Unix transport with shared memory off, so that every payload, up to the largest
 * the suite sends, travels inline (and payloads larger than the send buffer by the gathering write).
 */
public class UnixTransportInlineConformanceTest extends UnixTransportConformanceTest {
    @Override
    protected IpcOptions serverOptions() {
        return IpcOptions.builder().set(IpcOptions.SHARED_MEMORY_BYTES, 0).build();
    }
}
