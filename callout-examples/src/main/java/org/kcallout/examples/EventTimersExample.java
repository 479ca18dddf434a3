package org.kcallout.examples;

// README:begin eventtimers
import static org.kcallout.KernTimeout.*;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

public final class EventTimersExample {
    static final class Probe {                                             // the handler's argument
        final VirtualTimebase tb;
        long ranAt = -1;

        Probe(VirtualTimebase tb) {
            this.tb = tb;
        }
    }

    static final CalloutFunc<Probe> RUN = p -> p.ranAt = p.tb.now();

    /** Arms a 10 ms callout at 1 s, with the next interrupt 2 ms late; returns when it ran. */
    public static long run() {
        VirtualTimebase tb = new VirtualTimebase();                        // virtual time line + timecounter
        EventTimers ets = new EventTimers();
        VirtualTimerDriver hpet = new VirtualTimerDriver(tb, "HPET",
                ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 450);                // struct eventtimer
        ets.register(hpet);                                                // et_register
        EventTimerClock cs = EventTimerClock.builder().registry(ets)
                .timecounter(tb).periodic(false).build();                  // kern.eventtimer.periodic=0
        try (CalloutWheel sys = CalloutWheel.builder().clock(cs).ncpus(2).build()) {
            tb.advance(SBT_1S);                                            // interrupts run on this thread
            Probe p = new Probe(tb);
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbt(c, tb.now() + 10 * SBT_1MS, 0, RUN, p, C_ABSOLUTE); // due in 10 ms, no window
            hpet.lateNextInterrupt(2 * SBT_1MS);                           // fault injection
            tb.advance(SBT_1S);
            return p.ranAt - SBT_1S;                                       // 12 * SBT_1MS: late, never early
        }
    }
}
// README:end eventtimers
