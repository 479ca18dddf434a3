package org.kcallout.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.Profile;

/**
 * The callout(9) contract as JUnit 5 tests, for any {@link CalloutSystem}: extend this class,
 * implement {@link #newHarness(Profile, int)} (a new system on virtual time for each case) and
 * {@link #capabilities()}, and run the subclass as a test class.
 *
 * <pre>{@code
 * class MyConformanceTest extends CalloutConformance {
 *     protected CalloutHarness newHarness(Profile profile, int ncpus) { ... }
 *     protected Set<Capability> capabilities() { return EnumSet.of(Capability.SMP); }
 * }
 * }</pre>
 *
 * <p>Each case is named after the numbered case of {@code docs/SEMANTICS.md} §11 it checks
 * ({@code specNN_}) or the decision ({@code decisionN_}); the MODERN profile unless the name says
 * otherwise. A case that needs a capability the implementation does not declare is skipped.
 * Each run writes a report of every case, passed, failed or skipped ({@link ConformanceReport}).
 * Every case can also be called directly, as a method, to show that it fails on a broken system.
 *
 * <p>This first version covers initialisation, arming, firing, the ACTIVE and PENDING flags,
 * scheduling, stop (with and without the callout's lock), drain and async drain of pending and
 * idle callouts, re-arming from a locked handler, FIFO order and migration of a pending callout; the races of §5 need a way to hold a handler mid-flight, which
 * the harness does not ask for yet.
 */
@ExtendWith(ConformanceReport.class)
public abstract class CalloutConformance {

    /** Creates the conformance suite; subclasses supply the system under test. */
    protected CalloutConformance() {
    }

    /**
     * A new system under test for one case.
     *
     * @param profile the profile the case needs (CLASSIC only if {@link #capabilities()} says so)
     * @param ncpus   the number of CPUs the case needs (2 only with {@link Capability#SMP})
     * @return the harness; the case closes it
     */
    protected abstract CalloutHarness newHarness(Profile profile, int ncpus);

    /** {@return what the implementation supports beyond the MODERN profile on one CPU} */
    protected abstract Set<Capability> capabilities();

    private CalloutHarness harness(Profile profile, int ncpus) {
        if (profile == Profile.CLASSIC) {
            assumeTrue(capabilities().contains(Capability.CLASSIC), "CLASSIC profile not declared");
        }
        if (ncpus > 1) {
            assumeTrue(capabilities().contains(Capability.SMP), "SMP not declared");
        }
        return newHarness(profile, ncpus);
    }

    private static Callout mpsafe(CalloutSystem sys) {
        Callout c = new Callout();
        sys.init(c, true);
        return c;
    }

    private static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;

    /** Bounds every wait of a case on another thread: a safety net, not a timing assertion (60 s). */
    private static final long SAFETY_NANOS = 60_000_000_000L;

