package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import org.junit.jupiter.api.Test;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimerConsumer;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * The selection rules of {@code cpu_initclocks_bsp} with the port's additions (per-CPU timers, one
 * clock per registry, one live clock per time base). Run-time changes of the timer are in
 * {@code clock.ClockControlTest}.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerSelectTest {

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

