package org.kcallout.stress;

import static org.kcallout.stress.Rigs.LATER;
import static org.kcallout.stress.Rigs.NOW;
import static org.kcallout.stress.Rigs.SETTLE;
import static org.kcallout.stress.Rigs.bit;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@code callout_stop} racing the dispatch of an expired MP-safe callout (SPEC §4.7 MODERN, §4.11,
 * §5.1, §5.4). Actor 1 delivers the interrupt ({@code vt.advance(0)}: {@code callout_process} and
 * softclock, so the handler runs on actor 1); actor 2 calls {@code callout_stop}. The arbiter then
 * advances two seconds and reports {@code (invocations, stop result, pending, active)}.
 *
 * <p>Without a lock nothing can cancel an invocation once it is dispatched, so exactly one of
 * "stop removed it" (1, never runs) and "it ran" (stop 0 if it was running, -1 if it had finished)
 * happens. ACTIVE separates the cases: stop clears it when it removes a pending instance or finds
 * the handler running, and leaves it alone on the idle path (§4.7 step 4: a callout that fired
 * still reports active after a stop that returns -1).
 */
public final class StopVsFire {

    private StopVsFire() {
    }

    /** A softclock (entity 0) callout. */
    @JCStressTest
    @Description("callout_stop vs. the softclock dispatch of an MP-safe callout due now")
    @Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE,
            desc = "stop came first: the pending instance was removed, stop returned 1, PENDING and ACTIVE cleared, the handler never ran (§4.7 step 5, §4.11 'pending, not executing' = 1)")
    @Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stop found the callout dispatched (cc_curr == c): no lock, so it cannot be stopped; stop returned 0 and cleared ACTIVE, the handler ran to completion (§4.7 step 3, §5.1, §11 case 23)")
    @Outcome(id = "1, -1, 0, 1", expect = ACCEPTABLE,
            desc = "the handler had finished: neither pending nor executing, stop returned -1 and left ACTIVE set, since firing does not clear it (§4.7 step 4, 'Manual vs. code')")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.7 MODERN: stop returned 1 yet the handler ran, or the handler never ran although stop did not remove it (a lost invocation), or it ran twice, or PENDING/ACTIVE are not what the stop path leaves")
    @State
    public static class Softclock {
        static final CalloutFunc<Softclock> FIRE = s -> s.ran++;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        /** Invocations; written by the handler (actor 1, then the arbiter). */
        int ran;

        public Softclock() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, FIRE, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(IIII_Result r) {
            r.r2 = sys.stop(c);
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r3 = bit(c.pending());
            r.r4 = bit(c.active());
        }
    }

    /** A {@code C_DIRECT_EXEC} callout: the handler runs inside {@code callout_process}, on entity 1. */
    @JCStressTest
    @Description("callout_stop vs. the direct (C_DIRECT_EXEC) execution of an MP-safe callout due now")
    @Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE,
            desc = "stop came first: the pending instance was removed from the wheel, stop returned 1, the handler never ran (§4.7 step 5)")
    @Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stop found the callout running on the direct entity (cc_curr[1] == c, chosen by the sticky CALLOUT_DIRECT): returned 0 and cleared ACTIVE, the handler ran (§4.7 step 3, §5.9)")
    @Outcome(id = "1, -1, 0, 1", expect = ACCEPTABLE,
            desc = "the handler had finished: stop returned -1 and left ACTIVE set (§4.7 step 4)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.7 MODERN for a direct callout: stop returned 1 yet the handler ran, a lost invocation, a double invocation, or wrong PENDING/ACTIVE")
    @State
    public static class Direct {
        static final CalloutFunc<Direct> FIRE = s -> s.ran++;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;

        public Direct() {
            sys.init(c, true);
            Rigs.armDirectAt(sys, c, NOW, FIRE, this);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(IIII_Result r) {
            r.r2 = sys.stop(c);
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r3 = bit(c.pending());
            r.r4 = bit(c.active());
        }
    }

    /**
     * The handler re-arms its callout once (to {@link Rigs#LATER}), so stop may meet the
     * "executing and re-armed" row of §4.11.
     */
    @JCStressTest
    @Description("callout_stop vs. a handler that re-arms itself once")
    @Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE,
            desc = "stop came first: removed the pending instance, returned 1; nothing ran (§4.7 step 5)")
    @Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stop ran while the handler executed, after its re-arm: returned 0 and removed the simultaneously pending re-arm, which never runs (§4.7 step 3 then 5, §4.11 'executing and re-armed' = 0, pending removed)")
    @Outcome(id = "2, 0, 0, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "stop ran while the handler executed, before its re-arm: returned 0 and cleared ACTIVE; the later re-arm set PENDING and ACTIVE again and ran at its time (§4.7 step 3, §5.1, §5.4)")
    @Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE,
            desc = "the handler had returned: stop removed its pending re-arm and returned 1 (§4.7 step 5)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.7 MODERN: the callout is pending or executing at every moment here, so -1 is impossible; 1 means an instance was removed that then never runs; 0 means the handler was executing")
    @State
    public static class HandlerRearms {
        static final CalloutFunc<HandlerRearms> FIRE = s -> {
            if (++s.ran == 1) {
                Rigs.armAt(s.sys, s.c, LATER, HandlerRearms.FIRE, s, -1);
            }
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;

        public HandlerRearms() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, FIRE, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(IIII_Result r) {
            r.r2 = sys.stop(c);
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r3 = bit(c.pending());
            r.r4 = bit(c.active());
        }
    }
}
