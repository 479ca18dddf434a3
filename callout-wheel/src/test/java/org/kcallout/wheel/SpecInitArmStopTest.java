package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.CALLOUT_DIRECT;
import static org.kcallout.CalloutFlags.CALLOUT_MPSAFE;
import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_PREL;
import static org.kcallout.CalloutFlags.C_PRECALC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.wheel.SpecFixture.giant;
import static org.kcallout.wheel.SpecFixture.holding;
import static org.kcallout.wheel.SpecFixture.locked;
import static org.kcallout.wheel.SpecFixture.mpsafe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.When;
import org.kcallout.wheel.SpecFixture.Held;
import org.kcallout.wheel.SpecFixture.LockWait;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * SPEC §11 cases 1-21, 23, 25 and 26 (init and flags, arm/pending/active, stop), plus the misuse
 * errors of SPEC decision 3 for init, arm, schedule and stop.
 *
 * <p>Conventions of §11: hz = 1000 and tc_precexp = 4 (the builder's defaults), MODERN unless a case
 * names an older version, in which case the CLASSIC profile is tested too. Every test runs on each
 * deterministic clock ({@link Clocks}: the tickless {@link VirtualTicklessClock} and the event-timer
 * drivers in one-shot and periodic mode), whose time starts at {@link #START} and is then moved a
 * little more than two ticks, so that hardclock has run and {@code hardclocktime} H,
 * {@code sbinuptime()} S and 0 are three different values. Times are read from the system
 * ({@code tick_sbt}, H, S, {@code cc_lastscan}), never assumed from one clock's grid. A callout is
 * checked to run not before its {@code c_time} and by the end of its window plus what the clock
 * may add ({@link Clocks.Setup#windowEnd}). Races are forced with {@link HandlerGate} and
 * {@link CalloutObserver}; waits are bounded only as a safety net.
 */
final class SpecInitArmStopTest {
    /* Implementation notes: handlers are constants taking a Probe (or a gate holder) as their
     * argument, as C code passes a function pointer and a softc; a Probe logs "handler(arg)" so
     * that a test can tell which handler ran with which argument, and how often. Threads other
     * than the test thread are the Rig's helpers (SpecFixture.Held, LockWait, Rig.spawn): daemons (a
     * failed test cannot hang the JVM), joined with a 30 s safety net, their exceptions re-thrown on
     * the test thread. Names of tests that check a rule around a numbered case rather than the case
     * itself (decision 3's misuse errors, mostly) carry the closest case's number; a comment says why. */

    /** 10 s plus a few sbt: H = hardclocktime(0) is non-zero and differs from now. */
    private static final long START = SBT_1S * 10 + 12345;

    private static final CalloutFunc<Probe> CB = p -> p.hit("cb");
    private static final CalloutFunc<Probe> CB2 = p -> p.hit("cb2");
    private static final CalloutFunc<Callout> DEACTIVATE = Callout::deactivate;
    private static final CalloutFunc<GiantProbe> GIANT_CHECK = GiantProbe::check;
    private static final CalloutFunc<Gated> GATED = Gated::run;

    /* ---------------------------------------------------------------------------------------- */
    /* Init and flags                                                                            */

    @OnEveryClock
    void spec01_initMpsafe_idleUnlockedReturnUnlockedOnCpu0(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = mpsafe(rig.sys);
            assertFlags(c, false, false);
            assertNull(c.lock(), "c_lock");
            assertEquals(CALLOUT_RETURNUNLOCKED, c.iflags(), "c_iflags");
            assertEquals(0, c.cpu(), "c_cpu");
        }
    }

    /** CalloutSystem.init documents IllegalStateException for a callout of another system, pending or not. */
    // Case 1's callout_init, of a callout that another wheel initialised (decision 3).
    @OnEveryClock
    void spec01_initIdleCalloutOfAnotherWheel_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig ownerRig = rig(clocks); Rig otherRig = rig(clocks)) {
            CalloutWheel owner = ownerRig.sys;
            Callout c = giant(owner); // Giant of the owner
            assertRejected(IllegalStateException.class, owner, c, 0, () -> otherRig.sys.init(c, true), "another");
            assertSame(owner.giant(), c.lock(), "c_lock");
        }
    }

    @OnEveryClock
    void spec02_initGiant_handlerRunsWithGiantHeld(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            GiantProbe p = runGiantHandler(rig);
            assertEquals(Boolean.TRUE, p.ownedInHandler.get(), "handler did not run, or ran without Giant");
        }
    }

    @OnEveryClock
    void spec02_initGiant_giantReleasedAfterHandler(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            GiantProbe p = runGiantHandler(rig);
            assertNotNull(p.ownedInHandler.get(), "handler did not run");
            assertFalse(rig.sys.giant().owned(), "Giant still held by the dispatching thread");
        }
    }

    /** SPEC §4.1: {@code callout_init(c, 0)} associates Giant and sets no internal flag. */
    // Case 2's callout_init(c, 0), checked at init time rather than when it fires.
    @OnEveryClock
    void spec02_initNotMpsafe_associatesGiantWithNoFlags(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = giant(rig.sys);
            assertSame(rig.sys.giant(), c.lock(), "c_lock");
            assertEquals(0, c.iflags(), "c_iflags");
        }
    }

    /** SPEC: assertion error; decision 3: IllegalArgumentException naming the bad flags. */
    @OnEveryClock
    void spec03_initMtxWithMpsafeFlag_rejected(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = new Callout();
            KMutex m = new KMutex("sc_mtx");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rig.sys.initLock(c, m, CALLOUT_RETURNUNLOCKED | CALLOUT_MPSAFE));
            assertMessageNames(e, "flag");
            String msg = e.getMessage();
            assertTrue(msg.contains("0x18") || msg.contains("0x8"), () -> "message does not name the bad bits: " + msg);
            assertFalse(c.initialized(), "rejected init initialised the callout");
        }
    }

    // Cases 3 and 4 reject callout_init_mtx for its arguments; this one for the callout's state (decision 3).
    @OnEveryClock
    void spec03_initLockPendingCallout_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = armedMpsafe(rig.sys);
            KMutex m = new KMutex("sc_mtx");
            assertRejected(IllegalStateException.class, rig.sys, c, 1, () -> rig.sys.initLock(c, m, 0), "pending");
        }
    }

    @OnEveryClock
    void spec04_initMtxNullLockReturnUnlocked_rejected(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = new Callout();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rig.sys.initLock(c, null, CALLOUT_RETURNUNLOCKED));
            assertMessageNames(e, "lock", "null");
            assertFalse(c.initialized(), "rejected init initialised the callout");
        }
    }

    @OnEveryClock
    void spec05_initMtxSpinMutex_acceptedByModern(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            KMutex spin = new KMutex("sc_spin", KMutex.MTX_SPIN);
            Callout c = locked(rig.sys, spin, 0);
            assertTrue(c.initialized(), "initialised");
            assertSame(spin, c.lock(), "c_lock");
        }
    }

    @OnEveryClock
    void spec05_classic_initMtxSpinMutex_rejected(Clocks clocks) {
        try (Rig rig = rig(clocks, Profile.CLASSIC)) {
            Callout c = new Callout();
            KMutex spin = new KMutex("sc_spin", KMutex.MTX_SPIN);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rig.sys.initLock(c, spin, 0));
            assertMessageNames(e, "spin", "sc_spin");
            assertFalse(c.initialized(), "rejected init initialised the callout");
        }
    }

    /** Both profiles reject it: MODERN allows only a spin mutex, CLASSIC no lock at all. */
    // Case 5's rule (spin mutexes only where the callout may run directly), §4.4 step 3, from the other side.
    @OnEveryClockAndProfile
    void spec05_resetSbtDirectExecWithSleepMutex_throwsIaeAndChangesNothing(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            KMutex m = new KMutex("sc_mtx");
            Callout c = locked(rig.sys, m, 0);
            holding(m, () -> {
                rig.sys.reset(c, 10, CB, new Probe("a"));
                assertRejected(IllegalArgumentException.class, rig.sys, c, 1,
                        () -> rig.sys.resetSbt(c, 10 * SBT_1MS, 0, CB2, new Probe("b"), C_DIRECT_EXEC),
                        "C_DIRECT_EXEC", "sc_mtx");
                assertEquals(0, c.iflags() & CALLOUT_DIRECT, "CALLOUT_DIRECT set by a rejected arm");
                return null;
            });
        }
    }

    /** The boundary of the rule above: MODERN lets a spin-mutex callout run directly (SPEC §4.4 step 3). */
    // Case 5's spin mutex, armed with C_DIRECT_EXEC.
    @OnEveryClock
    void spec05_resetSbtDirectExecWithSpinMutex_acceptedByModern(Clocks clocks) throws Exception {
        try (Rig rig = rig(clocks)) {
            KMutex spin = new KMutex("sc_spin", KMutex.MTX_SPIN);
            Callout c = locked(rig.sys, spin, 0);
            int r = holding(spin, () -> rig.sys.resetSbt(c, 10 * SBT_1MS, 0, CB, new Probe("a"), C_DIRECT_EXEC));
            assertEquals(0, r);
            assertTrue(c.pending(), "pending");
            assertEquals(CALLOUT_DIRECT, c.iflags() & CALLOUT_DIRECT, "CALLOUT_DIRECT");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Arm / pending / active                                                                    */

    @OnEveryClock
    void spec06_resetIdle_returns0PendingAndActive(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = mpsafe(rig.sys);
            assertEquals(0, rig.sys.reset(c, 10, CB, new Probe("a")));
            assertFlags(c, true, true);
        }
    }

    // Case 6 needs an initialised callout; decision 3 for one that is not.
    @OnEveryClock
    void spec06_resetNeverInitialised_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = new Callout();
            assertRejected(IllegalStateException.class, rig.sys, c, 0, () -> rig.sys.reset(c, 10, CB, new Probe("a")),
                    "initiali");
            assertFalse(c.initialized(), "rejected reset initialised the callout");
        }
    }

    @OnEveryClock
    void spec07_resetPending_returns1AndOnlyNewHandlerRunsOnce(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Log log = new Log();
            Callout c = armed(rig.sys, 10, log.probe("a"));
            assertEquals(1, rig.sys.reset(c, 20, CB2, log.probe("b")));
            rig.vt.advanceTicks(100);
            assertEquals(List.of("cb2(b)"), log.entries());
        }
    }

    // Case 7's reset of a pending callout, with a null function (decision 3).
    @OnEveryClock
    void spec07_resetNullFunc_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = armedMpsafe(rig.sys);
            assertRejected(IllegalArgumentException.class, rig.sys, c, 1,
                    () -> rig.sys.<Probe>reset(c, 20, null, new Probe("b")), "func");
        }
    }

    // Case 7's reset of a pending callout, made on another wheel (decision 3).
    @OnEveryClock
    void spec07_resetCalloutOfAnotherWheel_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig ownerRig = rig(clocks); Rig otherRig = rig(clocks)) {
            CalloutWheel other = otherRig.sys;
            Callout c = armedMpsafe(ownerRig.sys);
            assertRejected(IllegalStateException.class, ownerRig.sys, c, 1,
                    () -> other.reset(c, 20, CB2, new Probe("b")), "another");
            assertEquals(0, WheelProbe.of(other).pendingCount(0), "callouts pending on the other wheel");
        }
    }

    static Stream<Arguments> clocksAndNonPositiveTicks() {
        return Clocks.withEach(0, -5);
    }

    @ParameterizedTest(name = "{0}, ticks = {1}")
    @MethodSource("clocksAndNonPositiveTicks")
    void spec08_resetNonPositiveTicks_timeIsOneTickAfterHardclock(Clocks clocks, int ticks) {
        try (Rig rig = rig(clocks)) {
            long h = rig.sys.hardclocktime(0);
            assertTrue(h != 0 && h != rig.vt.now(), "precondition: H non-zero and not now");
            Callout c = armed(rig.sys, ticks, new Probe("a"));
            assertEquals(h + rig.sys.tickSbt(), c.time());
        }
    }

    @OnEveryClock
    void spec09_reset10_timeAndPrecisionFromHardclock(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            long h = rig.sys.hardclocktime(0);
            Callout c = armed(rig.sys, 10, new Probe("a"));
            long tick = rig.sys.tickSbt();
            assertArmedAt(c, h + 10 * tick, (10 * tick) >> 4);
        }
    }

    @OnEveryClock
    void spec10_firedWithoutDeactivate_notPendingButActive(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = firedOnce(rig, new Log(), 2, 10);
            assertFlags(c, false, true);
        }
    }

    @OnEveryClock
    void spec11_handlerBlocked_otherThreadSeesNotPending(Clocks clocks) throws Exception {
        try (Rig rig = rig(clocks)) {
            Callout c = mpsafe(rig.sys);
            Gated g = new Gated(rig.gate);
            Held held = Held.start(rig, () -> rig.sys.reset(c, 1, GATED, g));
            assertFalse(c.pending(), "callout_pending while its handler runs");
            held.release();
            assertTrue(g.finished.get(), "handler did not finish");
        }
    }

    @OnEveryClock
    void spec12_handlerDeactivates_notActiveAfterwards(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = mpsafe(rig.sys);
            rig.sys.reset(c, 1, DEACTIVATE, c);
            assertTrue(c.active(), "precondition: active after arm");
            rig.vt.advanceTicks(3);
            assertFalse(c.pending(), "precondition: fired");
            assertFalse(c.active(), "active after the handler deactivated it");
        }
    }

    @OnEveryClock
    void spec13_scheduleAfterFire_returns0AndRunsSameHandler7TicksAfterHardclock(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Log log = new Log();
            Callout c = firedOnce(rig, log, 5, 10);
            assertEquals(List.of("cb(a)"), log.entries(), "precondition: fired once");
            long tick = rig.sys.tickSbt();
            rig.vt.advance(tick / 3); // off the tick boundary again
            long h = rig.sys.hardclocktime(0);

            assertEquals(0, rig.sys.schedule(c, 7), "callout_schedule return");
            assertEquals(h + 7 * tick, c.time(), "c_time");
            long end = rig.windowEnd(c);
            rig.vt.advanceTo(c.time() - 1);
            assertEquals(1, log.size(), "ran before its time");
            rig.vt.advanceTo(end);
            assertEquals(List.of("cb(a)", "cb(a)"), log.entries(), "ran by the end of its window");
        }
    }

    // Case 13's callout_schedule, without the prior arm it needs (decision 3).
    @OnEveryClock
    void spec13_scheduleNeverArmed_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = mpsafe(rig.sys);
            assertRejected(IllegalStateException.class, rig.sys, c, 0, () -> rig.sys.schedule(c, 5), "schedule");
        }
    }

    @OnEveryClock
    void spec14_resetSbtBelowTickThreshold_measuredFromSbinuptime(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            long s = rig.vt.now();
            assertTrue(s != rig.sys.hardclocktime(0), "precondition: S differs from H");
            Callout c = armedSbt(rig.sys, 10 * SBT_1MS, 0, 0);
            assertArmedAt(c, s + 10 * SBT_1MS, (10 * SBT_1MS) >> 4);
        }
    }

    // Case 14's callout_reset_sbt, with a flag bit that does not exist (decision 3).
    @OnEveryClock
    void spec14_resetSbtUnknownFlagBits_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = armedMpsafe(rig.sys);
            assertRejected(IllegalArgumentException.class, rig.sys, c, 1,
                    () -> rig.sys.resetSbt(c, 10 * SBT_1MS, 0, CB2, new Probe("b"), 0x1000), "flag", "0x1000");
        }
    }

    @OnEveryClock
    void spec15_resetSbtAtOrAboveTickThreshold_measuredFromNextTickSlot(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            long h = rig.sys.hardclocktime(0);
            assertTrue(100 * SBT_1MS >= rig.sys.tickThreshold(), "precondition: 100 ms >= 16 ticks");
            Callout c = armedSbt(rig.sys, 100 * SBT_1MS, 0, 0);
            assertEquals(h + rig.sys.tickSbt() + 100 * SBT_1MS, c.time());
        }
    }

    @OnEveryClock
    void spec16_prel2ZeroPr_precisionIsQuarterOfInterval(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            assertEquals(2 * SBT_1MS, armedSbt(rig.sys, 8 * SBT_1MS, 0, C_PREL(2)).precision());
        }
    }

    @OnEveryClock
    void spec16_prel2LargerPr_precisionIsPr(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            assertEquals(3 * SBT_1MS, armedSbt(rig.sys, 8 * SBT_1MS, 3 * SBT_1MS, C_PREL(2)).precision());
        }
    }

    // Case 16's precision argument, negative (decision 3).
    @OnEveryClock
    void spec16_resetSbtNegativePrecision_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = armedMpsafe(rig.sys);
            assertRejected(IllegalArgumentException.class, rig.sys, c, 1,
                    () -> rig.sys.resetSbt(c, 10 * SBT_1MS, -7, CB2, new Probe("b"), 0), "precision", "-7");
        }
    }

    @OnEveryClock
    void spec17_absoluteBeforeLastscan_timeClampedToLastscanPrecisionIsPr(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            // A scan must happen for lastscan to move: arm something and let it fire.
            armed(rig.sys, 1, new Probe("d"));
            rig.vt.advanceTicks(5);
            long lastscan = WheelProbe.of(rig.sys).lastscan(0);
            long t = rig.vt.now() - 20 * rig.sys.tickSbt();
            assertTrue(lastscan - t > 0, "precondition: T earlier than lastscan");
            long p = 3 * SBT_1MS;

            assertArmedAt(armedSbt(rig.sys, t, p, C_ABSOLUTE), lastscan, p); // c_time == max(T, lastscan)
        }
    }

    @OnEveryClock
    void spec17_absoluteAfterLastscan_timeIsTPrecisionIsPr(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            long t = rig.vt.now() + 50 * SBT_1MS + 7;
            long p = 3 * SBT_1MS;
            assertArmedAt(armedSbt(rig.sys, t, p, C_ABSOLUTE), t, p); // no relative precision added to P
        }
    }

    @OnEveryClock
    void spec18_relativeNearSbtMax_saturatesWithoutOverflow(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = armedSbt(rig.sys, SBT_MAX - 5, 0, 0);
            assertEquals(SBT_MAX, c.time(), "c_time");
            assertEquals(SBT_MAX, c.time() + c.precision(), "c_time + c_precision");
        }
    }

    @OnEveryClock
    void spec19_whenThenPrecalc_usesResultVerbatim(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            When w = rig.sys.when(100 * SBT_1MS, SBT_1MS, C_PREL(3));
            rig.vt.advance(5 * rig.sys.tickSbt() + 17); // time moves between callout_when and the arm
            assertArmedAt(armedSbt(rig.sys, w.time(), w.precision(), C_PRECALC), w.time(), w.precision());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Stop                                                                                      */

    /** MODERN per §11; CLASSIC returns 1 for a cancelled pending callout too (decision 1). */
    @OnEveryClockAndProfile
    void spec20_stopPending_returns1ClearsFlagsAndNeverRuns(Clocks clocks, Profile profile) {
        try (Rig rig = rig(clocks, profile)) {
            Log log = new Log();
            Callout c = armed(rig.sys, 10, log.probe("a"));
            assertEquals(1, rig.sys.stop(c), "callout_stop return");
            assertFlags(c, false, false);
            rig.vt.advanceTicks(100);
            assertEquals(List.of(), log.entries(), "stopped callout ran");
        }
    }

    // Case 20's stop of a pending callout, made on another wheel (decision 3).
    @OnEveryClock
    void spec20_stopCalloutOfAnotherWheel_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig ownerRig = rig(clocks); Rig otherRig = rig(clocks)) {
            Callout c = armedMpsafe(ownerRig.sys);
            assertRejected(IllegalStateException.class, ownerRig.sys, c, 1, () -> otherRig.sys.stop(c), "another");
        }
    }

    @OnEveryClock
    void spec21_stopNeverArmed_returnsMinus1(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            assertEquals(-1, rig.sys.stop(mpsafe(rig.sys)));
        }
    }

    /** V9/V10 return 0 here; the CLASSIC profile reproduces that. */
    @OnEveryClock
    void spec21_classic_stopNeverArmed_returns0(Clocks clocks) {
        try (Rig rig = rig(clocks, Profile.CLASSIC)) {
            assertEquals(0, rig.sys.stop(mpsafe(rig.sys)));
        }
    }

    /** SPEC §4.7 "manual vs. code": MODERN's idle path returns -1 and leaves ACTIVE as the expiry left it. */
    // Case 21's stop of a callout that is not pending, here one that fired (case 10's state).
    @OnEveryClock
    void spec21_stopFiredWithoutDeactivate_returnsMinus1AndLeavesActive(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = firedOnce(rig, new Log(), 1, 3);
            assertEquals(-1, rig.sys.stop(c), "callout_stop return");
            assertTrue(c.active(), "active");
        }
    }

    /** Decision 1: CLASSIC stop returns 0 for an idle callout and always clears ACTIVE. */
    // Case 21's stop of a callout that is not pending, here one that fired (case 10's state).
    @OnEveryClock
    void spec21_classic_stopFiredWithoutDeactivate_returns0AndClearsActive(Clocks clocks) {
        try (Rig rig = rig(clocks, Profile.CLASSIC)) {
            Callout c = firedOnce(rig, new Log(), 1, 3);
            assertEquals(0, rig.sys.stop(c), "callout_stop return");
            assertFalse(c.active(), "active");
        }
    }

    // Case 21's stop, of a callout that was never initialised (decision 3).
    @OnEveryClock
    void spec21_stopNeverInitialised_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = new Callout();
            assertRejected(IllegalStateException.class, rig.sys, c, 0, () -> rig.sys.stop(c), "initiali");
        }
    }

    /** "CPU 1" is the test thread; the handler runs on the advancing helper thread. */
    @OnEveryClockAndProfile
    void spec23_stopWhileMpsafeHandlerRuns_returns0ClearsActiveHandlerCompletes(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            Callout c = mpsafe(rig.sys);
            Gated g = new Gated(rig.gate);
            Held held = Held.start(rig, () -> rig.sys.reset(c, 1, GATED, g));
            assertEquals(0, rig.sys.stop(c), "callout_stop return");
            assertFalse(c.active(), "active after stop");
            assertFalse(g.finished.get(), "precondition: handler still held");
            held.release();
            assertTrue(g.finished.get(), "handler did not complete");
            assertEquals(1, g.runs.get(), "handler runs");
        }
    }

    /** LOCKWAIT on Giant: the test thread holds Giant, a third thread (not owning it) stops. */
    @OnEveryClockAndProfile
    void spec25_giantLockwait_stopByNonOwner_returns0AndHandlerStillRuns(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            Log log = new Log();
            Callout c = giant(rig.sys);
            try (LockWait w = giantLockWait(rig, c, log)) {
                int r = rig.spawn("stopper", () -> rig.sys.stop(c)).get();
                assertEquals(0, r, "callout_stop by a thread not owning Giant");
                assertEquals(0, log.size(), "precondition: handler waits for Giant");
            }
            assertEquals(List.of("cb(a)"), log.entries(), "handler after Giant was released");
        }
    }

    /** LOCKWAIT on Giant: the test thread holds Giant and stops the callout itself. */
    @OnEveryClockAndProfile
    void spec26_giantLockwait_stopByGiantOwner_returns1AndHandlerNeverRuns(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            Log log = new Log();
            Callout c = giant(rig.sys);
            int r;
            try (LockWait w = giantLockWait(rig, c, log)) {
                r = rig.sys.stop(c);
            }
            assertEquals(1, r, "callout_stop by the Giant owner");
            assertEquals(List.of(), log.entries(), "cancelled handler ran");
            KMutex g = assertInstanceOf(KMutex.class, rig.sys.giant());
            assertTrue(g.tryLock(), "Giant left held by the dispatcher");
            try {
                assertFalse(g.recursed(), "Giant left held by this thread");
            } finally {
                g.unlock();
            }
        }
    }

    /** Also SPEC §11 case 29's territory; here as a decision-3 misuse check. */
    @OnEveryClock
    void spec29_stopLockNotHeld_throwsIseNamingLockAndChangesNothing(Clocks clocks) throws Exception {
        try (Rig rig = rig(clocks)) {
            KMutex m = new KMutex("sc_mtx");
            Callout c = locked(rig.sys, m, 0);
            Log log = new Log();
            holding(m, () -> rig.sys.reset(c, 10, CB, log.probe("a")));
            assertRejected(IllegalStateException.class, rig.sys, c, 1, () -> rig.sys.stop(c), "sc_mtx");
            rig.vt.advanceTicks(50);
            assertEquals(List.of("cb(a)"), log.entries(), "the callout still runs");
        }
    }

    // Case 51's reset_on to a CPU out of range, on a one-CPU wheel (decision 3's message and no change).
    @OnEveryClock
    void spec51_resetOnCpuOutOfRange_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            Callout c = armedMpsafe(rig.sys);
            assertRejected(IllegalArgumentException.class, rig.sys, c, 1,
                    () -> rig.sys.resetOn(c, 20, CB2, new Probe("b"), 5), "cpu", "5");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Helpers                                                                                   */

    /** A MODERN system on {@code clocks}: see {@link #rig(Clocks, Profile)}. */
    private static Rig rig(Clocks clocks) {
        return rig(clocks, Profile.MODERN);
    }

    /**
     * A system on {@code clocks} whose time starts at {@link #START} and has then moved by two
     * ticks and a third: an event-timer clock has taken interrupts (its {@code hardclocktime} is
     * set; before the first one it is 0, FreeBSD's early boot), and now is off the tick grid.
     */
    private static Rig rig(Clocks clocks, Profile profile) {
        Rig rig = new Rig(clocks, START, b -> b.profile(profile));
        long tick = rig.sys.tickSbt();
        rig.vt.advance(2 * tick + tick / 3);
        return rig;
    }

    /** {@return a new MP-safe callout armed with {@code callout_reset(c, ticks, CB, p)}} */
    private static Callout armed(CalloutWheel sys, int ticks, Probe p) {
        Callout c = mpsafe(sys);
        sys.reset(c, ticks, CB, p);
        return c;
    }

    /** An MP-safe callout armed for 10 ticks with {@link #CB}. */
    private static Callout armedMpsafe(CalloutWheel sys) {
        Callout c = armed(sys, 10, new Probe("a"));
        assertTrue(c.pending(), "precondition: pending");
        return c;
    }

    /** {@return a new MP-safe callout armed with {@code callout_reset_sbt(c, sbt, pr, CB, a, flags)}} */
    private static Callout armedSbt(CalloutWheel sys, long sbt, long pr, int flags) {
        Callout c = mpsafe(sys);
        sys.resetSbt(c, sbt, pr, CB, new Probe("a"), flags);
        return c;
    }

    /**
     * A new MP-safe callout armed for {@code ticks} with {@code CB} and a probe "a" of {@code log},
     * after {@code advanceTicks} ticks in which it fired once: the state of SPEC §11 case 10.
     */
    private static Callout firedOnce(Rig rig, Log log, int ticks, int advanceTicks) {
        Callout c = armed(rig.sys, ticks, log.probe("a"));
        rig.vt.advanceTicks(advanceTicks);
        assertEquals(1, log.size(), "precondition: fired once");
        return c;
    }

    /** Case 2's set-up: {@code callout_init(c, 0)} armed for one tick with {@link #GIANT_CHECK}, which has run. */
    private static GiantProbe runGiantHandler(Rig rig) {
        Callout c = giant(rig.sys);
        GiantProbe p = new GiantProbe(rig.sys.giant());
        rig.sys.reset(c, 1, GIANT_CHECK, p);
        rig.vt.advanceTicks(3); // the handler runs on this thread
        return p;
    }

    /** LOCKWAIT on Giant: the test thread holds Giant, {@code c} (a Giant callout) armed with {@code CB(a)} expired. */
    private static LockWait giantLockWait(Rig rig, Callout c, Log log) throws Exception {
        return LockWait.enter(rig, c, rig.sys.giant(), () -> rig.sys.reset(c, 1, CB, log.probe("a")));
    }

    /** Asserts {@code callout_pending(c)} and {@code callout_active(c)}. */
    private static void assertFlags(Callout c, boolean pending, boolean active) {
        assertEquals(pending, c.pending(), "pending");
        assertEquals(active, c.active(), "active");
    }

    /** Asserts {@code c_time} and {@code c_precision}. */
    private static void assertArmedAt(Callout c, long time, long precision) {
        assertEquals(time, c.time(), "c_time");
        assertEquals(precision, c.precision(), "c_precision");
    }

    /**
     * SPEC decision 3: asserts that {@code call} throws {@code type} with a message naming each of
     * {@code needles} (ignoring case), and that it changed nothing: {@code c} looks as before the
     * call and CPU 0 of {@code sys} still has {@code pendingOnCpu0} callouts pending.
     */
    private static <X extends Throwable> void assertRejected(Class<X> type, CalloutWheel sys, Callout c,
                                                            int pendingOnCpu0, Executable call, String... needles) {
        State before = State.of(c);
        X e = assertThrows(type, call);
        assertMessageNames(e, needles);
        assertUnchanged(sys, before, c, pendingOnCpu0);
    }

    private static void assertMessageNames(Throwable e, String... needles) {
        String msg = e.getMessage();
        assertNotNull(msg, "exception without a message: " + e);
        String lower = msg.toLowerCase(Locale.ROOT);
        for (String n : needles) {
            assertTrue(lower.contains(n.toLowerCase(Locale.ROOT)), () -> "message \"" + msg + "\" does not name \"" + n + "\"");
        }
    }

    private static void assertUnchanged(CalloutWheel sys, State before, Callout c, int pendingOnCpu0) {
        assertEquals(before, State.of(c), "callout state changed by a rejected call");
        assertEquals(pendingOnCpu0, WheelProbe.of(sys).pendingCount(0), "callouts pending on CPU 0");
    }

    /** Everything observable about a callout, to show that a rejected call changed nothing. */
    private record State(boolean initialized, boolean pending, boolean active, long time, long precision,
                         Object func, Object arg, CalloutLock lock, int iflags, int flags, int cpu) {
        static State of(Callout c) {
            return new State(c.initialized(), c.pending(), c.active(), c.time(), c.precision(), c.func(), c.arg(),
                    c.lock(), c.iflags(), c.flags(), c.cpu());
        }
    }

    /** A handler argument that logs "handler(name)" each time a handler runs with it. */
    private static final class Probe {
        private final String name;
        private final Log log;

        Probe(String name) {
            this(name, new Log());
        }

        Probe(String name, Log log) {
            this.name = name;
            this.log = log;
        }

        void hit(String handler) {
            log.add(handler + "(" + name + ")");
        }
    }

    /** A thread-safe, ordered record of handler invocations. */
    private static final class Log {
        private final List<String> entries = new ArrayList<>();

        Probe probe(String name) {
            return new Probe(name, this);
        }

        synchronized void add(String s) {
            entries.add(s);
        }

        synchronized List<String> entries() {
            return List.copyOf(entries);
        }

        synchronized int size() {
            return entries.size();
        }
    }

    /** Argument of {@link #GIANT_CHECK}: records whether Giant was held inside the handler. */
    private static final class GiantProbe {
        final CalloutLock giant;
        final AtomicReference<Boolean> ownedInHandler = new AtomicReference<>();

        GiantProbe(CalloutLock giant) {
            this.giant = giant;
        }

        void check() {
            ownedInHandler.set(giant.owned());
        }
    }

    /** Argument of {@link #GATED}: the handler counts itself, waits at the gate, then marks completion. */
    private static final class Gated {
        final HandlerGate gate;
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean finished = new AtomicBoolean();

        Gated(HandlerGate gate) {
            this.gate = gate;
        }

        void run() {
            runs.incrementAndGet();
            gate.enter();
            finished.set(true);
        }
    }
}
