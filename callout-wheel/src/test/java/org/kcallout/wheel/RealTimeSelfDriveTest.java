package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_PREL;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import java.util.concurrent.locks.LockSupport;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * The default real-time clock's division of work: each CPU's softclock thread waits for its own
 * deadlines and runs {@code callout_process} itself; the {@code kcallout-et} thread only steps in
 * when a deadline is overdue. Every wait is on a latch (bounded by {@link SpecSupport#SAFETY} as a
 * safety net); nothing asserts a duration.
 */
final class RealTimeSelfDriveTest {
    /** A handler that records the thread it ran on and whether it ran before its time. */
    private static final class Probe {
        final CountDownLatch done;
        final List<String> threads = new CopyOnWriteArrayList<>();
        final AtomicInteger early = new AtomicInteger();
        final CalloutWheel sys;
        final CalloutFunc<Callout> func;

        Probe(CalloutWheel sys, int n) {
            this.sys = sys;
            this.done = new CountDownLatch(n);
            this.func = c -> {
                if (sys.sbinuptime() < c.time()) {
                    early.incrementAndGet();
                }
                threads.add(Thread.currentThread().getName());
                done.countDown();
            };
        }

        void await() throws InterruptedException {
            assertTrue(done.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS), "callouts still pending after " + SAFETY);
        }
    }

    @Test
    void burstOfPrecisionZeroCallouts_firesOnItsCpusSoftclockThread_neverEarly() throws Exception {
        RealTimeTicklessClock clock = new RealTimeTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(clock).ncpus(2).build()) {
            int n = 500;
            Probe p = new Probe(sys, n);
            for (int i = 0; i < n; i++) {
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetSbtOn(c, 2 * SBT_1MS, 0, p.func, c, 1, C_PREL(63));
            }
            p.await();
            assertEquals(0, p.early.get(), "handlers that ran before c_time");
            assertTrue(p.threads.stream().allMatch("kcallout-softclock-1"::equals), "threads: " + p.threads.subList(0, 3));
            assertTrue(clock.interrupts() > 0, "deadlines reached are counted as interrupts");
            assertEquals(-1, clock.spinNanos(), "the default window adapts");
        }
    }

    @Test
    void windowsWiderThanTheSpinWindow_processedOnWakingInsideThem_neverEarly() throws Exception {
        // A 1 ms spin window and callouts that allow 20 ms of lateness: the softclock thread aims
        // inside each window and processes there (nextcallopt reached), without spinning to its end.
        try (CalloutWheel sys = CalloutWheel.builder().clock(new RealTimeTicklessClock(1_000_000)).ncpus(1).build()) {
            int n = 40;
            Probe p = new Probe(sys, n);
            for (int i = 0; i < n; i++) {
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetSbt(c, (5 + i % 20) * SBT_1MS, 20 * SBT_1MS, p.func, c, C_PREL(63));
                assertEquals(20 * SBT_1MS, c.precision());
            }
            p.await();
            assertEquals(0, p.early.get(), "handlers that ran before c_time");
            assertTrue(p.threads.stream().allMatch("kcallout-softclock-0"::equals), "threads: " + p.threads);
        }
    }

    @Test
    void smallScanBatch_softclockThreadRunsABacklogBatchByBatch_inArmingOrder() throws Exception {
        try (CalloutWheel sys = CalloutWheel.builder().clock(new RealTimeTicklessClock()).ncpus(1).scanBatch(8).build()) {
            int n = 300;
            List<Integer> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(n);
            CalloutFunc<Integer> f = i -> {
                order.add(i);
                done.countDown();
            };
            long at = sys.sbinuptime() + 3 * SBT_1MS;
            for (int i = 0; i < n; i++) {
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetSbt(c, at, 0, f, i, org.kcallout.CalloutFlags.C_ABSOLUTE); // one deadline for all
            }
            assertTrue(done.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS));
            for (int i = 0; i < n; i++) {
                assertEquals(i, order.get(i), "equal deadlines run in arming order (SPEC decision 4)");
            }
        }
    }

    @Test
    void directCallout_stillFiresWhileItsCpusSoftclockHandlerBlocks_onTheWatchdog() throws Exception {
        try (CalloutWheel sys = CalloutWheel.builder().clock(new RealTimeTicklessClock()).ncpus(1).build()) {
            CountDownLatch blockerRunning = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Callout blocker = new Callout();
            sys.init(blocker, true);
            sys.resetSbt(blocker, SBT_1MS, 0, (CalloutFunc<Object>) a -> {
                blockerRunning.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, null, 0);
            assertTrue(blockerRunning.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS));

            Probe direct = new Probe(sys, 1);
            Probe plain = new Probe(sys, 1);
            Callout d = new Callout();
            sys.init(d, true);
            Callout n = new Callout();
            sys.init(n, true);
            sys.resetSbt(n, SBT_1MS, 0, plain.func, n, 0);
            sys.resetSbt(d, SBT_1MS, 0, direct.func, d, C_DIRECT_EXEC);

            direct.await(); // the softclock thread is stuck in the blocker: only the watchdog can run it
            assertEquals(List.of("kcallout-et"), direct.threads);
            assertEquals(1, plain.done.getCount(), "a non-direct callout waits for the softclock thread");
            assertTrue(n.pending(), "and stays on the expire queue meanwhile");

            release.countDown();
            plain.await();
            assertEquals(List.of("kcallout-softclock-0"), plain.threads);
            assertEquals(0, direct.early.get() + plain.early.get());
        }
    }

    @Test
    void earlierArm_wakesTheSoftclockThreadWaitingForALaterDeadline() throws Exception {
        // The watchdog is taken out (a grace of an hour), so only the softclock thread's own wake-up
        // can run the early callout: without cpuNewCallout's signal it would wait for the 600 s one.
        RealTimeTicklessClock clock = ClockTestAccess.realTimeWithoutWatchdog();
        try (CalloutWheel sys = CalloutWheel.builder().clock(clock).ncpus(1).build()) {
            Probe later = new Probe(sys, 1);
            Callout far = new Callout();
            sys.init(far, true);
            sys.resetSbt(far, 600 * SBT_1S, 0, later.func, far, 0);
            // Wait until the softclock thread sleeps towards the 600 s deadline.
            while (!cpuThreadSleeps(sys)) {
                Thread.onSpinWait();
            }
            Probe soon = new Probe(sys, 1);
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbt(c, SBT_1MS, 0, soon.func, c, C_PREL(63));
            soon.await();
            assertEquals(List.of("kcallout-softclock-0"), soon.threads);
            assertEquals(0, soon.early.get());
            assertTrue(far.pending());
            assertEquals(1, sys.stop(far));
        }
    }

    /** True if CPU 0's own thread is parked (towards its deadline, or for want of one). */
    private static boolean cpuThreadSleeps(CalloutWheel sys) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (WheelProbe.of(sys).isSystemThread(t) && t.getName().equals("kcallout-softclock-0")) {
                Thread.State st = t.getState();
                return (st == Thread.State.TIMED_WAITING || st == Thread.State.WAITING) && LockSupport.getBlocker(t) == t;
            }
        }
        return false;
    }

    @Test
    void fixedWindows_zeroAndWide_bothFireEverything() throws Exception {
        for (long spin : new long[] {0, 10_000_000}) {
            RealTimeTicklessClock clock = new RealTimeTicklessClock(spin);
            assertEquals(spin, clock.spinNanos());
            try (CalloutWheel sys = CalloutWheel.builder().clock(clock).ncpus(1).build()) {
                Probe p = new Probe(sys, 50);
                for (int i = 0; i < 50; i++) {
                    Callout c = new Callout();
                    sys.init(c, true);
                    sys.resetSbt(c, (i % 5 + 1) * SBT_1MS, 0, p.func, c, C_PREL(63));
                }
                p.await();
                assertEquals(0, p.early.get(), "spin window " + spin);
            }
        }
    }

    @Test
    void close_stopsASoftclockThreadThatIsSpinningTowardsADeadline() throws Exception {
        // A 10 ms window and a 5 ms deadline: the softclock thread starts spinning at once.
        CalloutWheel sys = CalloutWheel.builder().clock(new RealTimeTicklessClock(10_000_000)).ncpus(1).build();
        Callout c = new Callout();
        sys.init(c, true);
        AtomicInteger ran = new AtomicInteger();
        sys.resetSbt(c, 5 * SBT_1MS, 0, (CalloutFunc<AtomicInteger>) AtomicInteger::incrementAndGet, ran, C_PREL(63));
        sys.close(); // returns only once the softclock and watchdog threads have ended
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> WheelProbe.of(sys).isSystemThread(t) && t.isAlive()),
                "a softclock thread of the closed system is still alive");
    }

    @Test
    void spinWindowOutsideItsRange_isRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RealTimeTicklessClock(-1));
        assertTrue(e.getMessage().contains("spinNanos") && e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RealTimeTicklessClock(10_000_001));
    }
}
