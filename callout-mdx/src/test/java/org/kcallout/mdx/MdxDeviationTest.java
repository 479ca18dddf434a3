package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The documented differences from MDEPX (SPEC decision 8): exact elapsed counts across a counter
 * wrap, and exact deadlines for callouts armed from a handler of a late interrupt; plus the changes
 * that keep the elapsed count unambiguous (a long delay armed late in an interval, a stale baseline
 * after a cancel emptied the list). Each test names what MDEPX would have done.
 */
final class MdxDeviationTest {
    private final List<Probe> order = new ArrayList<>();

    private static List<Long> starts(SimulatedMiTimer timer) {
        return timer.ops().stream().filter(o -> o.kind() == SimulatedMiTimer.OpKind.START)
                .map(SimulatedMiTimer.Op::ticks).toList();
    }

    @Test
    void elapsed_acrossWrap_isExactWhereMdepxIsOneShort() {
        // 16-bit counter: 0xfffe -> 0xffff -> 0 -> 1 -> 2 is 4 counts.
        assertEquals(4, MdxCpu.elapsed(2, 0xfffe, 0xffff));
        assertEquals(3, MdxCpu.elapsedMdepx(2, 0xfffe, 0xffff));
        // 32-bit counter, one count across the wrap: MDEPX sees no time at all.
        assertEquals(1, MdxCpu.elapsed(0, 0xffff_ffffL, 0xffff_ffffL));
        assertEquals(0, MdxCpu.elapsedMdepx(0, 0xffff_ffffL, 0xffff_ffffL));
        // Without a wrap both agree.
        assertEquals(100, MdxCpu.elapsed(150, 50, 0xffff));
        assertEquals(100, MdxCpu.elapsedMdepx(150, 50, 0xffff));
        assertEquals(0, MdxCpu.elapsed(7, 7, 0xffff));
        assertEquals(0, MdxCpu.elapsedMdepx(7, 7, 0xffff));
    }

