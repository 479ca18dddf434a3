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
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.WheelProbe;
import org.kcallout.wheel.driver.VirtualTimerDriver;
import org.kcallout.wheel.driver.DriverTestAccess;

/**
 * Tests of {@link ClockInterrupts}: SPEC §11 "Event timers" cases 79 and 80 ({@code cpu_new_callout}
 * in one-shot and periodic mode) and 82 ({@code handleevents}). The other cases of §11 are in
 * {@link ClockTimerTest} (81, 85), {@code EventTimerClockSpecTest} (78) and
 * {@code EventTimerSmpTest} (83).
 *
 * <p>Where a case uses small literal times ({@code tick_sbt = 1000}), the test uses the same
 * arithmetic at the real scale: with {@code hz = 1000} a tick is {@code T = 4294967} sbt.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class ClockInterruptsTest {

    /** {@code tick_sbt} at hz 1000. */
    private static final long T = SBT_1S / 1000;

    /** Records the virtual time of each run. */
    private static final class Times {
        final List<Long> at = new CopyOnWriteArrayList<>();
    }

    /* ---------------------------------------------------------------------------------------- */

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

            clock.handleevents(0, 3 * T + T / 2, 0);

            verify(hooks, times(1)).hardclock(0, 3);
            verify(hooks, times(1)).hardclock(anyInt(), anyInt());
            assertEquals(3 * T, clock.state(0).hardclocktime());
            assertEquals(3 * T, sys.hardclocktime(0));
            assertEquals(4 * T, clock.state(0).nexthard());
            assertEquals(3, sys.ticks());
        }
    }
}
