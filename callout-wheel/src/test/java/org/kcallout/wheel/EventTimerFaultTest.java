package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * Fault injection on {@link VirtualTimerDriver}: late, early and dropped interrupts, deep sleep
 * ({@code C3STOP}) and frequency changes. Whatever the timer does, every callout must run exactly
 * once and never before its time; the one thing a lost one-shot interrupt costs is a stall until the
 * CPU is woken, as in FreeBSD.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerFaultTest {
    /* Implementation notes: a Probe is one armed callout: it counts its runs and records any run
     * that came before the callout's c_time (read in the handler, where c_time is still the armed
     * time). The property tests arm callouts at random times, precisions and CPUs, interleave
     * random advances with faults, then advance well past the last deadline; the seed is in every
     * message. */

    /** Faults a property run injects. */
    enum Fault { LATE, EARLY, DROP, DEEP_SLEEP, FREQUENCY }

    /** One armed callout and what happened to it. */
    private static final class Probe {
        final Callout c = new Callout();
        final AtomicInteger runs = new AtomicInteger();
        final AtomicLong earlyBy = new AtomicLong(); // > 0 if it ran before c_time
        VirtualTimebase tb;

        static final CalloutFunc<Probe> RUN = p -> {
            p.runs.incrementAndGet();
            long early = p.c.time() - p.tb.now();
            if (early > 0) {
                p.earlyBy.set(early);
            }
        };
    }

    private static Probe arm(CalloutWheel sys, VirtualTimebase tb, long when, long precision, int cpu) {
        Probe p = new Probe();
        p.tb = tb;
        sys.init(p.c, true);
        sys.resetSbtOn(p.c, when, precision, Probe.RUN, p, cpu, C_ABSOLUTE);
        return p;
    }

    private static void assertAllRanOnceOnTime(List<Probe> probes, String context) {
        for (int i = 0; i < probes.size(); i++) {
            Probe p = probes.get(i);
            assertEquals(1, p.runs.get(), context + ": runs of callout " + i + " due at " + p.c.time());
            assertEquals(0, p.earlyBy.get(), context + ": callout " + i + " ran early by " + p.earlyBy.get());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* One fault at a time, deterministic                                                        */

    @Test
    void lateInterrupt_oneShot_calloutRunsLateOnce() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S);
            long due = tb.now() + 10 * SBT_1MS;
            Probe p = arm(sys, tb, due, 0, 0);
            assertEquals(due, drv.programmedTime());
            drv.lateNextInterrupt(7 * SBT_1MS);
            tb.advanceTo(due + 6 * SBT_1MS);
            assertEquals(0, p.runs.get(), "the interrupt is late");
            tb.advance(SBT_1MS);
            assertEquals(1, p.runs.get());
            tb.advance(SBT_1S);
            assertAllRanOnceOnTime(List.of(p), "late");
        }
    }

    @Test
    void earlyInterrupt_oneShot_doesNotRunCalloutEarlyAndRearms() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S);
            long due = tb.now() + 10 * SBT_1MS;
            Probe p = arm(sys, tb, due, 0, 0);
            drv.earlyNextInterrupt(4 * SBT_1MS);
            long interruptsBefore = clock.interrupts();
            tb.advanceTo(due - 1);
            assertEquals(interruptsBefore + 1, clock.interrupts(), "the early interrupt came");
            assertEquals(0, p.runs.get(), "not before its time");
            assertEquals(due, drv.programmedTime(), "the timer was programmed again for the deadline");
            tb.advance(1);
            assertEquals(1, p.runs.get());
            assertAllRanOnceOnTime(List.of(p), "early");
        }
    }

    @Test
    void droppedInterrupt_periodic_nextPeriodRunsTheCallout() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S);
            long p = clock.timerperiod();
            long due = (tb.now() / p + 5) * p; // exactly on an interrupt
            Probe probe = arm(sys, tb, due, 0, 0);
            tb.advanceTo(due - 1);
            drv.dropNextInterrupt();
            tb.advanceTo(due);
            assertEquals(1, drv.droppedInterrupts());
            assertEquals(0, probe.runs.get(), "its interrupt was lost");
            tb.advanceTo(due + p);
            assertEquals(1, probe.runs.get(), "the next period picks it up");
        }
    }

    @Test
    void droppedInterrupt_oneShot_stallsUntilTheCpuIsWoken() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            tb.advance(SBT_1S);
            long due = tb.now() + 10 * SBT_1MS;
            Probe p = arm(sys, tb, due, 0, 0);
            drv.dropNextInterrupt();
            tb.advance(5 * SBT_1S);
            assertEquals(0, p.runs.get(), "a lost one-shot interrupt is not replaced (as in FreeBSD)");
            assertFalse(drv.armed());
            clock.cpuActiveclock(0); // the scheduler wakes the idle CPU
            assertEquals(1, p.runs.get());
            assertTrue(drv.armed(), "handleevents programmed the timer again");
            tb.advance(SBT_1S);
            assertAllRanOnceOnTime(List.of(p), "dropped one-shot");
        }
    }

    @Test
    void deepSleep_c3stopTimer_consumerDisablesDeepSleep_andCalloutsWaitForWakeUp() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_C3STOP, 600);
        EventTimerClock clock = clockOn(registryOf(drv), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(clock).build()) {
            assertEquals(1, clock.deepSleepDisabled(), "cpu_disable_c3_sleep for a C3STOP timer");
            tb.advance(SBT_1S);
            long due = tb.now() + 10 * SBT_1MS;
            Probe p = arm(sys, tb, due, 0, 0);
            drv.enterDeepSleep();
            tb.advance(200 * SBT_1MS);
            assertEquals(0, p.runs.get(), "the timer neither counts nor fires in deep sleep");
            drv.exitDeepSleep();
            long woke = tb.now();
            tb.advanceTo(woke + 10 * SBT_1MS - 1);
            assertEquals(0, p.runs.get(), "it resumes where it stopped: 10 ms still to go");
            tb.advance(1);
            assertEquals(1, p.runs.get());
        }
        assertEquals(0, clock.deepSleepDisabled(), "released with the timer");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Properties                                                                                */

    static Stream<Arguments> faultRuns() {
        List<Arguments> runs = new ArrayList<>();
        for (Fault f : Fault.values()) {
            for (boolean periodic : new boolean[] {false, true}) {
                for (long seed = 1; seed <= 12; seed++) {
                    runs.add(Arguments.of(f, periodic, seed * 7919 + f.ordinal()));
                }
            }
        }
        return runs.stream();
    }

    /**
     * Random callouts on two CPUs with one to three faults of one kind injected at random moments:
     * afterwards every callout has run exactly once, never before its time.
     */
    @ParameterizedTest(name = "{0} periodic={1} seed={2}")
    @MethodSource("faultRuns")
    void faults_randomCallouts_eachRunsExactlyOnceNeverEarly(Fault fault, boolean periodic, long seed) {
        Random rnd = new Random(seed);
        String ctx = fault + (periodic ? " periodic" : " one-shot") + " seed=" + seed;
        VirtualTimebase tb = new VirtualTimebase(rnd.nextInt(1 << 30));
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100, 1_000_000, 0, Long.MAX_VALUE);
        EventTimers ets = registryOf(drv);
        EventTimerClock clock = clockOn(ets, tb).periodic(periodic).autoIdle(rnd.nextBoolean()).build();
        List<Probe> probes = new ArrayList<>();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(clock).build()) {
            tb.advance(rnd.nextInt(500) * SBT_1MS);
            int faults = 1 + rnd.nextInt(3);
            long lastDue = 0;
            for (int step = 0; step < 40; step++) {
                long when = tb.now() + 1 + (long) (rnd.nextDouble() * 300 * SBT_1MS);
                long precision = rnd.nextBoolean() ? 0 : (long) (rnd.nextDouble() * 20 * SBT_1MS);
                probes.add(arm(sys, tb, when, precision, rnd.nextInt(2)));
                lastDue = Math.max(lastDue, when);
                if (faults > 0 && rnd.nextInt(8) == 0) {
                    inject(fault, drv, ets, rnd);
                    faults--;
                }
                tb.advance((long) (rnd.nextDouble() * 30 * SBT_1MS));
            }
            while (faults-- > 0) {
                inject(fault, drv, ets, rnd);
                tb.advance((long) (rnd.nextDouble() * 30 * SBT_1MS));
            }
            drv.exitDeepSleep();
            tb.advanceTo(Math.max(tb.now(), lastDue) + 2 * SBT_1S);
            if (fault == Fault.DROP && !periodic) {
                // A lost one-shot interrupt stalls the CPUs until they next pass through the idle
                // loop: cpu_idleclock reprograms the timer, cpu_activeclock catches up.
                for (int cpu = 0; cpu < 2; cpu++) {
                    clock.cpuIdleclock(cpu);
                    clock.cpuActiveclock(cpu);
                }
                tb.advance(2 * SBT_1S);
            }
            assertAllRanOnceOnTime(probes, ctx);
        }
    }

    private static void inject(Fault fault, VirtualTimerDriver drv, EventTimers ets, Random rnd) {
        switch (fault) {
            case LATE:
                drv.lateNextInterrupt(1 + (long) (rnd.nextDouble() * 25 * SBT_1MS));
                break;
            case EARLY:
                drv.earlyNextInterrupt(1 + (long) (rnd.nextDouble() * 25 * SBT_1MS));
                break;
            case DROP:
                drv.dropNextInterrupt();
                break;
            case DEEP_SLEEP:
                if (drv.asleep()) {
                    drv.exitDeepSleep();
                } else {
                    drv.enterDeepSleep();
                }
                break;
            case FREQUENCY:
                drv.changeFrequency(ets, 10_000 + rnd.nextInt(5_000_000));
                break;
            default:
                throw new IllegalArgumentException("fault " + fault);
        }
    }
}
