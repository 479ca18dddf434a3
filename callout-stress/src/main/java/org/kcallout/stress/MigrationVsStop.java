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
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * {@code callout_reset_on} to another CPU racing the handler, followed by a stop or a drain (SPEC
 * §4.4 step 7, §4.7, §4.8, §5.6, §11 cases 45, 46, 49). Two CPUs; the callout lives on CPU 0 and
 * is due now. Actor 1 delivers the interrupts of both CPUs ({@code vt.advance(0)}), so the handler
 * runs on actor 1 as CPU 0; actor 2 calls {@code callout_reset_on(c, LATER, ..., cpu 1)} and then
 * stops or drains. The arbiter advances past {@link Rigs#LATER} and reads where the callout ended.
 *
 * <p>A reset to another CPU moves a callout that is not running at once; while the handler runs it
 * only records a deferred migration (PENDING|DFRMIGRATION, on no list, {@code c_cpu} unchanged),
 * performed when the handler returns. Whatever the interleaving, the stop or drain that follows
 * must leave nothing to run: it removes the moved callout on CPU 1, or discards the record.
 */
public final class MigrationVsStop {

    private MigrationVsStop() {
    }

    /** Result: (handler runs after the settle, reset_on result, stop result, final CPU, 2*pending + active at the end). */
    @JCStressTest
    @Description("callout_reset_on(cpu 1) then callout_stop vs. the handler running on CPU 0")
    @Outcome(id = "0, 1, 1, 1, 0", expect = ACCEPTABLE,
            desc = "reset_on came first: removed the pending instance (1) and moved the callout to CPU 1 at once (§4.4 steps 6-7, callout_cpu_switch; §11 case 45); stop removed it there (1); nothing ran")
    @Outcome(id = "1, 0, 0, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "reset_on met the running handler: recorded a deferred migration and returned 0 (§4.4 step 7, §5.6, §11 case 46); stop in that window hit the special case (PENDING and ACTIVE cleared), discarded the record and returned 0 (§4.7 steps 2-3); the callout stayed on CPU 0 and never ran again")
    @Outcome(id = "1, 0, 1, 1, 0", expect = ACCEPTABLE,
            desc = "the callout reached CPU 1 (reset_on after the handler returned, or the deferred migration performed at completion, §3) before stop, which removed it there and returned 1")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.4/§4.7/§5.6: a lost or repeated invocation, stop claiming a removal that still ran, a discarded migration that moved anyway, a callout left pending or active after stop, or a CPU other than 0 or 1")
    @State
    public static class Stop {
        static final CalloutFunc<Stop> FIRE = s -> s.ran++;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 2);
        final Callout c = new Callout();
        int ran;

        public Stop() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, FIRE, this, 0);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void migrator(IIIII_Result r) {
            r.r2 = Rigs.armAt(sys, c, LATER, FIRE, this, 1);
            r.r3 = sys.stop(c);
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r4 = c.cpu();
            r.r5 = 2 * bit(c.pending()) + bit(c.active());
        }
    }

    /** As {@link Stop}, with {@code callout_drain} in place of {@code callout_stop}. */
    @JCStressTest
    @Description("callout_reset_on(cpu 1) then callout_drain vs. the handler running on CPU 0")
    @Outcome(id = "0, 1, 1, 1, 0", expect = ACCEPTABLE,
            desc = "reset_on came first: removed the pending instance and moved the callout to CPU 1 at once (§4.4 step 7); drain removed it there without waiting (1)")
    @Outcome(id = "1, 0, -1, 0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "reset_on recorded a deferred migration while the handler ran (0, §5.6); drain waited, the completion saw the drainer and discarded the record (§3 'completion of RUNNING+DEFERRED with drainer -> IDLE', §5.5); drain returned -1 and the callout is scheduled nowhere, still on CPU 0 (§11 case 49)")
    @Outcome(id = "1, 0, 1, 1, 0", expect = ACCEPTABLE,
            desc = "the callout reached CPU 1 (reset_on after the handler, or the deferred migration performed before drain arrived) and drain removed it there (1)")
    @Outcome(expect = FORBIDDEN,
            desc = "violates §4.8/§5.6: drain returned with the callout pending or running anywhere, a migration performed although a drainer waited, a lost or repeated invocation, or a drain result §4.11 does not give")
    @State
    public static class Drain {
        static final CalloutFunc<Drain> FIRE = s -> s.ran++;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys = Rigs.system(vt, 2);
        final Callout c = new Callout();
        int ran;

        public Drain() {
            sys.init(c, true);
            Rigs.armAt(sys, c, NOW, FIRE, this, 0);
        }

        @Actor
        public void dispatcher() {
            vt.advance(0);
        }

        @Actor
        public void migrator(IIIII_Result r) {
            r.r2 = Rigs.armAt(sys, c, LATER, FIRE, this, 1);
            r.r3 = sys.drain(c);
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            vt.advance(SETTLE);
            r.r1 = ran;
            r.r4 = c.cpu();
            r.r5 = 2 * bit(c.pending()) + bit(c.active());
        }
    }
}
