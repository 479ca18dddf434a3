package org.kcallout.wheel;

import static org.mockito.Mockito.CALLS_REAL_METHODS;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * Fixtures for the event-timer clock tests: drivers whose {@code start}/{@code stop} calls Mockito
 * records, and one-line constructions of a clock on a registry.
 */
public final class EtTestSupport {
    /* Implementation notes: a recording driver is a Mockito mock built through the real constructor
     * and calling the real methods, so it is a working VirtualTimerDriver whose identity is the mock
     * itself (a plain spy would be a copy, and the time base would hold the original). start and
     * stop are protected in EventTimer but overridden in this package, so tests here may verify them. */

    /** One-shot and periodic. */
    public static final int BOTH = EventTimer.ET_FLAGS_ONESHOT | EventTimer.ET_FLAGS_PERIODIC;

    private EtTestSupport() {
    }

    /**
     * A {@link VirtualTimerDriver} whose calls Mockito records ({@code verify(drv).start(...)}).
     *
     * @return the recording driver, not yet registered
     */
    public static VirtualTimerDriver recordingDriver(VirtualTimebase tb, String name, int flags, int quality) {
        return mock(VirtualTimerDriver.class, withSettings()
                .useConstructor(tb, name, flags, quality)
                .defaultAnswer(CALLS_REAL_METHODS));
    }

    /** {@return a registry holding {@code timers}, registered in order} */
    public static EventTimers registryOf(EventTimer... timers) {
        EventTimers ets = new EventTimers();
        for (EventTimer et : timers) {
            ets.register(et);
        }
        return ets;
    }

    /** {@return a clock builder on {@code ets} and virtual time {@code tb}} */
    public static EventTimerClock.Builder clockOn(EventTimers ets, VirtualTimebase tb) {
        return EventTimerClock.builder().registry(ets).timecounter(tb);
    }
}
