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
import org.kcallout.CalloutLock;
import org.kcallout.KMutex;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Exact cancellation of a lock-associated callout (SPEC §2.3 "cc_cancel invariant", §5.2, §11 cases
 * 27 and 28). The callout is initialised with a {@link KMutex} and due now. Actor 1 delivers the
 * interrupt: the dispatcher takes the callout off the expire queue, drops the CPU lock and takes
 * the mutex before calling the handler. Actor 2 takes the mutex, looks at {@code callout_pending},
 * and calls {@code callout_stop} (or {@code callout_reset}) before unlocking.
 *
 * <p>The rule: with the mutex held, a 1 from stop means the handler has not run and never will,
 * whether stop removed a pending instance or flipped {@code cc_cancel} under a dispatcher already
 * blocked on the mutex; a 0 or -1 means the handler ran (exactly once). Every handler invocation
 * must hold the mutex. The pending flag read under the mutex separates "removed while pending" from
 * the true lock-wait cancellation. It is an unlocked read of a flag the dispatcher clears under the
 * CPU lock, not the mutex, so it may lag; a lagging 1 only moves a lock-wait cancellation into the
 * "removed while pending" row. A 0 is never stale (nothing sets the flag again here).
 *
 * <p>Giant ({@code callout_init(c, 0)}) takes the same path only if the stopper owns Giant, with no
 * assertion otherwise ({@link GiantOwned}, {@link GiantNotOwned}; §4.7 preamble, §11 cases 25-26).
 */
public final class LockWaitCancelVsDispatch {

    private LockWaitCancelVsDispatch() {
    }

