package org.kcallout.examples;

// README:begin quickstart-c
import static org.kcallout.KernTimeout.*;

import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.KernTimeout;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

public final class QuickStartC {
    static final class Xx {
        final KMutex mtx = new KMutex("xx0");      // struct mtx sc_mtx
        final Callout tick = new Callout();         // struct callout sc_tick
        int count;

        static final CalloutFunc<Xx> XX_TICK = Xx::xxTick;   // built once: arming allocates nothing

        void attach() {
            callout_init_mtx(tick, mtx, 0);
            mtx.lock();
            callout_reset(tick, hz(), XX_TICK, this);        // in one second
            mtx.unlock();
        }

        static void xxTick(Xx sc) {                           // runs with sc.mtx held
            sc.count++;
            callout_reset(sc.tick, hz(), XX_TICK, sc);        // periodic
        }

        void detach() {
            mtx.lock();
            callout_stop(tick);                               // exact: the handler will not run
            mtx.unlock();
            callout_drain(tick);                              // never with the mutex held
        }
    }

    /** Runs the driver for ten virtual seconds; returns how often xxTick ran. */
    public static int run() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
            KernTimeout.setSystem(sys);        // first: even hz() would create the real-time default
            Xx sc = new Xx();
            sc.attach();
            vt.advance(10 * SBT_1S);           // ten virtual seconds; handlers run on this thread
            sc.detach();
            return sc.count;                   // 9, not 10: each run may come up to 6.25 % late
        }
    }
}
// README:end quickstart-c
