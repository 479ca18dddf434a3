package org.kcallout.wheel;

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
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EventTimers;
import org.mockito.InOrder;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;
import org.kcallout.wheel.driver.DriverTestAccess;

/**
 * The sequences of {@code start}/{@code stop} calls the clock source makes to its driver, in
 * one-shot and periodic mode, for starting, arming, idling, stopping and reconfiguring, verified
 * with Mockito on a recording {@link VirtualTimerDriver}.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerSequenceTest {

    private static final long T = SBT_1S / 1000;
    private static final CalloutFunc<Object> NOTHING = a -> { };

    private static Callout armAt(CalloutWheel sys, long when, long precision) {
        Callout c = new Callout();
        sys.init(c, true);
        sys.resetSbtOn(c, when, precision, NOTHING, null, 0, C_ABSOLUTE);
        return c;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* One-shot                                                                                  */

    @Test
    void oneShot_start_programsOneEventOneTimerPeriodAhead() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            DriverTestAccess.start(verify(drv, times(1)), NOCPU, clock.timerperiod(), 0L);
            DriverTestAccess.stop(verify(drv, never()), anyInt());
        }
    }

    @Test
    void oneShot_armBeforeNextEvent_reprogramsOnce_armAfterIt_doesNot() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(2 * SBT_1S);
            long now = tb.now();
            long next = clock.nexttick();
            assertTrue(next > now + 30 * SBT_1MS, "precondition: idle CPU, far-off event");
            clearInvocations(drv);

            armAt(sys, now + 20 * SBT_1MS, 0);
            DriverTestAccess.start(verify(drv, times(1)), NOCPU, 20 * SBT_1MS, 0L);
            armAt(sys, now + 25 * SBT_1MS, 0);
            DriverTestAccess.start(verify(drv, times(1)), anyInt(), anyLong(), anyLong());
            DriverTestAccess.stop(verify(drv, never()), anyInt());
        }
    }

    @Test
    void oneShot_close_stopsTheTimerLast() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimers ets = registryOf(drv);
        EventTimerClock clock = clockOn(ets, tb).build();
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build();
        tb.advance(SBT_1S);
        armAt(sys, tb.now() + SBT_1MS, 0);
        long starts = drv.starts();
        sys.close();
        InOrder order = inOrder(drv);
        DriverTestAccess.start(order.verify(drv, times(1)), NOCPU, SBT_1MS, 0L);
        DriverTestAccess.stop(order.verify(drv, times(1)), NOCPU);
        DriverTestAccess.stop(verify(drv, times(1)), anyInt());
        assertEquals(starts, drv.starts(), "no start after the stop");
        assertTrue(!drv.active() && ets.clockSource() == null, "released: free timer, no clock source");
    }

    @Test
    void oneShot_idleThenActive_programsSkippedTickThenNextTick() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).autoIdle(false).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            tb.advance(100 * T + T / 3);
            long now = tb.now();
            EventTimerClock.CpuState st = clock.state(0);
            assertEquals(st.nexthard(), clock.nexttick(), "active: programmed for the next tick or earlier");
            clearInvocations(drv);

            long idleNext = Math.min(st.nexthard() + 499 * T, st.nextcall());
            assertEquals(idleNext - now, clock.cpuIdleclock(0));
            DriverTestAccess.start(verify(drv, times(1)), NOCPU, idleNext - now, 0L);

            tb.advance(5 * T);
            clock.cpuActiveclock(0);
            EventTimerClock.CpuState after = clock.state(0);
            InOrder order = inOrder(drv);
            DriverTestAccess.start(order.verify(drv), NOCPU, idleNext - now, 0L);
            DriverTestAccess.start(order.verify(drv), NOCPU, after.nextevent() - tb.now(), 0L);
            DriverTestAccess.start(verify(drv, times(2)), anyInt(), anyLong(), anyLong());
            assertTrue(after.nextevent() <= after.nexthard(), "active again: wakes for every tick");
            long slotsPassed = (tb.now() - st.nexthard()) / T + 1;
            assertEquals(slotsPassed, after.hardclockRuns() - st.hardclockRuns(), "the skipped ticks ran on activation");
        }
    }

    @Test
    void oneShot_idletick_idleclockRefusesAndLeavesTimerAlone() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).autoIdle(false).idletick(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(10 * T);
            clearInvocations(drv);
            assertEquals(-1, clock.cpuIdleclock(0));
            DriverTestAccess.start(verify(drv, never()), anyInt(), anyLong(), anyLong());
            assertTrue(!clock.state(0).idle());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Periodic                                                                                  */

    @Test
    void periodic_lifecycle_oneStartWithPeriod_armsAndIdlingNeverReprogram_closeStops() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).periodic(true).autoIdle(false).build();
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build();
        long p = clock.timerperiod();
        tb.advance(50 * SBT_1MS);
        armAt(sys, tb.now() + 2 * SBT_1MS, 0);
        armAt(sys, tb.now() + SBT_1MS, 0);
        assertTrue(clock.cpuIdleclock(0) >= 0);
        tb.advance(10 * SBT_1MS);
        clock.cpuActiveclock(0);
        sys.close();
        InOrder order = inOrder(drv);
        DriverTestAccess.start(order.verify(drv, times(1)), NOCPU, p, p); // now = 0: aligned, first after one period
        DriverTestAccess.stop(order.verify(drv, times(1)), NOCPU);
        DriverTestAccess.start(verify(drv, times(1)), anyInt(), anyLong(), anyLong());
        DriverTestAccess.stop(verify(drv, times(1)), anyInt());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Reconfiguration                                                                           */

    @Test
    void setTimer_stopsOldThenStartsNew() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver a = recordingDriver(tb, "A", BOTH, 200);
        VirtualTimerDriver b = recordingDriver(tb, "B", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(a, b), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S);
            clearInvocations(a, b);
            assertEquals(0, clock.setTimer("b"));
            InOrder order = inOrder(a, b);
            DriverTestAccess.stop(order.verify(a), NOCPU);
            DriverTestAccess.start(order.verify(b), NOCPU, clock.timerperiod(), 0L);
            DriverTestAccess.start(verify(a, never()), anyInt(), anyLong(), anyLong());
        }
    }

    @Test
    void setPeriodic_atRunTime_stopsThenStartsWithPeriod() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = recordingDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S);
            clearInvocations(drv);
            clock.setPeriodic(true);
            assertTrue(clock.periodic());
            InOrder order = inOrder(drv);
            DriverTestAccess.stop(order.verify(drv), NOCPU);
            DriverTestAccess.start(order.verify(drv), eq(NOCPU), anyLong(), eq(clock.timerperiod()));
        }
    }

    @Test
    void changeFrequency_ofTimerInUse_stopsThenRestartsWithNewPeriod() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100, 3000, 0, Long.MAX_VALUE);
        EventTimers ets = registryOf(drv);
        EventTimerClock clock = clockOn(ets, tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            // hz 1000 * singlemul 2 on a 3 kHz oscillator: divider 2, 1500 Hz.
            assertEquals(SBT_1S / 1500, clock.timerperiod());
            tb.advance(SBT_1S);
            long startsBefore = drv.starts();
            long stopsBefore = drv.stops();
            drv.changeFrequency(ets, 8000);
            // hz * singlemul is now 750 * 2 = 1500 on 8 kHz: divider 5, 1600 Hz.
            assertEquals(SBT_1S / 1600, clock.timerperiod());
            assertEquals(stopsBefore + 1, drv.stops());
            assertEquals(startsBefore + 1, drv.starts());
            long counts = (SBT_1S / 1600 * 8000 + SBT_1S - 1) / SBT_1S;
            assertEquals((counts * SBT_1S + 7999) / 8000, drv.programmedPeriod(), "whole counts of the new oscillator");
        }
    }
}
