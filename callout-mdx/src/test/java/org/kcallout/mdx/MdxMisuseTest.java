package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.mdx.MdxCallouts.MDX_ERROR;
import static org.kcallout.mdx.MdxCallouts.MDX_OK;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Calls that would deadlock MDEPX's non-recursive spinlock, assertions turned into exceptions
 * (SPEC decision 3), arming one callout from two threads, and a
 * callout passed to a framework that does not own it. The full table of bad inputs for every public
 * method is {@link MdxMisuseMatrixTest}.
 */
final class MdxMisuseTest {
    private final List<Probe> order = new ArrayList<>();
    private MdxCallouts mdx;
    private SimulatedMiTimer timer;

    @BeforeEach
    void setUp() {
        mdx = new MdxCallouts(2);
        timer = new SimulatedMiTimer(mdx, 0xffff_ffffL, 1_000_000);
        mdx.register(timer);
    }

    private Probe probe(String name) {
        Probe p = new Probe(name, timer::time, order);
        p.mdx = mdx;
        return p;
    }

    /** Runs {@code body} from a's handler on CPU 0 and returns what it threw. */
    private Throwable fromHandler(Runnable body) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Probe a = probe("a");
        a.action = () -> {
            try {
                body.run();
            } catch (RuntimeException ex) {
                thrown.set(ex);
            }
        };
        mdx.setTicks(a.c, 5, Probe.FIRE, a);
        timer.advance(5);
        assertEquals(1, a.fired());
        return thrown.get();
    }

    @Test
    void setTicks_fromHandlerOfSameCpu_throwsInsteadOfDeadlocking() {
        Probe b = probe("b");
        Throwable t = fromHandler(() -> mdx.setTicks(b.c, 10, Probe.FIRE, b));
        assertInstanceOf(IllegalStateException.class, t);
        assertFalse(b.c.active(), "a rejected call changes nothing");
        assertTrue(mdx.queued(0).isEmpty());
    }

    @Test
    void set_usecFromHandler_throwsInsteadOfDeadlocking() {
        Probe b = probe("b");
        assertInstanceOf(IllegalStateException.class, fromHandler(() -> mdx.set(b.c, 10, Probe.FIRE, b)));
    }

    @Test
    void cancel_fromHandlerOfSameCpu_throwsAndCalloutStillFires() {
        Probe b = probe("b");
        mdx.setTicks(b.c, 50, Probe.FIRE, b);
        Throwable t = fromHandler(() -> mdx.cancel(b.c));
        assertInstanceOf(IllegalStateException.class, t);
        assertTrue(b.c.active());
        timer.advance(100);
        assertEquals(List.of(50L), b.firedAt);
    }

    @Test
    void cancel_fromHandlerOfCalloutOnOtherCpu_cancels() {
        Probe b = probe("b");
        mdx.bindCurrentThread(1);
        mdx.setTicks(b.c, 50, Probe.FIRE, b);
        mdx.bindCurrentThread(0);
        AtomicInteger result = new AtomicInteger(42);
        assertNull(fromHandler(() -> result.set(mdx.cancel(b.c))));
        assertEquals(MDX_OK, result.get());
        timer.advance(100);
        assertEquals(0, b.fired());
    }

    @Test
    void setTicksLocked_fromHandler_armsOnHandlersCpu() {
        Probe b = probe("b");
        mdx.bindCurrentThread(1); // the arming thread's own binding does not matter inside a batch
        AtomicInteger result = new AtomicInteger(42);
        Probe a = probe("a");
        a.action = () -> result.set(mdx.setTicksLocked(b.c, 10, Probe.FIRE, b));
        mdx.bindCurrentThread(0);
        mdx.setTicks(a.c, 5, Probe.FIRE, a);
        mdx.bindCurrentThread(1);
        timer.advance(15);
        assertEquals(MDX_OK, result.get());
        assertEquals(0, b.c.cpuid());
        assertEquals(0, b.cpuAtEntry);
        assertEquals(List.of(15L), b.firedAt);
    }

    @Test
    void setTicksLocked_outsideHandler_throws() {
        Probe b = probe("b");
        assertThrows(IllegalStateException.class, () -> mdx.setTicksLocked(b.c, 10, Probe.FIRE, b));
        assertThrows(IllegalStateException.class, () -> mdx.setLocked(b.c, 10, Probe.FIRE, b));
        assertFalse(b.c.active());
    }

    @Test
    void callback_fromHandler_throws() {
        assertInstanceOf(IllegalStateException.class, fromHandler(() -> mdx.callback(1)));
        assertInstanceOf(IllegalStateException.class, fromHandler(() -> timer.advance(1)));
    }

    @Test
    void unregistered_setCancelCallback_throw() {
        MdxCallouts fresh = new MdxCallouts(1);
        MdxCallout c = new MdxCallout();
        assertThrows(IllegalStateException.class, () -> fresh.setTicks(c, 1, Probe.FIRE, null));
        assertThrows(IllegalStateException.class, () -> fresh.cancel(c));
        assertThrows(IllegalStateException.class, () -> fresh.callback(0));
        assertThrows(IllegalStateException.class, () -> fresh.usecToTicks(1));
        fresh.init(c); // init needs no timer
    }

    @Test
    void badArguments_throwIllegalArgument() {
        MdxCallout c = new MdxCallout();
        assertThrows(IllegalArgumentException.class, () -> mdx.setTicks(c, -1, Probe.FIRE, null));
        assertThrows(IllegalArgumentException.class, () -> mdx.setTicks(c, 0x1_0000_0000L, Probe.FIRE, null));
        assertThrows(IllegalArgumentException.class, () -> mdx.setTicks(null, 1, Probe.FIRE, null));
        assertThrows(IllegalArgumentException.class, () -> mdx.callback(2));
        assertThrows(IllegalArgumentException.class, () -> mdx.register(null));
        assertThrows(IllegalArgumentException.class, () -> new MdxCallouts(0));
        assertFalse(c.active());
    }

    @Test
    void init_ofActiveCallout_throwsAndLeavesItQueued() {
        Probe b = probe("b");
        mdx.setTicks(b.c, 10, Probe.FIRE, b);
        assertThrows(IllegalStateException.class, () -> mdx.init(b.c));
        assertTrue(b.c.active());
        timer.advance(10);
        assertEquals(1, b.fired());
        mdx.init(b.c);
        assertEquals(MdxCallout.CALLOUT_STATE_READY, b.c.state());
    }

    @Test
    void ticks_onSmpSystem_throws() {
        Probe b = probe("b");
        assertThrows(IllegalStateException.class, () -> mdx.ticks(b.c));
    }

    /** A second, single-CPU framework with its own timer. */
    private MdxCallouts otherFramework() {
        MdxCallouts other = new MdxCallouts(1);
        assertEquals(MDX_OK, other.register(new SimulatedMiTimer(other, 0xffff_ffffL, 1_000_000)));
        return other;
    }

    private void assertForeign(IllegalStateException e, String fn) {
        String m = e.getMessage();
        assertTrue(m.startsWith(fn + ": "), m);
        assertTrue(m.contains("belongs to another mdx_callout framework"), m);
        assertTrue(m.contains("initialised by " + mdx), m);
    }

    /** Issue defect 5: framework a on 2 CPUs, b on 1; a's callout on CPU 1 indexed b's CPUs. */
    @Test
    void cancel_calloutOfFrameworkWithMoreCpus_throwsIllegalStateAndChangesNothing() {
        MdxCallouts other = otherFramework();
        Probe b = probe("b");
        mdx.bindCurrentThread(1);
        assertEquals(MDX_OK, mdx.setTicks(b.c, 50, Probe.FIRE, b));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.cancel(b.c));

        assertForeign(e, "mdx_callout_cancel");
        assertTrue(b.c.active());
        assertEquals(List.of(b.c), mdx.queued(1));
        assertTrue(other.queued(0).isEmpty());
        timer.advance(100);
        assertEquals(List.of(50L), b.firedAt);
    }

    /** Issue defect 5: with the same CPU number b returned MDX_OK and unlinked it from a's list. */
    @Test
    void cancel_calloutOfFrameworkWithSameCpuNumber_throwsAndLeavesItOnItsList() {
        MdxCallouts other = otherFramework();
        Probe b = probe("b");
        Probe mine = probe("mine");
        assertEquals(MDX_OK, mdx.setTicks(b.c, 50, Probe.FIRE, b));
        assertEquals(MDX_OK, other.setTicks(mine.c, 70, Probe.FIRE, mine));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.cancel(b.c));

        assertForeign(e, "mdx_callout_cancel");
        assertTrue(b.c.active());
        assertEquals(List.of(b.c), mdx.queued(0));
        assertEquals(List.of(mine.c), other.queued(0));
        assertEquals(50, b.c.ticks());
        timer.advance(100);
        assertEquals(List.of(50L), b.firedAt);
    }

    /** Issue defect 5: ticks threw AssertionError ("active callout not on its CPU's list"). */
    @Test
    void ticks_calloutOfOtherFramework_throwsIllegalState() {
        MdxCallouts one = new MdxCallouts(1);
        SimulatedMiTimer t1 = new SimulatedMiTimer(one, 0xffff_ffffL, 1_000_000);
        one.register(t1);
        MdxCallouts other = otherFramework();
        MdxCallout c = new MdxCallout();
        assertEquals(MDX_OK, one.setTicks(c, 40, null, null));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.ticks(c));
        assertTrue(e.getMessage().startsWith("mdx_callout_ticks: "), e.getMessage());
        assertTrue(e.getMessage().contains("initialised by " + one), e.getMessage());
        IllegalStateException u = assertThrows(IllegalStateException.class, () -> other.usec(c));
        assertTrue(u.getMessage().startsWith("mdx_callout_usec: "), u.getMessage());

        assertEquals(40, one.ticks(c));
        t1.advance(40);
        assertEquals(MdxCallout.CALLOUT_STATE_FIRED, c.state());
    }

    /** Ownership lasts after the callout fired: another framework may not re-arm or re-init it. */
    @Test
    void setTicksAndInit_firedCalloutOfOtherFramework_throwAndLeaveItUnowned() {
        MdxCallouts other = otherFramework();
        Probe b = probe("b");
        mdx.setTicks(b.c, 5, Probe.FIRE, b);
        timer.advance(5);

        assertForeign(assertThrows(IllegalStateException.class, () -> other.setTicks(b.c, 5, Probe.FIRE, b)),
                "mdx_callout_set_ticks");
        assertForeign(assertThrows(IllegalStateException.class, () -> other.set(b.c, 5, Probe.FIRE, b)),
                "mdx_callout_set");
        assertForeign(assertThrows(IllegalStateException.class, () -> other.init(b.c)), "mdx_callout_init");

        assertTrue(other.queued(0).isEmpty());
        assertEquals(MdxCallout.CALLOUT_STATE_FIRED, b.c.state());
        assertEquals(MDX_OK, mdx.setTicks(b.c, 5, Probe.FIRE, b), "the owner still arms it");
        timer.advance(5);
        assertEquals(List.of(5L, 10L), b.firedAt);
    }

    /** A callout claimed by a refused call is not claimed: another framework can still take it. */
    @Test
    void refusedSet_doesNotClaimTheCallout() {
        MdxCallouts other = otherFramework();
        MdxCallout c = new MdxCallout();
        assertThrows(IllegalStateException.class, () -> mdx.setTicksLocked(c, 5, null, null));
        assertThrows(IllegalArgumentException.class, () -> mdx.setTicks(c, -1, null, null));
        assertEquals(1, mdx.cancel(c), "cancel of a fresh callout claims nothing either");
        assertEquals(MDX_OK, other.setTicks(c, 5, null, null));
        assertThrows(IllegalStateException.class, () -> mdx.cancel(c));
    }

    /**
     * Two frameworks arm one fresh callout at once, from two threads: one claims and arms it, the
     * other is refused with IllegalStateException and changes nothing; a cancel by the loser too.
     */
    @Test
    void setTicks_sameFreshCalloutFromTwoFrameworksAtOnce_oneArmsOtherIsRefused() throws Throwable {
        MdxCallouts[] fw = {mdx, otherFramework()};
        int rounds = 2000;
        MdxCallout[] callouts = new MdxCallout[rounds];
        for (int i = 0; i < rounds; i++) {
            callouts[i] = new MdxCallout();
        }
        Object[][] results = new Object[2][rounds];
        CyclicBarrier barrier = new CyclicBarrier(2);
        Bounded.run("two frameworks arming one callout", Duration.ofSeconds(60), () -> {
            Thread[] threads = new Thread[2];
            AtomicReference<Throwable> error = new AtomicReference<>();
            for (int f = 0; f < 2; f++) {
                int me = f;
                threads[f] = new Thread(() -> {
                    try {
                        for (int i = 0; i < rounds; i++) {
                            barrier.await();
                            try {
                                results[me][i] = fw[me].setTicks(callouts[i], 1_000_000 + i, null, null);
                            } catch (IllegalStateException e) {
                                results[me][i] = e;
                                try {
                                    fw[me].cancel(callouts[i]); // must be refused too, never unlink
                                    results[me][i] = "cancel not refused";
                                } catch (IllegalStateException expected) {
                                    // refused: the setTicks failure stays recorded
                                }
                            }
                        }
                    } catch (Exception | Error e) {
                        error.compareAndSet(null, e);
                        barrier.reset(); // the other thread must not wait for this one forever
                    }
                }, "arming on framework " + f);
                threads[f].setDaemon(true);
                threads[f].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (error.get() != null) {
                throw error.get();
            }
        });
        List<MdxCallout> lists = new ArrayList<>(mdx.queued(0));
        lists.addAll(fw[1].queued(0));
        for (int i = 0; i < rounds; i++) {
            int ok = 0;
            for (int f = 0; f < 2; f++) {
                if (Integer.valueOf(MDX_OK).equals(results[f][i])) {
                    ok++;
                } else {
                    assertInstanceOf(IllegalStateException.class, results[f][i], "round " + i);
                }
            }
            assertEquals(1, ok, "round " + i);
            assertTrue(callouts[i].active(), "round " + i);
        }
        assertEquals(rounds, lists.size());
    }

    /**
     * Framework a arms fresh callouts on its CPU 1 (or 0) while 1-CPU framework b cancels each at the
     * same moment. b's cancel may come first (a fresh callout: 1) or see a's claim (refused: its
     * IllegalStateException), never MDX_OK, never an index out of b's CPUs; the callout always ends
     * up queued on a, untouched. Exercises the owner re-checks inside cancel's loop.
     */
    @Test
    void cancel_byOtherFrameworkWhileCalloutIsBeingArmed_neverUnlinksNorIndexesOutOfRange() throws Throwable {
        MdxCallouts other = otherFramework();
        int rounds = 20_000;
        MdxCallout[] callouts = new MdxCallout[rounds];
        for (int i = 0; i < rounds; i++) {
            callouts[i] = new MdxCallout();
        }
        Object[] cancelled = new Object[rounds];
        int[] armed = new int[rounds];
        CyclicBarrier barrier = new CyclicBarrier(2);
        Bounded.run("arm on a, cancel on b", Duration.ofSeconds(60), () -> {
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread arming = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        mdx.bindCurrentThread(i % 2 == 0 ? 1 : 0);
                        barrier.await();
                        armed[i] = mdx.setTicks(callouts[i], 1_000_000 + i, null, null);
                    }
                } catch (Exception | Error e) {
                    error.compareAndSet(null, e);
                    barrier.reset(); // the other thread must not wait for this one forever
                }
            }, "arming on a");
            Thread cancelling = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        barrier.await();
                        try {
                            cancelled[i] = other.cancel(callouts[i]);
                        } catch (IllegalStateException e) {
                            cancelled[i] = e;
                        }
                    }
                } catch (Exception | Error e) {
                    error.compareAndSet(null, e);
                    barrier.reset(); // the other thread must not wait for this one forever
                }
            }, "cancelling on b");
            arming.setDaemon(true);
            cancelling.setDaemon(true);
            arming.start();
            cancelling.start();
            arming.join();
            cancelling.join();
            if (error.get() != null) {
                throw error.get();
            }
        });
        for (int i = 0; i < rounds; i++) {
            assertEquals(MDX_OK, armed[i], "round " + i);
            Object r = cancelled[i];
            assertTrue(Integer.valueOf(1).equals(r) || r instanceof IllegalStateException, "round " + i + ": " + r);
            if (r instanceof IllegalStateException) {
                assertTrue(((IllegalStateException) r).getMessage().contains("belongs to another mdx_callout framework"),
                        ((IllegalStateException) r).getMessage());
            }
            assertTrue(callouts[i].active(), "round " + i);
        }
        assertEquals(rounds, mdx.queued(0).size() + mdx.queued(1).size());
        assertTrue(other.queued(0).isEmpty());
    }

    @Test
    void nullHandler_firesWithoutCall() {
        MdxCallout c = new MdxCallout();
        assertEquals(MDX_OK, mdx.setTicks(c, 3, null, null));
        timer.advance(3);
        assertEquals(MdxCallout.CALLOUT_STATE_FIRED, c.state());
        assertFalse(c.active());
    }

    /** Two threads on two CPUs arm one callout at once: exactly one wins, and it is on one list. */
    @Test
    @Timeout(60)
    void setTicks_sameCalloutFromTwoCpusAtOnce_exactlyOneArms() throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        int rounds = 2000;
        int[][] results = new int[2][rounds];
        MdxCallout[] callouts = new MdxCallout[rounds];
        for (int i = 0; i < rounds; i++) {
            callouts[i] = new MdxCallout();
        }
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread[] threads = new Thread[2];
        for (int cpu = 0; cpu < 2; cpu++) {
            int me = cpu;
            threads[cpu] = new Thread(() -> {
                mdx.bindCurrentThread(me);
                try {
                    for (int i = 0; i < rounds; i++) {
                        barrier.await();
                        results[me][i] = mdx.setTicks(callouts[i], 1_000_000 + i, Probe.FIRE, null);
                    }
                } catch (Exception | Error e) {
                    error.set(e);
                }
            });
            threads[cpu].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(error.get());
        List<MdxCallout> q0 = mdx.queued(0);
        List<MdxCallout> q1 = mdx.queued(1);
        for (int i = 0; i < rounds; i++) {
            int ok = (results[0][i] == MDX_OK ? 1 : 0) + (results[1][i] == MDX_OK ? 1 : 0);
            assertEquals(1, ok, "round " + i);
            assertTrue(results[0][i] == MDX_ERROR || results[1][i] == MDX_ERROR);
            int winner = results[0][i] == MDX_OK ? 0 : 1;
            assertEquals(winner, callouts[i].cpuid());
            assertTrue((winner == 0 ? q0 : q1).contains(callouts[i]));
            assertFalse((winner == 0 ? q1 : q0).contains(callouts[i]));
        }
        assertEquals(rounds, q0.size() + q1.size());
    }
}
