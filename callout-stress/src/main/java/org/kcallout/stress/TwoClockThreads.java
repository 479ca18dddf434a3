package org.kcallout.stress;

import static org.kcallout.stress.Rigs.NOW;
import static org.kcallout.stress.Rigs.bit;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
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
import org.kcallout.wheel.WheelProbe;

/**
 * Two threads running {@code callout_process} for one CPU at the same time. On the real-time clock
 * this happens: a CPU's softclock thread keeps time for it and the watchdog ({@code kcallout-et})
 * processes the same CPU once its deadline is overdue, and a direct handler drops the CPU lock in
 * the middle of a scan. FreeBSD's per-CPU interrupt cannot nest; kcallout's scan refuses to (a second
 * caller returns at once and the running scan reports the next window), and a full batch leaves
 * {@code lastscan} at the first callout it did not expire, so the next batch, by either thread,
 * resumes there (SPEC §6 with {@code scanBatch}).
 *
 * <p>Three callouts are due: plain N1, direct D, plain N2, armed in that order into one bucket. Both
 * actors call {@code calloutProcess(0, now)}; the arbiter then runs the expire queue and reports
 * {@code (runs of D, runs of N1, runs of N2, callouts still pending)}.
 */
public final class TwoClockThreads {

    private TwoClockThreads() {
    }

    /**
     * Shared set-up: three due callouts on a one-CPU system with the given batch. The actors stay in
     * each test class: jcstress's processor only sees {@code @Actor} methods declared there.
     */
    abstract static class Base {
        static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;

        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final CalloutWheel sys;
        final Callout n1 = new Callout();
        final Callout d = new Callout();
        final Callout n2 = new Callout();
        /** Runs of each; atomic so that a double run by two threads is never hidden by a lost ++. */
        final AtomicInteger n1Runs = new AtomicInteger();
        final AtomicInteger dRuns = new AtomicInteger();
        final AtomicInteger n2Runs = new AtomicInteger();

        Base(int scanBatch) {
            sys = CalloutWheel.builder().ncpus(1).callwheelSize(16).clock(vt).scanBatch(scanBatch).build();
            sys.init(n1, true);
            sys.init(d, true);
            sys.init(n2, true);
            Rigs.armAt(sys, n1, NOW, COUNT, n1Runs, -1);
            Rigs.armDirectAt(sys, d, NOW, COUNT, dRuns);
            Rigs.armAt(sys, n2, NOW, COUNT, n2Runs, -1);
        }

        void process() {
            WheelProbe.of(sys).calloutProcess(0, vt.now());
        }

        void settle(IIII_Result r) {
            WheelProbe.of(sys).softclock(0);
            r.r1 = dRuns.get();
            r.r2 = n1Runs.get();
            r.r3 = n2Runs.get();
            r.r4 = bit(n1.pending()) + bit(d.pending()) + bit(n2.pending());
        }
    }

    /** A batch of one: every callout is its own batch, so the two callers can interleave between them. */
    @JCStressTest
    @Description("two concurrent callout_process calls for one CPU with scanBatch(1): each due callout expires once")
    @Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE,
            desc = "D ran once inside a scan, N1 and N2 were moved to the expire queue once each and ran once; nothing is pending")
    @Outcome(expect = FORBIDDEN,
            desc = "a due callout expired twice (two scans took it), never (a batch resumed past it), or stayed pending")
    @State
    public static class BatchOfOne extends Base {
        public BatchOfOne() {
            super(1);
        }

        @Actor
        public void softclockThread() {
            process();
        }

        @Actor
        public void watchdog() {
            process();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            settle(r);
        }
    }

    /** The default batch: one scan takes everything, and the direct handler's lock drop is the window. */
    @JCStressTest
    @Description("two concurrent callout_process calls for one CPU with the default batch: each due callout expires once")
    @Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE,
            desc = "whichever caller scanned first expired all three; the other found nothing due or returned at once while D ran")
    @Outcome(expect = FORBIDDEN,
            desc = "a due callout expired twice (a nested scan), never, or stayed pending")
    @State
    public static class DefaultBatch extends Base {
        public DefaultBatch() {
            super(CalloutWheel.DEFAULT_SCAN_BATCH);
        }

        @Actor
        public void softclockThread() {
            process();
        }

        @Actor
        public void watchdog() {
            process();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            settle(r);
        }
    }
}
