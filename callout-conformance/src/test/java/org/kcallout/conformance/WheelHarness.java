package org.kcallout.conformance;

import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.function.UnaryOperator;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.ConcurrentVirtualClock;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/** kcallout's own harness: a {@link CalloutWheel} on one of its virtual clocks, optionally wrapped. */
final class WheelHarness implements CalloutHarness {
    /** The virtual clocks kcallout runs the kit on. */
    enum Kind {
        /** VirtualTicklessClock: handlers on the advancing thread. */
        INLINE,
        /** ConcurrentVirtualClock: each CPU on threads of its own. */
        CONCURRENT,
        /** EventTimerClock on a virtual event-timer driver, one-shot. */
        EVENT_TIMER_ONESHOT,
        /** EventTimerClock on a virtual event-timer driver, periodic. */
        EVENT_TIMER_PERIODIC
    }

    private final CalloutWheel wheel;
    private final CalloutSystem system;
    private final VirtualClock time;

    WheelHarness(Kind kind, Profile profile, int ncpus, UnaryOperator<CalloutSystem> wrap) {
        ClockSource clock;
        switch (kind) {
            case INLINE -> {
                VirtualTicklessClock vt = new VirtualTicklessClock();
                clock = vt;
                time = vt;
            }
            case CONCURRENT -> {
                ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
                clock = vt;
                time = vt;
            }
            default -> {
                VirtualTimebase tb = new VirtualTimebase();
                EventTimers ets = new EventTimers();
                ets.register(new VirtualTimerDriver(tb, "VIRT", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 100));
                clock = EventTimerClock.builder().registry(ets).timecounter(tb)
                        .periodic(kind == Kind.EVENT_TIMER_PERIODIC).build();
                time = tb;
            }
        }
        this.wheel = CalloutWheel.builder().profile(profile).ncpus(ncpus).clock(clock).build();
        this.system = wrap.apply(wheel);
    }

    @Override
    public CalloutSystem system() {
        return system;
    }

    @Override
    public void advanceTicks(int n) {
        time.advanceTicks(n);
    }

    @Override
    public void close() {
        wheel.close();
    }
}