    /** Result: (pending seen under the mutex, stop result, handler runs after the settle, runs without the mutex held, 2*pending + active at the end). */
    @JCStressTest
    @Description("callout_stop under the callout's mutex vs. a dispatcher that needs that mutex")
    @Outcome(id = "1, 1, 0, 0, 0", expect = ACCEPTABLE,
            desc = "stop under the mutex found the callout still pending: removed it and returned 1 (§4.7 step 5); the handler never ran")
    @Outcome(id = "0, 1, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "true lock-wait cancellation: the dispatcher had dequeued the callout (PENDING clear, cc_curr == c) and waited for the mutex; stop set cc_cancel and returned 1; the dispatcher, on getting the mutex, skipped the handler (§2.3, §5.2, §11 case 27)")
    @Outcome(id = "0, -1, 1, 0, 1", expect = ACCEPTABLE,
            desc = "the handler ran under the mutex and finished before the stopper took it: stop returned -1 and left ACTIVE set (§4.7 step 4)")
    @Outcome(id = "0, 0, 1, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "the handler had run and released the mutex, but its dispatcher had not yet cleared cc_curr: cc_cancel was already true, so stop returned 0 and cleared ACTIVE (§5.2 'later cancellers fail (return 0)')")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §5.2/§2.3: stop returned 1 (cancelled) but the handler ran, or stop returned 0/-1 but the handler never ran, or the handler ran twice or without the mutex held, or the callout was left pending")
    @State
    public static class Stop {
        static final CalloutFunc<Stop> FIRE = s -> {
            if (!s.m.owned()) {
                s.unlocked++;
            }
            s.ran++;
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final KMutex m = new KMutex("stress");
        final Callout c = new Callout();
        int ran;
        int unlocked;

        public Stop() {
            sys.initLock(c, m, 0);
            m.lock();
            try {
                Rigs.armAt(sys, c, NOW, FIRE, this, -1);
            } finally {
                m.unlock();
            }
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(IIIII_Result r) {
            m.lock();
            try {
                r.r1 = bit(c.pending());
                r.r2 = sys.stop(c);
            } finally {
                m.unlock();
            }
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r3 = ran;
            r.r4 = unlocked;
            r.r5 = 2 * bit(c.pending()) + bit(c.active());
        }
    }

    /** Result: (pending seen under the mutex, reset result, old handler runs, new handler runs, runs without the mutex held). */
    @JCStressTest
    @Description("callout_reset (new handler, later time) under the callout's mutex vs. a dispatcher that needs that mutex")
    @Outcome(id = "1, 1, 0, 1, 0", expect = ACCEPTABLE,
            desc = "reset under the mutex found the callout pending: removed it (1) and re-armed (§4.4 step 6); only the new handler ran, once")
    @Outcome(id = "0, 1, 0, 1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "lock-wait cancellation by reset: the dispatcher waited for the mutex; reset set cc_cancel (1), armed a fresh instance, and the stale invocation was skipped (§4.4 step 5a, §5.2, §11 case 28)")
    @Outcome(id = "0, 0, 1, 1, 0", expect = ACCEPTABLE,
            desc = "the old handler had already run under the mutex (cc_cancel true, or finished): reset returned 0 and re-armed; both handlers ran once (§4.4 steps 5-8)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §5.2/§4.4: reset returned 1 yet the stale handler ran, or 0 though it never ran, or the new arm did not run exactly once, or a handler ran without the mutex held")
    @State
    public static class Reset {
        static final CalloutFunc<Reset> OLD = s -> {
            if (!s.m.owned()) {
                s.unlocked++;
            }
            s.oldRan++;
        };
        static final CalloutFunc<Reset> NEW = s -> {
            if (!s.m.owned()) {
                s.unlocked++;
            }
            s.newRan++;
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final KMutex m = new KMutex("stress");
        final Callout c = new Callout();
        int oldRan;
        int newRan;
        int unlocked;

        public Reset() {
            sys.initLock(c, m, 0);
            m.lock();
            try {
                Rigs.armAt(sys, c, NOW, OLD, this, -1);
            } finally {
                m.unlock();
            }
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void resetter(IIIII_Result r) {
            m.lock();
            try {
                r.r1 = bit(c.pending());
                r.r2 = Rigs.armAt(sys, c, LATER, NEW, this, -1);
            } finally {
                m.unlock();
            }
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r3 = oldRan;
            r.r4 = newRan;
            r.r5 = unlocked;
        }
    }

    /** As {@link Stop} for a Giant callout ({@code callout_init(c, 0)}), the stopper holding Giant. */
    @JCStressTest
    @Description("callout_stop holding Giant vs. the dispatch of a Giant callout (callout_init(c, 0))")
    @Outcome(id = "1, 1, 0, 0, 0", expect = ACCEPTABLE,
            desc = "stop holding Giant found the callout still pending: removed it, 1; the handler never ran")
    @Outcome(id = "0, 1, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "lock-wait cancellation with Giant: the caller owns Giant, so use_lock is set; stop set cc_cancel and returned 1 and the dispatcher skipped the handler (§4.7 preamble, §5.2, §11 case 26)")
    @Outcome(id = "0, -1, 1, 0, 1", expect = ACCEPTABLE,
            desc = "the handler ran with Giant held and finished before the stopper took Giant: -1, ACTIVE left set (§4.7 step 4)")
    @Outcome(id = "0, 0, 1, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "the handler had run and released Giant, its dispatcher had not yet cleared cc_curr: 0 (§5.2 'later cancellers fail')")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §5.2 for Giant: stop under Giant returned 1 but the handler ran, or 0/-1 but it never ran, or it ran twice or without Giant held (§4.1)")
    @State
    public static class GiantOwned {
        static final CalloutFunc<GiantOwned> FIRE = s -> {
            if (!s.giant.owned()) {
                s.unlocked++;
            }
            s.ran++;
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final CalloutLock giant = sys.giant();
        final Callout c = new Callout();
        int ran;
        int unlocked;

        public GiantOwned() {
            sys.init(c, false);
            Rigs.armAt(sys, c, NOW, FIRE, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(IIIII_Result r) {
            giant.lock();
            try {
                r.r1 = bit(c.pending());
                r.r2 = sys.stop(c);
            } finally {
                giant.unlock();
            }
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r3 = ran;
            r.r4 = unlocked;
            r.r5 = 2 * bit(c.pending()) + bit(c.active());
        }
    }

    /**
     * A Giant callout stopped by a thread that does not own Giant: no assertion, and no lock-wait
     * cancellation either. Result: (stop result, handler runs after the settle, 2*pending + active at the end).
     */
    @JCStressTest
    @Description("callout_stop without Giant vs. the dispatch of a Giant callout (callout_init(c, 0))")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE,
            desc = "stop found the callout pending: removed it, 1; the handler never ran (§4.7 step 5)")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stop found the callout dispatched (waiting for Giant or running): the caller does not own Giant, so use_lock = 0 and it cannot cancel; 0, ACTIVE cleared, the handler still ran (§4.7 preamble and step 3, §11 case 25)")
    @Outcome(id = "-1, 1, 1", expect = ACCEPTABLE,
            desc = "the handler had finished: -1, ACTIVE left set (§4.7 step 4)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.7 for Giant: a stop without Giant cancelled an invocation already dispatched (returned 1 yet ran, or it never ran on 0), a lost or repeated invocation, or wrong flags")
    @State
    public static class GiantNotOwned {
        static final CalloutFunc<GiantNotOwned> FIRE = s -> s.ran++;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;

        public GiantNotOwned() {
            sys.init(c, false);
            Rigs.armAt(sys, c, NOW, FIRE, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(III_Result r) {
            r.r1 = sys.stop(c);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            vt.advance(SETTLE);
            r.r2 = ran;
            r.r3 = 2 * bit(c.pending()) + bit(c.active());
        }
    }
}
