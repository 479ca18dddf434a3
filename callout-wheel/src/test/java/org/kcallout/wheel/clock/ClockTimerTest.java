package org.kcallout.wheel.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.recordingDriver;
import static org.kcallout.wheel.EtTestSupport.registryOf;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.driver.VirtualTimerDriver;
import org.kcallout.wheel.driver.DriverTestAccess;

/**
 * Tests of {@link ClockTimer}'s timer programming: SPEC §11 "Event timers" cases 81
 * ({@code loadtimer}'s periodic start, aligned to the period) and 85 ({@code getnextcpuevent} of
 * an idle CPU). The other cases of §11 are in {@link ClockInterruptsTest} (79, 80, 82),
 * {@code EventTimerClockSpecTest} (78) and {@code EventTimerSmpTest} (83).
 *
 * <p>Where a case uses small literal times ({@code timerperiod = 1000}), the test uses the same
 * arithmetic at the real scale: with {@code hz = 1000} a period or tick is {@code T = 4294967} sbt,
 * and "1000, 300, 800" become "T, 0.3T, 0.8T".
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class ClockTimerTest {

    /** {@code tick_sbt} at hz 1000. */
    private static final long T = SBT_1S / 1000;

    /* ---------------------------------------------------------------------------------------- */

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
            clock.handleevents(1, 100 * SBT_1MS, 0);
            EventTimerClock.CpuState st = clock.state(1);
            long skip = st.nexthard() + 499 * T;
            assertTrue(skip < st.nextcall(), "precondition: the skip is the earlier term");
            assertEquals(skip, clock.getnextcpuevent(1, true));
            assertTrue(clock.getnextcpuevent(1, false) <= st.nexthard(), "an active CPU does not skip");

            // A callout due before the skipped slot wins.
            Callout c = new Callout();
            sys.init(c, true);
            long due = 105 * SBT_1MS;
            sys.resetSbtOn(c, due, 0, (CalloutFunc<Object>) a -> { }, null, 1, C_ABSOLUTE);
            assertEquals(due, clock.state(1).nextcall());
            assertEquals(due, clock.getnextcpuevent(1, true));
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
            clock.handleevents(0, 100 * SBT_1MS, 0);
            clock.handleevents(1, 100 * SBT_1MS, 0);
            assertEquals(clock.state(0).nexthard() + 99 * T, clock.getnextcpuevent(0, true), "1000/10 - 1 ticks");
            assertEquals(clock.state(1).nexthard() + 499 * T, clock.getnextcpuevent(1, true), "other CPUs: hz/2 - 1");
        }
    }
}
