package org.kcallout.stress;

import static org.kcallout.stress.Rigs.LATER;
import static org.kcallout.stress.Rigs.NOW;
import static org.kcallout.stress.Rigs.SETTLE;
import static org.kcallout.stress.Rigs.bit;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * {@code callout_reset} racing the dispatch of an expired MP-safe callout (SPEC §4.4, §4.11, §5.1).
 * Actor 1 delivers the interrupt; actor 2 re-arms the callout with another handler for
 * {@link Rigs#LATER}. The arbiter advances past that time.
 *
 * <p>Reset returns 1 only if it removed a pending instance; a running handler cannot be cancelled
 * without a lock, so then reset returns 0, re-arms, and the callout runs again (§5.1). Either way
 * the reset arms: exactly one of the old and the new handler may be missing, never both, and the
 * new one runs exactly once.
 */
public final class ResetVsFire {

    private ResetVsFire() {
    }

    /** Result: (old handler runs, reset result, pending right after the reset, new handler runs, active at the end). */
    @JCStressTest
    @Description("callout_reset (new handler, later time) vs. the softclock dispatch of an MP-safe callout due now")
    @Outcome(id = "0, 1, 1, 1, 1", expect = ACCEPTABLE,
            desc = "reset came first: removed the pending instance and returned 1 (§4.4 step 6); the old handler never ran, the new arm ran once at its time")
    @Outcome(id = "1, 0, 1, 1, 1", expect = ACCEPTABLE,
            desc = "reset met the dispatched or finished handler: nothing pending to cancel, returned 0 and re-armed (§4.4 steps 5-8, §5.1); the old handler ran once and the new arm once")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.4: reset returned 1 yet the old handler ran; or returned 0 though the old handler never ran (lost); or did not leave the callout pending and active; or the new arm did not run exactly once")
    @State
    public static class Mpsafe {
        static final CalloutFunc<Mpsafe> OLD = s -> s.oldRan++;
        static final CalloutFunc<Mpsafe> NEW = s -> s.newRan++;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int oldRan;
        int newRan;

        public Mpsafe() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, OLD, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void resetter(IIIII_Result r) {
            r.r2 = Rigs.armAt(sys, c, LATER, NEW, this, -1);
            // Nothing can dispatch the new arm before the arbiter advances to LATER.
            r.r3 = bit(c.pending());
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = oldRan;
            r.r4 = newRan;
            r.r5 = bit(c.active());
        }
    }
}
