package dev.packetipc.conformance;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.lifecycle.AroundTryHook;
import net.jqwik.api.lifecycle.Lifespan;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.Store;
import net.jqwik.api.lifecycle.TryExecutionResult;
import net.jqwik.api.lifecycle.TryExecutor;
import net.jqwik.api.lifecycle.TryLifecycleContext;

/**
 * Ends jqwik's shrinking of a rule at once when the failing try waited out {@link TransportContract#waitTimeout()}:
 * every smaller sample of a transport that hangs would hang as long again, so shrinking would only cost time (jqwik's
 * bounded shrinking, 10 s by default, per rule) and shrink nothing. The failure jqwik reports is the original one,
 * with its sample and message.
 *
 * <p>After a failing try, jqwik runs the property only to shrink; those runs are answered as "satisfied" without
 * running the rule, which jqwik takes as "this smaller sample does not fail", so shrinking stops.
 */
final class NoShrinkingAfterAHang implements AroundTryHook {
    @Override
    public TryExecutionResult aroundTry(TryLifecycleContext context, TryExecutor aTry, List<Object> parameters)
            throws Throwable {
        Store<Boolean> hung = Store.getOrCreate(NoShrinkingAfterAHang.class, Lifespan.PROPERTY, () -> false);
        if (hung.get()) {
            return TryExecutionResult.satisfied();
        }
        long start = System.nanoTime();
        TryExecutionResult result = aTry.execute(parameters);
        if (result.isFalsified() && waitedOut(context, Duration.ofNanos(System.nanoTime() - start))) {
            hung.update(previous -> true);
        }
        return result;
    }

    private static boolean waitedOut(TryLifecycleContext context, Duration took) {
        Object instance = context.testInstance();
        if (!(instance instanceof TransportContract)) {
            return false;
        }
        return took.compareTo(((TransportContract) instance).waitTimeout()) >= 0;
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    /** Outside every other hook, so that the time measured is the whole try. */
    @Override
    public int aroundTryProximity() {
        return -100;
    }
}
