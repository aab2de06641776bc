package dev.packetipc.conformance;

import dev.packetipc.IpcTransport;
import java.lang.reflect.Method;
import java.util.Optional;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips a rule marked {@link RequiresCapability} when the contract's transport does not declare the capability, with
 * a reason that names both, and a rule marked {@link FreezesAProcess} where processes cannot be frozen. The transport is made by a fresh instance of the contract class, as a child JVM does.
 */
final class CapabilitySkipHook implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        if (context.findAnnotation(FreezesAProcess.class).isPresent() && !ChildJvm.canFreeze()) {
            return SkipResult.skip("the rule freezes a process with SIGSTOP, which this system does not have");
        }
        Optional<RequiresCapability> required = context.findAnnotation(RequiresCapability.class);
        Optional<Class<?>> container = context.optionalContainerClass();
        if (required.isEmpty()
                || container.isEmpty()
                || !context.optionalElement().isPresent()) {
            return SkipResult.doNotSkip();
        }
        if (!(context.optionalElement().get() instanceof Method)) {
            return SkipResult.doNotSkip();
        }
        IpcTransport transport = transportOf(container.get());
        if (transport.capabilities().contains(required.get().value())) {
            return SkipResult.doNotSkip();
        }
        String reason = "transport '" + transport.id() + "' does not declare "
                + required.get().value() + " (it declares " + transport.capabilities() + ")";
        // Build tools show a skip's reason only in their reports; this line puts it on the console too.
        System.out.println("[packet-ipc conformance] " + container.get().getSimpleName() + "."
                + ((Method) context.optionalElement().get()).getName() + " skipped: " + reason);
        return SkipResult.skip(reason);
    }

    private static IpcTransport transportOf(Class<?> containerClass) {
        return Contracts.instantiate(containerClass).newTransport();
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }
}
