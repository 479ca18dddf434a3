package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.Sbt;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * Seeded random runs of callouts on 2 to 4 CPUs, on a global timer and on a per-CPU timer, each in
 * one-shot and periodic mode: callouts armed from random CPUs (the arming thread bound to one, or
 * unbound) for random CPUs, direct or not, some re-armed from their own handler onto another CPU;
 * time moved in random steps. Every arm runs exactly once, never before its time and never after
 * the end of its window plus what the clock may add ({@link Clocks.Setup#windowEnd}). The seed is
 * in the test's name and in every failure message.
 */
final class EventTimerSmpPropertyTest {

    /** The four event-timer configurations of several CPUs: global or per-CPU, one-shot or periodic. */
    private static final Clocks[] CLOCKS = {
        Clocks.VIRTUAL_DRIVER_ONESHOT, Clocks.VIRTUAL_DRIVER_PERIODIC,
        Clocks.VIRTUAL_DRIVER_PERCPU_ONESHOT, Clocks.VIRTUAL_DRIVER_PERCPU_PERIODIC,
    };
    /** Seeds per configuration; {@code -Dkcallout.smp.seeds=N} runs more. */
    private static final int SEEDS = Integer.getInteger("kcallout.smp.seeds", 12);

    static Stream<Arguments> runs() {
        long base = Long.getLong("kcallout.smp.seed", 0x5eed_0083L);
        return Stream.of(CLOCKS).flatMap(c -> LongStream.range(0, SEEDS).mapToObj(i -> Arguments.of(c, base + i)));
    }

    /** One arm: what it must satisfy and what happened. */
    private static final class Arm {
        final int id;
        final int cpu;
        final long armedAt;
        long time;       // c_time right after the arm
        long deadline;   // Clocks.Setup.windowEnd right after the arm
        int runs;        // only the advancing thread writes (handlers run on it)
        long ranAt = -1;
        int ranOnCpu = -1;
        /** Re-armed by its handler for another CPU: a deferred migration (SPEC §5.6), whose
         *  c_time is known only once the handler has returned; null once resolved. */
        Callout migrating;

        Arm(int id, int cpu, long armedAt) {
            this.id = id;
            this.cpu = cpu;
            this.armedAt = armedAt;
        }

        @Override
        public String toString() {
            return "arm " + id + " on CPU " + cpu + " (armed " + Sbt.format(armedAt) + ", time " + Sbt.format(time)
                    + ", deadline " + Sbt.format(deadline) + ", runs " + runs + ", ran " + Sbt.format(ranAt)
                    + " on CPU " + ranOnCpu + (migrating != null ? ", migrating" : "") + ")";
        }
    }

    /** The state of one run, shared with the handlers (which run on the test thread). */
    private static final class Run {
        final Clocks.Setup setup;
        final CalloutWheel sys;
        final Random rnd;
        final int ncpus;
        final List<Arm> arms = new ArrayList<>();
        final String where;
        boolean inHandler; // a handler is arming (handlers run on the test thread)

        Run(Clocks.Setup setup, CalloutWheel sys, Random rnd, int ncpus, String where) {
            this.setup = setup;
            this.sys = sys;
            this.rnd = rnd;
            this.ncpus = ncpus;
            this.where = where;
        }

        /** Arms a fresh callout for a random CPU, at a random relative or absolute time. */
        void armOne(boolean rearmOnce) {
            Callout c = new Callout();
            sys.init(c, true);
            arm(c, rearmOnce);
        }

        void arm(Callout c, boolean rearmOnce) {
            int cpu = rnd.nextInt(ncpus);
            long now = setup.time().now();
            Arm a = new Arm(arms.size(), cpu, now);
            arms.add(a);
            int flags = rnd.nextInt(4) == 0 ? C_DIRECT_EXEC : 0;
            CalloutFunc<Arm> f = x -> ran(c, x, rearmOnce);
            boolean deferred = inHandler && cpu != c.cpu(); // running on c.cpu(), re-armed elsewhere
            switch (rnd.nextInt(3)) {
                case 0 -> sys.resetOn(c, 1 + rnd.nextInt(40), f, a, cpu);           // ticks
                case 1 -> sys.resetSbtOn(c, rnd.nextInt(30) * SBT_1MS + rnd.nextInt(1 << 20),
                        rnd.nextInt(3) * SBT_1MS, f, a, cpu, flags);                   // relative sbt
                default -> sys.resetSbtOn(c, now + rnd.nextInt(25) * SBT_1MS, 0, f, a, cpu,
                        flags | C_ABSOLUTE);                                           // absolute
            }
            if (deferred) {
                a.migrating = c; // c_time is still the old one until the handler returns
                a.time = Long.MIN_VALUE;
                a.deadline = Sbt.SBT_MAX;
            } else {
                a.time = c.time();
                a.deadline = setup.windowEnd(c);
            }
        }

        /**
         * Fixes the time and deadline of arms whose deferred migration has completed (the
         * callout sits on its new CPU): its window, plus what the clock may add. The virtual
         * drivers have no minimum period, so the window cannot end before the arm.
         */
        void resolveMigrations() {
            for (Arm a : arms) {
                Callout c = a.migrating;
                if (c != null && c.cpu() == a.cpu) {
                    a.time = c.time();
                    a.deadline = Sbt.add(Sbt.add(c.time(), c.precision()), setup.maxLateness());
                    a.migrating = null;
                }
            }
        }

        void ran(Callout c, Arm a, boolean rearmOnce) {
            a.runs++;
            a.ranAt = setup.time().now();
            a.ranOnCpu = sys.curcpu();
            if (rearmOnce) {
                inHandler = true;
                arm(c, false); // from inside the handler, on this CPU, for a random CPU
                inHandler = false;
            }
        }
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("runs")
    void callouts_onSeveralCpus_eachRunsExactlyOnceNeverEarlyNeverLate(Clocks clocks, long seed) {
        Random rnd = new Random(seed);
        int ncpus = 2 + rnd.nextInt(3);
        String where = clocks + ", seed " + seed + ", " + ncpus + " CPUs";
        Clocks.Setup setup = clocks.create(rnd.nextInt(5000) * SBT_1MS);
        try (CalloutWheel sys = setup.build(b -> b.ncpus(ncpus).hz(rnd.nextBoolean() ? 1000 : 128))) {
            Run run = new Run(setup, sys, rnd, ncpus, where);
            setup.time().advance(rnd.nextInt(1500) * SBT_1MS); // CPUs idle at various phases
            for (int round = 0; round < 60; round++) {
                int bind = rnd.nextInt(ncpus + 1) - 1; // -1: unbound, curcpu from the thread id
                sys.bindCurrentThread(bind);
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    run.armOne(rnd.nextInt(5) == 0);
                }
                switch (rnd.nextInt(4)) {
                    case 0 -> setup.time().advance(0);                                // IPIs only
                    case 1 -> setup.time().advance(rnd.nextInt(1 << 22));             // under 1 ms
                    default -> setup.time().advance(rnd.nextInt(15) * SBT_1MS + rnd.nextInt(1 << 22));
                }
                run.resolveMigrations();
                checkNoneLateOrEarly(run, setup.time().now());
            }
            long end = run.arms.stream().filter(a -> a.migrating == null).mapToLong(a -> a.deadline).max().orElse(0);
            setup.time().advanceTo(Math.max(end, setup.time().now()) + SBT_1S);
            run.resolveMigrations();
            checkNoneLateOrEarly(run, setup.time().now());
            for (Arm a : run.arms) {
                assertTrue(a.migrating == null, where + ": migration never completed: " + a);
                assertEquals(1, a.runs, where + ": runs exactly once: " + a);
                assertEquals(a.cpu, a.ranOnCpu, where + ": runs on its CPU: " + a);
            }
            assertTrue(run.arms.size() > 40, where + ": enough arms (" + run.arms.size() + ")");
            long ipis = 0;
            for (int cpu = 0; cpu < ncpus; cpu++) {
                assertFalse(ClockTestAccess.ipiPending(setup.etClock(), cpu), where + ": no IPI left for CPU " + cpu);
                ipis += ClockTestAccess.hardclockIntrs(setup.etClock(), cpu);
            }
            assertTrue(ipis > 0, where + ": CPUs were reached by IPI");
        }
    }

    /** After every step: nothing ran early, twice, or is overdue. */
    private static void checkNoneLateOrEarly(Run run, long now) {
        for (Arm a : run.arms) {
            assertTrue(a.runs <= 1, run.where + ": ran twice: " + a);
            if (a.runs == 1) {
                assertTrue(a.ranAt >= a.time, run.where + ": ran early: " + a);
                assertTrue(a.ranAt <= a.deadline, run.where + ": ran late: " + a);
            } else {
                assertTrue(now <= a.deadline, run.where + ": overdue at " + Sbt.format(now) + ": " + a);
            }
        }
    }
}
