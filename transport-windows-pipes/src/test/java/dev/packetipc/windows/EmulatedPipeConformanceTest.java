package dev.packetipc.windows;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;

/**
 * The conformance suite against the Windows transport's own code (server, pipe channel, section shared memory, error
 * mapping, and the shared stream engine above them) over the emulated Windows: everything but the JNA calls, on any
 * system. The cross-process rules are skipped here; {@link WindowsPipeConformanceTest} runs them on Windows.
 */
public class EmulatedPipeConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new EmulatedPipeTransport();
    }
}
