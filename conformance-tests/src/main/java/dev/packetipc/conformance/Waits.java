package dev.packetipc.conformance;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs blocking calls on background threads and waits for them with a time limit, so that a transport that hangs
 * fails a rule instead of hanging the suite.
 */
final class Waits {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "packet-ipc-conformance-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private Waits() {}

    /**
     * The wait a system property asks for, or the default when it is not set.
     *
     * @param value the property's value: an ISO-8601 duration ({@code PT2S}) or milliseconds; null or blank for none
     * @throws IllegalArgumentException if the value is not a positive duration
     */
    static Duration configuredTimeout(String value, Duration otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        Duration timeout;
        try {
            String text = value.trim();
            timeout = text.chars().allMatch(Character::isDigit)
                    ? Duration.ofMillis(Long.parseLong(text))
                    : Duration.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "-D" + TransportContract.WAIT_TIMEOUT_PROPERTY + "=" + value
                            + " is not a duration: give milliseconds (2000) or an ISO-8601 duration (PT2S)",
                    e);
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(
                    "-D" + TransportContract.WAIT_TIMEOUT_PROPERTY + "=" + value + " must be a positive duration");
        }
        return timeout;
    }

    /** Starts a call in the background. */
    static <T> Future<T> start(Callable<T> call) {
        return EXECUTOR.submit(call);
    }

    /**
     * Waits for a background call.
     *
     * @param what the call, in words, for the failure message ("accept()")
     * @throws AssertionError if it did not finish in time
     * @throws Exception what the call threw
     */
    static <T> T await(Future<T> future, Duration timeout, String what) throws Exception {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError(what + " did not return within " + timeout + "; it hangs", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw e;
        }
    }

    /** Runs a call in the background and waits for it. */
    static <T> T call(Duration timeout, String what, Callable<T> call) throws Exception {
        return await(start(call), timeout, what);
    }

    /** Waits for a background call that must fail, and returns what it threw. */
    static Exception failure(Future<?> future, Duration timeout, String what) {
        Object result;
        try {
            result = await(future, timeout, what);
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError(what + " returned " + result + " instead of throwing");
    }
}
