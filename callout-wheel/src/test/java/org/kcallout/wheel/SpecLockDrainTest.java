package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.CALLOUT_SHAREDLOCK;
import static org.kcallout.wheel.SpecFixture.holding;
import static org.kcallout.wheel.SpecFixture.locked;
import static org.kcallout.wheel.SpecFixture.mpsafe;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Timeout;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.wheel.SpecFixture.Drainer;
import org.kcallout.wheel.SpecFixture.Held;
import org.kcallout.wheel.SpecFixture.LockWait;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.SpecSupport.Task;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * SPEC §11 cases 27-32 (lock-associated callouts), 33-35 and 37-41 (drain) and 43 (reset from inside
 * the handler), in the MODERN profile, plus a {@code specNN_classic_...} test wherever the CLASSIC
 * profile (SPEC decision 1) gives a different result.
 *
 * <p>Every case runs on each deterministic clock ({@link Clocks}: the tickless
 * {@link VirtualTicklessClock} and the event-timer drivers in one-shot and periodic mode). "CPU 0" is a
 * helper thread that advances the virtual time (interrupts, dispatcher and handlers run on it);
 * "CPU 1" is the test thread or another helper. The LOCKWAIT set-up of §11 is: the test thread
 * holds mutex {@code m}, the callout (initialised with {@code m}) expires on the helper, whose
 * dispatcher blocks on {@code m}; the test learns it through the observer's
 * {@code dispatchLockWait} hook. "A handler running for 50 ms" is a handler held by a
 * {@link HandlerGate}; a drainer is known to be asleep through the observer's {@code drainWait} hook.
 */
final class SpecLockDrainTest {
    /* Implementation notes: handlers are constants where they need no context, as C code passes a
     * function pointer; the few that need the system or a lock are built once per test. Events whose
     * order matters (handler return, drain callback, drainer wake-up) go to a CopyOnWriteArrayList
     * in the order they happen; each is recorded by the thread that does it, after the fact it
     * records, so the list order is the happens-before order. The racing set-ups (LOCKWAIT, a held
     * handler, a sleeping drainer) come from SpecFixture. A test that checks a rule next to a
     * numbered case rather than the case itself carries that case's number and says so in a comment. */

    /** Counts its invocations. */
    private static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;
    /** A second handler ("cb2" of the SPEC cases), also counting. */
    private static final CalloutFunc<AtomicInteger> COUNT2 = a -> a.incrementAndGet();
    /** Holds the handler mid-flight until the test opens the gate. */
    private static final CalloutFunc<HandlerGate> ENTER = HandlerGate::enter;

    /**
     * The LOCKWAIT state of SPEC §3 with {@link #COUNT} as the handler: the test thread holds
     * {@code m}, {@code c} (initialised with {@code m}) was armed for one tick with {@code arg} and
     * expired, and the dispatcher is about to block on {@code m}. Closing it releases {@code m}.
     */
    private static LockWait lockWait(Rig rig, Callout c, KMutex m, AtomicInteger arg) throws Exception {
        return LockWait.enter(rig, c, m, () -> rig.sys.reset(c, 1, COUNT, arg));
    }

    /** {@return a new MP-safe callout armed for 10 ticks with {@link #COUNT}{@code (calls)}: pending, not running} */
    private static Callout pendingCounted(Rig rig, AtomicInteger calls) {
        Callout c = mpsafe(rig.sys);
        rig.sys.reset(c, 10, COUNT, calls);
        return c;
    }

