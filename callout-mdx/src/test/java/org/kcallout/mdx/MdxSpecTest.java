package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.mdx.MdxCallout.CALLOUT_STATE_FIRED;
import static org.kcallout.mdx.MdxCallouts.MDX_EEXIST;
import static org.kcallout.mdx.MdxCallouts.MDX_ERROR;
import static org.kcallout.mdx.MdxCallouts.MDX_OK;
import static org.kcallout.mdx.MdxCallouts.MI_TIMER_STATE_READY;
import static org.kcallout.mdx.MdxCallouts.MI_TIMER_STATE_RUNNING;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mockito.InOrder;

/**
 * SPEC §11 cases 87-102 ("mdx callout"), one property per test. Case 97 is not in §11; case 98's
 * "one-tick-per-wrap under-count" does not happen here (SPEC decision 8): it is exact. Sequences of
 * start/stop are verified on a Mockito mock of {@link MiTimer} whose counter the test sets, or on
 * the {@link SimulatedMiTimer}'s record where the interrupts matter.
 */
final class MdxSpecTest {
    private final AtomicLong now = new AtomicLong();
    private final List<Probe> order = new ArrayList<>();

    /** A mocked timer whose count() is {@link #now}. */
    private MiTimer mockTimer(long maxcnt, long frequency) {
        MiTimer t = mock(MiTimer.class);
        when(t.count()).thenAnswer(inv -> now.get());
        when(t.maxcnt()).thenReturn(maxcnt);
        when(t.frequency()).thenReturn(frequency);
        return t;
    }

    private MdxCallouts registered(MiTimer t) {
        MdxCallouts mdx = new MdxCallouts(1);
        assertEquals(MDX_OK, mdx.register(t));
        return mdx;
    }

    private Probe probe(String name) {
        return new Probe(name, now::get, order);
    }

    private static MiTimer.Struct<Object> struct(long maxcnt, long frequency) {
        return MiTimer.of(new Object(), (a, t) -> { }, a -> { }, a -> 0L, maxcnt, frequency);
    }

    @Test
    void spec87_registerTwice_returnsEexist() {
        MdxCallouts mdx = registered(mockTimer(0xffff_ffffL, 1_000_000));
        assertEquals(MDX_EEXIST, mdx.register(mockTimer(0xffff_ffffL, 1_000_000)));
        assertEquals(MDX_EEXIST, mdx.register(struct(0, 0)), "EEXIST is checked before the timer");
    }

    @Test
    void spec87_registerIncompleteTimer_returnsErrorAndRegistersNothing() {
        MdxCallouts mdx = new MdxCallouts(1);
        assertEquals(MDX_ERROR, mdx.register(struct(0, 1_000_000)), "maxcnt == 0");
        assertEquals(MDX_ERROR, mdx.register(struct(0xffff, 0)), "frequency == 0");
        MiTimer.Struct<Object> noStart = struct(0xffff, 32768);
        noStart.start = null;
        assertEquals(MDX_ERROR, mdx.register(noStart), "start == NULL");
        MiTimer.Struct<Object> noStop = struct(0xffff, 32768);
        noStop.stop = null;
        assertEquals(MDX_ERROR, mdx.register(noStop), "stop == NULL");
        MiTimer.Struct<Object> noCount = struct(0xffff, 32768);
        noCount.count = null;
        assertEquals(MDX_ERROR, mdx.register(noCount), "count == NULL");
        assertEquals(null, mdx.timer());
        MiTimer.Struct<Object> good = struct(0xffff, 32768);
        assertEquals(MDX_OK, mdx.register(good), "a refused registration changes nothing");
        assertSame(good, mdx.timer());
    }

    @Test
    void spec88_setTicksOnActiveCallout_returnsErrorAndKeepsDeadline() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        Probe a = probe("a");
        Probe b = probe("b");
        assertEquals(MDX_OK, mdx.setTicks(a.c, 50, Probe.FIRE, a));

        assertEquals(MDX_ERROR, mdx.setTicks(a.c, 100, Probe.FIRE, b));

