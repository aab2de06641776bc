package dev.packetipc.windows;

import dev.packetipc.IpcTransport;
import dev.packetipc.conformance.TransportContract;
import java.util.List;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * The conformance suite against the real transport, JNA and all, with servers and clients also in child JVMs. It runs
 * on Windows (the CI's Windows jobs) and is reported as skipped everywhere else.
 */
@AddLifecycleHook(OnlyOnWindows.class)
public class WindowsPipeConformanceTest extends TransportContract {
    @Override
    protected IpcTransport newTransport() {
        return new WindowsPipeTransport();
    }

    @Override
    protected List<String> childJvmArguments() {
        return Runtime.version().feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
    }
}