    /** Holds a gated handler (its argument is the rig's gate) on a helper thread ("CPU 0") until released. */
    private static Held runHeld(Rig rig, Callout c, CalloutFunc<HandlerGate> handler) throws Exception {
        return Held.start(rig, () -> rig.sys.reset(c, 1, handler, rig.gate));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Lock-associated callouts                                                                   */

    /** Case 27: stop by the lock holder cancels the lock-waiting invocation exactly. */
    @OnEveryClock
    void spec27_stopWhileLockWaiting_returnsOneAndHandlerIsNeverCalled(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, 0);
            AtomicInteger calls = new AtomicInteger();
            int stopped;
            try (LockWait w = lockWait(rig, c, m, calls)) {
                stopped = rig.sys.stop(c);
            } // the dispatcher took m, saw the cancellation and finished

            assertEquals(1, stopped, "stop of a lock-waiting invocation by the lock holder");
            assertEquals(0, calls.get(), "the cancelled invocation must not call the handler");
            assertTrue(m.tryLock(), "m must end unowned after the skipped dispatch");
            m.unlock();
        }
    }

    /** Case 28: reset by the lock holder cancels the stale invocation and arms a fresh one. */
    @OnEveryClock
    void spec28_resetWhileLockWaiting_returnsOneSkipsStaleAndRunsNewOnce(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, 0);
            AtomicInteger stale = new AtomicInteger();
            AtomicInteger fresh = new AtomicInteger();
            int reset;
            long expectedTime;
            try (LockWait w = lockWait(rig, c, m, stale)) {
                // The advancing thread is parked on m, so virtual time stands still here.
                expectedTime = rig.sys.hardclocktime(0) + 5 * rig.sys.tickSbt();
                reset = rig.sys.reset(c, 5, COUNT2, fresh);
            }

            assertEquals(1, reset, "reset cancelled the lock-waiting invocation");
            assertEquals(0, stale.get(), "the stale invocation must be skipped");
            assertTrue(c.pending(), "the fresh instance is armed");
            assertEquals(expectedTime, c.time(), "armed 5 ticks after the last hardclock");
            rig.vt.advanceTo(c.time() - 1);
            assertEquals(0, fresh.get(), "cb2 must not run before its time");
            rig.vt.advanceTo(rig.windowEnd(c));
            assertEquals(1, fresh.get(), "cb2(b) runs by the end of its window (plus the clock's lateness)");
            rig.vt.advanceTicks(100);
            assertEquals(1, fresh.get(), "cb2(b) runs exactly once");
            assertEquals(0, stale.get(), "cb(a) never runs");
        }
    }

    /** Case 29: stopping a lock-associated callout without its lock is refused and changes nothing. */
    @OnEveryClock
    void spec29_stopWithoutHoldingLock_throwsIllegalStateAndChangesNothing(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, 0);
            AtomicInteger calls = new AtomicInteger();
            holding(m, () -> rig.sys.reset(c, 10, COUNT, calls));

            assertThrows(IllegalStateException.class, () -> rig.sys.stop(c));

            assertTrue(c.pending(), "a rejected stop leaves the callout pending");
            assertTrue(c.active(), "a rejected stop leaves the callout active");
            rig.vt.advanceTicks(20);
            assertEquals(1, calls.get(), "the callout still fires");
        }
    }

    /** Case 30: once a RETURNUNLOCKED handler has dropped its lock, a stop under that lock is too late. */
    @OnEveryClock
    void spec30_stopAfterReturnUnlockedHandlerDroppedLock_returnsZero(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, CALLOUT_RETURNUNLOCKED);
            AtomicInteger calls = new AtomicInteger();
            CalloutFunc<HandlerGate> dropThenBlock = g -> {
                calls.incrementAndGet();
                m.unlock();
                g.enter();
            };
            Held held = runHeld(rig, c, dropThenBlock);
            int stopped = holding(m, () -> rig.sys.stop(c));
            held.release();

            assertEquals(0, stopped, "the handler already runs (cc_cancel was set on lock acquisition)");
            assertEquals(1, calls.get(), "the handler completes normally");
        }
    }

    /**
     * Case 31, where kcallout departs from the kernel on purpose: FreeBSD leaves {@code m} held
     * forever when a RETURNUNLOCKED handler returns holding it, so every later user of {@code m}
     * hangs and the next callout on it is lost. kcallout reports the broken rule through the
     * failure hook (naming the callout, the lock and the rule) and releases {@code m}.
     */
    @OnEveryClock
    void spec31_returnUnlockedHandlerKeepingLock_reportedAndReleased(Clocks clocks) throws Exception {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (Rig rig = new Rig(clocks, 0, b -> b.failureHook((c, t) -> failures.add(t)))) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, CALLOUT_RETURNUNLOCKED);
            AtomicBoolean heldInHandler = new AtomicBoolean();
            CalloutFunc<Object> keepLock = x -> heldInHandler.set(m.owned());
            rig.sys.reset(c, 1, keepLock, null);

            rig.vt.advanceTicks(3); // dispatch on this thread

            assertTrue(heldInHandler.get(), "the dispatcher acquired m for the handler");
            assertFalse(m.owned(), "the dispatcher released the hold the handler kept");
            assertEquals(1, failures.size(), "one report: " + failures);
            String msg = failures.get(0).getMessage();
            assertTrue(failures.get(0) instanceof IllegalStateException, String.valueOf(failures.get(0)));
            assertTrue(msg.contains("CALLOUT_RETURNUNLOCKED") && msg.contains("m") && msg.contains("Callout["), msg);
        }
    }

    /** Case 32: with SHAREDLOCK the handler holds the rwlock in read mode and another reader can enter. */
    @OnEveryClock
    void spec32_sharedLock_handlerHoldsReadLockWhileAnotherReaderEnters(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
            CalloutLock lock = CalloutLock.of(rw);
            Callout c = locked(rig.sys, lock, CALLOUT_SHAREDLOCK);
            CyclicBarrier inside = new CyclicBarrier(2);
            AtomicBoolean handlerHeldRead = new AtomicBoolean();
            AtomicBoolean handlerHeldWrite = new AtomicBoolean(true);
            AtomicReference<Throwable> handlerFailure = new AtomicReference<>();
            CalloutFunc<Object> reader = x -> {
                handlerHeldRead.set(rw.getReadHoldCount() > 0);
                handlerHeldWrite.set(rw.isWriteLockedByCurrentThread());
                try {
                    inside.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS); // 1: the handler is inside
                    inside.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS); // 2: so is the other reader
                } catch (Exception e) {
                    handlerFailure.set(e);
                }
            };
            rig.sys.reset(c, 1, reader, null);
            Task<Void> adv = rig.advanceTicksInBackground(3);

            inside.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS); // 1
            boolean otherReaderEntered = rw.readLock().tryLock();
            try {
                inside.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS); // 2: both hold the read lock here
            } finally {
                if (otherReaderEntered) {
                    rw.readLock().unlock();
                }
            }
            adv.get();

            assertNull(handlerFailure.get(), "handler barrier");
            assertTrue(handlerHeldRead.get(), "the handler runs with the read lock");
            assertFalse(handlerHeldWrite.get(), "the handler must not hold the write lock");
            assertTrue(otherReaderEntered, "another reader enters while the handler holds the read lock");
            assertEquals(0, rw.getReadLockCount(), "the dispatcher released its read hold");
        }
    }

    /** Case 32, counterpart: without SHAREDLOCK the rwlock is taken exclusively. */
    @OnEveryClock
    void spec32_withoutSharedLock_handlerHoldsWriteLock(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
            Callout c = locked(rig.sys, CalloutLock.of(rw), 0);
            AtomicBoolean handlerHeldWrite = new AtomicBoolean();
            CalloutFunc<Object> writer = x -> handlerHeldWrite.set(rw.isWriteLockedByCurrentThread());
            rig.sys.reset(c, 1, writer, null);

            rig.vt.advanceTicks(3);

            assertTrue(handlerHeldWrite.get(), "without CALLOUT_SHAREDLOCK the handler holds the write lock");
            assertFalse(rw.isWriteLocked(), "and the dispatcher released it");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Drain                                                                                      */

    /** Case 33: draining a pending, not running callout removes it without waiting. */
    @OnEveryClock
    void spec33_drainPending_returnsOneWithoutWaitingAndHandlerNeverRuns(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            AtomicInteger calls = new AtomicInteger();
            Callout c = pendingCounted(rig, calls);

            assertEquals(1, rig.sys.drain(c));

            assertEquals(0, rig.obs.drainWaitCount(), "drain of a pending callout must not sleep");
            assertFalse(c.pending());
            rig.vt.advanceTicks(50);
            assertEquals(0, calls.get(), "cb never runs");
        }
    }

    /** Case 34: draining an idle callout returns -1 without waiting. */
    @OnEveryClock
    void spec34_drainIdle_returnsMinusOneWithoutWaiting(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);

            assertEquals(-1, rig.sys.drain(c));
            assertEquals(0, rig.obs.drainWaitCount(), "drain of an idle callout must not sleep");
        }
    }

    /** Case 34, CLASSIC: there is no -1; drain of an idle callout returns 0. */
    @OnEveryClock
    void spec34_classic_drainIdle_returnsZeroWithoutWaiting(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.CLASSIC)) {
            Callout c = mpsafe(rig.sys);

            assertEquals(0, rig.sys.drain(c));
            assertEquals(0, rig.obs.drainWaitCount(), "drain of an idle callout must not sleep");
        }
    }

    /** Result of case 35's scenario. */
    private record DrainOfRunning(int result, List<String> events, boolean activeAfter, boolean blockedWhileRunning) {
        /** Case 35 in both profiles: the drain was still waiting while the handler ran, and returned after it. */
        void assertReturnedOnlyAfterHandler() {
            assertTrue(blockedWhileRunning, "the drainer must still wait while the handler runs");
            assertEquals(List.of("handler returns", "drain returns"), events);
        }
    }

    /**
     * Case 35's scenario: the handler is held ("running for 50 ms") on CPU 0 and another thread
     * drains; the gate opens only once the drainer sleeps.
     */
    private static DrainOfRunning drainOfRunning(Clocks clocks, Profile profile) throws Exception {
        return drainOfRunning(clocks, profile, false);
    }

    private static DrainOfRunning drainOfRunning(Clocks clocks, Profile profile, boolean handlerDeactivates)
            throws Exception {
        try (Rig rig = new Rig(clocks, profile)) {
            Callout c = mpsafe(rig.sys);
            List<String> events = new CopyOnWriteArrayList<>();
            CalloutFunc<HandlerGate> held = g -> {
                g.enter();
                if (handlerDeactivates) {
                    c.deactivate();
                }
                events.add("handler returns");
            };
            Held running = runHeld(rig, c, held);
            Drainer drainer = Drainer.sleeping(rig, c, events);
            running.release();
            int r = drainer.result();
            return new DrainOfRunning(r, List.copyOf(events), c.active(), drainer.waitedForHandler());
        }
    }

    /** Case 35: drain of a running handler returns -1, and only after the handler has returned. */
    @OnEveryClock
    void spec35_drainOfRunningHandler_returnsMinusOneOnlyAfterHandlerReturns(Clocks clocks) throws Exception {
        DrainOfRunning d = drainOfRunning(clocks, Profile.MODERN);

        d.assertReturnedOnlyAfterHandler();
        assertEquals(-1, d.result());
    }

    /** Case 35: MODERN drain leaves ACTIVE as the handler left it: set, when the handler did not deactivate. */
    @OnEveryClock
    void spec35_drainOfRunningHandler_leavesActiveSetWhenHandlerDidNotDeactivate(Clocks clocks) throws Exception {
        assertTrue(drainOfRunning(clocks, Profile.MODERN, false).activeAfter(),
                "the handler did not call callout_deactivate, so ACTIVE stays set");
    }

    /** Case 35: MODERN drain leaves ACTIVE as the handler left it: clear, when the handler deactivated. */
    @OnEveryClock
    void spec35_drainOfRunningHandler_leavesActiveClearWhenHandlerDeactivated(Clocks clocks) throws Exception {
        assertFalse(drainOfRunning(clocks, Profile.MODERN, true).activeAfter(),
                "the handler called callout_deactivate");
    }

    /** Case 35, CLASSIC: drain waits likewise, returns 0 and clears ACTIVE. */
    @OnEveryClock
    void spec35_classic_drainOfRunningHandler_returnsZeroAfterHandlerAndClearsActive(Clocks clocks) throws Exception {
        DrainOfRunning d = drainOfRunning(clocks, Profile.CLASSIC);

        d.assertReturnedOnlyAfterHandler();
        assertEquals(0, d.result());
        assertFalse(d.activeAfter(), "CLASSIC stop and drain always clear ACTIVE");
    }

    /** Case 37: a reset by a third thread while a drainer waits returns 0 and does not arm. */
    @OnEveryClock
    void spec37_resetByThirdThreadWhileDraining_returnsZeroAndDoesNotArm(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger rearmed = new AtomicInteger();
            Held held = runHeld(rig, c, ENTER);
            Drainer drainer = Drainer.sleeping(rig, c, null);

            int reset = rig.sys.reset(c, 5, COUNT, rearmed);
            boolean pendingAfterReset = c.pending();
            held.release();
            int drained = drainer.result();

            assertEquals(0, reset, "a reset of a callout being drained");
            assertFalse(pendingAfterReset, "a callout being drained is not re-armed");
            assertEquals(-1, drained);
            assertFalse(c.pending(), "nothing pending after drain returns");
            rig.vt.advanceTicks(50);
            assertEquals(0, rearmed.get(), "the refused re-arm never runs");
        }
    }

    /** Case 37: a reset by the handler itself while a drainer waits returns 0 and does not arm. */
    @OnEveryClock
    void spec37_resetByHandlerWhileDraining_returnsZeroAndDoesNotArm(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger rearmed = new AtomicInteger();
            AtomicInteger resetInHandler = new AtomicInteger(Integer.MIN_VALUE);
            AtomicBoolean pendingInHandler = new AtomicBoolean(true);
            CalloutFunc<HandlerGate> rearmAfterGate = g -> {
                g.enter(); // the drainer is asleep once the gate opens
                resetInHandler.set(rig.sys.reset(c, 5, COUNT, rearmed));
                pendingInHandler.set(c.pending());
            };
            Held held = runHeld(rig, c, rearmAfterGate);
            Drainer drainer = Drainer.sleeping(rig, c, null);
            held.release();
            int drained = drainer.result();

            assertEquals(0, resetInHandler.get(), "a reset from the handler of a callout being drained");
            assertFalse(pendingInHandler.get(), "the handler's re-arm is refused");
            assertEquals(-1, drained);
            assertFalse(c.pending(), "nothing pending after drain returns");
            rig.vt.advanceTicks(50);
            assertEquals(0, rearmed.get(), "the refused re-arm never runs");
        }
    }

    /**
     * Case 37, lock-cancel variant: the dispatcher waits for m (LOCKWAIT) while a drainer waits for the
     * invocation; a reset by the holder of m cancels the invocation (1) but still does not arm.
     */
    @OnEveryClock
    void spec37_resetByLockHolderWhileDrainingLockWaiter_returnsOneAndDoesNotArm(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, 0);
            AtomicInteger stale = new AtomicInteger();
            AtomicInteger rearmed = new AtomicInteger();
            Drainer drainer;
            int reset;
            boolean pendingAfterReset;
            try (LockWait w = lockWait(rig, c, m, stale)) {
                drainer = Drainer.sleeping(rig, c, null);
                reset = rig.sys.reset(c, 5, COUNT2, rearmed);
                pendingAfterReset = c.pending();
            }
            int drained = drainer.result();

            assertEquals(1, reset, "the reset lock-cancelled the waiting invocation");
            assertFalse(pendingAfterReset, "a callout being drained is not re-armed");
            assertEquals(-1, drained);
            assertFalse(c.pending(), "nothing pending after drain returns");
            rig.vt.advanceTicks(50);
            assertEquals(0, stale.get(), "the cancelled invocation never runs");
            assertEquals(0, rearmed.get(), "the refused re-arm never runs");
        }
    }

    /** Result of case 38's scenario. */
    private record TwoDrainers(int first, int second, int calls, boolean bothBlockedWhileRunning) {
    }

    private static TwoDrainers twoDrainers(Clocks clocks, Profile profile) throws Exception {
        try (Rig rig = new Rig(clocks, profile)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger calls = new AtomicInteger();
            CalloutFunc<HandlerGate> counted = g -> {
                calls.incrementAndGet();
                g.enter();
            };
            Held held = runHeld(rig, c, counted);
            Drainer d1 = Drainer.sleeping(rig, c, null);
            Drainer d2 = Drainer.sleeping(rig, c, null);
            boolean blocked = !d1.done() && !d2.done();
            held.release();
            return new TwoDrainers(d1.result(), d2.result(), calls.get(), blocked);
        }
    }

    /** Case 38: two drainers both return after the single running invocation completes. */
    @OnEveryClock
    void spec38_twoDrainersOfRunningCallout_bothReturnAfterTheSingleInvocation(Clocks clocks) throws Exception {
        assertEquals(new TwoDrainers(-1, -1, 1, true), twoDrainers(clocks, Profile.MODERN));
    }

    /** Case 38, CLASSIC: likewise, each drain returning 0. */
    @OnEveryClock
    void spec38_classic_twoDrainersOfRunningCallout_bothReturnZeroAfterTheSingleInvocation(Clocks clocks)
            throws Exception {
        assertEquals(new TwoDrainers(0, 0, 1, true), twoDrainers(clocks, Profile.CLASSIC));
    }

    /** Case 39: drain from the callout's own handler is refused (it would wait for itself); nothing changes. */
    @OnEveryClock
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // safety net: a drain that waited would never return
    void spec39_drainFromOwnHandler_throwsIllegalStateAndChangesNothing(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger calls = new AtomicInteger();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean pendingAfterRefusal = new AtomicBoolean();
            CalloutSystem sys = rig.sys;
            CalloutFunc<AtomicInteger> selfDrain = n -> {
                if (n.incrementAndGet() == 1) {
                    sys.schedule(c, 5); // re-arm, so that a drain that went ahead would show
                    try {
                        sys.drain(c);
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                    pendingAfterRefusal.set(c.pending());
                }
            };
            rig.sys.reset(c, 1, selfDrain, calls);

            rig.vt.advanceTicks(3); // the handler runs on this thread

            assertInstanceOf(IllegalStateException.class, thrown.get(), "drain from the own handler");
            assertTrue(pendingAfterRefusal.get(), "the refused drain did not remove the re-arm");
            assertTrue(c.pending(), "still pending after the handler returned");
            assertTrue(c.active(), "still active after the handler returned");
            rig.vt.advanceTicks(10);
            assertEquals(2, calls.get(), "the re-arm made before the refused drain runs");
        }
    }

    /** Case 40: async drain of a running callout: 0, then d(c_arg) once, after the handler, before drainers wake. */
    @OnEveryClock
    void spec40_asyncDrainOfRunningCallout_returnsZeroAndCallbackRunsOnceAfterHandlerBeforeDrainersWake(Clocks clocks)
            throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);
            List<String> events = new CopyOnWriteArrayList<>();
            AtomicReference<Thread> callbackThread = new AtomicReference<>();
            AtomicInteger callbackCalls = new AtomicInteger();
            AtomicReference<Thread> handlerThread = new AtomicReference<>();
            CalloutFunc<String> held = arg -> {
                handlerThread.set(Thread.currentThread());
                rig.gate.enter();
                events.add("handler(" + arg + ") returns");
            };
            CalloutFunc<String> d = arg -> {
                callbackCalls.incrementAndGet();
                callbackThread.set(Thread.currentThread());
                events.add("d(" + arg + ")");
            };
            Held running = Held.start(rig, () -> rig.sys.reset(c, 1, held, "a"));

            int r = rig.sys.asyncDrain(c, d);
            boolean calledEarly = callbackCalls.get() != 0;
            Drainer drainer = Drainer.sleeping(rig, c, events);
            running.release();
            drainer.result();
            rig.vt.advanceTicks(50);

            assertEquals(0, r, "async drain of a running callout");
            assertFalse(calledEarly, "d must not run while the handler runs");
            assertEquals(List.of("handler(a) returns", "d(a)", "drain returns"), events,
                    "d(c_arg) after the handler returns and before the synchronous drainer wakes");
            assertEquals(1, callbackCalls.get(), "d is called exactly once");
            assertSame(handlerThread.get(), callbackThread.get(), "d runs on the dispatching (softclock) thread");
        }
    }

    /**
     * SPEC §5.5, the restart after a migration: a drainer sleeps on CPU 0 for the running invocation;
     * between the handler's return and the drainers' wake-up (in the async-drain callback, which runs
     * exactly there) the callout is armed on CPU 1. The woken drainer must look again on CPU 1 and
     * remove that arm.
     */
    // §11 has no case for §5.5's restart; the closest is 49 (a drain across a migration leaves c scheduled nowhere).
    @OnEveryClock
    void spec49_drainerWokenAfterTheCalloutMovedToAnotherCpu_restartsThereAndRemovesTheNewArm(Clocks clocks)
            throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN, 2)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger heldRuns = new AtomicInteger();
            AtomicInteger movedRuns = new AtomicInteger();
            CalloutFunc<AtomicInteger> held = n -> {
                n.incrementAndGet();
                rig.gate.enter();
            };
            List<Integer> cpuSeenByCallback = new CopyOnWriteArrayList<>();
            CalloutFunc<AtomicInteger> moveToCpu1 = n -> {
                rig.sys.resetOn(c, 5, COUNT, movedRuns, 1);
                cpuSeenByCallback.add(c.cpu());
            };
            Held running = Held.start(rig, () -> rig.sys.resetOn(c, 1, held, heldRuns, 0));
            assertEquals(0, rig.sys.asyncDrain(c, moveToCpu1), "async drain of a running callout");
            Drainer drainer = Drainer.sleeping(rig, c, null);
            running.release();

            assertEquals(1, drainer.result(), "the drainer found the arm on CPU 1 and removed it");
            assertEquals(List.of(1), cpuSeenByCallback, "the callback moved the callout before the drainer woke");
            assertFalse(c.pending());
            assertFalse(c.active());
            assertEquals(1, c.cpu());
            assertEquals(0, WheelProbe.of(rig.sys).pendingCount(1), "nothing left on CPU 1");
            assertEquals(1, rig.obs.drainWaitCount(), "one sleep: the restart on CPU 1 did not wait");
            rig.vt.advanceTicks(20);
            assertEquals(1, heldRuns.get());
            assertEquals(0, movedRuns.get(), "the removed arm never runs");
        }
    }

    /** While an async-drain callback is recorded, a reset does not arm (SPEC decision 1, V14 behaviour). */
    // Case 37 (a reset of a callout being drained does not arm) with callout_async_drain as the drain.
    @OnEveryClock
    void spec37_resetWhileAsyncDrainRecorded_doesNotArm(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger rearmed = new AtomicInteger();
            AtomicInteger callbackCalls = new AtomicInteger();
            Held held = runHeld(rig, c, ENTER);
            assertEquals(0, rig.sys.asyncDrain(c, (HandlerGate g) -> callbackCalls.incrementAndGet()));

            int reset = rig.sys.reset(c, 5, COUNT, rearmed);
            boolean pendingAfterReset = c.pending();
            held.release();
            rig.vt.advanceTicks(50);

            assertEquals(0, reset);
            assertFalse(pendingAfterReset, "reset refused while the drain callback is recorded");
            assertEquals(0, rearmed.get(), "the refused re-arm never runs");
            assertEquals(1, callbackCalls.get());
        }
    }

    /** Result of the drainAsync scenario. */
    private record DrainAsyncOutcome(boolean doneWhileRunning, List<String> events, boolean doneAfter,
                                     boolean pendingAfter) {
        /** Case 40, CompletionStage form, in both profiles: complete only after the handler returned. */
        void assertCompletedOnlyAfterHandler() {
            assertFalse(doneWhileRunning, "not complete while the handler runs");
            assertEquals(List.of("handler returns", "stage completes"), events);
            assertTrue(doneAfter);
            assertFalse(pendingAfter);
        }
    }

    /** The handler is held; drainAsync is called; the stage must complete only once the handler returned. */
    private static DrainAsyncOutcome drainAsyncOfRunning(Clocks clocks, Profile profile) throws Exception {
        try (Rig rig = new Rig(clocks, profile)) {
            Callout c = mpsafe(rig.sys);
            List<String> events = new CopyOnWriteArrayList<>();
            CalloutFunc<HandlerGate> held = g -> {
                g.enter();
                events.add("handler returns");
            };
            Held running = runHeld(rig, c, held);

            CompletionStage<Void> stage = rig.sys.drainAsync(c);
            CompletableFuture<Void> cf = stage.toCompletableFuture();
            stage.thenRun(() -> events.add("stage completes"));
            boolean doneWhileRunning = cf.isDone();
            running.release();
            cf.get(SAFETY.toMillis(), TimeUnit.MILLISECONDS);
            return new DrainAsyncOutcome(doneWhileRunning, List.copyOf(events), cf.isDone(), c.pending());
        }
    }

    /** Case 40, CompletionStage form (MODERN): completes only after the handler returns. */
    @OnEveryClock
    void spec40_drainAsyncOfRunningCallout_completesOnlyAfterHandlerReturns(Clocks clocks) throws Exception {
        drainAsyncOfRunning(clocks, Profile.MODERN).assertCompletedOnlyAfterHandler();
    }

    /** Case 40, CompletionStage form, CLASSIC: the stage works in both profiles. */
    @OnEveryClock
    void spec40_classic_drainAsyncOfRunningCallout_completesOnlyAfterHandlerReturns(Clocks clocks) throws Exception {
        drainAsyncOfRunning(clocks, Profile.CLASSIC).assertCompletedOnlyAfterHandler();
    }

    /** Case 40, CLASSIC: callout_async_drain does not exist there. */
    @OnEveryClock
    void spec40_classic_asyncDrainOfRunningCallout_throwsUnsupportedOperation(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.CLASSIC)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger callbackCalls = new AtomicInteger();
            Held held = runHeld(rig, c, ENTER);

            assertThrows(UnsupportedOperationException.class,
                    () -> rig.sys.asyncDrain(c, (HandlerGate g) -> callbackCalls.incrementAndGet()));
            held.release();
            assertEquals(0, callbackCalls.get());
        }
    }

    /** Case 41: async drain of a pending, not running callout removes it (1) and never calls d. */
    @OnEveryClock
    void spec41_asyncDrainOfPendingCallout_returnsOneAndNeverCallsCallback(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            AtomicInteger calls = new AtomicInteger();
            Callout c = pendingCounted(rig, calls);
            AtomicInteger callbackCalls = new AtomicInteger();

            assertEquals(1, rig.sys.asyncDrain(c, (AtomicInteger a) -> callbackCalls.incrementAndGet()));

            assertFalse(c.pending());
            rig.vt.advanceTicks(50);
            assertEquals(0, calls.get(), "the removed invocation never runs");
            assertEquals(0, callbackCalls.get(), "d is never called");
        }
    }

    /** Case 41: async drain of an idle callout returns -1 and never calls d. */
    @OnEveryClock
    void spec41_asyncDrainOfIdleCallout_returnsMinusOneAndNeverCallsCallback(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            Callout c = mpsafe(rig.sys);
            AtomicInteger callbackCalls = new AtomicInteger();

            assertEquals(-1, rig.sys.asyncDrain(c, (Object a) -> callbackCalls.incrementAndGet()));

            rig.vt.advanceTicks(50);
            assertEquals(0, callbackCalls.get(), "d is never called");
        }
    }

    /** Case 41, CLASSIC: async drain is unsupported, and the rejected call changes nothing. */
    @OnEveryClock
    void spec41_classic_asyncDrainOfPendingCallout_throwsUnsupportedOperationAndChangesNothing(Clocks clocks)
            throws Exception {
        try (Rig rig = new Rig(clocks, Profile.CLASSIC)) {
            AtomicInteger calls = new AtomicInteger();
            Callout c = pendingCounted(rig, calls);

            assertThrows(UnsupportedOperationException.class,
                    () -> rig.sys.asyncDrain(c, (AtomicInteger a) -> { }));

            assertTrue(c.pending(), "still pending");
            rig.vt.advanceTicks(50);
            assertEquals(1, calls.get(), "still fires");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Reset/stop from inside the handler                                                         */

    /** A locked handler that re-arms itself once with callout_reset(c, 5, cb, a). */
    private static final class RearmOnce implements CalloutFunc<RearmOnce> {
        final CalloutSystem sys;
        final Callout c;
        final KMutex m;
        final AtomicInteger calls = new AtomicInteger();
        volatile int resetResult = Integer.MIN_VALUE;
        volatile boolean lockHeld;

        RearmOnce(CalloutSystem sys, Callout c, KMutex m) {
            this.sys = sys;
            this.c = c;
            this.m = m;
        }

        @Override
        public void call(RearmOnce self) {
            if (calls.incrementAndGet() == 1) {
                lockHeld = m.owned();
                resetResult = sys.reset(c, 5, this, this);
            }
        }
    }

    /** Case 43: a locked handler's reset of its own callout returns 0, leaves it pending, and it runs again. */
    @OnEveryClock
    void spec43_resetFromLockedHandler_returnsZeroStaysPendingAndRunsAgain(Clocks clocks) throws Exception {
        try (Rig rig = new Rig(clocks, Profile.MODERN)) {
            KMutex m = new KMutex("m");
            Callout c = locked(rig.sys, m, 0);
            RearmOnce h = new RearmOnce(rig.sys, c, m);
            holding(m, () -> rig.sys.reset(c, 1, h, h));

            rig.vt.advanceTicks(3); // the handler runs on this thread

            assertTrue(h.lockHeld, "the handler runs with m held");
            assertEquals(0, h.resetResult, "reset from inside the handler (cc_cancel already set)");
            assertTrue(c.pending(), "pending after the handler returns");
            rig.vt.advanceTicks(10);
            assertEquals(2, h.calls.get(), "cb runs again");
        }
    }
}
