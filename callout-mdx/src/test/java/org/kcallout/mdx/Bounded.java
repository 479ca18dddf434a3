package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a test body that could hang (a lock never released, a wait for another thread) on a thread
 * of its own, and fails with a dump of every thread if it has not finished within the limit, so a
 * hang shows where everyone is stuck instead of stalling the build. What the body throws is
 * rethrown on the test's thread.
 */
final class Bounded {
    /** A body that may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    private Bounded() {
    }

    /**
     * Runs {@code body} on a new daemon thread and waits at most {@code limit} for it.
     *
     * @param what  names the body in the failure message and the thread
     * @param limit the most it may take
     * @param body  the body
     */
    static void run(String what, Duration limit, Body body) throws Throwable {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "bounded: " + what);
        t.setDaemon(true);
        t.start();
        t.join(limit.toMillis());
        if (t.isAlive()) {
            String dump = threadDump();
            t.interrupt();
            fail(what + " did not finish within " + limit + "; threads:\n" + dump);
        }
        if (thrown.get() != null) {
            throw thrown.get();
        }
    }

    /** Every live thread's name, state and stack. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread th = e.getKey();
            sb.append('"').append(th.getName()).append("\" ").append(th.getState()).append('\n');
            for (StackTraceElement el : e.getValue()) {
                sb.append("    at ").append(el).append('\n');
            }
        }
        return sb.toString();
    }
}
