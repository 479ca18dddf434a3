package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.registryOf;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.driver.RealTimeTimerDriver;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * The clock source on several CPUs in real time: per-CPU timers with one driver thread per CPU,
 * a global timer fanned out to the CPUs' IPI threads ({@code kcallout-ipi-N}), and
 * {@code configtimer}'s wait for acknowledgements, including its bounded failure. No test asserts
 * a duration: callouts are only required to run once, never early, in the right context.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerSmpRealTimeTest {

    /** One armed callout and what its handler saw. */
    private static final class Shot {
        final int cpu;
        final boolean direct;
        final AtomicInteger runs = new AtomicInteger();
        volatile long time;
        volatile long ranAt;
        volatile String thread;

        Shot(int cpu, boolean direct) {
            this.cpu = cpu;
            this.direct = direct;
        }
    }

    /**
     * Arms {@code n} callouts from {@code ncpus} threads, each bound to its own CPU, for random
     * CPUs, some direct, and waits until all ran.
     */
    private static List<Shot> fireAcross(CalloutWheel sys, int ncpus, int n, long seed) throws InterruptedException {
        List<Shot> shots = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(n);
        CalloutFunc<Shot> f = s -> {
            s.ranAt = sys.sbinuptime();
            s.thread = Thread.currentThread().getName();
            s.runs.incrementAndGet();
            done.countDown();
        };
        List<Thread> armers = new ArrayList<>();
        Random rnd = new Random(seed);
        for (int t = 0; t < ncpus; t++) {
            List<Shot> mine = new ArrayList<>();
            for (int i = t; i < n; i += ncpus) {
                Shot s = new Shot(rnd.nextInt(ncpus), rnd.nextInt(3) == 0);
                mine.add(s);
                shots.add(s);
            }
            int bound = t;
            long delaySeed = rnd.nextLong();
            Thread armer = new Thread(() -> {
                sys.bindCurrentThread(bound);
                Random r = new Random(delaySeed);
                for (Shot s : mine) {
                    Callout c = new Callout();
                    sys.init(c, true);
                    sys.resetSbtOn(c, (1 + r.nextInt(15)) * SBT_1MS, 0, f, s, s.cpu, s.direct ? C_DIRECT_EXEC : 0);
                    s.time = c.time();
                }
            }, "armer-" + t);
            armers.add(armer);
            armer.start();
        }
        for (Thread a : armers) {
            a.join(SAFETY.toMillis());
        }
        assertTrue(done.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS), "every callout ran within the safety net");
        return shots; // a second run would show in the callers' checks after close (see ranOnceAfterClose)
    }

    /**
     * Checked once the system is closed: every thread that could run a handler has been joined, so a
     * duplicate invocation cannot still be on its way.
     */
    private static void ranOnceAfterClose(List<Shot> all) {
        for (Shot s : all) {
            assertEquals(1, s.runs.get(), "CPU " + s.cpu + (s.direct ? ", direct" : "") + ": ran exactly once");
        }
    }

    /**
     * A per-CPU real-time timer in both modes, 3 CPUs: callouts armed from every CPU for every CPU
     * run once, never early; non-direct ones on their CPU's softclock thread, direct ones in their
     * CPU's interrupt context (its timer instance's thread or its IPI thread).
     */
    @Test
    void perCpuTimer_calloutsFromEveryCpuForEveryCpu_runOnceNeverEarlyInTheirCpusContext() throws Exception {
        for (boolean periodic : new boolean[] {false, true}) {
            List<Shot> all = new ArrayList<>();
            RealTimeTimerDriver lapic = new RealTimeTimerDriver("lapic", BOTH | ET_FLAGS_PERCPU, 100);
            EventTimerClock clock = EventTimerClock.builder().registry(registryOf(lapic)).periodic(periodic).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(3).clock(clock).build()) {
                assertSame(lapic, clock.timer());
                for (int cpu = 0; cpu < 3 && periodic; cpu++) { // one-shot: may be between event and reload
                    assertTrue(lapic.armed(cpu), "instance of CPU " + cpu + " started");
                }
                List<Shot> shots = fireAcross(sys, 3, 60, periodic ? 2 : 1);
                all.addAll(shots);
                for (Shot s : shots) {
                    String where = (periodic ? "periodic" : "one-shot") + ", CPU " + s.cpu + (s.direct ? ", direct" : "");
                    assertEquals(1, s.runs.get(), where + ": ran once");
                    assertTrue(s.ranAt >= s.time, where + ": never early");
                    if (s.direct) {
                        assertTrue(s.thread.equals("kcallout-et-lapic-cpu" + s.cpu) || s.thread.equals("kcallout-ipi-" + s.cpu),
                                where + ": in the CPU's interrupt context, ran on " + s.thread);
                    } else {
                        assertEquals("kcallout-softclock-" + s.cpu, s.thread, where);
                    }
                }
            }
            assertFalse(lapic.armed(), "every instance stopped on close");
            assertFalse(lapic.active());
            ranOnceAfterClose(all);
        }
    }

    /**
     * A global real-time timer on 3 CPUs: CPU 0 takes the interrupt on the driver's thread; the
     * other CPUs handle their events on their own IPI threads.
     */
    @Test
    void globalTimer_otherCpusHandleTheirEventsOnTheirIpiThreads() throws Exception {
        RealTimeTimerDriver drv = new RealTimeTimerDriver();
        EventTimerClock clock = EventTimerClock.builder().registry(registryOf(drv)).build();
        List<Shot> shots;
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(3).clock(clock).build()) {
            shots = fireAcross(sys, 3, 45, 3);
            for (Shot s : shots) {
                String where = "CPU " + s.cpu + (s.direct ? ", direct" : "");
                assertEquals(1, s.runs.get(), where + ": ran once");
                assertTrue(s.ranAt >= s.time, where + ": never early");
                if (s.direct) {
                    assertEquals(s.cpu == 0 ? "kcallout-et-nanotime" : "kcallout-ipi-" + s.cpu, s.thread, where);
                } else {
                    assertEquals("kcallout-softclock-" + s.cpu, s.thread, where);
                }
            }
            assertTrue(ClockTestAccess.hardclockIntrs(clock, 1) > 0 && ClockTestAccess.hardclockIntrs(clock, 2) > 0, "CPUs 1 and 2 were reached by IPI");
        }
        ranOnceAfterClose(shots);
    }

    /** configtimer on a per-CPU real-time timer returns once every CPU restarted its own instance. */
    @Test
    void configtimer_perCpuRealTime_returnsWhenEveryCpuAcknowledged() throws Exception {
        RealTimeTimerDriver lapic = new RealTimeTimerDriver("lapic", BOTH | ET_FLAGS_PERCPU, 100);
        EventTimerClock clock = EventTimerClock.builder().registry(registryOf(lapic)).build();
        List<Shot> all = new ArrayList<>();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(3).clock(clock).build()) {
            sys.bindCurrentThread(1);
            for (boolean periodic : new boolean[] {true, false, true}) {
                clock.setPeriodic(periodic);
                assertEquals(periodic, clock.periodic());
                for (int cpu = 0; cpu < 3; cpu++) {
                    assertEquals(0, clock.state(cpu).action(), "CPU " + cpu + " acknowledged");
                    if (periodic) { // a one-shot instance may be between its event and its reload
                        assertTrue(lapic.armed(cpu), "CPU " + cpu + "'s instance restarted");
                    }
                }
                List<Shot> shots = fireAcross(sys, 3, 12, periodic ? 5 : 6);
                all.addAll(shots);
                for (Shot s : shots) {
                    assertEquals(1, s.runs.get());
                }
            }
        }
        ranOnceAfterClose(all);
    }

    /**
     * A CPU whose IPI context is stuck (a direct handler that blocks, against the rules) never
     * acknowledges: configtimer gives up after its timeout with an error naming the CPU, and the
     * system still closes once the CPU is free again. (If CPU 1's own timer interrupt happens to
     * take the callout first, the handler blocks that thread instead and the IPI thread, still free,
     * acknowledges: then configtimer must succeed. The test waits until CPU 1 is idle, with its next
     * timer interrupt hundreds of milliseconds away, so the IPI path is the one taken.)
     */
    @Test
    void configtimer_cpuNeverAcknowledges_failsNamingTheCpu() throws Exception {
        RealTimeTimerDriver lapic = new RealTimeTimerDriver("lapic", BOTH | ET_FLAGS_PERCPU, 100);
        EventTimerClock clock = ClockTestAccess.ackTimeoutNanos(EventTimerClock.builder().registry(registryOf(lapic)),
                TimeUnit.MILLISECONDS.toNanos(300)).build();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> blockedOn = new AtomicReference<>();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
            sys.bindCurrentThread(0);
            // Wait (for a state, bounded) until both CPUs are idle, their next wake-ups ~hz/2 ticks away.
            long giveUp = System.nanoTime() + SAFETY.toNanos();
            while (!(clock.state(0).idle() && clock.state(1).idle())) {
                assertTrue(System.nanoTime() - giveUp < 0, "both CPUs went idle within the safety net");
                Thread.onSpinWait();
            }
            Callout stuck = new Callout();
            sys.init(stuck, true);
            // Due at once (an absolute time in the past), for CPU 1, from CPU 0: CPU 1 runs it in
            // its interrupt context and blocks there.
            sys.resetSbtOn(stuck, 0, 0, (Object a) -> {
                blockedOn.set(Thread.currentThread().getName());
                entered.countDown();
                try {
                    release.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, null, 1, C_ABSOLUTE | C_DIRECT_EXEC);
            assertTrue(entered.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS), "CPU 1 ran the handler");
            try {
                String on = blockedOn.get();
                if (on.equals("kcallout-ipi-1")) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> clock.setPeriodic(true));
                    assertTrue(e.getMessage().contains("CPU 1 did not acknowledge"), e.getMessage());
                } else {
                    assertEquals("kcallout-et-lapic-cpu1", on, "in CPU 1's context");
                    clock.setPeriodic(true); // the IPI thread is free and acknowledges
                }
            } finally {
                release.countDown();
            }
        }
        assertFalse(lapic.active(), "released on close");
    }
}
