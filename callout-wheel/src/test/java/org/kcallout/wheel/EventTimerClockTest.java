package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * The clock source's own bookkeeping: the wrapping {@code ticks} counter and {@code hardclocktime}
 * (also for idle CPUs), several CPUs on one global timer, statclock and profclock, interrupt counts
 * in both modes, and the rules of the virtual time base.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerClockTest {

    private static final long T = SBT_1S / 1000;

    private static EventTimerClock.Builder virtualClock(VirtualTimebase tb, VirtualTimerDriver drv) {
        return clockOn(registryOf(drv), tb);
    }

    private static VirtualTimerDriver driver(VirtualTimebase tb) {
        return new VirtualTimerDriver(tb, "virt", BOTH, 100);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* ticks and hardclocktime                                                                   */

    @Test
    void ticks_nearIntMax_wrapsToNegative() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).autoIdle(false).ticksAtStart(Integer.MAX_VALUE - 2).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            assertEquals(Integer.MAX_VALUE - 2, sys.ticks());
            tb.advanceTicks(5); // hardclock slots at 0.5T .. 4.5T
            assertEquals(Integer.MIN_VALUE + 2, sys.ticks());
            assertTrue(sys.ticks() - (Integer.MAX_VALUE - 2) == 5, "by subtraction, five ticks passed");
        }
    }

    @Test
    void hardclocktime_idleCpu_reportsTheSlotActivationWouldSet() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            tb.advance(300 * T + T / 7);
            EventTimerClock.CpuState st = clock.state(0);
            assertTrue(st.idle(), "autoIdle: the CPU skips ticks");
            long firstSlot = T / 2; // configtimer at 0: nexthard = timerperiod = T/2
            long lastSlot = firstSlot + (tb.now() - firstSlot) / T * T;
            assertTrue(st.hardclocktime() < lastSlot, "precondition: the CPU slept through slots");
            assertEquals(lastSlot, sys.hardclocktime(0));
            int slots = (int) ((tb.now() - firstSlot) / T + 1);
            assertEquals(slots, sys.ticks());

            clock.cpuActiveclock(0);
            assertEquals(lastSlot, clock.state(0).hardclocktime(), "the same value, now stored");
            assertEquals(slots, sys.ticks());
        }
    }

    @Test
    void ticks_twoCpus_globalFollowsTheCpuAheadAndNeverGoesBack() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).autoIdle(false).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
            tb.advanceTicks(10);
            assertTrue(clock.cpuIdleclock(1) >= 0);
            long wake = clock.state(1).nextevent();
            int n = (int) ((wake - tb.now()) / T) - 1;
            assertTrue(n >= 10, "precondition: CPU 1 sleeps for a while: " + n + " ticks");
            int before = sys.ticks();
            tb.advanceTicks(n);
            assertTrue(clock.state(1).idle());
            assertEquals(before + n, sys.ticks(), "CPU 0 keeps the global counter going");
            assertTrue(clock.state(1).hardclockRuns() < clock.state(0).hardclockRuns(), "CPU 1 skipped ticks");
            clock.cpuActiveclock(1);
            assertEquals(clock.state(0).hardclockRuns(), clock.state(1).hardclockRuns(), "caught up");
            assertEquals(before + n, sys.ticks(), "a late CPU does not move the global counter");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Several CPUs on one global timer                                                          */

    @Test
    void globalTimer_calloutsOnEveryCpu_eachHandledWhenItsEventPasses() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(4).clock(clock).build()) {
            tb.advance(SBT_1S);
            AtomicInteger[] runs = new AtomicInteger[4];
            for (int cpu = 0; cpu < 4; cpu++) {
                runs[cpu] = new AtomicInteger();
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetSbtOn(c, tb.now() + (cpu + 1) * 7 * SBT_1MS, 0, AtomicInteger::incrementAndGet, runs[cpu],
                        cpu, C_ABSOLUTE);
            }
            long scans1 = clock.state(1).calloutScans();
            tb.advance(29 * SBT_1MS);
            for (int cpu = 0; cpu < 4; cpu++) {
                assertEquals(1, runs[cpu].get(), "CPU " + cpu);
            }
            assertTrue(clock.state(1).calloutScans() > scans1, "CPU 1 was handled from the global interrupt");
        }
    }

    @Test
    void directCallout_runsInsideTheInterrupt() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbt(c, 3 * SBT_1MS, 0, (AtomicReference<Thread> r) -> r.set(Thread.currentThread()), ranOn,
                    C_DIRECT_EXEC);
            tb.advance(10 * SBT_1MS);
            assertEquals(Thread.currentThread(), ranOn.get(), "run by callout_process on the advancing thread");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Interrupt counts                                                                          */

    /** On an idle wheel, one-shot mode with idle CPUs takes far fewer interrupts than periodic mode. */
    @Test
    void interrupts_idleWheel_oneShotTakesFarFewerThanPeriodic() {
        long oneShotIdle = interruptsOverTenSeconds(false, true);
        long oneShotActive = interruptsOverTenSeconds(false, false);
        long periodic = interruptsOverTenSeconds(true, true);
        assertEquals(20_000, periodic, "hz 1000 * singlemul 2 for 10 s");
        assertTrue(oneShotIdle * 100 < periodic, "one-shot idle " + oneShotIdle + " vs periodic " + periodic);
        assertTrue(oneShotIdle * 100 < oneShotActive, "active CPUs take every tick: " + oneShotActive);
    }

    private static long interruptsOverTenSeconds(boolean periodic, boolean autoIdle) {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = driver(tb);
        EventTimerClock clock = virtualClock(tb, drv).periodic(periodic).autoIdle(autoIdle).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
            tb.advance(10 * SBT_1S);
            assertEquals(drv.interrupts(), clock.interrupts(), "every event was taken");
            return clock.interrupts();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* statclock, profclock                                                                      */

    @Test
    void statclock_runsAtStathz() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock.Hooks hooks = mock(EventTimerClock.Hooks.class);
        EventTimerClock clock = virtualClock(tb, driver(tb)).autoIdle(false).hooks(hooks).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            tb.advance(SBT_1S);
            assertEquals(127, clock.stathz());
            long runs = clock.state(0).statclockRuns();
            assertTrue(runs >= 126 && runs <= 127, "statclock slots in one second: " + runs);
            verify(hooks, atLeastOnce()).statclock(eq(0), anyInt());
            verify(hooks, never()).profclock(anyInt(), anyInt());
        }
    }

    @Test
    void profiling_periodic_reconfiguresToProfhzAndBack() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = driver(tb);
        EventTimerClock.Hooks hooks = mock(EventTimerClock.Hooks.class);
        EventTimerClock clock = virtualClock(tb, drv).periodic(true).autoIdle(false).hooks(hooks).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            long normal = clock.timerperiod();
            clock.cpuStartprofclock();
            clock.cpuStartprofclock(); // reference counted: no second reconfiguration
            assertEquals(2, clock.profiling());
            assertEquals(SBT_1S / 9000, clock.timerperiod(), "raised in steps of hz to profhz 8113");
            assertEquals(1, drv.stops());
            tb.advance(100 * SBT_1MS);
            assertTrue(clock.state(0).profclockRuns() > 700, "profclock ran: " + clock.state(0).profclockRuns());
            verify(hooks, atLeastOnce()).profclock(eq(0), anyInt());
            clock.cpuStopprofclock();
            assertEquals(SBT_1S / 9000, clock.timerperiod());
            clock.cpuStopprofclock();
            assertEquals(normal, clock.timerperiod());
            assertEquals(2, drv.stops());
            assertThrows(IllegalStateException.class, clock::cpuStopprofclock);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Idle                                                                                      */

    @Test
    void cpuIdleclock_returnsTimeUntilTheNextEvent_activeclockOnActiveCpuDoesNothing() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).autoIdle(false).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            tb.advance(50 * T);
            long runs = clock.state(0).hardclockRuns();
            clock.cpuActiveclock(0);
            assertEquals(runs, clock.state(0).hardclockRuns(), "not idle: nothing to catch up");
            long left = clock.cpuIdleclock(0);
            assertEquals(clock.state(0).nextevent() - tb.now(), left);
            assertTrue(left > 100 * T, "skips ticks: " + left);
            clock.setIdletick(true);
            assertEquals(-1, clock.cpuIdleclock(0));
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The virtual time base                                                                     */

    @Test
    void timebase_advanceFromInsideAHandler_isRefused() {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimerClock clock = virtualClock(tb, driver(tb)).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Callout c = new Callout();
            sys.init(c, true);
            CalloutFunc<VirtualTimebase> nested = t -> {
                try {
                    t.advance(1);
                } catch (IllegalStateException e) {
                    thrown.set(e);
                }
            };
            sys.resetSbt(c, SBT_1MS, 0, nested, tb, 0);
            tb.advance(10 * SBT_1MS);
            assertNotNull(thrown.get(), "advance from a handler must throw");
        }
    }

    @Test
    void timebase_badArguments_areRefused() {
        VirtualTimebase tb = new VirtualTimebase(SBT_1S);
        assertThrows(IllegalStateException.class, () -> tb.advanceTicks(1), "no system yet");
        assertThrows(IllegalArgumentException.class, () -> tb.advance(-1));
        assertThrows(IllegalArgumentException.class, () -> tb.advanceTo(SBT_1S - 1));
        assertThrows(IllegalArgumentException.class, () -> new VirtualTimebase(-1));
        tb.advance(5); // no devices: time just moves
        assertEquals(SBT_1S + 5, tb.now());
        assertEquals(0, tb.interrupts());
    }

    @Test
    void timebase_startingLate_systemRunsFromThere() {
        VirtualTimebase tb = new VirtualTimebase(1000 * SBT_1S);
        EventTimerClock clock = virtualClock(tb, driver(tb)).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            AtomicInteger n = new AtomicInteger();
            Callout c = new Callout();
            sys.init(c, true);
            sys.reset(c, 5, AtomicInteger::incrementAndGet, n);
            tb.advanceTicks(20);
            assertEquals(1, n.get());
            assertFalse(clock.periodic());
        }
    }
}
