package org.kcallout.legacy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.Profile;
import org.kcallout.Sbt;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/**
 * Test fixture: a virtual clock, a callout system on it, a timeout pool, a recording handler, and a
 * latch the engine trips when the dispatcher starts waiting for Giant. Closed together.
 */
final class LegacyRig implements AutoCloseable {
    /* Implementation notes: every wait is bounded by SAFETY, a safety net against a hung test and
     * never a timing assertion; orderings come from latches and the engine's observer. */

    /** The bound on every wait: a safety net, not a timing assertion. */
    static final Duration SAFETY = Duration.ofSeconds(30);

    /** Start of virtual time: not on a tick boundary, so that "now" and "last hardclock" differ. */
    static final long START = Sbt.SBT_1S + 1234;

    final VirtualTicklessClock vt;
    final CalloutWheel sys;
    final TimeoutPool pool;
    /** Counts down each time the dispatcher is about to wait for a callout's lock (Giant here). */
    volatile CountDownLatch lockWait = new CountDownLatch(1);
    /** What handlers threw, as reported to the system's failure hook. */
    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    LegacyRig(int ncallout) {
        this(Profile.MODERN, ncallout, false, START, 0);
    }

    LegacyRig(Profile profile, int ncallout, boolean generationChecked) {
        this(profile, ncallout, generationChecked, START, 0);
    }

    LegacyRig(Profile profile, int ncallout, boolean generationChecked, long start, int ticksAtStart) {
        this.vt = new VirtualTicklessClock(start, ticksAtStart);
        this.sys = CalloutWheel.builder()
                .profile(profile)
                .clock(vt)
                .failureHook((c, t) -> failures.add(t))
                .observer(new CalloutObserver() {
                    @Override
                    public void dispatchLockWait(Callout c) {
                        lockWait.countDown();
                    }
                })
                .build();
        this.pool = TimeoutPool.builder(sys).ncallout(ncallout).generationChecked(generationChecked).build();
    }

    /**
     * Waits until the dispatcher waits for Giant.
     *
     * @return true
     * @throws AssertionError with a thread dump if that does not happen within {@link #SAFETY}
     */
    boolean awaitLockWait() throws InterruptedException {
        if (!lockWait.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the dispatcher did not start waiting for Giant within the safety bound\n"
                    + threadDump());
        }
        return true;
    }

    /**
     * Waits until {@code condition} holds, for a state another thread publishes in a volatile field
     * and signals no other way (spinning with {@link Thread#yield()}, never sleeping).
     *
     * @throws AssertionError with a thread dump if it does not hold within {@link #SAFETY}
     */
    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + SAFETY.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " did not happen within the safety bound\n" + threadDump());
            }
            Thread.yield();
        }
    }

    /** @return the stack of every live thread, for the message of a test that timed out */
    static String threadDump() {
        StringBuilder sb = new StringBuilder("thread dump:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("    at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }

    /** Starts {@code body} on a daemon helper thread; its failure is kept for {@link Helper#join()}. */
    static Helper helper(String name, ThrowingRunnable body) {
        Helper h = new Helper(name, body);
        h.start();
        return h;
    }

    @Override
    public void close() {
        sys.close();
    }

    /** A body for a helper thread. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A daemon thread whose failure is re-thrown on the test thread by {@link #join()}. */
    static final class Helper extends Thread {
        private final ThrowingRunnable body;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Helper(String name, ThrowingRunnable body) {
            super(name);
            this.body = body;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                body.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        /** Joins (bounded by SAFETY) and re-throws the body's failure. */
        void joinChecked() throws Exception {
            join(SAFETY.toMillis());
            if (isAlive()) {
                throw new AssertionError(getName() + " did not finish within the safety bound\n" + threadDump());
            }
            Throwable t = failure.get();
            if (t instanceof Exception) {
                throw (Exception) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
        }
    }

    /** One recorded invocation of {@link Recorder#FUNC}. */
    static final class Call {
        final Object arg;
        final boolean giantHeld;
        final int ticks;
        final long now;

        Call(Object arg, boolean giantHeld, int ticks, long now) {
            this.arg = arg;
            this.giantHeld = giantHeld;
            this.ticks = ticks;
            this.now = now;
        }
    }

    /**
     * A recording handler: the argument of a timeout is a {@code Recorder}, and each invocation
     * appends what it saw. {@link #FUNC} and {@link #OTHER} are two distinct prebuilt handlers.
     */
    static final class Recorder {
        static final CalloutFunc<Recorder> FUNC = Recorder::record;
        static final CalloutFunc<Recorder> OTHER = Recorder::record;

        final CalloutWheel sys;
        final List<Call> calls = new CopyOnWriteArrayList<>();

        Recorder(CalloutWheel sys) {
            this.sys = sys;
        }

        private static void record(Recorder r) {
            r.calls.add(new Call(r, r.sys.giant().owned(), r.sys.ticks(), r.sys.sbinuptime()));
        }

        int count() {
            return calls.size();
        }
    }
}
