package org.kcallout.examples;

// README:begin legacy-timeout
import static org.kcallout.KernTimeout.*;
import static org.kcallout.legacy.LegacyTimeout.*;

import org.kcallout.CalloutFunc;
import org.kcallout.KernTimeout;
import org.kcallout.legacy.CalloutHandle;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

public final class LegacyWatchdog {
    static final class Wd {
        static final CalloutFunc<Wd> WD_TIMEOUT = Wd::expired;   // timeout_t *, built once
        CalloutHandle ch = CALLOUT_HANDLE_INITIALIZER();
        int expirations;

        void kick() {
            untimeout(WD_TIMEOUT, this, ch);                      // cancel the previous one, if any
            ch = timeout(WD_TIMEOUT, this, 5 * hz());             // runs in 5 s, with Giant held
        }

        static void expired(Wd wd) {
            wd.expirations++;
        }
    }

    /** Kicks the watchdog twice, 4 s apart; returns how often it expired. */
    public static int run() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
            KernTimeout.setSystem(sys);        // the default timeout(9) pool follows it
            Wd wd = new Wd();
            wd.kick();
            vt.advance(4 * SBT_1S);
            wd.kick();                         // in time: the first timeout is cancelled
            vt.advance(4 * SBT_1S);
            check(wd.expirations == 0, "kicked within 5 s: not expired");
            vt.advance(2 * SBT_1S);            // 6 s without a kick: it expires, once
            return wd.expirations;             // 1
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
// README:end legacy-timeout
