package org.kcallout.wheel;

import java.time.Duration;
import java.util.Comparator;
import java.util.Map;

/**
 * Runs a call that could hang (a drain, a close, an advance that dispatches handlers) on a helper
 * thread, bounded by {@link #LIMIT}: the call's own result or exception is passed back unchanged to
 * the caller, and if it has not returned within the limit the caller fails with {@link Timeout},
 * whose message is a dump of every thread's stack ({@link Thread#getAllStackTraces()}), so that a
 * deadlock in the engine shows up as a readable failure instead of a hung build.
 */
final class Bounded {
    /* Implementation notes: the helper is a daemon, so a call that never returns cannot keep the
     * JVM alive; it is left running after a timeout (kernel sleeps, like drain's, are
     * uninterruptible, so interrupting it would prove nothing). The limit is a safety net, never a
     * timing assertion. */

    /** The bound on every call: a safety net, not a timing assertion. */
    static final Duration LIMIT = Duration.ofSeconds(30);

    private Bounded() {
    }

    /**
     * A call that may throw anything.
     *
     * @param <T> its result type
     */
    @FunctionalInterface
    interface Body<T> {
        T run() throws Throwable;
    }

    /** A call without a result that may throw anything. */
    @FunctionalInterface
    interface Step {
        void run() throws Throwable;
    }

    /** The call did not return within {@link #LIMIT}; the message holds a dump of every thread. */
    static final class Timeout extends AssertionError {
        private static final long serialVersionUID = 1L;

        Timeout(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code body} on a helper daemon thread and waits at most {@link #LIMIT} for it.
     *
     * @param what names the call in a timeout message
     * @param body the call
     * @param <T>  its result type
     * @return what {@code body} returned
     * @throws Timeout   if {@code body} is still running after {@link #LIMIT}
     * @throws Throwable whatever {@code body} threw, unchanged
     */
    static <T> T call(String what, Body<T> body) throws Throwable {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                result[0] = body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "bounded: " + what);
        t.setDaemon(true);
        t.start();
        t.join(LIMIT.toMillis()); // join gives happens-before for result and failure
        if (t.isAlive()) {
            throw new Timeout(what + " did not return within " + LIMIT + " (safety net: a deadlock or a lost "
                    + "wake-up); all threads:\n" + threadDump());
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }

    /**
     * {@link #call} for a step without a result.
     *
     * @param what names the call in a timeout message
     * @param step the call
     * @throws Throwable as {@link #call}
     */
    static void run(String what, Step step) throws Throwable {
        call(what, () -> {
            step.run();
            return null;
        });
    }

    /**
     * Waits for {@code t} to end, failing with a dump of every thread after {@link #LIMIT}.
     *
     * @param what names the wait in a failure
     * @param t    the thread
     * @throws InterruptedException if interrupted while waiting
     * @throws Timeout              if {@code t} is still alive after {@link #LIMIT}
     */
    static void join(String what, Thread t) throws InterruptedException {
        t.join(LIMIT.toMillis());
        if (t.isAlive()) {
            throw new Timeout(what + ": thread " + t.getName() + " did not end within " + LIMIT
                    + "; all threads:\n" + threadDump());
        }
    }

    /** @return the stack of every live thread, in the style of jstack, sorted by thread name */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
        all.entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getKey().getName()))
                .forEach(e -> {
                    Thread th = e.getKey();
                    sb.append('"').append(th.getName()).append('"')
                            .append(th.isDaemon() ? " daemon" : "")
                            .append(" id=").append(th.getId())
                            .append(' ').append(th.getState()).append('\n');
                    for (StackTraceElement f : e.getValue()) {
                        sb.append("\tat ").append(f).append('\n');
                    }
                    sb.append('\n');
                });
        return sb.toString();
    }
}