    /** For every distance d within one period, exact == d, and MDEPX == d - 1 exactly when it wraps. */
    @Test
    void elapsed_randomDistances_differFromMdepxByExactlyOneOnWrap() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (long maxcnt : new long[] {0xff, 999, 0xffff, 0xffff_ffffL}) {
            for (int i = 0; i < 10_000; i++) {
                long saved = rnd.nextLong(maxcnt + 1);
                long d = rnd.nextLong(maxcnt + 1);
                long count = (saved + d) % (maxcnt + 1);
                String what = "maxcnt=" + maxcnt + " saved=" + saved + " d=" + d;
                assertEquals(d, MdxCpu.elapsed(count, saved, maxcnt), what);
                long mdepx = MdxCpu.elapsedMdepx(count, saved, maxcnt);
                assertEquals(count < saved ? d - 1 : d, mdepx, what);
            }
        }
    }

    @Test
    void wrap_deadlineAcrossWrap_firesAtFirstInterruptWhereMdepxWouldRearm() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768, 0xfffa);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        mdx.setTicks(a.c, 10, Probe.FIRE, a);

        timer.advance(10); // the compare matches at count 4, after the wrap

        assertEquals(List.of(10L), a.firedAt);
        assertEquals(1, timer.interrupts());
        assertEquals(List.of(10L), starts(timer), "no second start: nothing left to wait for");
        // MDEPX measures 9 counts here, finds a not due (9 < 10) and re-arms for one more count.
        assertEquals(9, MdxCpu.elapsedMdepx(4, 0xfffa, 0xffff));
    }

    /**
     * A late interrupt (E = 15 counts after a's deadline); a's handler arms n after the next entry c.
     * MDEPX inserts n against c's unadjusted delta and fires n E ticks early (at 60 instead of 75).
     */
    @Test
    void handlerArm_lateInterruptNewEntryAfterNext_firesAtTrueDeadline() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe c = new Probe("c", timer::time, order);
        Probe n = new Probe("n", timer::time, order);
        a.action = () -> mdx.setTicksLocked(n.c, 50, Probe.FIRE, n);
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        mdx.setTicks(c.c, 40, Probe.FIRE, c);

        timer.maskInterrupts();
        timer.advance(25);
        timer.unmaskInterrupts(); // a fires 15 counts late, at 25; n is due at 25 + 50 = 75
        assertEquals(List.of(c.c, n.c), mdx.queued(0));
        assertEquals(List.of(15L, 35L), List.of(c.c.ticks(), n.c.ticks()));
        timer.advance(100);

        assertEquals(List.of(a, c, n), order);
        assertEquals(List.of(25L), a.firedAt);
        assertEquals(List.of(40L), c.firedAt);
        assertEquals(List.of(75L), n.firedAt);
    }

    /**
     * The same late interrupt; a's handler arms n before c. MDEPX then subtracts E from c's reduced
     * delta and fires c early, in the same batch (at 25 instead of 40).
     */
    @Test
    void handlerArm_lateInterruptNewEntryBeforeNext_neitherFiresEarly() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe c = new Probe("c", timer::time, order);
        Probe n = new Probe("n", timer::time, order);
        a.action = () -> mdx.setTicksLocked(n.c, 20, Probe.FIRE, n);
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        mdx.setTicks(c.c, 40, Probe.FIRE, c);

        timer.maskInterrupts();
        timer.advance(25);
        timer.unmaskInterrupts();
        assertEquals(List.of(a), order, "c (due at 40) must not run in the batch at 25");
        timer.advance(100);

        assertEquals(List.of(a, c, n), order);
        assertEquals(List.of(40L), c.firedAt);
        assertEquals(List.of(45L), n.firedAt);
    }

    /**
     * A long delay armed late in the interval becomes the head. MDEPX programs start(ticks), an
     * interrupt more than a counter period after the baseline, and that callback loses a whole
     * period: b would fire a period late. Here the interrupt stays within maxcnt of the baseline.
     */
    @Test
    void longDelayArmedLate_interruptStaysWithinOnePeriodOfBaseline() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe b = new Probe("b", timer::time, order);
        mdx.setTicks(a.c, 0x30000, Probe.FIRE, a);
        timer.advance(0x8000);

        mdx.setTicks(b.c, 0xc000, Probe.FIRE, b);

        assertEquals(List.of(0xffffL, 0x7fffL), starts(timer), "MDEPX: start(0xc000)");
        timer.advance(0x30000);
        assertEquals(List.of(b, a), order);
        assertEquals(List.of(0x14000L), b.firedAt);
        assertEquals(List.of(0x30000L), a.firedAt);
    }

    /**
     * A cancel empties the list of a running CPU, and its baseline grows older than a counter
     * period. MDEPX stays RUNNING and measures the next set from that baseline, losing periods (b
     * would fire late); here the set takes a fresh baseline, with MDEPX's start argument, and b
     * fires on time after a single interrupt.
     */
    @Test
    void setAfterCancelEmptiedList_takesFreshBaselineAndFiresOnTime() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xff, 32768);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe b = new Probe("b", timer::time, order);
        mdx.setTicks(a.c, 100, Probe.FIRE, a);
        mdx.cancel(a.c);
        timer.advance(1000); // the stale compare matches (spuriously) every 256 counts
        assertTrue(timer.interrupts() >= 3);
        assertEquals(MdxCallouts.MI_TIMER_STATE_RUNNING, mdx.timerState(0));

        mdx.setTicks(b.c, 50, Probe.FIRE, b);

        assertEquals(1000 % 256, mdx.countSaved(0), "a fresh baseline (MDEPX keeps 0)");
        long interrupts = timer.interrupts();
        timer.advance(100);
        assertEquals(List.of(1050L), b.firedAt);
        assertEquals(0, a.fired());
        assertEquals(interrupts + 1, timer.interrupts());
        assertEquals(List.of(100L, 50L), starts(timer));
    }

    /** Counts that pass inside the batch (a slow handler) are not lost: the timer is programmed from "now". */
    @Test
    void slowHandler_timeSpentInBatch_countsTowardsNextDeadline() {
        long[] now = {0};
        MiTimer t = org.mockito.Mockito.mock(MiTimer.class);
        org.mockito.Mockito.when(t.count()).thenAnswer(inv -> now[0]);
        org.mockito.Mockito.when(t.maxcnt()).thenReturn(0xffff_ffffL);
        org.mockito.Mockito.when(t.frequency()).thenReturn(1_000_000L);
        MdxCallouts mdx = new MdxCallouts(1);
        mdx.register(t);
        Probe a = new Probe("a", () -> now[0], order);
        Probe b = new Probe("b", () -> now[0], order);
        Probe n = new Probe("n", () -> now[0], order);
        a.action = () -> {
            now[0] += 7; // the handler takes 7 counts, then arms n for 20 from then (due at 37)
            mdx.setTicksLocked(n.c, 20, Probe.FIRE, n);
        };
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        mdx.setTicks(b.c, 30, Probe.FIRE, b);
        now[0] = 10;

        mdx.callback(0);

        assertEquals(17, mdx.countSaved(0), "rebased to the count at the end of the batch");
        assertEquals(List.of(b.c, n.c), mdx.queued(0));
        assertEquals(List.of(13L, 7L), List.of(b.c.ticks(), n.c.ticks()), "b at 30, n at 37");
        org.mockito.Mockito.verify(t).start(13); // MDEPX: start(20), b 7 counts late
    }
}
