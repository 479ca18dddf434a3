package org.kcallout.wheel;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.When;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.clock.VirtualClock;
import org.kcallout.wheel.clock.VirtualEventTimer;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * SPEC §11 cases 1-21, 23, 25 and 26 (init and flags, arm/pending/active, stop), plus the misuse
 * errors of SPEC decision 3 for init, arm, schedule and stop.
 *
 * <p>Conventions of §11: hz = 1000 and tc_precexp = 4 (the builder's defaults), MODERN unless a case
 * names an older version, in which case the CLASSIC profile is tested too. Every test runs on each
 * deterministic clock ({@link Clocks}: the tickless {@link VirtualEventTimer} and the event-timer
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
     * than the test thread are Bg helpers: daemons (a failed test cannot hang the JVM), joined with
     * a 30 s safety net, their exceptions re-thrown on the test thread. */

    /** 10 s plus a few sbt: H = hardclocktime(0) is non-zero and differs from now. */
    private static final long START = SBT_1S * 10 + 12345;
    /** Safety net for waits on other threads; never a timing assertion. */
    private static final long WAIT_S = 30;

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
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            sys.init(c, true);
            assertFalse(c.pending(), "pending");
            assertFalse(c.active(), "active");
            assertNull(c.lock(), "c_lock");
            assertEquals(CALLOUT_RETURNUNLOCKED, c.iflags(), "c_iflags");
            assertEquals(0, c.cpu(), "c_cpu");
        }
    }

    @OnEveryClock
    void spec02_initGiant_handlerRunsWithGiantHeld(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = new Callout();
            sys.init(c, false);
            GiantProbe p = new GiantProbe(sys.giant());
            sys.reset(c, 1, GIANT_CHECK, p);
            vt.advanceTicks(3);
            assertEquals(Boolean.TRUE, p.ownedInHandler.get(), "handler did not run, or ran without Giant");
        }
    }

    @OnEveryClock
    void spec02_initGiant_giantReleasedAfterHandler(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = new Callout();
            sys.init(c, false);
            GiantProbe p = new GiantProbe(sys.giant());
            sys.reset(c, 1, GIANT_CHECK, p);
            vt.advanceTicks(3); // the handler runs on this thread
            assertNotNull(p.ownedInHandler.get(), "handler did not run");
            assertFalse(sys.giant().owned(), "Giant still held by the dispatching thread");
        }
    }

    /** SPEC §4.1: {@code callout_init(c, 0)} associates Giant and sets no internal flag. */
    @OnEveryClock
    void init_notMpsafe_associatesGiantWithNoFlags(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            sys.init(c, false);
            assertSame(sys.giant(), c.lock(), "c_lock");
            assertEquals(0, c.iflags(), "c_iflags");
        }
    }

    /** SPEC: assertion error; decision 3: IllegalArgumentException naming the bad flags. */
    @OnEveryClock
    void spec03_initMtxWithMpsafeFlag_rejected(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            KMutex m = new KMutex("sc_mtx");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.initLock(c, m, CALLOUT_RETURNUNLOCKED | CALLOUT_MPSAFE));
            assertMessageNames(e, "flag");
            String msg = e.getMessage();
            assertTrue(msg.contains("0x18") || msg.contains("0x8"), () -> "message does not name the bad bits: " + msg);
            assertFalse(c.initialized(), "rejected init initialised the callout");
        }
    }

    @OnEveryClock
    void spec04_initMtxNullLockReturnUnlocked_rejected(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.initLock(c, null, CALLOUT_RETURNUNLOCKED));
            assertMessageNames(e, "lock", "null");
            assertFalse(c.initialized(), "rejected init initialised the callout");
        }
    }

    @OnEveryClock
    void spec05_initMtxSpinMutex_acceptedByModern(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            KMutex spin = new KMutex("sc_spin", KMutex.MTX_SPIN);
            sys.initLock(c, spin, 0);
            assertTrue(c.initialized(), "initialised");
            assertSame(spin, c.lock(), "c_lock");
        }
    }

    @OnEveryClock
    void spec05_classic_initMtxSpinMutex_rejected(Clocks clocks) {
        try (Rig rig = rig(clocks, Profile.CLASSIC)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            KMutex spin = new KMutex("sc_spin", KMutex.MTX_SPIN);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sys.initLock(c, spin, 0));
            assertMessageNames(e, "spin", "sc_spin");
            assertFalse(c.initialized(), "rejected init initialised the callout");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Arm / pending / active                                                                    */

    @OnEveryClock
    void spec06_resetIdle_returns0PendingAndActive(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            assertEquals(0, sys.reset(c, 10, CB, new Probe("a")));
            assertTrue(c.pending(), "pending");
            assertTrue(c.active(), "active");
        }
    }

    @OnEveryClock
    void spec07_resetPending_returns1AndOnlyNewHandlerRunsOnce(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Log log = new Log();
            sys.reset(c, 10, CB, log.probe("a"));
            assertEquals(1, sys.reset(c, 20, CB2, log.probe("b")));
            vt.advanceTicks(100);
            assertEquals(List.of("cb2(b)"), log.entries());
        }
    }

    static Stream<Arguments> clocksAndNonPositiveTicks() {
        return Clocks.withEach(0, -5);
    }

    @ParameterizedTest(name = "{0}, ticks = {1}")
    @MethodSource("clocksAndNonPositiveTicks")
    void spec08_resetNonPositiveTicks_timeIsOneTickAfterHardclock(Clocks clocks, int ticks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            long h = sys.hardclocktime(0);
            assertTrue(h != 0 && h != vt.now(), "precondition: H non-zero and not now");
            Callout c = initMpsafe(sys);
            sys.reset(c, ticks, CB, new Probe("a"));
            assertEquals(h + sys.tickSbt(), c.time());
        }
    }

    @OnEveryClock
    void spec09_reset10_timeAndPrecisionFromHardclock(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            long h = sys.hardclocktime(0);
            Callout c = initMpsafe(sys);
            sys.reset(c, 10, CB, new Probe("a"));
            long tick = sys.tickSbt();
            assertEquals(h + 10 * tick, c.time(), "c_time");
            assertEquals((10 * tick) >> 4, c.precision(), "c_precision");
        }
    }

    @OnEveryClock
    void spec10_firedWithoutDeactivate_notPendingButActive(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Log log = new Log();
            sys.reset(c, 2, CB, log.probe("a"));
            vt.advanceTicks(10);
            assertEquals(1, log.size(), "precondition: fired once");
            assertFalse(c.pending(), "pending");
            assertTrue(c.active(), "active");
        }
    }

    @OnEveryClock
    void spec11_handlerBlocked_otherThreadSeesNotPending(Clocks clocks) throws Exception {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Gated g = new Gated();
            sys.reset(c, 1, GATED, g);
            Bg adv = Bg.start("advance", () -> vt.advanceTicks(3));
            try {
                assertTrue(g.gate.awaitEntered(Duration.ofSeconds(WAIT_S)), "handler never entered");
                assertFalse(c.pending(), "callout_pending while its handler runs");
            } finally {
                g.gate.open();
            }
            adv.join();
            assertTrue(g.finished.get(), "handler did not finish");
        }
    }

    @OnEveryClock
    void spec12_handlerDeactivates_notActiveAfterwards(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            sys.reset(c, 1, DEACTIVATE, c);
            assertTrue(c.active(), "precondition: active after arm");
            vt.advanceTicks(3);
            assertFalse(c.pending(), "precondition: fired");
            assertFalse(c.active(), "active after the handler deactivated it");
        }
    }

    @OnEveryClock
    void spec13_scheduleAfterFire_returns0AndRunsSameHandler7TicksAfterHardclock(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Log log = new Log();
            sys.reset(c, 5, CB, log.probe("a"));
            vt.advanceTicks(10);
            assertEquals(List.of("cb(a)"), log.entries(), "precondition: fired once");
            long tick = sys.tickSbt();
            vt.advance(tick / 3); // off the tick boundary again
            long h = sys.hardclocktime(0);

            assertEquals(0, sys.schedule(c, 7), "callout_schedule return");
            assertEquals(h + 7 * tick, c.time(), "c_time");
            long end = rig.windowEnd(c);
            vt.advanceTo(c.time() - 1);
            assertEquals(1, log.size(), "ran before its time");
            vt.advanceTo(end);
            assertEquals(List.of("cb(a)", "cb(a)"), log.entries(), "ran by the end of its window");
        }
    }

    @OnEveryClock
    void spec14_resetSbtBelowTickThreshold_measuredFromSbinuptime(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            long s = vt.now();
            assertTrue(s != sys.hardclocktime(0), "precondition: S differs from H");
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, 10 * SBT_1MS, 0, CB, new Probe("a"), 0);
            assertEquals(s + 10 * SBT_1MS, c.time(), "c_time");
            assertEquals((10 * SBT_1MS) >> 4, c.precision(), "c_precision");
        }
    }

    @OnEveryClock
    void spec15_resetSbtAtOrAboveTickThreshold_measuredFromNextTickSlot(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            long h = sys.hardclocktime(0);
            assertTrue(100 * SBT_1MS >= sys.tickThreshold(), "precondition: 100 ms >= 16 ticks");
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, 100 * SBT_1MS, 0, CB, new Probe("a"), 0);
            assertEquals(h + sys.tickSbt() + 100 * SBT_1MS, c.time());
        }
    }

    @OnEveryClock
    void spec16_prel2ZeroPr_precisionIsQuarterOfInterval(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, 8 * SBT_1MS, 0, CB, new Probe("a"), C_PREL(2));
            assertEquals(2 * SBT_1MS, c.precision());
        }
    }

    @OnEveryClock
    void spec16_prel2LargerPr_precisionIsPr(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, 8 * SBT_1MS, 3 * SBT_1MS, CB, new Probe("a"), C_PREL(2));
            assertEquals(3 * SBT_1MS, c.precision());
        }
    }

    @OnEveryClock
    void spec17_absoluteBeforeLastscan_timeClampedToLastscanPrecisionIsPr(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            // A scan must happen for lastscan to move: arm something and let it fire.
            Callout d = initMpsafe(sys);
            sys.reset(d, 1, CB, new Probe("d"));
            vt.advanceTicks(5);
            long lastscan = WheelProbe.of(sys).lastscan(0);
            long t = vt.now() - 20 * sys.tickSbt();
            assertTrue(lastscan - t > 0, "precondition: T earlier than lastscan");
            long p = 3 * SBT_1MS;

            Callout c = initMpsafe(sys);
            sys.resetSbt(c, t, p, CB, new Probe("a"), C_ABSOLUTE);
            assertEquals(lastscan, c.time(), "c_time == max(T, lastscan)");
            assertEquals(p, c.precision(), "c_precision == P");
        }
    }

    @OnEveryClock
    void spec17_absoluteAfterLastscan_timeIsTPrecisionIsPr(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            long t = vt.now() + 50 * SBT_1MS + 7;
            long p = 3 * SBT_1MS;
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, t, p, CB, new Probe("a"), C_ABSOLUTE);
            assertEquals(t, c.time(), "c_time == T");
            assertEquals(p, c.precision(), "c_precision == P, no relative precision added");
        }
    }

    @OnEveryClock
    void spec18_relativeNearSbtMax_saturatesWithoutOverflow(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, SBT_MAX - 5, 0, CB, new Probe("a"), 0);
            assertEquals(SBT_MAX, c.time(), "c_time");
            assertEquals(SBT_MAX, c.time() + c.precision(), "c_time + c_precision");
        }
    }

    @OnEveryClock
    void spec19_whenThenPrecalc_usesResultVerbatim(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            When w = sys.when(100 * SBT_1MS, SBT_1MS, C_PREL(3));
            vt.advance(5 * sys.tickSbt() + 17); // time moves between callout_when and the arm
            Callout c = initMpsafe(sys);
            sys.resetSbt(c, w.time(), w.precision(), CB, new Probe("a"), C_PRECALC);
            assertEquals(w.time(), c.time(), "c_time");
            assertEquals(w.precision(), c.precision(), "c_precision");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Stop                                                                                      */

    /** MODERN per §11; CLASSIC returns 1 for a cancelled pending callout too (decision 1). */
    @OnEveryClockAndProfile
    void spec20_stopPending_returns1ClearsFlagsAndNeverRuns(Clocks clocks, Profile profile) {
        try (Rig rig = rig(clocks, profile)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Log log = new Log();
            sys.reset(c, 10, CB, log.probe("a"));
            assertEquals(1, sys.stop(c), "callout_stop return");
            assertFalse(c.pending(), "pending");
            assertFalse(c.active(), "active");
            vt.advanceTicks(100);
            assertEquals(List.of(), log.entries(), "stopped callout ran");
        }
    }

    @OnEveryClock
    void spec21_stopNeverArmed_returnsMinus1(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            assertEquals(-1, sys.stop(c));
        }
    }

    /** V9/V10 return 0 here; the CLASSIC profile reproduces that. */
    @OnEveryClock
    void spec21_classic_stopNeverArmed_returns0(Clocks clocks) {
        try (Rig rig = rig(clocks, Profile.CLASSIC)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            assertEquals(0, sys.stop(c));
        }
    }

    /** SPEC §4.7 "manual vs. code": MODERN's idle path returns -1 and leaves ACTIVE as the expiry left it. */
    @OnEveryClock
    void stop_firedWithoutDeactivate_returnsMinus1AndLeavesActive(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Log log = new Log();
            sys.reset(c, 1, CB, log.probe("a"));
            vt.advanceTicks(3);
            assertEquals(1, log.size(), "precondition: fired");
            assertEquals(-1, sys.stop(c), "callout_stop return");
            assertTrue(c.active(), "active");
        }
    }

    /** Decision 1: CLASSIC stop returns 0 for an idle callout and always clears ACTIVE. */
    @OnEveryClock
    void stop_classic_firedWithoutDeactivate_returns0AndClearsActive(Clocks clocks) {
        try (Rig rig = rig(clocks, Profile.CLASSIC)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Log log = new Log();
            sys.reset(c, 1, CB, log.probe("a"));
            vt.advanceTicks(3);
            assertEquals(1, log.size(), "precondition: fired");
            assertEquals(0, sys.stop(c), "callout_stop return");
            assertFalse(c.active(), "active");
        }
    }

    /** "CPU 1" is the test thread; the handler runs on the advancing helper thread. */
    @OnEveryClockAndProfile
    void spec23_stopWhileMpsafeHandlerRuns_returns0ClearsActiveHandlerCompletes(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = initMpsafe(sys);
            Gated g = new Gated();
            sys.reset(c, 1, GATED, g);
            Bg adv = Bg.start("advance", () -> vt.advanceTicks(3));
            try {
                assertTrue(g.gate.awaitEntered(Duration.ofSeconds(WAIT_S)), "handler never entered");
                assertEquals(0, sys.stop(c), "callout_stop return");
                assertFalse(c.active(), "active after stop");
                assertFalse(g.finished.get(), "precondition: handler still held");
            } finally {
                g.gate.open();
            }
            adv.join();
            assertTrue(g.finished.get(), "handler did not complete");
            assertEquals(1, g.runs.get(), "handler runs");
        }
    }

    /** LOCKWAIT on Giant: the test thread holds Giant, a third thread (not owning it) stops. */
    @OnEveryClockAndProfile
    void spec25_giantLockwait_stopByNonOwner_returns0AndHandlerStillRuns(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = new Callout();
            sys.init(c, false);
            Log log = new Log();
            sys.reset(c, 1, CB, log.probe("a"));
            CalloutLock giant = sys.giant();
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            Bg adv;
            giant.lock();
            try {
                adv = Bg.start("advance", () -> vt.advanceTicks(3));
                rig.obs.awaitLockWait();
                Bg stopper = Bg.start("stopper", () -> result.set(sys.stop(c)));
                stopper.join();
                assertEquals(0, result.get(), "callout_stop by a thread not owning Giant");
                assertEquals(0, log.size(), "precondition: handler waits for Giant");
            } finally {
                giant.unlock();
            }
            adv.join();
            assertEquals(List.of("cb(a)"), log.entries(), "handler after Giant was released");
        }
    }

    /** LOCKWAIT on Giant: the test thread holds Giant and stops the callout itself. */
    @OnEveryClockAndProfile
    void spec26_giantLockwait_stopByGiantOwner_returns1AndHandlerNeverRuns(Clocks clocks, Profile profile)
            throws Exception {
        try (Rig rig = rig(clocks, profile)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout c = new Callout();
            sys.init(c, false);
            Log log = new Log();
            sys.reset(c, 1, CB, log.probe("a"));
            CalloutLock giant = sys.giant();
            Bg adv;
            int r;
            giant.lock();
            try {
                adv = Bg.start("advance", () -> vt.advanceTicks(3));
                rig.obs.awaitLockWait();
                r = sys.stop(c);
            } finally {
                giant.unlock();
            }
            adv.join();
            assertEquals(1, r, "callout_stop by the Giant owner");
            assertEquals(List.of(), log.entries(), "cancelled handler ran");
            KMutex g = assertInstanceOf(KMutex.class, giant);
            assertTrue(g.tryLock(), "Giant left held by the dispatcher");
            try {
                assertFalse(g.recursed(), "Giant left held by this thread");
            } finally {
                g.unlock();
            }
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Misuse (SPEC decision 3): exception type, message names rule or value, nothing changed    */

    @OnEveryClock
    void reset_nullFunc_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = armedMpsafe(sys);
            State before = State.of(c);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.<Probe>reset(c, 20, null, new Probe("b")));
            assertMessageNames(e, "func");
            assertUnchanged(sys, before, c, 1);
        }
    }

    @OnEveryClock
    void resetSbt_unknownFlagBits_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = armedMpsafe(sys);
            State before = State.of(c);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.resetSbt(c, 10 * SBT_1MS, 0, CB2, new Probe("b"), 0x1000));
            assertMessageNames(e, "flag", "0x1000");
            assertUnchanged(sys, before, c, 1);
        }
    }

    @OnEveryClock
    void resetSbt_negativePrecision_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = armedMpsafe(sys);
            State before = State.of(c);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.resetSbt(c, 10 * SBT_1MS, -7, CB2, new Probe("b"), 0));
            assertMessageNames(e, "precision", "-7");
            assertUnchanged(sys, before, c, 1);
        }
    }

    @OnEveryClock
    void resetOn_cpuOutOfRange_throwsIaeAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = armedMpsafe(sys);
            State before = State.of(c);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.resetOn(c, 20, CB2, new Probe("b"), 5));
            assertMessageNames(e, "cpu", "5");
            assertUnchanged(sys, before, c, 1);
        }
    }

    @OnEveryClock
    void reset_neverInitialised_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> sys.reset(c, 10, CB, new Probe("a")));
            assertMessageNames(e, "initiali");
            assertFalse(c.initialized(), "rejected reset initialised the callout");
            assertUnchanged(sys, before, c, 0);
        }
    }

    @OnEveryClock
    void stop_neverInitialised_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = new Callout();
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sys.stop(c));
            assertMessageNames(e, "initiali");
            assertUnchanged(sys, before, c, 0);
        }
    }

    @OnEveryClock
    void reset_calloutOfAnotherWheel_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig ownerRig = rig(clocks); Rig otherRig = rig(clocks)) {
            CalloutWheel owner = ownerRig.sys;
            CalloutWheel other = otherRig.sys;
            Callout c = armedMpsafe(owner);
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> other.reset(c, 20, CB2, new Probe("b")));
            assertMessageNames(e, "another");
            assertUnchanged(owner, before, c, 1);
            assertEquals(0, WheelProbe.of(other).pendingCount(0), "callouts pending on the other wheel");
        }
    }

    @OnEveryClock
    void stop_calloutOfAnotherWheel_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig ownerRig = rig(clocks); Rig otherRig = rig(clocks)) {
            CalloutWheel owner = ownerRig.sys;
            CalloutWheel other = otherRig.sys;
            Callout c = armedMpsafe(owner);
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.stop(c));
            assertMessageNames(e, "another");
            assertUnchanged(owner, before, c, 1);
        }
    }

    /** CalloutSystem.init documents IllegalStateException for a callout of another system, pending or not. */
    @OnEveryClock
    void init_idleCalloutOfAnotherWheel_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig ownerRig = rig(clocks); Rig otherRig = rig(clocks)) {
            CalloutWheel owner = ownerRig.sys;
            CalloutWheel other = otherRig.sys;
            Callout c = new Callout();
            owner.init(c, false); // Giant of the owner
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.init(c, true));
            assertMessageNames(e, "another");
            assertUnchanged(owner, before, c, 0);
            assertSame(owner.giant(), c.lock(), "c_lock");
        }
    }

    @OnEveryClock
    void initLock_pendingCallout_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = armedMpsafe(sys);
            State before = State.of(c);
            KMutex m = new KMutex("sc_mtx");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sys.initLock(c, m, 0));
            assertMessageNames(e, "pending");
            assertUnchanged(sys, before, c, 1);
        }
    }

    @OnEveryClock
    void schedule_neverArmed_throwsIseAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            Callout c = initMpsafe(sys);
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sys.schedule(c, 5));
            assertMessageNames(e, "schedule");
            assertUnchanged(sys, before, c, 0);
        }
    }

    /** Also SPEC §11 case 29's territory; here as a decision-3 misuse check. */
    @OnEveryClock
    void stop_lockNotHeld_throwsIseNamingLockAndChangesNothing(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            KMutex m = new KMutex("sc_mtx");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            Log log = new Log();
            m.lock();
            try {
                sys.reset(c, 10, CB, log.probe("a"));
            } finally {
                m.unlock();
            }
            State before = State.of(c);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sys.stop(c));
            assertMessageNames(e, "sc_mtx");
            assertUnchanged(sys, before, c, 1);
            vt.advanceTicks(50);
            assertEquals(List.of("cb(a)"), log.entries(), "the callout still runs");
        }
    }

    /** Both profiles reject it: MODERN allows only a spin mutex, CLASSIC no lock at all. */
    @OnEveryClockAndProfile
    void resetSbt_directExecWithSleepMutex_throwsIaeAndChangesNothing(Clocks clocks, Profile profile) {
        try (Rig rig = rig(clocks, profile)) {
            CalloutWheel sys = rig.sys;
            KMutex m = new KMutex("sc_mtx");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            m.lock();
            try {
                sys.reset(c, 10, CB, new Probe("a"));
                State before = State.of(c);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> sys.resetSbt(c, 10 * SBT_1MS, 0, CB2, new Probe("b"), C_DIRECT_EXEC));
                assertMessageNames(e, "C_DIRECT_EXEC", "sc_mtx");
                assertUnchanged(sys, before, c, 1);
                assertEquals(0, c.iflags() & CALLOUT_DIRECT, "CALLOUT_DIRECT set by a rejected arm");
            } finally {
                m.unlock();
            }
        }
    }

    /** The boundary of the rule above: MODERN lets a spin-mutex callout run directly (SPEC §4.4 step 3). */
    @OnEveryClock
    void resetSbt_directExecWithSpinMutex_acceptedByModern(Clocks clocks) {
        try (Rig rig = rig(clocks)) {
            CalloutWheel sys = rig.sys;
            KMutex spin = new KMutex("sc_spin", KMutex.MTX_SPIN);
            Callout c = new Callout();
            sys.initLock(c, spin, 0);
            spin.lock();
            try {
                assertEquals(0, sys.resetSbt(c, 10 * SBT_1MS, 0, CB, new Probe("a"), C_DIRECT_EXEC));
            } finally {
                spin.unlock();
            }
            assertTrue(c.pending(), "pending");
            assertEquals(CALLOUT_DIRECT, c.iflags() & CALLOUT_DIRECT, "CALLOUT_DIRECT");
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

    private static Callout initMpsafe(CalloutWheel sys) {
        Callout c = new Callout();
        sys.init(c, true);
        return c;
    }

    /** An MP-safe callout armed for 10 ticks with {@link #CB}. */
    private static Callout armedMpsafe(CalloutWheel sys) {
        Callout c = initMpsafe(sys);
        sys.reset(c, 10, CB, new Probe("a"));
        assertTrue(c.pending(), "precondition: pending");
        return c;
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
        final HandlerGate gate = new HandlerGate();
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean finished = new AtomicBoolean();

        void run() {
            runs.incrementAndGet();
            gate.enter();
            finished.set(true);
        }
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /** A daemon helper thread whose failure is re-thrown by {@link #join()} on the test thread. */
    private static final class Bg {
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        private Bg(String name, Body body) {
            this.thread = new Thread(() -> {
                try {
                    body.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, name);
            thread.setDaemon(true);
        }

        static Bg start(String name, Body body) {
            Bg bg = new Bg(name, body);
            bg.thread.start();
            return bg;
        }

        void join() throws InterruptedException {
            thread.join(SECONDS.toMillis(WAIT_S)); // safety net only
            assertFalse(thread.isAlive(), () -> thread.getName() + " did not finish");
            Throwable t = failure.get();
            if (t != null) {
                fail(thread.getName() + " threw", t);
            }
        }
    }
}
