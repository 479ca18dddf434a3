package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
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
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimerConsumer;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.ReloadTimerDriver;
import org.kcallout.wheel.driver.SimulatedReloadTimer;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * Run-time changes of the clock source (switching the timer, deregistration of the timer in use,
 * {@code et_change_frequency}, switching the mode) lose no callout; and the selection rules of
 * {@code cpu_initclocks_bsp} with the port's additions (per-CPU timers, one clock per registry).
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerSwitchTest {

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

    @Test
    void deregister_timerNotInUse_leavesTheClockAlone() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver used = new VirtualTimerDriver(tb, "used", BOTH, 300);
        VirtualTimerDriver spare = new VirtualTimerDriver(tb, "spare", BOTH, 100);
        EventTimers ets = registryOf(used, spare);
        EventTimerClock clock = clockOn(ets, tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertEquals(0, KernEt.on(ets).et_deregister(spare));
            assertSame(used, clock.timer());
            assertEquals(0, used.stops());
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
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver used = new VirtualTimerDriver(tb, "used", BOTH, 300);
        VirtualTimerDriver spare = new VirtualTimerDriver(tb, "spare", BOTH, 100);
        EventTimers ets = registryOf(used, spare);
        EventTimerClock clock = clockOn(ets, tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            long starts = used.starts();
            spare.changeFrequency(ets, 12345);
            assertEquals(12345, spare.frequency());
            assertEquals(starts, used.starts());
            assertEquals(0, used.stops());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Selection                                                                                 */

    @Test
    void select_byName_takesItEvenWithNegativeQuality() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver good = new VirtualTimerDriver(tb, "good", BOTH, 500);
        VirtualTimerDriver hidden = new VirtualTimerDriver(tb, "hidden", BOTH, -100);
        EventTimerClock clock = clockOn(registryOf(good, hidden), tb).timer("HIDDEN").build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertSame(hidden, clock.timer());
        }
    }

    @Test
    void select_unknownName_fallsBackToTheBest() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver good = new VirtualTimerDriver(tb, "good", BOTH, 500);
        EventTimerClock clock = clockOn(registryOf(good), tb).timer("nosuch").build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertSame(good, clock.timer());
        }
    }

    @Test
    void select_periodicWanted_takesBestPeriodicOverBetterOneShot() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver oneshot = new VirtualTimerDriver(tb, "oneshot", ET_FLAGS_ONESHOT, 500);
        VirtualTimerDriver periodic = new VirtualTimerDriver(tb, "periodic", ET_FLAGS_PERIODIC, 100);
        EventTimerClock clock = clockOn(registryOf(oneshot, periodic), tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertSame(periodic, clock.timer());
            assertTrue(clock.periodic());
        }
    }

    @Test
    void select_periodicWantedButNone_runsOneShot() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver oneshot = new VirtualTimerDriver(tb, "oneshot", ET_FLAGS_ONESHOT, 500);
        EventTimerClock clock = clockOn(registryOf(oneshot), tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertSame(oneshot, clock.timer());
            assertFalse(clock.periodic(), "adapted to the timer");
        }
    }

    @Test
    void select_noUsableTimer_buildFailsAndNothingIsClaimed() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver hidden = new VirtualTimerDriver(tb, "hidden", BOTH, -1);
        VirtualTimerDriver lapic = new VirtualTimerDriver(tb, "lapic", ET_FLAGS_PERCPU, 600); // neither mode
        EventTimers ets = registryOf(hidden, lapic);
        EventTimerClock clock = clockOn(ets, tb).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CalloutWheel.builder().ncpus(1).clock(clock).build());
        assertTrue(e.getMessage().contains("no usable event timer"), e.getMessage());
        assertFalse(hidden.active());
        assertFalse(lapic.active());
        assertNull(ets.clockSource());
    }

    @Test
    void select_perCpuTimerByName_runsAnInstanceOnEveryCpu() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver virt = new VirtualTimerDriver(tb, "virt", BOTH, 900);
        VirtualTimerDriver lapic = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
        EventTimerClock clock = clockOn(registryOf(virt, lapic), tb).timer("lapic").build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(3).clock(clock).build()) {
            assertSame(lapic, clock.timer());
            for (int cpu = 0; cpu < 3; cpu++) {
                assertTrue(lapic.armed(cpu), "instance of CPU " + cpu);
            }
            assertFalse(virt.active());
        }
    }

    @Test
    void registry_servesOneClockAtATime_andIsReleasedOnClose() {
        VirtualTimebase tb1 = new VirtualTimebase();
        VirtualTimebase tb2 = new VirtualTimebase();
        VirtualTimerDriver a = new VirtualTimerDriver(tb1, "a", BOTH, 200);
        VirtualTimerDriver b = new VirtualTimerDriver(tb2, "b", BOTH, 100);
        EventTimers ets = registryOf(a, b);
        EventTimerClock first = clockOn(ets, tb1).build();
        CalloutWheel sys1 = CalloutWheel.builder().ncpus(1).clock(first).build();
        assertSame(first, ets.clockSource());
        EventTimerClock second = clockOn(ets, tb2).build();
        assertThrows(IllegalStateException.class, () -> CalloutWheel.builder().ncpus(1).clock(second).build());
        sys1.close();
        assertNull(ets.clockSource());
        assertFalse(a.active());
        assertNull(((EventTimerConsumer) first).currentTimer(), "a stopped clock uses no timer");
        EventTimerClock third = clockOn(ets, tb2).build();
        try (CalloutWheel sys3 = CalloutWheel.builder().ncpus(1).clock(third).build()) {
            EventTimer used = third.timer();
            assertSame(a, used, "the best timer is free again");
        }
    }

    @Test
    void timebase_servesOneLiveClockAtATime() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver a = new VirtualTimerDriver(tb, "a", BOTH, 200);
        EventTimers ets = registryOf(a);
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clockOn(ets, tb).build()).build();
        assertThrows(IllegalStateException.class, () -> clockOn(new EventTimers(), tb).build());
        sys.close();
        try (CalloutWheel again = CalloutWheel.builder().ncpus(1).clock(clockOn(ets, tb).build()).build()) {
            tb.advanceTicks(3); // uses the new clock's tick
            assertEquals(3 * again.tickSbt(), tb.now());
        }
    }
}
