package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.recordingDriver;
import static org.kcallout.wheel.EtTestSupport.registryOf;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;
import org.kcallout.wheel.driver.DriverTestAccess;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * SPEC §11 "Event timers" cases of the clock source: 78, 79, 80, 81, 82 and 85 (83, per-CPU, is in
 * {@link EventTimerSmpTest}; §11 has no case 84).
 *
 * <p>Where a case uses small literal times ({@code timerperiod = 1000}, {@code tick_sbt = 1000}),
 * the test uses the same arithmetic at the real scale: with {@code hz = 1000} a period or tick is
 * {@code T = 4294967} sbt, and "1000, 300, 800, 3500" become "T, 0.3T, 0.8T, 3.5T".
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerClockSpecTest {

    /** {@code tick_sbt} at hz 1000. */
    private static final long T = SBT_1S / 1000;

    /** Records the virtual time of each run. */
    private static final class Times {
        final List<Long> at = new CopyOnWriteArrayList<>();
    }

    /* ---------------------------------------------------------------------------------------- */

    /** Case 78, first half: with only a periodic-capable timer, the clock source runs periodic. */
    @Test
    void spec78_onlyPeriodicTimer_runsPeriodic() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver rtc = new VirtualTimerDriver(tb, "RTC", ET_FLAGS_PERIODIC, 100);
        EventTimerClock clock = clockOn(registryOf(rtc), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertSame(rtc, clock.timer());
            assertTrue(clock.periodic(), "one-shot wanted, but the only timer is periodic: periodic mode");
            assertTrue(rtc.armed());
            assertEquals(clock.timerperiod(), rtc.programmedPeriod());
            assertTrue(sys.hz() > 0);
        }
    }

    /** Case 78, second half: when a one-shot-capable timer exists, it runs one-shot (even if worse). */
    @Test
    void spec78_oneShotCapableTimerExists_runsOneShot() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver rtc = new VirtualTimerDriver(tb, "RTC", ET_FLAGS_PERIODIC, 500);
        VirtualTimerDriver hpet = new VirtualTimerDriver(tb, "HPET", ET_FLAGS_ONESHOT, 100);
        EventTimerClock clock = clockOn(registryOf(rtc, hpet), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertSame(hpet, clock.timer());
            assertFalse(clock.periodic());
            assertEquals(0, hpet.programmedPeriod(), "one-shot programming");
            assertFalse(rtc.active(), "the periodic timer stays free");
        }
    }

    /**
     * Case 79: one-shot, global timer, every CPU's nextevent and cc_firstevent beyond now + 11 ms;
     * arming a callout with window [now+10 ms, now+11 ms] programs the timer for
     * (now+11 ms) - sbinuptime() before the arm returns, and leaves nextcallopt = now+10 ms,
     * nextcall = nextevent = now+11 ms.
     */
    @Test
    void spec79_oneShotArmEarlierThanNextevent_programsTimerBeforeArmReturns() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
            tb.advance(3 * SBT_1S + 777); // both CPUs idle, far-off events
            long now = tb.now();
            for (int cpu = 0; cpu < 2; cpu++) {
                assertTrue(clock.state(cpu).nextevent() > now + 11 * SBT_1MS, "precondition: nextevent of CPU " + cpu);
                assertTrue(WheelProbe.of(sys).firstevent(cpu) > now + 11 * SBT_1MS, "precondition: cc_firstevent of CPU " + cpu);
            }
            clearInvocations(drv);

            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbtOn(c, now + 10 * SBT_1MS, SBT_1MS, (CalloutFunc<Object>) a -> { }, null, 0, C_ABSOLUTE);

            DriverTestAccess.start(verify(drv, times(1)), NOCPU, 11 * SBT_1MS, 0L);
            EventTimerClock.CpuState st = clock.state(0);
            assertEquals(now + 10 * SBT_1MS, st.nextcallopt());
            assertEquals(now + 11 * SBT_1MS, st.nextcall());
            assertEquals(now + 11 * SBT_1MS, st.nextevent());
            assertEquals(now + 11 * SBT_1MS, clock.nexttick());
        }
    }

    /**
     * Case 80: in periodic mode arming never programs the timer, and the callout is processed at the
     * first periodic interrupt at or after the start of its window ({@code nextcallopt}).
     */
    @Test
    void spec80_periodicArm_neverProgramsTimerAndRunsAtFirstInterruptInWindow() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S + 12345);
            long p = clock.timerperiod();
            long when = tb.now() + 7 * SBT_1MS + 333; // not on the interrupt grid
            clearInvocations(drv);

            Times times = new Times();
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbtOn(c, when, 3 * SBT_1MS, (Times x) -> x.at.add(tb.now()), times, 0, C_ABSOLUTE);

            DriverTestAccess.start(verify(drv, never()), anyInt(), anyLong(), anyLong());
            assertEquals(when, clock.nextcallopt(0), "cpu_new_callout recorded the window start");
            tb.advance(20 * SBT_1MS);
            DriverTestAccess.start(verify(drv, never()), anyInt(), anyLong(), anyLong());
            long firstInterruptInWindow = (when + p - 1) / p * p; // interrupts are aligned to the period
            assertEquals(List.of(firstInterruptInWindow), times.at);
        }
    }

    /** Case 81: a periodic start at 10.3 periods is first programmed 0.7 periods ahead. */
    @Test
    void spec81_periodicStart_morePeriodLeftThanPassed_firstIsRestOfPeriod() {
        long now = 10 * T + 3 * T / 10;
        VirtualTimerDriver drv = startPeriodicAt(now);
        long tmp = 3 * T / 10;
        DriverTestAccess.start(verify(drv), NOCPU, T - tmp, T);
    }

    /** Case 81: a periodic start at 10.8 periods skips the short rest: first = 0.2 + 1 periods. */
    @Test
    void spec81_periodicStart_lessPeriodLeftThanPassed_addsOnePeriod() {
        long now = 10 * T + 8 * T / 10;
        VirtualTimerDriver drv = startPeriodicAt(now);
        long tmp = 8 * T / 10;
        DriverTestAccess.start(verify(drv), NOCPU, T - tmp + T, T);
    }

    /** Builds a periodic system at {@code now} with timerperiod = T (hz 1000, singlemul 1). */
    private static VirtualTimerDriver startPeriodicAt(long now) {
        VirtualTimebase tb = new VirtualTimebase(now);
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).periodic(true).singlemul(1).build();
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build();
        try {
            assertEquals(T, clock.timerperiod(), "timerperiod with hz 1000, singlemul 1");
            DriverTestAccess.start(verify(drv, times(1)), anyInt(), anyLong(), anyLong());
            return drv;
        } finally {
            sys.close();
        }
    }

    /**
     * Case 82: with nexthard = T and tick_sbt = T, handleevents(3.5T, 0) calls hardclock(3) once
     * and sets hardclocktime = 3T. (handleevents is driven by hand at a time the time base has not
     * reached: a unit test of the function.)
     */
    @Test
    void spec82_handleevents_threeSlotsPassed_oneHardclockCallForThree() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimerClock.Hooks hooks = mock(EventTimerClock.Hooks.class);
        EventTimerClock clock = clockOn(registryOf(drv), tb).singlemul(1).autoIdle(false).hooks(hooks).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            assertEquals(T, clock.tickSbt());
            assertEquals(T, clock.state(0).nexthard(), "configtimer: nexthard = now + timerperiod = T");

            ClockTestAccess.handleevents(clock, 0, 3 * T + T / 2, 0);

            verify(hooks, times(1)).hardclock(0, 3);
            verify(hooks, times(1)).hardclock(anyInt(), anyInt());
            assertEquals(3 * T, clock.state(0).hardclocktime());
            assertEquals(3 * T, sys.hardclocktime(0));
            assertEquals(4 * T, clock.state(0).nexthard());
            assertEquals(3, sys.ticks());
        }
    }

    /**
     * Case 85: hz 1000, one-shot, an idle CPU that is not the first: getnextcpuevent(1) is
     * min(nexthard + 499 * tick_sbt, nextcall), whichever term is smaller.
     */
    @Test
    void spec85_idleSecondCpu_nextEventSkips499TicksUnlessCalloutIsEarlier() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).autoIdle(false).build();
        try (CalloutWheel sys = CalloutWheel.builder().hz(1000).ncpus(2).clock(clock).build()) {
            // Scan CPU 1 at 100 ms, 25 buckets after its last scan: a one-second lookahead, so its
            // nextcall is about one second away and the tick skip decides.
            ClockTestAccess.handleevents(clock, 1, 100 * SBT_1MS, 0);
            EventTimerClock.CpuState st = clock.state(1);
            long skip = st.nexthard() + 499 * T;
            assertTrue(skip < st.nextcall(), "precondition: the skip is the earlier term");
            assertEquals(skip, ClockTestAccess.getnextcpuevent(clock, 1, true));
            assertTrue(ClockTestAccess.getnextcpuevent(clock, 1, false) <= st.nexthard(), "an active CPU does not skip");

            // A callout due before the skipped slot wins.
            Callout c = new Callout();
            sys.init(c, true);
            long due = 105 * SBT_1MS;
            sys.resetSbtOn(c, due, 0, (CalloutFunc<Object>) a -> { }, null, 1, C_ABSOLUTE);
            assertEquals(due, clock.state(1).nextcall());
            assertEquals(due, ClockTestAccess.getnextcpuevent(clock, 1, true));
        }
    }

    /** Case 85's exception: on the first CPU a tc_min_ticktock_freq above 2 sets the skip to hz / freq. */
    @Test
    void spec85_idleFirstCpuWithTicktockFrequency_skipsHzOverFrequencyTicks() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimers ets = registryOf(drv);
        EventTimerClock clock = clockOn(ets, tb).autoIdle(false).tcMinTicktockFreq(10).build();
        try (CalloutWheel sys = CalloutWheel.builder().hz(1000).ncpus(2).clock(clock).build()) {
            ClockTestAccess.handleevents(clock, 0, 100 * SBT_1MS, 0);
            ClockTestAccess.handleevents(clock, 1, 100 * SBT_1MS, 0);
            assertEquals(clock.state(0).nexthard() + 99 * T, ClockTestAccess.getnextcpuevent(clock, 0, true), "1000/10 - 1 ticks");
            assertEquals(clock.state(1).nexthard() + 499 * T, ClockTestAccess.getnextcpuevent(clock, 1, true), "other CPUs: hz/2 - 1");
        }
    }
}
