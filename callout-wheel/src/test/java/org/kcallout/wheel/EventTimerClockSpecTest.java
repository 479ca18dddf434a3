package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import org.junit.jupiter.api.Test;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * SPEC §11 "Event timers" case 78 of the clock source: the timer selection and mode of
 * {@code cpu_initclocks_bsp}. The other cases are beside the layer they test: 79, 80 and 82 in
 * {@code clock.ClockInterruptsTest}, 81 and 85 in {@code clock.ClockTimerTest}; 83 (per-CPU) is in
 * {@link EventTimerSmpTest}; §11 has no case 84.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerClockSpecTest {

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
}
