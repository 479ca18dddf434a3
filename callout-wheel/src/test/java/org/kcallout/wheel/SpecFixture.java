package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import org.kcallout.Callout;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.wheel.SpecSupport.Body;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.SpecSupport.Task;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * The set-up builders that the SPEC §11 tests of this package share, so that a test body reads
 * like the case it checks: the callouts of SPEC §4.1 and §4.2 ({@link #mpsafe}, {@link #giant},
 * {@link #locked}), an arm made under the callout's lock ({@link #holding}), and the three racing
 * set-ups of §11: a handler held mid-flight on a helper thread ({@link Held}, "the handler of
 * {@code c} is running on CPU 0"), a drainer asleep on that handler ({@link Drainer}), and
 * LOCKWAIT ({@link LockWait}: "thread T holds {@code m}, {@code c} expired and the dispatcher is
 * blocked on {@code m}").
 *
 * <p>Each builder checks the state it promises (the handler is inside its gate, the drainer is
 * asleep, the dispatcher is in LOCKWAIT) before it returns, so a test starts from a known state
 * and never from a guess about timing.
 */
final class SpecFixture {
    /* Implementation notes: the helpers never sleep; every wait is on HandlerGate or on the
     * observer hooks of SpecSupport.WaitObserver, bounded by SAFETY as a safety net. The helper
     * threads are started through the Rig, so Rig.close() opens the gate and joins them even when
     * a test fails half-way (a held handler is then never left parked). */

    private SpecFixture() {
    }

    /** A set-up step that may throw (an arm, a reset under a lock). */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /**
     * {@code callout_init(c, 1)}: a new MP-safe callout of {@code sys}.
     *
     * @return the callout, initialised and idle
     */
    static Callout mpsafe(CalloutSystem sys) {
        Callout c = new Callout();
        sys.init(c, true);
        return c;
    }

    /**
     * {@code callout_init(c, 0)}: a new callout of {@code sys} associated with Giant.
     *
     * @return the callout, initialised and idle
     */
    static Callout giant(CalloutSystem sys) {
        Callout c = new Callout();
        sys.init(c, false);
        return c;
    }

    /**
     * {@code callout_init_mtx/rw(c, lock, flags)}: a new lock-associated callout of {@code sys}.
     *
     * @return the callout, initialised and idle
     */
    static Callout locked(CalloutSystem sys, CalloutLock lock, int flags) {
        Callout c = new Callout();
        sys.initLock(c, lock, flags);
        return c;
    }

    /**
     * Runs {@code body} with {@code lock} held by this thread, as the SPEC requires of whoever arms
     * or stops a lock-associated callout, and releases it afterwards (also when {@code body} fails).
     *
     * @return what {@code body} returned (the result of the reset or stop made under the lock)
     */
    static <T> T holding(CalloutLock lock, Body<T> body) throws Exception {
        lock.lock();
        try {
            return body.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A handler held mid-flight on a helper thread ("CPU 0"): the test thread ("CPU 1") can race
     * stop, reset and drain against it, then {@link #release()} it. The handler must call
     * {@code rig.gate.enter()} on its first invocation.
     */
    static final class Held {
        private final Rig rig;
        private final Task<Void> adv;

        private Held(Rig rig, Task<Void> adv) {
            this.rig = rig;
            this.adv = adv;
        }

        /**
         * Runs {@code arm} (which arms a callout for about one tick with a handler that enters the
         * rig's gate), advances the clock by three ticks on a helper thread, and returns once the
         * handler is inside the gate. Virtual time then stands still until {@link #release()}.
         *
         * @return the held handler
         */
        static Held start(Rig rig, Step arm) throws Exception {
            arm.run();
            Task<Void> adv = rig.advanceTicksInBackground(3);
            assertTrue(rig.gate.awaitEntered(SAFETY), "set-up: the handler did not start within " + SAFETY);
            return new Held(rig, adv);
        }

        /**
         * Opens the gate (the handler returns) and joins the helper once it has advanced the clock
         * and the clock has settled (see {@code Rig.advanceTicksInBackground}).
         */
        void release() throws InterruptedException {
            rig.gate.open();
            adv.get();
        }

        /**
         * @return the helper thread, which dispatches the held handler on the clocks that run
         *         handlers on the thread that moves time (not on {@link Clocks#CONCURRENT})
         */
        Thread thread() {
            return adv.thread();
        }
    }

    /**
     * A {@code callout_drain(c)} on a helper thread that is known to be asleep, waiting for the
     * running invocation ({@link SpecSupport.WaitObserver#awaitDrainWaits}).
     */
    static final class Drainer {
        private final Task<Integer> task;
        private final boolean asleep;

        private Drainer(Task<Integer> task, boolean asleep) {
            this.task = task;
            this.asleep = asleep;
        }

        /**
         * Starts the drain and returns once one more drainer sleeps. If {@code log} is not null,
         * the drainer appends "drain returns" to it when its drain has returned.
         *
         * @return the sleeping drainer
         */
        static Drainer sleeping(Rig rig, Callout c, List<String> log) throws InterruptedException {
            Task<Integer> t = rig.spawn("drainer", () -> {
                int r = rig.sys.drain(c);
                if (log != null) {
                    log.add("drain returns");
                }
                return r;
            });
            rig.obs.awaitDrainWaits(1);
            return new Drainer(t, !t.done());
        }

        /** @return true if the drain had not returned when it was seen asleep (it must still wait) */
        boolean waitedForHandler() {
            return asleep;
        }

        /** @return true once the drain has returned */
        boolean done() {
            return task.done();
        }

        /** @return the drain's return value, once it returns (bounded by {@link SpecSupport#SAFETY}) */
        int result() throws InterruptedException {
            return task.get();
        }
    }

    /**
     * SPEC §11's LOCKWAIT: the test thread holds {@code lock}; the callout associated with it has
     * expired on a helper thread ("CPU 0") whose dispatcher is about to block on {@code lock}.
     * Closing releases {@code lock} (the dispatcher goes on) and joins the helper.
     */
    static final class LockWait implements AutoCloseable {
        private final CalloutLock lock;
        private final Task<Void> adv;

        private LockWait(CalloutLock lock, Task<Void> adv) {
            this.lock = lock;
            this.adv = adv;
        }

        /**
         * Takes {@code lock}, runs {@code arm} (which arms {@code c} for about one tick), advances
         * the clock by three ticks on a helper thread and returns once its dispatcher has dequeued
         * {@code c} and reached LOCKWAIT.
         *
         * @return the LOCKWAIT state; close it to release {@code lock}
         */
        static LockWait enter(Rig rig, Callout c, CalloutLock lock, Step arm) throws Exception {
            lock.lock();
            try {
                arm.run();
                Task<Void> adv = rig.advanceTicksInBackground(3);
                rig.obs.awaitLockWait();
                assertFalse(c.pending(), "LOCKWAIT: dequeued for dispatch, so no longer pending");
                return new LockWait(lock, adv);
            } catch (Throwable t) {
                lock.unlock();
                throw t;
            }
        }

        /**
         * Releases the lock, then joins the helper (its dispatch, skipped or not, is over once the
         * clock has settled: see {@code Rig.advanceTicksInBackground}).
         */
        @Override
        public void close() throws InterruptedException {
            lock.unlock();
            adv.get();
        }
    }
}
