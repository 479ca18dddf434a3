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
import org.kcallout.wheel.testing.CalloutObserver;
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
 * {@code callout_drain} and its asynchronous forms racing a handler that re-arms its own callout
 * (SPEC §4.4 step 5b, §4.8 MODERN, §4.9, §4.11, §5.5, §11 cases 37, 40, 41). Actor 1 delivers the
 * interrupt, so the handler runs there and calls {@code callout_reset} for {@link Rigs#LATER} (once);
 * actor 2 drains. In {@link HandlerRearms} a {@link CalloutObserver} tells whether the drainer
 * slept waiting for the handler.
 *
 * <p>The guarantee under test: when drain returns, the handler is not running and nothing is
 * pending (no reset races <em>after</em> the return here), and a reset made while a drainer waits
 * does not arm. The drain result tells which way it went: 1 if it removed a pending instance (the
 * original, or the handler's re-arm, after waiting for the handler if it was running), -1 if after
 * the wait there was nothing to remove because the re-arm was refused.
 */
public final class DrainVsRearm {

    private DrainVsRearm() {
    }

    /**
     * Result: (handler runs including the arbiter's settle, drain result, the handler's reset armed,
     * the drainer slept, state right after drain: 1 = pending, 2 = handler running).
     */
    @JCStressTest
    @Description("callout_drain vs. a handler that re-arms itself")
    @Outcome(id = "0, 1, 0, 0, 0", expect = ACCEPTABLE,
            desc = "drain came first: removed the pending instance without waiting and returned 1 (§4.8 'not executing at entry: pending -> removed, 1'); the handler never ran")
    @Outcome(id = "1, 1, 1, 0, 0", expect = ACCEPTABLE,
            desc = "drain came after the handler returned: removed its re-arm without waiting and returned 1")
    @Outcome(id = "1, 1, 1, 1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "drain found the handler running after its re-arm: waited, re-evaluated, removed the re-arm and returned 1 (§4.8 V14/VMAIN, §4.11 'executing and re-armed: waits, 1')")
    @Outcome(id = "1, -1, 0, 1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "the drainer was waiting when the handler called reset: the reset did not arm (§4.4 step 5b), and after the wait drain found nothing pending and returned -1 (§4.8, §11 case 37)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.8/§4.4 5b: drain returned while the handler ran or an arm was pending, or a reset armed while a drainer waited, or drain returned a value §4.11 does not give for that state, or the handler ran after drain returned")
    @State
    public static class HandlerRearms implements CalloutObserver {
        static final CalloutFunc<HandlerRearms> REARM = s -> {
            s.inHandler = true;
            if (++s.ran == 1) { // once: a run at LATER (a forbidden outcome) must not loop
                Rigs.armAt(s.sys, s.c, LATER, HandlerRearms.REARM, s, -1);
                // Exact: only a drain could unlink the re-arm, and a drainer waits for this handler.
                s.armed = bit(s.c.pending());
            }
            s.inHandler = false;
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1, this);
        final Callout c = new Callout();
        /** Handler runs; written by the handler (actor 1, then the arbiter). */
        int ran;
        /** The reset made by the first run armed (1) or was refused (0); written by the handler. */
        int armed;
        /** Read by the drainer right after drain returns, written by the handler on actor 1. */
        volatile boolean inHandler;
        /** The drainer went to sleep (observer, on the drainer's thread). */
        int drainWaited;

        public HandlerRearms() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, REARM, this, -1);
        }

        @Override
        public void drainWait(Callout callout) {
            drainWaited = 1;
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void drainer(IIIII_Result r) {
            r.r2 = sys.drain(c);
            r.r5 = bit(c.pending()) | (inHandler ? 2 : 0);
            r.r4 = drainWaited;
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            // Nothing may be left armed after drain: a run at LATER shows up as ran == 2.
            r.r1 = ran;
            r.r3 = armed;
        }
    }

    /**
     * {@code callout_async_drain} (V14, MODERN) instead of {@code callout_drain}. Result: (handler
     * runs after the settle, async-drain result, the handler's reset armed, drain-callback calls
     * (+10 for a call made while the handler still ran), 2*pending + active at the end).
     */
    @JCStressTest
    @Description("callout_async_drain vs. a handler that re-arms itself")
    @Outcome(id = "0, 1, 0, 0, 0", expect = ACCEPTABLE,
            desc = "async drain came first: removed the pending instance and returned 1; the callback is not called (§4.9, §11 case 41)")
    @Outcome(id = "1, 1, 1, 0, 0", expect = ACCEPTABLE,
            desc = "async drain came after the handler returned: removed its re-arm, returned 1, callback not called (§4.9)")
    @Outcome(id = "1, 0, 1, 1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "async drain found the handler running after its re-arm: recorded the callback, removed the re-arm (as stop does) and returned 0; the callback ran once after the handler returned (§4.7 step 3, §4.9, §11 case 40)")
    @Outcome(id = "1, 0, 0, 1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "async drain found the handler running before its re-arm: recorded the callback and returned 0; the reset was refused while the callback was recorded (§4.4 step 5b, V14) and the callback ran once after the handler (a re-arm removed just before the handler's check also lands here)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.9/§4.4 5b: the callback ran on a non-zero result, not exactly once on 0, or before the handler returned; a reset armed while the callback was recorded; or something was left armed")
    @State
    public static class AsyncDrain {
        static final CalloutFunc<AsyncDrain> REARM = s -> {
            s.inHandler = true;
            if (++s.ran == 1) {
                Rigs.armAt(s.sys, s.c, LATER, AsyncDrain.REARM, s, -1);
                // Not exact: an asynchronous drain landing between these two lines removes the
                // re-arm at once, which then reads as refused. Both rows are acceptable, so this
                // only moves samples between them.
                s.armed = bit(s.c.pending());
            }
            s.inHandler = false;
        };
        static final CalloutFunc<AsyncDrain> DRAINED = s -> s.drained += s.inHandler ? 11 : 1;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;
        int armed;
        /** Set and cleared by the handler; the callback runs on the same thread (the dispatcher). */
        boolean inHandler;
        /** Drain-callback calls; written on the dispatcher's thread (actor 1). */
        int drained;

        public AsyncDrain() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, REARM, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void drainer(IIIII_Result r) {
            r.r2 = sys.asyncDrain(c, DRAINED);
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r3 = armed;
            r.r4 = drained;
            r.r5 = 2 * bit(c.pending()) + bit(c.active());
        }
    }

    /**
     * The {@code CompletionStage} drain ({@link org.kcallout.CalloutSystem#drainAsync}): the stage
     * completes once nothing is pending and no invocation runs, at once if nothing runs, else on the
     * dispatching thread after the handler returns; resets are refused until then. Result: (handler
     * runs after the settle, the handler's reset armed, state when the stage completed: 1 = pending,
     * 2 = handler running, -1 = never completed). Whether the stage was already complete when
     * drainAsync returned is not observable exactly (the dispatcher may complete it before the
     * drainer looks), so the outcomes do not depend on it.
     */
    @JCStressTest
    @Description("drainAsync (CompletionStage) vs. a handler that re-arms itself")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE,
            desc = "drainAsync came first: removed the pending instance; nothing ran; the stage completed with nothing pending")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE,
            desc = "drainAsync met the handler after its re-arm (removed it, stop semantics, §4.7 step 3, and completed when the handler returned) or after it returned (removed the re-arm, completed at once)")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "drainAsync found the handler running before its re-arm: the reset was refused while the drain was outstanding (§4.4 step 5b) and the stage completed after the handler, with nothing pending (a re-arm removed just before the handler's check also lands here)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates the drainAsync contract (§4.8 guarantee, §4.4 5b): the stage completed while the handler ran or an arm was pending, never completed, or a reset armed while it was outstanding")
    @State
    public static class DrainAsyncStage {
        static final CalloutFunc<DrainAsyncStage> REARM = s -> {
            s.inHandler = true;
            if (++s.ran == 1) {
                Rigs.armAt(s.sys, s.c, LATER, DrainAsyncStage.REARM, s, -1);
                // Not exact: an asynchronous drain landing between these two lines removes the
                // re-arm at once, which then reads as refused. Both rows are acceptable, so this
                // only moves samples between them.
                s.armed = bit(s.c.pending());
            }
            s.inHandler = false;
        };

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 1);
        final Callout c = new Callout();
        int ran;
        int armed;
        /** Read by the stage's action, which runs on actor 2 (already complete) or actor 1 (after the handler). */
        volatile boolean inHandler;
        /** Written by the stage's action, on whichever thread completes it; read by the arbiter. */
        volatile int seenAtCompletion = -1;

        public DrainAsyncStage() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, REARM, this, -1);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void drainer() {
            sys.drainAsync(c).thenRun(() -> seenAtCompletion = bit(c.pending()) | (inHandler ? 2 : 0));
        }

        @Arbiter
        public void arbiter(III_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r2 = armed;
            r.r3 = seenAtCompletion;
        }
    }
}
