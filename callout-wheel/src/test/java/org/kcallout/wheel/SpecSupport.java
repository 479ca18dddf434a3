package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.kcallout.Callout;
import org.kcallout.Profile;
import org.kcallout.wheel.clock.VirtualClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * Shared fixtures for the SPEC §11 conformance tests of this package: a {@link Rig} (virtual clock,
 * callout system, handler gate and wait observer, closed together), background {@link Task}s whose
 * failures surface on the test thread, and a {@link WaitObserver} that turns the engine's
 * {@link CalloutObserver} hooks into waitable events.
 */
final class SpecSupport {
    /* Implementation notes: every wait here is bounded by SAFETY, which is a safety net against a
     * hung test, never a timing assertion; the ordering itself comes from HandlerGate, the observer
     * hooks and latches. Helper threads are daemons, so a failed test can never keep the JVM alive,
     * and Rig.close() opens its gate before joining them so that a test that failed while a handler
     * was held does not leave that handler parked. */

    /** The bound on every wait: a safety net, not a timing assertion. */
    static final Duration SAFETY = Duration.ofSeconds(30);

    private SpecSupport() {
    }

    /**
     * A body run on a helper thread; may throw anything (a failure is re-thrown by
     * {@link Task#get()}).
     *
     * @param <T> its result type
     */
    @FunctionalInterface
    interface Body<T> {
        T run() throws Exception;
    }

    /**
     * A helper thread with a result. Its exception, if any, is re-thrown on the thread that calls
     * {@link #get()}.
     *
     * @param <T> the result type
     */
    static final class Task<T> {
        private final Thread thread;
        private volatile T result;
        private volatile Throwable failure;
        private volatile boolean done;
        /** Run by {@link #get()} after a successful join, or null; set by the thread that started the task, which calls get. */
        private volatile Runnable afterJoin;

        private Task(String name, Body<T> body) {
            this.thread = new Thread(() -> {
                try {
                    result = body.run();
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done = true;
                }
            }, name);
            thread.setDaemon(true);
        }

        /**
         * Starts {@code body} on a new daemon thread.
         *
         * @param name the thread name (shows up in failures)
         * @param body what to run
         * @param <T>  the result type
         * @return the started task
         */
        static <T> Task<T> start(String name, Body<T> body) {
            Task<T> t = new Task<>(name, body);
            t.thread.start();
            return t;
        }

        /** @return the helper thread */
        Thread thread() {
            return thread;
        }

        /** @return true once the body has returned or thrown */
        boolean done() {
            return done;
        }

        /**
         * Joins the thread (bounded by {@link #SAFETY}) and returns its result.
         *
         * @return the body's result
         * @throws AssertionError if the thread is still running after {@link #SAFETY}, or threw
         */
        T get() throws InterruptedException {
            thread.join(SAFETY.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still running after " + SAFETY
                        + " (safety net; a handler or a drainer is stuck)");
            }
            if (failure != null) {
                throw new AssertionError(thread.getName() + " failed: " + failure, failure);
            }
            Runnable after = afterJoin;
            if (after != null) {
                after.run();
            }
            return result;
        }

