package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Profile.CLASSIC;
import static org.kcallout.Profile.MODERN;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.SpecSupport.Task;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * The return-value matrix of SPEC §4.11 for {@code callout_stop} and {@code callout_drain}, row by
 * row, in the CLASSIC profile against MODERN (SPEC decision 1). Each test runs one row's situation
 * on a fresh system of each profile and asserts both profiles' return value and the ACTIVE (and
 * PENDING) flag afterwards, on each deterministic clock ({@link Clocks}).
 *
 * <p>MODERN is FreeBSD main: 1 / 0 / -1, drain leaves ACTIVE as the handler left it. CLASSIC is the
 * older manual: non-zero only for cancelling a pending or lock-waiting invocation, else 0; stop and
 * drain always clear ACTIVE; drain is stop plus a wait, fully stopped on return.
 */
final class ClassicProfileTest {
    /* Implementation notes: a "situation" is built by a helper that returns what the operation
     * returned and how the flags looked right after it returned; the two assertions of a test then
     * compare records, so a failure prints the whole outcome. "Executing" means held in a
     * HandlerGate on a helper thread that advances the virtual clock; LOCKWAIT means the test thread
     * holds the mutex while the dispatcher on the helper waits for it (CalloutObserver hook). */

    /** What a stop or drain returned, and the flags right after it returned. */
    record Outcome(int result, boolean active, boolean pending) {
    }

    /** Which operation a row applies. */
    private enum Op {
        STOP, DRAIN
    }

    private static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;
    private static final CalloutFunc<HandlerGate> ENTER = HandlerGate::enter;

