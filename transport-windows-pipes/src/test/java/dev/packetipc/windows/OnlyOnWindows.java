package dev.packetipc.windows;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** Skips a jqwik container off Windows, with the transport's own reason, so that it shows as skipped, not passed. */
public final class OnlyOnWindows implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        WindowsPipeTransport transport = new WindowsPipeTransport();
        if (transport.isAvailable()) {
            return SkipResult.doNotSkip();
        }
        return SkipResult.skip("the named-pipe transport is not available here: "
                + transport.unavailabilityCause().map(Throwable::getMessage).orElse("?"));
    }
}
