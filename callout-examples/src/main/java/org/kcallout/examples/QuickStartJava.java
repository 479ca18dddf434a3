package org.kcallout.examples;

// README:begin quickstart-java
import org.kcallout.Callout;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

public final class QuickStartJava {
    public static String run() {
        StringBuilder log = new StringBuilder();
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
            Callout c = new Callout();
            sys.init(c, true);                                   // callout_init(&c, 1)
            sys.reset(c, 10, (StringBuilder sb) -> sb.append("fired"), log);
            vt.advanceTicks(9);                                  // nothing yet
            check(log.isEmpty() && c.pending(), "pending after 9 ticks");
            vt.advanceTicks(2);                                  // the handler runs on this thread
            check(c.active() && !c.pending(), "ACTIVE survives firing");
        }
        return log.toString();                                   // "fired"
    }

    static void check(boolean ok, String what) {                 // unlike assert, always on
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
// README:end quickstart-java