        /** Joins (bounded) without looking at the outcome; for cleanup. Keeps an interrupt pending. */
        void joinQuietly() {
            try {
                thread.join(SAFETY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Counts the engine's wait hooks and lets a test wait for them: {@code dispatchLockWait} (the
     * dispatcher is about to block on the callout's lock: SPEC §3 LOCKWAIT) and {@code drainWait}
     * (a drainer is about to sleep until the running invocation completes). Each hook releases one
     * permit, like a count-down latch that can be awaited more than once.
     */
    static final class WaitObserver implements CalloutObserver {
        private final Semaphore lockWaits = new Semaphore(0);
        private final Semaphore drainWaits = new Semaphore(0);
        private final AtomicInteger lockWaitCount = new AtomicInteger();
        private final AtomicInteger drainWaitCount = new AtomicInteger();

        @Override
        public void dispatchLockWait(Callout c) {
            lockWaitCount.incrementAndGet();
            lockWaits.release();
        }

        @Override
        public void drainWait(Callout c) {
            drainWaitCount.incrementAndGet();
            drainWaits.release();
        }

        /** Waits until one more dispatcher has reached LOCKWAIT; fails after {@link #SAFETY}. */
        void awaitLockWait() throws InterruptedException {
            assertTrue(lockWaits.tryAcquire(SAFETY.toNanos(), TimeUnit.NANOSECONDS),
                    "no dispatcher reached LOCKWAIT within " + SAFETY);
        }

        /** Waits until {@code n} more drainers are asleep; fails after {@link #SAFETY}. */
        void awaitDrainWaits(int n) throws InterruptedException {
            assertTrue(drainWaits.tryAcquire(n, SAFETY.toNanos(), TimeUnit.NANOSECONDS),
                    n + " drainer(s) did not start waiting within " + SAFETY);
        }

        /** @return how many times a drainer went to sleep so far */
        int drainWaitCount() {
            return drainWaitCount.get();
        }

        /** @return how many times a dispatcher reached LOCKWAIT so far */
        int lockWaitCount() {
            return lockWaitCount.get();
        }
    }

    /**
     * One callout system on one of the deterministic {@link Clocks} (by default the tickless
     * {@link VirtualTicklessClock} starting at 0), with a {@link WaitObserver} and a
     * {@link HandlerGate}, plus the helper threads a test starts through it. Closing it opens the
     * gate (in case a failed test left a handler held), joins the helpers and closes the system.
     */
    static final class Rig implements AutoCloseable {
        /** The kind of clock the system runs on. */
        final Clocks clocks;
        /** The clock, its driver and its virtual time. */
        final Clocks.Setup setup;
        /** The virtual time the test moves (the clock's {@link Clocks.Setup#time()}). */
        final VirtualClock vt;
        final WaitObserver obs = new WaitObserver();
        final HandlerGate gate = new HandlerGate();
        final CalloutWheel sys;
        private final List<Task<?>> tasks = new ArrayList<>();

        Rig(Profile profile) {
            this(profile, 1);
        }

        Rig(Profile profile, int ncpus) {
            this(Clocks.VIRTUAL_EVENT_TIMER, profile, ncpus);
        }

        Rig(Clocks clocks, Profile profile) {
            this(clocks, profile, 1);
        }

        Rig(Clocks clocks, Profile profile, int ncpus) {
            this(clocks, 0, b -> b.profile(profile).ncpus(ncpus));
        }

        /**
         * A system on {@code clocks} whose time starts at {@code start}.
         *
         * @param configure further builder settings (profile, CPUs, hooks), applied after the
         *                  observer; null for the defaults
         */
        Rig(Clocks clocks, long start, Consumer<CalloutWheelBuilder> configure) {
            this.clocks = clocks;
            this.setup = clocks.create(start);
            this.vt = setup.time();
            this.sys = setup.build(b -> {
                b.observer(obs);
                if (configure != null) {
                    configure.accept(b);
                }
            });
        }

        /**
         * The time by which {@code c}, armed just now, must have run on this rig's clock
         * ({@link Clocks.Setup#windowEnd}).
         */
        long windowEnd(Callout c) {
            return setup.windowEnd(c);
        }

        /**
         * Starts a helper thread that tracks the rig's lifetime.
         *
         * @return the task
         */
        <T> Task<T> spawn(String name, Body<T> body) {
            Task<T> t = Task.start(name, body);
            tasks.add(t);
            return t;
        }

        /**
         * Advances the virtual clock by {@code n} ticks on a helper thread: the interrupts, the
         * dispatcher and the handlers run there ("CPU 0"), while the test thread plays "CPU 1".
         *
         * @return the task
         */
        Task<Void> advanceTicksInBackground(int n) {
            Task<Void> t = Task.start("advance-" + n + "-ticks", () -> {
                vt.advanceTicks(n);
                return null;
            });
            // On a clock whose CPUs have threads of their own (Clocks.CONCURRENT) the helper's
            // advance returns once a held or lock-waiting handler counts as settled, before the
            // test lets it go; joining it then also waits for what the release set running.
            t.afterJoin = () -> vt.advance(0);
            tasks.add(t);
            return t;
        }

        @Override
        public void close() {
            try {
                // A test that failed while a handler was held must not leave it parked; extra
                // permits are harmless once the test is over.
                for (int i = 0; i < 4; i++) {
                    gate.open();
                }
                for (Task<?> t : tasks) {
                    t.joinQuietly();
                }
            } finally {
                sys.close();
            }
        }
    }
}
