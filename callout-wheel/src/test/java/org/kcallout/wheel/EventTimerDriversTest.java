package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_1US;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.registryOf;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EtEventCb;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.RealTimeTimerDriver;
import org.kcallout.wheel.driver.ReloadTimerDriver;
import org.kcallout.wheel.driver.SimulatedReloadTimer;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * The drivers on their own, driven through the registry as a consumer would: the virtual driver
 * (counts, periods, faults), the QNX-style reload-timer adapter on its simulated hardware, and the
 * real-time driver (with latches as a safety net only; nothing here asserts a duration).
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerDriversTest {

    /** Records the virtual time of every event. */
    private static final class Events {
        final List<Long> at = new CopyOnWriteArrayList<>();
        final VirtualTimebase tb;

        Events(VirtualTimebase tb) {
            this.tb = tb;
        }

        static final EtEventCb<Events> CB = (et, cpu, e) -> e.at.add(e.tb.now());
    }

    private static Events claim(EventTimers ets, EventTimer et, VirtualTimebase tb) {
        Events e = new Events(tb);
        ets.init(et, Events.CB, null, e);
        return e;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* VirtualTimerDriver                                                                        */

    @Test
    void virtual_withFrequency_programsWholeCountsRoundedUp() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", BOTH, 0, 1000, 0, SBT_MAX);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        ets.start(drv, NOCPU, 1500 * SBT_1US, 0); // 1.5 counts -> 2 counts = 2 ms
        long twoCounts = (2 * SBT_1S + 999) / 1000;
        assertEquals(twoCounts, drv.programmedTime());
        tb.advance(10 * SBT_1MS);
        assertEquals(List.of(twoCounts), ev.at);
        assertFalse(drv.armed(), "one-shot: disarmed after its event");
    }

    @Test
    void virtual_periodic_firstZeroMeansOnePeriod_andLateEventCollapsesMissedPeriods() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", BOTH, 0);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        long p = SBT_1MS;
        ets.start(drv, NOCPU, 0, p);
        tb.advance(2 * p);
        assertEquals(List.of(p, 2 * p), ev.at);
        drv.lateNextInterrupt(p * 7 / 2); // the event at 3p comes at 6.5p
        tb.advanceTo(7 * p);
        assertEquals(List.of(p, 2 * p, 6 * p + p / 2, 7 * p), ev.at, "4p..6p collapsed into the late event");
        assertEquals(4, drv.interrupts());
    }

    @Test
    void virtual_deepSleep_startWhileAsleepCountsFromWakeUp() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", BOTH, 0);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        drv.enterDeepSleep();
        tb.advance(5 * SBT_1MS);
        ets.start(drv, NOCPU, 2 * SBT_1MS, 0);
        tb.advance(10 * SBT_1MS);
        assertTrue(ev.at.isEmpty());
        drv.exitDeepSleep();
        long woke = tb.now();
        tb.advance(10 * SBT_1MS);
        assertEquals(List.of(woke + 2 * SBT_1MS), ev.at);
    }

    @Test
    void virtual_stopAndUnclaimed_deliverNothing() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", BOTH, 0);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        ets.start(drv, NOCPU, SBT_1MS, SBT_1MS);
        tb.advance(SBT_1MS);
        ets.stop(drv, NOCPU);
        tb.advance(10 * SBT_1MS);
        assertEquals(1, ev.at.size());
        ets.start(drv, NOCPU, SBT_1MS, 0);
        ets.free(drv); // a consumer that left without stopping: the event reaches no one
        tb.advance(10 * SBT_1MS);
        assertEquals(1, ev.at.size());
        assertEquals(2, drv.interrupts(), "the driver raised both events");
        assertEquals(1, tb.interrupts(), "fire() dropped the second: it reached no consumer");
    }

    @Test
    void virtual_badArguments_areRefused() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", BOTH, 0);
        assertThrows(IllegalArgumentException.class, () -> drv.lateNextInterrupt(0));
        assertThrows(IllegalArgumentException.class, () -> drv.earlyNextInterrupt(-1));
        assertThrows(IllegalArgumentException.class, () -> new VirtualTimerDriver(tb, "v", BOTH, 0, 1L << 31, 0, SBT_MAX));
        assertThrows(IllegalArgumentException.class, () -> drv.changeFrequency(registryOf(), -5));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* ReloadTimerDriver on SimulatedReloadTimer (QNX style)                                     */

    @Test
    void reload_periodic_loadsOnceThenReloadsOnEveryInterrupt() {
        VirtualTimebase tb = new VirtualTimebase();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        ets.start(drv, NOCPU, 0, SBT_1MS); // 1000 counts at 1 MHz
        assertEquals(1000, hw.period());
        tb.advanceTo(5 * SBT_1S / 1000 + 1); // exact 5 ms (SBT_1MS is truncated)
        assertEquals(5, ev.at.size());
        assertEquals(1, hw.loads());
        assertEquals(5, hw.reloads());
        for (int i = 0; i < 5; i++) {
            long exact = (i + 1) * SBT_1S / 1000;
            assertTrue(ev.at.get(i) >= exact && ev.at.get(i) <= exact + 1, "event " + i + " at " + ev.at.get(i));
        }
    }

    @Test
    void reload_periodicWithDifferentFirst_loadsFirstThenThePeriod() {
        VirtualTimebase tb = new VirtualTimebase();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        ets.start(drv, NOCPU, 300 * SBT_1US, SBT_1MS);
        assertEquals(300, hw.period());
        tb.advance(400 * SBT_1US);
        assertEquals(1, ev.at.size());
        assertEquals(1000, hw.period(), "timer_load with the period at the first interrupt");
        assertEquals(2, hw.loads());
        tb.advance(SBT_1MS);
        assertEquals(2, ev.at.size());
        assertEquals(1, hw.reloads());
    }

    @Test
    void reload_oneShot_loadsTheIntervalAndDoesNotReload() {
        VirtualTimebase tb = new VirtualTimebase();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        ets.start(drv, NOCPU, 2500 * SBT_1US, 0);
        assertEquals(2500, hw.period());
        tb.advance(10 * SBT_1MS);
        assertEquals(1, ev.at.size());
        assertEquals(0, hw.reloads());
        assertFalse(hw.enabled(), "idle after its interrupt");
        long tooLong = 10 * SBT_1S;
        ets.start(drv, NOCPU, tooLong, 0); // et_start clamps to et_max_period: 0xFFFF counts
        assertEquals(0xFFFF, hw.period());
    }

    @Test
    void reload_stop_swallowsTheInterruptAlreadyCounting() {
        VirtualTimebase tb = new VirtualTimebase();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
        EventTimers ets = registryOf(drv);
        Events ev = claim(ets, drv, tb);
        ets.start(drv, NOCPU, 0, SBT_1MS);
        tb.advance(SBT_1MS + SBT_1US);
        ets.stop(drv, NOCPU);
        tb.advance(10 * SBT_1MS);
        assertEquals(1, ev.at.size());
        assertEquals(1, drv.spuriousInterrupts(), "no stop in hardware: one more interrupt, swallowed");
        assertFalse(hw.enabled(), "and not reloaded");
    }

    @Test
    void reload_timerValue_countsSinceTheLastInterrupt() {
        VirtualTimebase tb = new VirtualTimebase();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
        EventTimers ets = registryOf(drv);
        claim(ets, drv, tb);
        ets.start(drv, NOCPU, 0, SBT_1MS);
        tb.advanceTo(250 * SBT_1S / 1_000_000 + 1); // exact 250 us (SBT_1US is truncated)
        assertEquals(250, hw.timerValue());
        tb.advanceTo(1250 * SBT_1S / 1_000_000 + 1);
        assertEquals(250, hw.timerValue(), "1.25 ms after load: 250 counts into the second period");
        assertEquals(250 * SBT_1S / 1_000_000, drv.elapsedSinceInterrupt(), "250 counts, rounded down");
    }

    @Test
    void reload_hardwareContract_isChecked() {
        VirtualTimebase tb = new VirtualTimebase();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
        assertThrows(IllegalStateException.class, hw::timerReload, "reload before any load");
        assertThrows(IllegalArgumentException.class, () -> hw.timerLoad(0));
        assertThrows(IllegalArgumentException.class, () -> hw.timerLoad(0x10000));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedReloadTimer(tb, 0, 10));
        assertThrows(IllegalArgumentException.class,
                () -> new ReloadTimerDriver("x", EventTimer.ET_FLAGS_PERCPU | BOTH, 0, hw));
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
        assertEquals(1_000_000, drv.frequency());
        assertEquals((SBT_1S + 999_999) / 1_000_000, drv.minPeriod(), "one count");
        assertEquals(0xFFFFL * SBT_1S / 1_000_000, drv.maxPeriod(), "maxCount counts, rounded down");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* RealTimeTimerDriver                                                                       */

    @Test
    void realTime_driverAlone_deliversOneShotAndPeriodicEvents() throws Exception {
        RealTimeTimerDriver drv = new RealTimeTimerDriver();
        EventTimers ets = registryOf(drv);
        CountDownLatch events = new CountDownLatch(4);
        ets.init(drv, (EtEventCb<CountDownLatch>) (et, cpu, l) -> l.countDown(), null, events);
        ets.start(drv, NOCPU, SBT_1MS, 0);
        ets.start(drv, NOCPU, 0, SBT_1MS); // reprogrammed before or after the one-shot fired
        assertTrue(events.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS), "events within the safety net");
        ets.stop(drv, NOCPU);
        assertFalse(drv.armed());
        assertTrue(drv.interrupts() >= 3);
        ets.free(drv);
    }

    @Test
    void realTime_clock_bothModes_calloutsFireOnSoftclockThreads() throws Exception {
        for (boolean periodic : new boolean[] {false, true}) {
            RealTimeTimerDriver drv = new RealTimeTimerDriver();
            EventTimers ets = registryOf(drv);
            EventTimerClock clock = EventTimerClock.builder().registry(ets).periodic(periodic).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
                assertSame(drv, clock.timer());
                assertEquals(periodic, clock.periodic());
                assertThrows(IllegalStateException.class, () -> WheelProbe.of(sys).softclock(0), "softclock has its own threads");
                CountDownLatch fired = new CountDownLatch(2);
                CalloutFunc<CountDownLatch> f = CountDownLatch::countDown;
                Callout a = new Callout();
                Callout b = new Callout();
                sys.init(a, true);
                sys.init(b, true);
                sys.resetOn(a, 2, f, fired, 0);
                sys.resetSbtOn(b, 3 * SBT_1MS, 0, f, fired, 1, 0);
                assertTrue(fired.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS), "callouts within the safety net");
                assertTrue(clock.interrupts() > 0);
            }
            assertFalse(drv.active(), "released on close");
            assertFalse(drv.armed(), "stopped on close");
        }
    }
}