    private static int apply(Rig rig, Op op, Callout c) throws Exception {
        return op == Op.STOP ? rig.sys.stop(c) : rig.sys.drain(c);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Row: idle                                                                                  */

    private static Outcome idleNeverArmed(Clocks clocks, Profile p, Op op) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            int r = apply(rig, op, c);
            return new Outcome(r, c.active(), c.pending());
        }
    }

    private static Outcome idleAfterFiring(Clocks clocks, Profile p, Op op) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger calls = new AtomicInteger();
            rig.sys.reset(c, 1, COUNT, calls);
            rig.vt.advanceTicks(3);
            assertEquals(1, calls.get(), "set-up: fired and finished");
            int r = apply(rig, op, c);
            return new Outcome(r, c.active(), c.pending());
        }
    }

    /** Idle, never armed: MODERN -1, CLASSIC 0. */
    @OnEveryClock
    void stop_idleNeverArmed_modernMinusOne_classicZero(Clocks clocks) throws Exception {
        assertEquals(new Outcome(-1, false, false), idleNeverArmed(clocks, MODERN, Op.STOP));
        assertEquals(new Outcome(0, false, false), idleNeverArmed(clocks, CLASSIC, Op.STOP));
    }

    /** Idle, never armed: MODERN -1, CLASSIC 0, neither waits. */
    @OnEveryClock
    void drain_idleNeverArmed_modernMinusOne_classicZero(Clocks clocks) throws Exception {
        assertEquals(new Outcome(-1, false, false), idleNeverArmed(clocks, MODERN, Op.DRAIN));
        assertEquals(new Outcome(0, false, false), idleNeverArmed(clocks, CLASSIC, Op.DRAIN));
    }

    /** Fired and finished: MODERN -1 and ACTIVE left set (§4.7 step 4); CLASSIC 0 and ACTIVE cleared. */
    @OnEveryClock
    void stop_idleAfterFiring_modernMinusOneKeepsActive_classicZeroClearsActive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(-1, true, false), idleAfterFiring(clocks, MODERN, Op.STOP));
        assertEquals(new Outcome(0, false, false), idleAfterFiring(clocks, CLASSIC, Op.STOP));
    }

    /** Fired and finished: MODERN -1 and ACTIVE left set; CLASSIC 0 and ACTIVE cleared. */
    @OnEveryClock
    void drain_idleAfterFiring_modernMinusOneKeepsActive_classicZeroClearsActive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(-1, true, false), idleAfterFiring(clocks, MODERN, Op.DRAIN));
        assertEquals(new Outcome(0, false, false), idleAfterFiring(clocks, CLASSIC, Op.DRAIN));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Row: pending, not executing                                                                */

    private static Outcome pending(Clocks clocks, Profile p, Op op) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger calls = new AtomicInteger();
            rig.sys.reset(c, 10, COUNT, calls);
            int r = apply(rig, op, c);
            Outcome o = new Outcome(r, c.active(), c.pending());
            rig.vt.advanceTicks(50);
            assertEquals(0, calls.get(), p + " " + op + ": the removed invocation must never run");
            assertEquals(0, rig.obs.drainWaitCount(), p + " " + op + ": nothing to wait for");
            return o;
        }
    }

    /** Pending, not executing: both profiles 1, ACTIVE and PENDING cleared. */
    @OnEveryClock
    void stop_pending_bothOneAndInactive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(1, false, false), pending(clocks, MODERN, Op.STOP));
        assertEquals(new Outcome(1, false, false), pending(clocks, CLASSIC, Op.STOP));
    }

    /** Pending, not executing: both profiles 1 without waiting, ACTIVE and PENDING cleared. */
    @OnEveryClock
    void drain_pending_bothOneAndInactive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(1, false, false), pending(clocks, MODERN, Op.DRAIN));
        assertEquals(new Outcome(1, false, false), pending(clocks, CLASSIC, Op.DRAIN));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Rows: executing, and executing re-armed                                                    */

    /**
     * The handler (MP-safe) is held on CPU 0; optionally the test thread re-arms it (reset returns 0
     * and arms); then {@code op} is applied from the test thread (STOP) or a drainer thread (DRAIN,
     * which must sleep until the gate opens). The outcome is taken when the operation returns.
     */
    private static Outcome executing(Clocks clocks, Profile p, Op op, boolean rearmed) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger rearmCalls = new AtomicInteger();
            rig.sys.reset(c, 1, ENTER, rig.gate);
            Task<Void> adv = rig.advanceTicksInBackground(3);
            assertTrue(rig.gate.awaitEntered(SAFETY), "handler did not start");
            if (rearmed) {
                assertEquals(0, rig.sys.reset(c, 50, COUNT, rearmCalls), "set-up: re-arm of a running callout");
                assertTrue(c.pending(), "set-up: re-armed");
            }
            Outcome o;
            if (op == Op.STOP) {
                int r = rig.sys.stop(c);
                o = new Outcome(r, c.active(), c.pending());
                rig.gate.open();
            } else {
                Task<Outcome> drainer = rig.spawn("drainer", () -> {
                    int r = rig.sys.drain(c);
                    return new Outcome(r, c.active(), c.pending());
                });
                rig.obs.awaitDrainWaits(1);
                assertFalse(drainer.done(), p + ": drain must wait for the running handler");
                rig.gate.open();
                o = drainer.get();
            }
            adv.get();
            rig.vt.advanceTicks(100);
            assertEquals(0, rearmCalls.get(), p + " " + op + ": the re-arm was removed and never runs");
            return o;
        }
    }

    /** Executing, not re-armed, no lock: both 0 (cannot stop it); both clear ACTIVE. */
    @OnEveryClock
    void stop_executing_bothZeroAndInactive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(0, false, false), executing(clocks, MODERN, Op.STOP, false));
        assertEquals(new Outcome(0, false, false), executing(clocks, CLASSIC, Op.STOP, false));
    }

    /** Executing, not re-armed: both wait; MODERN -1 leaving ACTIVE as the handler left it, CLASSIC 0 clearing it. */
    @OnEveryClock
    void drain_executing_modernWaitsMinusOneKeepsActive_classicWaitsZeroClearsActive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(-1, true, false), executing(clocks, MODERN, Op.DRAIN, false));
        assertEquals(new Outcome(0, false, false), executing(clocks, CLASSIC, Op.DRAIN, false));
    }

    /** Executing and re-armed: MODERN 0 (running wins) and the re-arm removed; CLASSIC 1 (a pending one was cancelled). */
    @OnEveryClock
    void stop_executingAndRearmed_modernZero_classicOne_bothRemoveRearm(Clocks clocks) throws Exception {
        assertEquals(new Outcome(0, false, false), executing(clocks, MODERN, Op.STOP, true));
        assertEquals(new Outcome(1, false, false), executing(clocks, CLASSIC, Op.STOP, true));
    }

    /** Executing and re-armed: both wait and return 1 with the re-arm removed and ACTIVE cleared. */
    @OnEveryClock
    void drain_executingAndRearmed_bothWaitAndReturnOne(Clocks clocks) throws Exception {
        assertEquals(new Outcome(1, false, false), executing(clocks, MODERN, Op.DRAIN, true));
        assertEquals(new Outcome(1, false, false), executing(clocks, CLASSIC, Op.DRAIN, true));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Row: LOCKWAIT, caller holds the lock                                                       */

    /** Stop by the holder of m while the dispatcher waits for m; also checks the handler never ran. */
    private static Outcome stopInLockWait(Clocks clocks, Profile p) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            rig.sys.initLock(c, m, 0);
            AtomicInteger calls = new AtomicInteger();
            Task<Void> adv;
            Outcome o;
            m.lock();
            try {
                rig.sys.reset(c, 1, COUNT, calls);
                adv = rig.advanceTicksInBackground(3);
                rig.obs.awaitLockWait();
                int r = rig.sys.stop(c);
                o = new Outcome(r, c.active(), c.pending());
            } finally {
                m.unlock();
            }
            adv.get();
            assertEquals(0, calls.get(), p + ": the lock-waiting invocation was cancelled");
            return o;
        }
    }

    /** LOCKWAIT, caller holds the lock: both 1 (true cancellation), ACTIVE cleared. */
    @OnEveryClock
    void stop_lockWaitWithLockHeld_bothOneAndInactive(Clocks clocks) throws Exception {
        assertEquals(new Outcome(1, false, false), stopInLockWait(clocks, MODERN));
        assertEquals(new Outcome(1, false, false), stopInLockWait(clocks, CLASSIC));
    }

    /** What a refused drain left behind. */
    record Refused(Class<? extends Throwable> thrown, boolean activeAfter, int handlerCalls) {
    }

    /** Drain by the holder of m while the dispatcher waits for m: would deadlock, so it is refused. */
    private static Refused drainInLockWait(Clocks clocks, Profile p) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            rig.sys.initLock(c, m, 0);
            AtomicInteger calls = new AtomicInteger();
            Task<Void> adv;
            Throwable thrown;
            boolean active;
            m.lock();
            try {
                rig.sys.reset(c, 1, COUNT, calls);
                adv = rig.advanceTicksInBackground(3);
                rig.obs.awaitLockWait();
                thrown = assertThrows(Throwable.class, () -> rig.sys.drain(c));
                active = c.active();
            } finally {
                m.unlock();
            }
            adv.get();
            return new Refused(thrown.getClass(), active, calls.get());
        }
    }

    /**
     * LOCKWAIT, caller holds the lock: the matrix says n/a (deadlock); the port refuses with
     * IllegalStateException in both profiles, and the refused call changes nothing (ACTIVE stays,
     * the invocation is not cancelled and runs once the lock is released).
     */
    @OnEveryClock
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // safety net: a drain that waited would deadlock
    void drain_lockWaitWithLockHeld_bothThrowIllegalStateAndChangeNothing(Clocks clocks) throws Exception {
        assertEquals(new Refused(IllegalStateException.class, true, 1), drainInLockWait(clocks, MODERN));
        assertEquals(new Refused(IllegalStateException.class, true, 1), drainInLockWait(clocks, CLASSIC));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Row: executing with deferred migration                                                     */

    /** How the deferred migration of {@link #withDeferredMigration} is reached. */
    private enum Migration {
        /** Re-armed to CPU 1 while running: PENDING|DFRMIGRATION|ACTIVE, on no list. */
        RECORDED,
        /** The same, then {@code callout_deactivate}: ACTIVE cleared by the caller (decision 18). */
        DEACTIVATED,
        /**
         * First re-armed on CPU 0 with {@code C_DIRECT_EXEC} (DIRECT set; the direct entity is
         * idle, so that arm goes on the wheel), then to CPU 1 without it (the running plain entity
         * removes the wheel arm and records the migration): DIRECT names the idle entity while the
         * record sits on the running one (SPEC §5.10, decision 18).
         */
        AFTER_DIRECT_REARM
    }

    /**
     * Running on CPU 0 with a deferred migration to CPU 1 reached as {@code how}; then {@code op}.
     * Afterwards nothing may be scheduled anywhere, the callout stays on CPU 0, and the CPU's count
     * of live callouts is intact: a callout armed 2 s ahead must still fire across an idle stretch
     * that a virtual clock would skip if the CPU looked empty.
     */
    private static Outcome withDeferredMigration(Clocks clocks, Profile p, Op op, Migration how) throws Exception {
        String what = p + " " + op + " " + how;
        try (Rig rig = new Rig(clocks, p, 2)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger direct = new AtomicInteger();
            AtomicInteger migrated = new AtomicInteger();
            rig.sys.reset(c, 1, ENTER, rig.gate);
            Task<Void> adv = rig.advanceTicksInBackground(3);
            assertTrue(rig.gate.awaitEntered(SAFETY), "handler did not start");
            int expected = 0;
            if (how == Migration.AFTER_DIRECT_REARM) {
                assertEquals(0, rig.sys.resetSbtOn(c, 10 * rig.sys.tickSbt(), 0, COUNT, direct, 0, C_DIRECT_EXEC),
                        "set-up: direct arm on the wheel");
                expected = 1; // the re-arm below removes it
            }
            assertEquals(expected, rig.sys.resetOn(c, 10, COUNT, migrated, 1), "set-up: deferred migration");
            if (how == Migration.DEACTIVATED) {
                c.deactivate();
            }
            assertTrue(c.pending() && c.active() == (how != Migration.DEACTIVATED), "set-up: " + what);
            Outcome o;
            if (op == Op.STOP) {
                int r = rig.sys.stop(c);
                o = new Outcome(r, c.active(), c.pending());
                rig.gate.open();
            } else {
                Task<Outcome> drainer = rig.spawn("drainer", () -> {
                    int r = rig.sys.drain(c);
                    return new Outcome(r, c.active(), c.pending());
                });
                // The drainer sleeps only if it saw the invocation (on the plain entity) running.
                rig.obs.awaitDrainWaits(1);
                rig.gate.open();
                o = drainer.get();
            }
            adv.get();
            rig.vt.advanceTicks(100);
            assertEquals(0, migrated.get(), what + ": the migration was discarded");
            assertEquals(0, direct.get(), what + ": the direct arm was replaced, never ran");
            assertEquals(0, c.cpu(), what + ": never moved to CPU 1");
            WheelProbe probe = WheelProbe.of(rig.sys);
            assertEquals(0, probe.pendingCount(0) + probe.pendingCount(1), what + ": nothing left on a wheel");
            Callout later = new Callout();
            rig.sys.init(later, true);
            AtomicInteger fired = new AtomicInteger();
            rig.sys.resetSbtOn(later, 2 * SBT_1S, 0, COUNT, fired, 0, 0);
            rig.vt.advance(3 * SBT_1S);
            assertEquals(1, fired.get(), what + ": a later callout on the same CPU still fires");
            return o;
        }
    }

    /**
     * Executing with deferred migration: MODERN 0 (running wins); CLASSIC 1 (the pending migration is
     * a pending callout it cancelled, as V9 does). Both clear ACTIVE. The same after the caller
     * deactivated it (decision 18).
     */
    @OnEveryClock
    void stop_executingWithDeferredMigration_modernZero_classicOne(Clocks clocks) throws Exception {
        for (Migration how : new Migration[] {Migration.RECORDED, Migration.DEACTIVATED}) {
            assertEquals(new Outcome(0, false, false), withDeferredMigration(clocks, MODERN, Op.STOP, how));
            assertEquals(new Outcome(1, false, false), withDeferredMigration(clocks, CLASSIC, Op.STOP, how));
        }
    }

    /** Executing with deferred migration: both wait; MODERN -1, CLASSIC 1 (stop's value); nothing scheduled. */
    @OnEveryClock
    void drain_executingWithDeferredMigration_modernMinusOne_classicOne(Clocks clocks) throws Exception {
        for (Migration how : Migration.values()) {
            assertEquals(new Outcome(-1, false, false), withDeferredMigration(clocks, MODERN, Op.DRAIN, how));
            assertEquals(new Outcome(1, false, false), withDeferredMigration(clocks, CLASSIC, Op.DRAIN, how));
        }
    }

    /**
     * DIRECT names the idle entity, the record is on the running one: the stop does not see the
     * invocation run but cancels the pending migration, so both profiles return 1 (decision 18).
     */
    @OnEveryClock
    void stop_directRearmThenDeferredMigration_bothOneAndNothingMigrates(Clocks clocks) throws Exception {
        assertEquals(new Outcome(1, false, false), withDeferredMigration(clocks, MODERN, Op.STOP, Migration.AFTER_DIRECT_REARM));
        assertEquals(new Outcome(1, false, false), withDeferredMigration(clocks, CLASSIC, Op.STOP, Migration.AFTER_DIRECT_REARM));
    }

    /**
     * Running on CPU 0's plain entity with a migration to CPU 1 recorded there; then a
     * {@code C_DIRECT_EXEC} reset on CPU 0, which looks at the idle direct entity and so sees no
     * invocation running (SPEC §5.10). The recorded migration is the pending arm it replaces
     * (decision 18): 1, the callout armed once on CPU 0, and nothing migrates when the handler returns.
     */
    @OnEveryClock
    void reset_directWhileMigrationRecordedOnThePlainEntity_replacesTheRecordAndArmsOnce(Clocks clocks) throws Throwable {
        for (Profile p : Profile.values()) {
            // Bounded: an engine that leaves the record behind links the callout twice and may spin.
            Bounded.run(p + " reset over a recorded migration", () -> directResetOverRecordedMigration(clocks, p));
        }
    }

    private static void directResetOverRecordedMigration(Clocks clocks, Profile p) throws Exception {
        try (Rig rig = new Rig(clocks, p, 2)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger migrated = new AtomicInteger();
            AtomicInteger direct = new AtomicInteger();
            rig.sys.reset(c, 1, ENTER, rig.gate);
            Task<Void> adv = rig.advanceTicksInBackground(3);
            assertTrue(rig.gate.awaitEntered(SAFETY), "handler did not start");
            assertEquals(0, rig.sys.resetOn(c, 10, COUNT, migrated, 1), "set-up: deferred migration");
            assertEquals(1, rig.sys.resetSbtOn(c, 10 * rig.sys.tickSbt(), 0, COUNT, direct, 0, C_DIRECT_EXEC),
                    p + ": the recorded migration was the pending arm it replaced");
            assertTrue(c.pending(), p + ": armed");
            assertEquals(1, WheelProbe.of(rig.sys).pendingCount(0), p + ": on CPU 0's wheel, once");
            rig.gate.open();
            adv.get();
            assertEquals(0, c.cpu(), p + ": the handler's return did not migrate it");
            assertEquals(1, WheelProbe.of(rig.sys).pendingCount(0) + WheelProbe.of(rig.sys).pendingCount(1),
                    p + ": still armed exactly once");
            rig.vt.advanceTicks(100);
            assertEquals(1, direct.get(), p + ": the direct arm ran once");
            assertEquals(0, migrated.get(), p + ": the recorded migration never ran");
        }
    }

    /** What is left once a drainAsync stage has completed. */
    record AfterDrainAsync(boolean pendingAtCompletion, int laterRuns, int cpu) {
    }

    /**
     * Running on CPU 0 with a deferred migration to CPU 1 recorded, then {@code drainAsync}: the stage
     * must complete with the callout fully stopped (CalloutSystem#drainAsync), in both profiles.
     */
    private static AfterDrainAsync drainAsyncWithDeferredMigration(Clocks clocks, Profile p) throws Exception {
        try (Rig rig = new Rig(clocks, p, 2)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger migrated = new AtomicInteger();
            rig.sys.reset(c, 1, ENTER, rig.gate);
            Task<Void> adv = rig.advanceTicksInBackground(3);
            assertTrue(rig.gate.awaitEntered(SAFETY), "handler did not start");
            assertEquals(0, rig.sys.resetOn(c, 10, COUNT, migrated, 1), "set-up: deferred migration");
            CompletableFuture<Boolean> pendingAtCompletion =
                    rig.sys.drainAsync(c).thenApply(v -> c.pending()).toCompletableFuture();
            rig.gate.open();
            adv.get();
            boolean pending = pendingAtCompletion.get(SAFETY.toMillis(), TimeUnit.MILLISECONDS);
            rig.vt.advanceTicks(100);
            return new AfterDrainAsync(pending, migrated.get(), c.cpu());
        }
    }

    /** drainAsync (both profiles, SPEC decision 1) with a deferred migration: fully stopped, nothing migrates. */
    @OnEveryClock
    void drainAsync_executingWithDeferredMigration_bothCompleteFullyStopped(Clocks clocks) throws Exception {
        assertEquals(new AfterDrainAsync(false, 0, 0), drainAsyncWithDeferredMigration(clocks, MODERN));
        assertEquals(new AfterDrainAsync(false, 0, 0), drainAsyncWithDeferredMigration(clocks, CLASSIC));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Row: being drained by another thread -> reset is not armed                                 */

    /** What a reset during a drain returned, the flags right after it, and the drain's own result. */
    record ResetWhileDrained(int reset, boolean activeAfterReset, boolean pendingAfterReset, int drain,
                             boolean pendingAfterDrain) {
    }

    /** MP-safe handler held on CPU 0, a drainer asleep, then the test thread resets. */
    private static ResetWhileDrained resetWhileDrained(Clocks clocks, Profile p) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            Callout c = new Callout();
            rig.sys.init(c, true);
            AtomicInteger rearmed = new AtomicInteger();
            rig.sys.reset(c, 1, ENTER, rig.gate);
            Task<Void> adv = rig.advanceTicksInBackground(3);
            assertTrue(rig.gate.awaitEntered(SAFETY), "handler did not start");
            Task<Integer> drainer = rig.spawn("drainer", () -> rig.sys.drain(c));
            rig.obs.awaitDrainWaits(1);

            int reset = rig.sys.reset(c, 5, COUNT, rearmed);
            boolean active = c.active();
            boolean pendingAfterReset = c.pending();
            rig.gate.open();
            int drained = drainer.get();
            adv.get();
            boolean pendingAfterDrain = c.pending();
            rig.vt.advanceTicks(50);
            assertEquals(0, rearmed.get(), p + ": the refused re-arm never runs");
            return new ResetWhileDrained(reset, active, pendingAfterReset, drained, pendingAfterDrain);
        }
    }

    /** LOCKWAIT callout with a drainer asleep; the holder of m resets (lock-cancel, 1) and nothing is armed. */
    private static ResetWhileDrained lockCancelResetWhileDrained(Clocks clocks, Profile p) throws Exception {
        try (Rig rig = new Rig(clocks, p)) {
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            rig.sys.initLock(c, m, 0);
            AtomicInteger stale = new AtomicInteger();
            AtomicInteger rearmed = new AtomicInteger();
            Task<Void> adv;
            Task<Integer> drainer;
            int reset;
            boolean active;
            boolean pendingAfterReset;
            m.lock();
            try {
                rig.sys.reset(c, 1, COUNT, stale);
                adv = rig.advanceTicksInBackground(3);
                rig.obs.awaitLockWait();
                drainer = rig.spawn("drainer", () -> rig.sys.drain(c));
                rig.obs.awaitDrainWaits(1);
                reset = rig.sys.reset(c, 5, COUNT, rearmed);
                active = c.active();
                pendingAfterReset = c.pending();
            } finally {
                m.unlock();
            }
            int drained = drainer.get();
            adv.get();
            boolean pendingAfterDrain = c.pending();
            rig.vt.advanceTicks(50);
            assertEquals(0, stale.get(), p + ": the lock-cancelled invocation never runs");
            assertEquals(0, rearmed.get(), p + ": the refused re-arm never runs");
            return new ResetWhileDrained(reset, active, pendingAfterReset, drained, pendingAfterDrain);
        }
    }

    /**
     * Being drained, no lock-cancel: reset returns 0 and does not arm in both profiles. MODERN's drain
     * left ACTIVE set (and returns -1); CLASSIC's drain cleared it (and returns 0).
     */
    @OnEveryClock
    void reset_beingDrained_bothZeroAndNotArmed(Clocks clocks) throws Exception {
        assertEquals(new ResetWhileDrained(0, true, false, -1, false), resetWhileDrained(clocks, MODERN));
        assertEquals(new ResetWhileDrained(0, false, false, 0, false), resetWhileDrained(clocks, CLASSIC));
    }

    /** Being drained while LOCKWAIT: the lock holder's reset lock-cancels (1) and still does not arm, in both. */
    @OnEveryClock
    void reset_beingDrainedWhileLockWaiting_bothOneAndNotArmed(Clocks clocks) throws Exception {
        assertEquals(new ResetWhileDrained(1, true, false, -1, false), lockCancelResetWhileDrained(clocks, MODERN));
        assertEquals(new ResetWhileDrained(1, false, false, 0, false), lockCancelResetWhileDrained(clocks, CLASSIC));
    }
}