        assertEquals(50, a.c.ticks());
        assertEquals(50, a.c.ticksOrig());
        assertSame(a, a.c.arg());
        assertEquals(List.of(a.c), mdx.queued(0));
        verify(t, times(1)).start(anyLong());
        now.set(50);
        mdx.callback(0);
        assertEquals(List.of(a), order, "the original function and argument fire, at 50");
        assertEquals(List.of(50L), a.firedAt);
    }

    @Test
    void spec89_setZeroTicks_returnsOkMarksFiredAndQueuesNothing() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        Probe other = probe("other");
        mdx.setTicks(other.c, 100, Probe.FIRE, other);
        Probe z = probe("z");

        assertEquals(MDX_OK, mdx.setTicks(z.c, 0, Probe.FIRE, z));

        assertEquals(CALLOUT_STATE_FIRED, z.c.state());
        assertFalse(z.c.active());
        assertEquals(List.of(other.c), mdx.queued(0));
        verify(t, times(1)).start(anyLong());
        now.set(100);
        mdx.callback(0);
        assertEquals(List.of(other), order, "z's function is never called");
    }

    @Test
    void spec90_shortUsecAt32kHz_truncatesToZeroTicksAndNeverFires() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff_ffffL, 32768);
        mdx.register(timer);
        assertEquals(0, mdx.usecToTicks(30));
        assertEquals(1, mdx.usecToTicks(31));
        Probe p = new Probe("p", timer::time, order);

        assertEquals(MDX_OK, mdx.set(p.c, 30, Probe.FIRE, p));
        timer.advance(1_000_000);

        assertEquals(0, p.fired());
        assertEquals(CALLOUT_STATE_FIRED, p.c.state());
        assertEquals(List.of(), timer.ops(), "nothing was queued, the timer was never started");
    }

    @Test
    void spec91_setOnIdleTimer_startsWithFreshBaseline() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        now.set(1234);
        assertEquals(MI_TIMER_STATE_READY, mdx.timerState(0));

        mdx.setTicks(probe("a").c, 100, Probe.FIRE, null);

        assertEquals(MI_TIMER_STATE_RUNNING, mdx.timerState(0));
        assertEquals(1234, mdx.countSaved(0));
        verify(t).start(100);
        verify(t, never()).stop();
    }

    @Test
    void spec92_equalDeadlines_queueFifoWithoutRestart() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        Probe a = probe("a");
        Probe b = probe("b");
        mdx.setTicks(a.c, 100, Probe.FIRE, a);

        mdx.setTicks(b.c, 100, Probe.FIRE, b);

        assertEquals(List.of(a.c, b.c), mdx.queued(0));
        assertEquals(100, a.c.ticks());
        assertEquals(0, b.c.ticks());
        verify(t, times(1)).start(anyLong());
        verify(t).start(100);
    }

    @Test
    void spec93_earlierCallout_becomesHeadAndRestartsTimer() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        Probe a = probe("a");
        Probe b = probe("b");
        mdx.setTicks(a.c, 100, Probe.FIRE, a);

        mdx.setTicks(b.c, 50, Probe.FIRE, b);

        assertEquals(List.of(b.c, a.c), mdx.queued(0));
        assertEquals(50, b.c.ticks());
        assertEquals(50, a.c.ticks());
        InOrder io = inOrder(t);
        io.verify(t).start(100);
        io.verify(t).start(50);
        io.verifyNoMoreInteractions();
    }

    @Test
    void spec94_cancelHead_givesDeltaToNextWithoutReprogramming() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        Probe a = probe("a");
        Probe b = probe("b");
        mdx.setTicks(a.c, 100, Probe.FIRE, a);
        mdx.setTicks(b.c, 150, Probe.FIRE, b);
        assertEquals(50, b.c.ticks());

        assertEquals(MDX_OK, mdx.cancel(a.c));

        assertEquals(150, b.c.ticks());
        assertEquals(List.of(b.c), mdx.queued(0));
        verify(t, times(1)).start(anyLong()); // only a's start(100): cancel does not reprogram
        now.set(100); // the old compare match
        mdx.callback(0);
        assertEquals(50, b.c.ticks());
        assertEquals(0, b.fired());
        now.set(150);
        mdx.callback(0);
        assertEquals(List.of(150L), b.firedAt);
        assertEquals(0, a.fired());
        InOrder io = inOrder(t);
        io.verify(t).start(100);
        io.verify(t).start(50);
        io.verify(t).stop();
        io.verify(t, never()).start(anyLong());
    }

    @Test
    void spec95_cancelOfInactiveCallout_returnsOne() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 1_000_000);
        mdx.register(timer);
        Probe p = new Probe("p", timer::time, order);
        assertEquals(1, mdx.cancel(p.c), "never set");
        mdx.setTicks(p.c, 10, Probe.FIRE, p);
        timer.advance(10);
        assertEquals(1, p.fired());
        assertEquals(1, mdx.cancel(p.c), "already fired");
        mdx.setTicks(p.c, 10, Probe.FIRE, p);
        assertEquals(MDX_OK, mdx.cancel(p.c));
        assertEquals(1, mdx.cancel(p.c), "already cancelled");
    }

    @Test
    void spec96_callbackFiresDueEntriesInOrderAndRestartsOnce() {
        MiTimer t = mockTimer(0xffff_ffffL, 1_000_000);
        MdxCallouts mdx = registered(t);
        Probe a = probe("a");
        Probe b = probe("b");
        Probe c = probe("c");
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        mdx.setTicks(b.c, 15, Probe.FIRE, b);
        mdx.setTicks(c.c, 35, Probe.FIRE, c);
        assertEquals(List.of(10L, 5L, 20L), List.of(a.c.ticks(), b.c.ticks(), c.c.ticks()));

        now.set(15);
        assertEquals(MDX_OK, mdx.callback(0));

        assertEquals(List.of(a, b), order);
        for (Probe p : List.of(a, b)) {
            assertEquals(0, p.ticksAtEntry, p + ": ticks cleared before its function runs");
            assertEquals(CALLOUT_STATE_FIRED, p.stateAtEntry, p + ": FIRED before its function runs");
            assertFalse(p.activeAtEntry, p + ": ACTIVE cleared before its function runs");
        }
        assertEquals(List.of(c.c), mdx.queued(0));
        assertEquals(20, c.c.ticks());
        InOrder io = inOrder(t);
        io.verify(t).start(10);
        io.verify(t).start(20);
        io.verifyNoMoreInteractions();
    }

    @Test
    void spec98_delayBeyondMaxcnt_isReachedInClampedStepsExactly() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);

        mdx.setTicks(a.c, 0x20000, Probe.FIRE, a);
        assertEquals(0xffff, timer.ops().get(0).ticks());
        timer.advance(0x20000 - 1);
        assertEquals(0, a.fired());
        timer.advance(1);

        assertEquals(List.of(0x20000L), a.firedAt, "exact: no one-tick-per-wrap under-count");
        assertEquals(List.of(0xffffL, 0xffffL, 2L), timer.ops().stream()
                .filter(o -> o.kind() == SimulatedMiTimer.OpKind.START).map(SimulatedMiTimer.Op::ticks).toList());
        assertEquals(3, timer.interrupts());
    }

    @Test
    void spec99_lastEntryFired_stopsOnceAndNextSetTakesFreshBaseline() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe b = new Probe("b", timer::time, order);
        mdx.setTicks(a.c, 10, Probe.FIRE, a);

        timer.advance(10);

        assertEquals(MI_TIMER_STATE_READY, mdx.timerState(0));
        assertEquals(List.of(new SimulatedMiTimer.Op(SimulatedMiTimer.OpKind.START, 0, 10, 0),
                new SimulatedMiTimer.Op(SimulatedMiTimer.OpKind.STOP, 0, 0, 10)), timer.ops());
        timer.advance(12345);
        mdx.setTicks(b.c, 7, Probe.FIRE, b);
        assertEquals(MI_TIMER_STATE_RUNNING, mdx.timerState(0));
        assertEquals(timer.count(), mdx.countSaved(0));
        assertEquals(new SimulatedMiTimer.Op(SimulatedMiTimer.OpKind.START, 0, 7, 12355), timer.ops().get(2));
        timer.advance(7);
        assertEquals(List.of(12362L), b.firedAt);
    }

    @Test
    void spec100_setFromHandler_startsOnlyOnceAtEndOfBatchWithHeadDelta() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = org.mockito.Mockito.spy(new SimulatedMiTimer(mdx, 0xffff_ffffL, 1_000_000));
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe b = new Probe("b", timer::time, order);
        Probe c = new Probe("c", timer::time, order);
        AtomicInteger startsSeenInHandler = new AtomicInteger(-1);
        AtomicInteger result = new AtomicInteger(42);
        a.action = () -> {
            result.set(mdx.setTicksLocked(b.c, 30, Probe.FIRE, b));
            startsSeenInHandler.set((int) timer.ops().stream()
                    .filter(o -> o.kind() == SimulatedMiTimer.OpKind.START).count());
        };
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        mdx.setTicks(c.c, 50, Probe.FIRE, c);

        timer.advance(10);

        assertEquals(MDX_OK, result.get());
        assertEquals(1, startsSeenInHandler.get(), "no start from inside the handler");
        assertEquals(List.of(b.c, c.c), mdx.queued(0));
        InOrder io = inOrder(timer);
        io.verify(timer).start(10);
        io.verify(timer).start(30); // once, with the head's (b's) delta
        verify(timer, times(2)).start(anyLong());
        timer.advance(40);
        assertEquals(List.of(a, b, c), order);
        assertEquals(List.of(40L), b.firedAt);
        assertEquals(List.of(50L), c.firedAt);
    }

    @Test
    void spec102_crossCpuCancel_takesOwnersLockAndRemovesCallout() throws Exception {
        MdxCallouts mdx = new MdxCallouts(2);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff_ffffL, 1_000_000);
        mdx.register(timer);
        Probe c = new Probe("c", timer::time, order);
        mdx.bindCurrentThread(0);
        mdx.setTicks(c.c, 100, Probe.FIRE, c);
        assertEquals(0, c.c.cpuid());
        AtomicInteger result = new AtomicInteger(42);
        Thread cpu1 = new Thread(() -> {
            mdx.bindCurrentThread(1);
            result.set(mdx.cancel(c.c));
        }, "cpu1");

        mdx.cpu(0).lock.lock(); // hold CPU 0's lock: the cancel from CPU 1 must wait for it
        try {
            cpu1.start();
            while (!mdx.cpu(0).lock.hasQueuedThread(cpu1)) {
                Thread.onSpinWait();
            }
            assertEquals(42, result.get());
        } finally {
            mdx.cpu(0).lock.unlock();
        }
        cpu1.join();

        assertEquals(MDX_OK, result.get());
        assertTrue(mdx.queued(0).isEmpty());
        assertFalse(c.c.active());
        timer.advance(1000);
        assertEquals(0, c.fired());
    }

    @Test
    @Timeout(30)
    void spec102_crossCpuCancelDuringBatch_waitsUntilBatchEnds() throws Exception {
        MdxCallouts mdx = new MdxCallouts(2);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff_ffffL, 1_000_000);
        mdx.register(timer);
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Probe blocker = new Probe("blocker", timer::time, order);
        Probe victim = new Probe("victim", timer::time, order);
        blocker.action = () -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        mdx.bindCurrentThread(0);
        mdx.setTicks(blocker.c, 10, Probe.FIRE, blocker);
        mdx.setTicks(victim.c, 100, Probe.FIRE, victim);
        Thread interrupt = new Thread(() -> timer.advance(10), "cpu0-interrupt");
        interrupt.start();
        entered.await();
        AtomicInteger result = new AtomicInteger(42);
        Thread cpu1 = new Thread(() -> {
            mdx.bindCurrentThread(1);
            result.set(mdx.cancel(victim.c));
        }, "cpu1");

        cpu1.start();
        while (!mdx.cpu(0).lock.hasQueuedThread(cpu1)) {
            Thread.onSpinWait();
        }
        assertEquals(42, result.get(), "cancel returned while CPU 0's batch was still running");
        assertTrue(victim.c.active());
        release.countDown();
        interrupt.join();
        cpu1.join();

        assertEquals(MDX_OK, result.get());
        assertTrue(mdx.queued(0).isEmpty());
        assertEquals(List.of(blocker), order);
    }
}
