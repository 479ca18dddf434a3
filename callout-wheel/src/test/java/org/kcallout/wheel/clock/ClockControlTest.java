package org.kcallout.wheel.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.driver.ReloadTimerDriver;
import org.kcallout.wheel.driver.SimulatedReloadTimer;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * Tests of {@link ClockControl}, the control side of the clock source: run-time changes
 * (switching the timer, {@code kern.eventtimer.periodic}, deregistration of the timer in use,
 * {@code et_change_frequency}) lose no callout. The selection rules of {@code cpu_initclocks_bsp}
 * are in {@code EventTimerSelectTest}.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class ClockControlTest {

    /** Callouts armed at random times on two CPUs, each counting its runs and checking its time. */
    private static final class Load {
        final List<Callout> callouts = new ArrayList<>();
        final List<AtomicInteger> runs = new ArrayList<>();
        final AtomicInteger early = new AtomicInteger();
        final VirtualTimebase tb;
        long lastDue;

        Load(VirtualTimebase tb) {
            this.tb = tb;
        }

        void arm(CalloutWheel sys, Random rnd, int n) {
            for (int i = 0; i < n; i++) {
                Callout c = new Callout();
                AtomicInteger r = new AtomicInteger();
                sys.init(c, true);
                long when = tb.now() + 1 + (long) (rnd.nextDouble() * 200 * SBT_1MS);
                CalloutFunc<AtomicInteger> f = x -> {
                    x.incrementAndGet();
                    if (tb.now() < c.time()) {
                        early.incrementAndGet();
                    }
                };
                sys.resetSbtOn(c, when, rnd.nextInt(3) * SBT_1MS, f, r, rnd.nextInt(sys.ncpus()), C_ABSOLUTE);
                callouts.add(c);
                runs.add(r);
                lastDue = Math.max(lastDue, when);
            }
        }

        void assertEachRanOnce(String ctx) {
            for (int i = 0; i < runs.size(); i++) {
                assertEquals(1, runs.get(i).get(), ctx + ": runs of callout " + i);
            }
            assertEquals(0, early.get(), ctx + ": callouts ran early");
        }
    }

    /** Arms callouts, advances part way, applies {@code change}, then runs everything out. */
    private static void runAcross(CalloutWheel sys, VirtualTimebase tb, long seed, Consumer<Random> change) {
        Random rnd = new Random(seed);
        Load load = new Load(tb);
        load.arm(sys, rnd, 30);
        tb.advance(60 * SBT_1MS);
        change.accept(rnd);
        load.arm(sys, rnd, 10);
        tb.advanceTo(load.lastDue + 2 * SBT_1S);
        load.assertEachRanOnce("seed " + seed);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Switching (kern.eventtimer.timer, kern.eventtimer.periodic)                               */

    @Test
    void setTimer_atRunTime_toReloadTimer_losesNoCallout() {
        for (long seed = 1; seed <= 8; seed++) {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver virt = new VirtualTimerDriver(tb, "virt", BOTH, 200);
            ReloadTimerDriver qnx = new ReloadTimerDriver("qnx", 100, new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF));
            EventTimerClock clock = clockOn(registryOf(virt, qnx), tb).periodic(seed % 2 == 0).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
                assertSame(virt, clock.timer());
                runAcross(sys, tb, seed, rnd -> assertEquals(0, clock.setTimer("QNX")));
                assertSame(qnx, clock.timer());
                assertFalse(virt.active());
                assertFalse(virt.armed(), "the old timer was stopped");
                assertTrue(qnx.interrupts() > 0);
            }
        }
    }

    @Test
    void setTimer_unknownName_returnsEnoentAndKeepsTheTimer() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver virt = new VirtualTimerDriver(tb, "virt", BOTH, 200);
        EventTimerClock clock = clockOn(registryOf(virt), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            long starts = virt.starts();
            assertEquals(KernEt.ENOENT, clock.setTimer("nosuch"));
            assertEquals(0, clock.setTimer("VIRT"), "the timer in use: nothing to do");
            assertSame(virt, clock.timer());
            assertEquals(0, virt.stops());
            assertEquals(starts, virt.starts());
        }
    }

    /** Switching from a global timer to a per-CPU one loses no callout and starts every CPU's instance. */
    @Test
    void setTimer_globalToPerCpuTimer_losesNothingAndStartsEveryInstance() {
        for (long seed = 1; seed <= 4; seed++) {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver virt = new VirtualTimerDriver(tb, "virt", BOTH, 200);
            VirtualTimerDriver lapic = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
            EventTimerClock clock = clockOn(registryOf(virt, lapic), tb).timer("virt").periodic(seed % 2 == 0).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
                assertSame(virt, clock.timer());
                runAcross(sys, tb, seed, rnd -> assertEquals(0, clock.setTimer("LAPIC")));
                assertSame(lapic, clock.timer());
                assertFalse(virt.active());
                assertFalse(virt.armed(), "the old timer was stopped");
                assertTrue(lapic.armed(0) && lapic.armed(1), "each CPU runs its own instance");
            }
        }
    }

    @Test
    void setPeriodic_atRunTime_losesNoCallout() {
        for (long seed = 11; seed <= 14; seed++) {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver virt = new VirtualTimerDriver(tb, "virt", BOTH, 200);
            EventTimerClock clock = clockOn(registryOf(virt), tb).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
                runAcross(sys, tb, seed, rnd -> clock.setPeriodic(true));
                assertTrue(clock.periodic());
                assertEquals(clock.timerperiod(), virt.programmedPeriod());
            }
        }
    }

    @Test
    void setPeriodic_onOneShotOnlyTimer_staysOneShot() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver hpet = new VirtualTimerDriver(tb, "hpet", ET_FLAGS_ONESHOT, 200);
        EventTimerClock clock = clockOn(registryOf(hpet), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            clock.setPeriodic(true);
            assertFalse(clock.periodic(), "setuptimer adapts the mode to the timer");
            assertEquals(0, hpet.programmedPeriod());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Deregistration of the timer in use                                                        */

    @Test
    void deregister_timerInUse_movesToNextBestAndLosesNoCallout() {
        for (long seed = 21; seed <= 28; seed++) {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver best = new VirtualTimerDriver(tb, "best", BOTH, 300);
            VirtualTimerDriver next = new VirtualTimerDriver(tb, "next", BOTH, 200);
            VirtualTimerDriver worst = new VirtualTimerDriver(tb, "worst", BOTH, 100);
            EventTimers ets = registryOf(worst, next, best);
            EventTimerClock clock = clockOn(ets, tb).periodic(seed % 2 == 0).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
                assertSame(best, clock.timer());
                runAcross(sys, tb, seed, rnd -> assertEquals(0, KernEt.on(ets).et_deregister(best)));
                assertSame(next, clock.timer(), "the next best timer");
                assertFalse(ets.timers().contains(best), "deregistered");
                assertFalse(best.active());
                assertFalse(best.armed());
                assertFalse(worst.active());
            }
        }
    }

    @Test
    void deregister_onlyTimer_isRefusedWithEbusyAndKeepsRunning() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver only = new VirtualTimerDriver(tb, "only", BOTH, 300);
        EventTimers ets = registryOf(only);
        EventTimerClock clock = clockOn(ets, tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            runAcross(sys, tb, 31, rnd -> assertEquals(KernEt.EBUSY, KernEt.on(ets).et_deregister(only)));
            assertSame(only, clock.timer());
            assertTrue(ets.timers().contains(only));
        }
    }

    /** Two timers on one time base: the clock runs on {@code used} (better quality), {@code spare} idles. */
    private record UsedAndSpare(VirtualTimebase tb, VirtualTimerDriver used, VirtualTimerDriver spare,
                                EventTimers ets, EventTimerClock clock) {
        static UsedAndSpare create() {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver used = new VirtualTimerDriver(tb, "used", BOTH, 300);
            VirtualTimerDriver spare = new VirtualTimerDriver(tb, "spare", BOTH, 100);
            EventTimers ets = registryOf(used, spare);
            return new UsedAndSpare(tb, used, spare, ets, clockOn(ets, tb).build());
        }
    }

    @Test
    void deregister_timerNotInUse_leavesTheClockAlone() {
        UsedAndSpare f = UsedAndSpare.create();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(f.clock()).build()) {
            assertEquals(0, KernEt.on(f.ets()).et_deregister(f.spare()));
            assertSame(f.used(), f.clock().timer());
            assertEquals(0, f.used().stops());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_change_frequency                                                                       */

    @Test
    void changeFrequency_timerInUse_reprogramsAndLosesNoCallout() {
        for (long seed = 41; seed <= 46; seed++) {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver virt = new VirtualTimerDriver(tb, "virt", BOTH, 200, 32768, 0, Long.MAX_VALUE);
            EventTimers ets = registryOf(virt);
            boolean periodic = seed % 2 == 0;
            EventTimerClock clock = clockOn(ets, tb).periodic(periodic).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
                long periodBefore = clock.timerperiod();
                runAcross(sys, tb, seed, rnd -> {
                    long stops = virt.stops();
                    long starts = virt.starts();
                    virt.changeFrequency(ets, 1_000_003);
                    assertEquals(stops + 1, virt.stops(), "configtimer(0)");
                    assertTrue(virt.starts() > starts, "configtimer(1)");
                });
                assertEquals(1_000_003, virt.frequency());
                assertTrue(clock.timerperiod() != periodBefore, "timerperiod follows the new frequency");
            }
        }
    }

    @Test
    void changeFrequency_timerNotInUse_onlyStoresIt() {
        UsedAndSpare f = UsedAndSpare.create();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(f.clock()).build()) {
            long starts = f.used().starts();
            f.spare().changeFrequency(f.ets(), 12345);
            assertEquals(12345, f.spare().frequency());
            assertEquals(starts, f.used().starts());
            assertEquals(0, f.used().stops());
        }
    }
}
