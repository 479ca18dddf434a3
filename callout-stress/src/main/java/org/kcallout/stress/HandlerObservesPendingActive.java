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
import org.kcallout.KMutex;
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
 * What a handler sees of {@code callout_pending} and {@code callout_active} while another thread
 * stops or resets its callout (SPEC §4.10, §5.1, §5.2). The handler reads both flags on entry, as
 * the manual's idiom does ("if pending: it was re-armed, return; if not active: it was stopped,
 * return; deactivate; work"); only its first invocation records them, and -1 means it never ran.
 *
 * <p>Without a lock a stop or reset may land while the handler runs, and the idiom's checks are
 * how the handler notices: it may see PENDING (re-armed) or !ACTIVE (stopped). With an associated
 * mutex the handler runs holding it, so a stop or reset made under the mutex is either before the
 * dispatch (and exact) or after the handler: the handler never sees either, which is why the
 * manual calls the idiom unnecessary there.
 */
public final class HandlerObservesPendingActive {

    private HandlerObservesPendingActive() {
    }

    /** Result: (stop result, handler runs after the settle, pending seen by the handler, active seen by the handler). */
    @JCStressTest
    @Description("pending/active seen by an MP-safe handler while another thread calls callout_stop")
    @Outcome(id = "1, 0, -1, -1", expect = ACCEPTABLE,
            desc = "stop removed the pending instance (1); the handler never ran (§4.7 step 5)")
    @Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "stop landed after the dispatch and before the handler's check: stop returned 0 and cleared ACTIVE, and the handler saw !active, which the idiom reads as 'stopped' (§5.1, §4.7 step 3)")
    @Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE,
            desc = "stop landed while the handler ran, after its check: stop returned 0; the handler saw active and not pending (§5.1)")
    @Outcome(id = "-1, 1, 0, 1", expect = ACCEPTABLE,
            desc = "stop came after the handler returned (-1); the handler saw active and not pending: dispatch clears PENDING before the handler, firing leaves ACTIVE (§4.10, §4.7 step 4)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.10/§5.1: the handler saw PENDING with nobody re-arming, saw !ACTIVE although stop did not find it executing, or ran although stop removed it, or never ran although stop did not remove it")
    @State
    public static class Stop {
        static final CalloutFunc<Stop> FIRE = s -> {
            if (s.ran++ == 0) {
                s.sawPending = bit(s.c.pending());
                s.sawActive = bit(s.c.active());
            }
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;
        int sawPending = -1;
        int sawActive = -1;

        public Stop() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, FIRE, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void stopper(IIII_Result r) {
            r.r1 = sys.stop(c);
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            vt.advance(SETTLE);
            r.r2 = ran;
            r.r3 = sawPending;
            r.r4 = sawActive;
        }
    }

    /** Result: (reset result, handler runs after the settle, pending seen by the first run, active seen by the first run). */
    @JCStressTest
    @Description("pending/active seen by an MP-safe handler while another thread calls callout_reset (same handler, later time)")
    @Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE,
            desc = "reset removed the pending instance (1) and re-armed; the only run is the new arm's, which sees active and not pending (§4.4 step 6)")
    @Outcome(id = "0, 2, 1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "reset landed after the dispatch and before the handler's check: returned 0 and re-armed; the handler saw PENDING, which the idiom reads as 're-armed, return' (§5.1, §4.4 step 8); the re-arm ran later")
    @Outcome(id = "0, 2, 0, 1", expect = ACCEPTABLE,
            desc = "reset landed after the handler's check or after it returned: returned 0 and re-armed; the handler saw active and not pending; the re-arm ran later (§5.1)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.4/§5.1: a handler saw !ACTIVE (nothing here clears it while re-arming), reset returned 1 yet the old instance ran, or 0 though it never ran, or the re-arm did not run exactly once")
    @State
    public static class Reset {
        static final CalloutFunc<Reset> FIRE = s -> {
            if (s.ran++ == 0) {
                s.sawPending = bit(s.c.pending());
                s.sawActive = bit(s.c.active());
            }
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;
        int sawPending = -1;
        int sawActive = -1;

        public Reset() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, FIRE, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void resetter(IIII_Result r) {
            r.r1 = Rigs.armAt(sys, c, LATER, FIRE, this, -1);
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            vt.advance(SETTLE);
            r.r2 = ran;
            r.r3 = sawPending;
            r.r4 = sawActive;
        }
    }

    /** Result: (stop result, handler runs after the settle, pending seen by the handler, active seen by the handler). */
    @JCStressTest
    @Description("pending/active seen by a mutex-protected handler while another thread calls callout_stop holding the mutex")
    @Outcome(id = "1, 0, -1, -1", expect = ACCEPTABLE,
            desc = "stop under the mutex removed the pending instance or cancelled the lock-waiting one (1); the handler never ran (§5.2)")
    @Outcome(id = "-1, 1, 0, 1", expect = ACCEPTABLE,
            desc = "stop took the mutex after the handler finished (-1); the handler saw active and not pending")
    @Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "stop took the mutex after the handler released it but before the dispatcher cleared cc_curr: 0 (§5.2 'later cancellers fail'); the handler had seen active and not pending")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §5.2: the handler holds the mutex throughout, so a stop under the mutex cannot land while it runs: it must never see !ACTIVE or PENDING; stop returning 1 means it never ran")
    @State
    public static class LockedStop {
        static final CalloutFunc<LockedStop> FIRE = s -> {
            if (s.ran++ == 0) {
                s.sawPending = bit(s.c.pending());
                s.sawActive = bit(s.c.active());
            }
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final KMutex m = new KMutex("stress");
        final Callout c = new Callout();
        int ran;
        int sawPending = -1;
        int sawActive = -1;

        public LockedStop() {
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
        public void stopper(IIII_Result r) {
            m.lock();
            try {
                r.r1 = sys.stop(c);
            } finally {
                m.unlock();
            }
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            vt.advance(SETTLE);
            r.r2 = ran;
            r.r3 = sawPending;
            r.r4 = sawActive;
        }
    }
}