    /** Case 1: callout_init(c, 1) leaves c not pending, not active, on the default CPU. */
    @Test
    public void spec01_initMpsafe_notPendingNotActive_onTheDefaultCpu() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            Callout c = mpsafe(h.system());
            assertFalse(c.pending(), "pending after callout_init");
            assertFalse(c.active(), "active after callout_init");
            assertEquals(h.system().defaultCpu(), c.cpu(), "CPU after callout_init");
        }
    }

    /** Case 3: callout_init_mtx with a flag outside RETURNUNLOCKED/SHAREDLOCK (0x8) throws. */
    @Test
    public void spec03_initLockWithAnUnknownFlag_throws() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> h.system().initLock(new Callout(), new KMutex("m"), 0x8), "callout_init_mtx(c, m, 0x8)");
        }
    }

    /** Case 4: callout_init_mtx with a null lock and RETURNUNLOCKED throws. */
    @Test
    public void spec04_initLockWithNoLock_throws() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> h.system().initLock(new Callout(), null, CalloutFlags.CALLOUT_RETURNUNLOCKED),
                    "callout_init_mtx(c, NULL, CALLOUT_RETURNUNLOCKED)");
        }
    }

    /** Case 6: arming an idle callout returns 0 and leaves it pending and active. */
    @Test
    public void spec06_armIdle_returns0_pendingAndActive() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            assertEquals(0, sys.reset(c, 5, COUNT, new AtomicInteger()), "callout_reset of an idle callout");
            assertTrue(c.pending(), "pending after arming");
            assertTrue(c.active(), "active after arming");
        }
    }

    /** Case 7: re-arming a pending callout returns 1; only the new handler and argument ever run, once. */
    @Test
    public void spec07_rearmPending_returns1_onlyTheNewHandlerRunsOnce() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            AtomicInteger first = new AtomicInteger();
            AtomicInteger second = new AtomicInteger();
            sys.reset(c, 5, COUNT, first);
            assertEquals(1, sys.reset(c, 8, COUNT, second), "callout_reset of a pending callout");
            h.advanceTicks(30);
            assertEquals(0, first.get(), "the replaced handler ran");
            assertEquals(1, second.get(), "the new handler runs once");
        }
    }

    /** Case 9 (its timing part): a 10-tick arm does not run before 9 ticks and has run after 11. */
    @Test
    public void spec09_tenTickArm_runsNotBeforeItsTimeAndNotLate() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            AtomicInteger runs = new AtomicInteger();
            sys.reset(c, 10, COUNT, runs);
            h.advanceTicks(9);
            assertEquals(0, runs.get(), "ran before its tenth tick");
            h.advanceTicks(3); // the window allows 10 ticks >> 4 = 0.625 tick more
            assertEquals(1, runs.get(), "not run once its window had closed");
        }
    }

    /** Case 10: after firing without callout_deactivate, a callout is not pending but still active. */
    @Test
    public void spec10_afterFiring_notPendingButActive() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            AtomicInteger runs = new AtomicInteger();
            sys.reset(c, 2, COUNT, runs);
            h.advanceTicks(5);
            assertEquals(1, runs.get());
            assertFalse(c.pending(), "pending after firing");
            assertTrue(c.active(), "ACTIVE is the handler's to clear, not the dispatcher's");
        }
    }

    /** Case 11: while the handler runs, callout_pending is false. */
    @Test
    public void spec11_whileTheHandlerRuns_notPending() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            List<Boolean> seen = Collections.synchronizedList(new ArrayList<>());
            sys.reset(c, 2, x -> seen.add(c.pending()), null);
            h.advanceTicks(5);
            assertEquals(List.of(false), seen, "callout_pending inside the handler");
        }
    }

    /** Case 12: a handler that calls callout_deactivate leaves the callout inactive. */
    @Test
    public void spec12_handlerThatDeactivates_leavesInactive() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            sys.reset(c, 2, Callout::deactivate, c);
            h.advanceTicks(5);
            assertFalse(c.active(), "active after the handler deactivated it");
            assertFalse(c.pending());
        }
    }

    /** Case 13: callout_schedule(c, 7) after a fired reset returns 0 and runs the same handler and argument. */
    @Test
    public void spec13_scheduleAfterFiring_returns0_runsTheSameHandlerAndArgument() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            AtomicInteger runs = new AtomicInteger();
            sys.reset(c, 2, COUNT, runs);
            h.advanceTicks(4);
            assertEquals(1, runs.get());
            assertEquals(0, sys.schedule(c, 7), "callout_schedule of a fired callout");
            h.advanceTicks(6);
            assertEquals(1, runs.get(), "ran before its seventh tick");
            h.advanceTicks(3);
            assertEquals(2, runs.get(), "the same handler and argument ran again");
        }
    }

    /** Case 20: stopping a pending callout returns 1, clears pending and active; the handler never runs. */
    @Test
    public void spec20_stopPending_returns1_clearsFlags_handlerNeverRuns() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            AtomicInteger runs = new AtomicInteger();
            sys.reset(c, 3, COUNT, runs);
            assertEquals(1, sys.stop(c), "callout_stop of a pending callout");
            assertFalse(c.pending(), "pending after stop");
            assertFalse(c.active(), "active after stop");
            h.advanceTicks(10);
            assertEquals(0, runs.get(), "a stopped callout ran");
        }
    }

    /** Case 21, MODERN: stopping a callout that was never armed returns -1. */
    @Test
    public void spec21_stopNeverArmed_returnsMinus1() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            assertEquals(-1, h.system().stop(mpsafe(h.system())), "callout_stop of an idle callout (MODERN)");
        }
    }

    /** Case 21, CLASSIC: the same stop returns 0. */
    @Test
    public void spec21_classic_stopNeverArmed_returns0() {
        try (CalloutHarness h = harness(Profile.CLASSIC, 1)) {
            assertEquals(0, h.system().stop(mpsafe(h.system())), "callout_stop of an idle callout (CLASSIC)");
        }
    }

    /** Case 29: stopping a lock-associated callout without holding its lock throws. */
    @Test
    public void spec29_stopWithoutTheCalloutsLock_throws() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            KMutex m = new KMutex("sc_mtx");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            m.lock();
            try {
                sys.reset(c, 5, COUNT, new AtomicInteger());
            } finally {
                m.unlock();
            }
            assertThrows(IllegalStateException.class, () -> sys.stop(c), "callout_stop without holding m");
            assertTrue(c.pending(), "the refused stop changed nothing");
            m.lock();
            try {
                assertEquals(1, sys.stop(c));
            } finally {
                m.unlock();
            }
        }
    }

    /**
     * Case 23: stopping a lock-less callout whose handler is running returns 0 and clears ACTIVE;
     * the handler completes. (The handler is held mid-flight on a mutex the case holds.)
     */
    @Test
    public void spec23_stopWhileALocklessHandlerRuns_returns0_clearsActive_handlerCompletes() {
        assumeTrue(capabilities().contains(Capability.CONCURRENT_DISPATCH), "concurrent dispatch not declared");
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            KMutex hold = new KMutex("hold");
            Callout c = mpsafe(sys);
            AtomicInteger finished = new AtomicInteger();
            sys.reset(c, 2, x -> {
                hold.lock();
                hold.unlock();
                finished.incrementAndGet();
            }, null);
            hold.lock();
            try {
                h.advanceTicks(4); // the handler runs and waits for hold
                assertEquals(0, sys.stop(c), "callout_stop of a running lock-less callout");
                assertFalse(c.active(), "a stop clears ACTIVE, whether or not it stops the callout");
                assertEquals(0, finished.get(), "precondition: the handler is still held");
            } finally {
                hold.unlock();
            }
            h.advanceTicks(0);
            assertEquals(1, finished.get(), "the handler completes");
        }
    }

    /**
     * Case 27 (SEMANTICS §5.2): the dispatcher waits for the callout's mutex, which the case holds;
     * a stop under the mutex returns 1, and the handler never runs.
     */
    @Test
    public void spec27_lockWait_stopUnderTheLock_returns1_handlerNeverRuns() {
        assumeTrue(capabilities().contains(Capability.CONCURRENT_DISPATCH), "concurrent dispatch not declared");
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            KMutex m = new KMutex("sc_mtx");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            AtomicInteger runs = new AtomicInteger();
            m.lock();
            try {
                sys.reset(c, 2, COUNT, runs);
                h.advanceTicks(4); // the dispatcher took c and waits for m
                assertFalse(c.pending(), "precondition: dispatched, so no longer pending");
                assertEquals(1, sys.stop(c), "callout_stop under m while the dispatcher waits for m");
            } finally {
                m.unlock();
            }
            h.advanceTicks(0);
            assertEquals(0, runs.get(), "the cancelled invocation ran");
            assertEquals(null, m.owner(), "m is free afterwards");
        }
    }

    /**
     * Case 35, MODERN: draining while the handler runs returns only after the handler has
     * returned, with -1. The drainer is a thread of the case's; that it waits is seen by its
     * parking (a drain that returns at once ends the thread instead).
     */
    @Test
    public void spec35_drainWhileTheHandlerRuns_returnsAfterItWithMinus1() throws InterruptedException {
        assumeTrue(capabilities().contains(Capability.CONCURRENT_DISPATCH), "concurrent dispatch not declared");
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            KMutex hold = new KMutex("hold");
            Callout c = mpsafe(sys);
            AtomicInteger finished = new AtomicInteger();
            AtomicInteger drained = new AtomicInteger(Integer.MIN_VALUE);
            AtomicInteger finishedWhenDrained = new AtomicInteger(-1);
            sys.reset(c, 2, x -> {
                hold.lock();
                hold.unlock();
                finished.incrementAndGet();
            }, null);
            Thread drainer;
            hold.lock();
            try {
                h.advanceTicks(4); // the handler runs and waits for hold
                drainer = new Thread(() -> {
                    drained.set(sys.drain(c));
                    finishedWhenDrained.set(finished.get());
                }, "conformance-drainer");
                drainer.start();
                // Until the drainer either parks (waits, as it must) or ends (returned at once).
                long deadline = System.nanoTime() + SAFETY_NANOS;
                while (drainer.isAlive() && drainer.getState() != Thread.State.WAITING
                        && drainer.getState() != Thread.State.TIMED_WAITING) {
                    assertTrue(System.nanoTime() - deadline < 0, "the drainer neither waited nor returned");
                    Thread.onSpinWait();
                }
                assertTrue(drainer.isAlive(), "callout_drain returned while the handler was still running");
            } finally {
                hold.unlock();
            }
            h.advanceTicks(0);
            drainer.join(SAFETY_NANOS / 1_000_000);
            assertFalse(drainer.isAlive(), "the drainer did not return after the handler");
            assertEquals(1, finishedWhenDrained.get(), "the drain returned before the handler had");
            assertEquals(-1, drained.get(), "callout_drain of a running callout (MODERN)");
        }
    }

    /**
     * Case 40: async drain of a running callout returns 0; the callback runs once, after the
     * handler has returned.
     */
    @Test
    public void spec40_asyncDrainOfARunningCallout_returns0_callbackOnceAfterTheHandler() {
        assumeTrue(capabilities().contains(Capability.CONCURRENT_DISPATCH), "concurrent dispatch not declared");
        assumeTrue(capabilities().contains(Capability.ASYNC_DRAIN), "async drain not declared");
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            KMutex hold = new KMutex("hold");
            Callout c = mpsafe(sys);
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            sys.reset(c, 2, x -> {
                hold.lock();
                hold.unlock();
                events.add("handler returns");
            }, null);
            hold.lock();
            try {
                h.advanceTicks(4);
                assertEquals(0, sys.asyncDrain(c, x -> events.add("callback")), "async drain of a running callout");
                assertEquals(List.of(), events, "the callback ran while the handler was still running");
            } finally {
                hold.unlock();
            }
            h.advanceTicks(0);
            assertEquals(List.of("handler returns", "callback"), events, "callback once, after the handler");
        }
    }

    /** Case 33: draining a pending, not running callout returns 1 at once; the handler never runs. */
    @Test
    public void spec33_drainPending_returns1_handlerNeverRuns() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            AtomicInteger runs = new AtomicInteger();
            sys.reset(c, 3, COUNT, runs);
            assertEquals(1, sys.drain(c), "callout_drain of a pending callout");
            assertFalse(c.pending());
            h.advanceTicks(10);
            assertEquals(0, runs.get(), "a drained callout ran");
        }
    }

    /** Case 34, MODERN: draining an idle callout returns -1 at once. */
    @Test
    public void spec34_drainIdle_returnsMinus1() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            assertEquals(-1, h.system().drain(mpsafe(h.system())), "callout_drain of an idle callout (MODERN)");
        }
    }

    /** Case 41: async drain of a pending callout returns 1, of an idle one -1; the callback never runs. */
    @Test
    public void spec41_asyncDrainPendingOrIdle_callbackNeverRuns() {
        assumeTrue(capabilities().contains(Capability.ASYNC_DRAIN), "async drain not declared");
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            Callout pending = mpsafe(sys);
            AtomicInteger runs = new AtomicInteger();
            AtomicInteger callbacks = new AtomicInteger();
            sys.reset(pending, 3, COUNT, runs);
            assertEquals(1, sys.asyncDrain(pending, x -> callbacks.incrementAndGet()), "async drain of a pending callout");
            assertEquals(-1, sys.asyncDrain(mpsafe(sys), x -> callbacks.incrementAndGet()), "async drain of an idle callout");
            h.advanceTicks(10);
            assertEquals(0, runs.get(), "the drained callout ran");
            assertEquals(0, callbacks.get(), "a drain callback ran with no invocation to wait for");
        }
    }

    /** Case 43: a locked callout's handler that resets its callout gets 0; it is pending and runs again. */
    @Test
    public void spec43_lockedHandlerResetsItself_gets0_runsAgain() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            KMutex m = new KMutex("sc_mtx");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            AtomicInteger runs = new AtomicInteger();
            List<Integer> resetResults = Collections.synchronizedList(new ArrayList<>());
            CalloutFunc<AtomicInteger> again = new CalloutFunc<>() {
                @Override
                public void call(AtomicInteger n) {
                    if (n.incrementAndGet() == 1) {
                        resetResults.add(sys.reset(c, 20, this, n));
                    }
                }
            };
            m.lock();
            try {
                sys.reset(c, 2, again, runs);
            } finally {
                m.unlock();
            }
            h.advanceTicks(4);
            assertEquals(List.of(0), resetResults, "callout_reset from the handler");
            assertEquals(1, runs.get());
            assertTrue(c.pending(), "pending again after the handler returned");
            h.advanceTicks(30);
            assertEquals(2, runs.get(), "ran again");
        }
    }

    /** Decision 4: callouts armed for the same instant run in the order they were armed. */
    @Test
    public void decision4_equalDeadlines_runInArmingOrder() {
        try (CalloutHarness h = harness(Profile.MODERN, 1)) {
            CalloutSystem sys = h.system();
            List<Integer> order = Collections.synchronizedList(new ArrayList<>());
            long at = sys.sbinuptime() + 5 * sys.tickSbt();
            for (int i = 0; i < 6; i++) {
                int id = i;
                sys.resetSbt(mpsafe(sys), at, 0, x -> order.add(id), null, CalloutFlags.C_ABSOLUTE);
            }
            h.advanceTicks(10);
            assertEquals(List.of(0, 1, 2, 3, 4, 5), order, "equal deadlines in arming order (FIFO)");
        }
    }

    /** Case 45: resetting a pending callout to CPU 1 returns 1, and it runs there. */
    @Test
    public void spec45_resetPendingToCpu1_returns1_runsOnCpu1() {
        try (CalloutHarness h = harness(Profile.MODERN, 2)) {
            CalloutSystem sys = h.system();
            Callout c = mpsafe(sys);
            List<Integer> cpus = Collections.synchronizedList(new ArrayList<>());
            CalloutFunc<Object> where = x -> cpus.add(sys.curcpu());
            sys.resetOn(c, 5, where, null, 0);
            assertEquals(1, sys.resetOn(c, 5, where, null, 1), "callout_reset_on of a pending callout");
            assertEquals(1, c.cpu(), "on CPU 1 at once");
            h.advanceTicks(10);
            assertEquals(List.of(1), cpus, "ran once, on CPU 1");
        }
    }
}
