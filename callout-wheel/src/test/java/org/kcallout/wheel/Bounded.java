package org.kcallout.wheel;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.opentest4j.AssertionFailedError;

/**
 * Runs a piece of a test that could hang (a close, a drain, a join) on its own daemon thread, and
 * fails the test with a dump of every thread if it has not finished within {@link #LIMIT}. The
 * limit is a safety net against a hang, never a timing assertion.
 */
final class Bounded {
    /** How long a bounded step may take before the test fails as hung. */
    static final Duration LIMIT = Duration.ofSeconds(30);

    /** A step that may throw anything. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private Bounded() {
    }

    /**
     * Runs {@code step} on a new daemon thread named {@code what} and waits for it.
     *
     * @param what names the step in the thread's name and in a failure
     * @param step the step (it runs on another thread: locks it takes are that thread's)
     * @throws Exception whatever the step threw
     * @throws AssertionFailedError with a thread dump, if it did not finish within {@link #LIMIT}
     */
    static void run(String what, Step step) throws Exception {
        call(what, () -> {
            step.run();
            return null;
        });
    }

    /**
     * As {@link #run}, with a result.
     *
     * @param what names the step
     * @param body the step
     * @param <T>  its result type
     * @return its result
     * @throws Exception whatever the step threw
     */
    static <T> T call(String what, Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "bounded: " + what);
        t.setDaemon(true);
        t.start();
        try {
            return result.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionFailedError(what + " did not finish within " + LIMIT.toSeconds() + " s: it hangs.\n"
                    + threadDump());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw (Error) cause;
        }
    }

    /**
     * Waits for {@code t} to end, failing with a thread dump after {@link #LIMIT}.
     *
     * @param what names the wait in a failure
     * @param t    the thread
     * @throws InterruptedException if interrupted
     */
    static void join(String what, Thread t) throws InterruptedException {
        t.join(LIMIT.toMillis());
        if (t.isAlive()) {
            throw new AssertionFailedError(what + ": thread " + t.getName() + " did not end within "
                    + LIMIT.toSeconds() + " s.\n" + threadDump());
        }
    }

    /** @return the stack of every live thread, for a failure message */
    static String threadDump() {
        StringBuilder sb = new StringBuilder("Thread dump:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("    at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }
}
