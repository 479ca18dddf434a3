package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_DIRECT;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.SpecSupport.Task;
import org.kcallout.wheel.clock.VirtualEventTimer;
import org.kcallout.wheel.testing.HandlerGate;
import org.kcallout.wheel.kern.CalloutEngine;
import org.kcallout.wheel.kern.KernTestAccess;

/**
 * SPEC §11 "Migration" (cases 45, 46, 49, 50, 51) and the races of SPEC §5 forced across two CPUs in
 * virtual time: stop, reset and drain against a handler running on the other CPU (§5.1), lock-wait
 * cancellation from the other CPU (§5.2), deferred migration of a running callout followed by stop,
 * drain, reset and schedule (§5.6, §4.6), deferred migration of a direct callout (§5.6, §5.10), and
 * lookups that meet the {@code CPUBLOCK} hand-off (§5.7).
 *
 * <p>Every test runs in both profiles; the expected values differ only where the CLASSIC profile
 * (SPEC decision 1, {@link Profile#CLASSIC}) says so: its stop and drain return 1 when they cancel a
 * pending instance or a recorded migration, and 0 otherwise.
 *
 * <p>"CPU 0" is a helper thread advancing the {@link VirtualEventTimer}: interrupts, the dispatcher
 * and the handlers of CPU 0's callouts run on it (and those of CPU 1 too, since the virtual timer
 * delivers every CPU's interrupt on the advancing thread). A running handler is held mid-flight by a
 * {@link HandlerGate}. The test thread plays "CPU 1": it binds itself with
 * {@link CalloutWheel#bindCurrentThread(int)}, so that {@code curcpu} and the {@code _curcpu}
 * functions see CPU 1.
 */
final class SpecMigrationTest {
    /* Implementation notes: handlers record into a Probe (calls, the CPU they ran on, what they saw of
     * the callout after the gate) and, in tests where order matters, append to a shared event log in
     * the order things happen. The CPUBLOCK tests are white-box on purpose: to freeze a callout in
     * transit they hold the target CPU's lock (reached through KernTestAccess) from the test thread,
     * so callout_cpu_switch stops with c_cpu == CPUBLOCK; a concurrent lookup is known to be spinning
     * in callout_lock once its stack shows CalloutEngine.lockAny. Both conditions are polled, but they
     * are stable once reached (nothing can change them until the test releases the lock), so the
     * polling decides nothing about the order: it only waits for a state that is certain to come. */

    private static final int CPU0 = 0;
    private static final int CPU1 = 1;

    /** What a handler records about its invocations. */
    static final class Probe {
        final String name;
        final CalloutSystem sys;
        final Callout c;
        final List<String> log;
        final HandlerGate gate;
        final Consumer<Probe> beforeGate;
        final AtomicInteger calls = new AtomicInteger();
        volatile int cpu = -1;
        volatile boolean pendingAfterGate;
        volatile boolean activeAfterGate;

        private Probe(String name, CalloutSystem sys, Callout c, List<String> log, HandlerGate gate,
                      Consumer<Probe> beforeGate) {
            this.name = name;
            this.sys = sys;
            this.c = c;
            this.log = log;
            this.gate = gate;
            this.beforeGate = beforeGate;
        }

        /** A probe that only records. */
        static Probe of(String name, Rig rig, Callout c, List<String> log) {
            return new Probe(name, rig.sys, c, log, null, null);
        }

        /** A probe whose first invocation runs {@code beforeGate} (may be null) and then waits at the rig's gate. */
        static Probe held(String name, Rig rig, Callout c, List<String> log, Consumer<Probe> beforeGate) {
            return new Probe(name, rig.sys, c, log, rig.gate, beforeGate);
        }

        void run() {
            int n = calls.incrementAndGet();
            cpu = sys.curcpu();
            if (gate != null && n == 1) {
                if (beforeGate != null) {
                    beforeGate.accept(this);
                }
                gate.enter();
                pendingAfterGate = c.pending();
                activeAfterGate = c.active();
            }
            log.add(name + "@cpu" + cpu);
        }
    }

    /** Runs the probe. */
    private static final CalloutFunc<Probe> RUN = Probe::run;
    /** Runs the probe too, but is a different function (to tell which arm's {@code c_func} won). */
    private static final CalloutFunc<Probe> RUN_OTHER = p -> p.run();

    /* ---------------------------------------------------------------------------------------- */
    /* Fixtures                                                                                   */

    /** A two-CPU rig whose test thread is bound to {@code cpu}. */
    private static Rig rig(Profile p, int testCpu) {
        Rig rig = new Rig(p, 2);
        rig.sys.bindCurrentThread(testCpu);
        return rig;
    }

    private static Callout mpsafe(Rig rig) {
        Callout c = new Callout();
        rig.sys.init(c, true);
        return c;
    }

    /**
     * Arms {@code c} on CPU 0 for one tick with the held probe {@code h} and advances the clock on a
     * helper thread until the handler is inside the gate.
     *
     * @return the helper advancing the clock (3 ticks in all)
     */
    private static Task<Void> runHeldOnCpu0(Rig rig, Callout c, Probe h) {
        assertEquals(0, rig.sys.resetOn(c, 1, RUN, h, CPU0), "set-up: idle callout armed");
        Task<Void> adv = rig.advanceTicksInBackground(3);
        assertTrue(rig.gate.awaitEntered(SAFETY), "the handler did not start within " + SAFETY);
        assertEquals(CPU0, h.cpu, "set-up: the handler runs on CPU 0");
        return adv;
    }

    /** Same as {@link #runHeldOnCpu0}, for a callout armed with {@code C_DIRECT_EXEC} (runs inside callout_process). */
    private static Task<Void> runDirectHeldOnCpu0(Rig rig, Callout c, Probe h) {
        assertEquals(0, rig.sys.resetSbtOn(c, rig.sys.tickSbt(), 0, RUN, h, CPU0, C_HARDCLOCK | C_DIRECT_EXEC));
        Task<Void> adv = rig.advanceTicksInBackground(3);
        assertTrue(rig.gate.awaitEntered(SAFETY), "the direct handler did not start within " + SAFETY);
        assertEquals(CPU0, h.cpu, "set-up: the direct handler runs for CPU 0");
        return adv;
    }

    /** The time {@code callout_reset*(c, ticks, ...)} computes now (SPEC §4.3 with C_HARDCLOCK). */
    private static long resetTime(Rig rig, int ticks) {
        return rig.sys.hardclocktime(rig.sys.curcpu()) + ticks * rig.sys.tickSbt();
    }

    private static int bucketOf(Rig rig, long time) {
        return (int) (time >> 24) & (rig.sys.callwheelSize() - 1);
    }

    private static boolean deferred(Callout c) {
        return (c.iflags() & CALLOUT_DFRMIGRATION) != 0;
    }

    private static int[] pendingCounts(Rig rig) {
        return new int[] {WheelProbe.of(rig.sys).pendingCount(CPU0), WheelProbe.of(rig.sys).pendingCount(CPU1)};
    }

    private static void assertPendingCounts(Rig rig, int cpu0, int cpu1, String what) {
        assertEquals(cpu0, WheelProbe.of(rig.sys).pendingCount(CPU0), what + ": callouts pending on CPU 0");
        assertEquals(cpu1, WheelProbe.of(rig.sys).pendingCount(CPU1), what + ": callouts pending on CPU 1");
    }

    /** Waits for a state that is certain to come and then stays (see the implementation notes). */
    private static void awaitState(BooleanSupplier state, String what) {
        long deadline = System.nanoTime() + SAFETY.toNanos();
        while (!state.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what + " not reached within " + SAFETY + " (safety net)");
            }
            Thread.yield();
        }
    }

    /** True if {@code t} is inside {@code callout_lock} ({@code CalloutEngine.lockAny}). */
    private static boolean inCalloutLock(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(CalloutEngine.class.getName()) && e.getMethodName().equals("lockAny")) {
                return true;
            }
        }
        return false;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* SPEC §11 Migration                                                                         */

    /** Case 45: a pending callout moves to the target CPU's wheel at once, and fires there. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec45_resetOnOtherCpuWhilePending_returnsOneAndMovesToThatWheelAtOnce(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU0)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe a = Probe.of("a", rig, c, log);
            Probe b = Probe.of("b", rig, c, log);
            assertEquals(0, rig.sys.reset(c, 10, RUN, a));
            assertEquals(CPU0, c.cpu());
            assertPendingCounts(rig, 1, 0, "set-up");
            long expected = resetTime(rig, 10);

            int r = rig.sys.resetOn(c, 10, RUN, b, CPU1);

            assertEquals(1, r, "a pending instance was rescheduled");
            assertEquals(CPU1, c.cpu(), "c_cpu == 1 immediately");
            assertPendingCounts(rig, 0, 1, "after reset_on");
            assertEquals(expected, c.time());
            assertTrue(WheelProbe.of(rig.sys).inBucket(c, bucketOf(rig, expected)), "in CPU 1's wheel, bucket of c_time");
            assertTrue(c.pending() && c.active());
            rig.vt.advanceTicks(20);
            assertEquals(List.of("b@cpu1"), log, "fires once, on CPU 1, with the new argument");
            assertEquals(0, a.calls.get());
        }
    }

    /** Case 46: reset_on to CPU 1 while the handler runs on CPU 0 defers the move to the handler's return. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_resetOnOtherCpuWhileRunning_returnsZeroAndMigratesWhenHandlerReturns(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            long expected = resetTime(rig, 10); // virtual time stands still while the handler is held

            int r = rig.sys.resetOn(c, 10, RUN_OTHER, b, CPU1);

            assertEquals(0, r, "nothing was pending: the running instance is not cancelled");
            assertTrue(c.pending(), "pending immediately");
            assertTrue(c.active(), "active immediately");
            assertTrue(deferred(c), "a deferred migration is recorded (DFRMIGRATION)");
            assertEquals(CPU0, c.cpu(), "c_cpu stays 0 while the handler runs");
            assertPendingCounts(rig, 0, 0, "recorded, but on no list");
            assertSame(h, c.arg(), "SPEC 4.6: c_arg is still the running arm's until completion");
            rig.gate.open();
            adv.get();

            assertEquals(CPU1, c.cpu(), "moved to CPU 1 when the handler returned");
            assertEquals(expected, c.time(), "with the c_time computed at the reset call");
            assertFalse(deferred(c));
            assertPendingCounts(rig, 0, 1, "armed on CPU 1");
            assertTrue(WheelProbe.of(rig.sys).inBucket(c, bucketOf(rig, expected)));
            assertSame(b, c.arg());
            assertSame(RUN_OTHER, c.func());
            rig.vt.advanceTicks(20);
            assertEquals(List.of("h@cpu0", "b@cpu1"), log);
        }
    }

    /** Case 46 through callout_reset_curcpu from a thread bound to CPU 1: the same deferred migration. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_resetCurcpuFromCpu1WhileRunningOnCpu0_defersTheMoveToCpu1(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);

            assertEquals(0, rig.sys.resetCurcpu(c, 10, RUN, b));
            assertEquals(CPU0, c.cpu());
            assertTrue(deferred(c));
            rig.gate.open();
            adv.get();

            assertEquals(CPU1, c.cpu());
            rig.vt.advanceTicks(20);
            assertEquals(List.of("h@cpu0", "b@cpu1"), log);
        }
    }

    /**
     * Case 49: drain during a deferred migration waits for the handler, and nothing is scheduled
     * anywhere afterwards. MODERN returns -1 (the special case cleared PENDING, so nothing pending
     * was removed); CLASSIC returns 1 (the recorded migration counts as a pending callout it cancelled).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec49_drainDuringDeferredMigration_waitsThenNothingIsScheduledAnywhere(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            assertEquals(0, rig.sys.resetOn(c, 10, RUN, b, CPU1), "set-up: deferred migration");

            Task<Integer> drainer = rig.spawn("drainer", () -> {
                int r = rig.sys.drain(c);
                log.add("drain returns");
                return r;
            });
            rig.obs.awaitDrainWaits(1);
            boolean waited = !drainer.done();
            rig.gate.open();
            int r = drainer.get();
            adv.get();

            assertTrue(waited, "the drainer waits for the running handler");
            assertEquals(p == Profile.MODERN ? -1 : 1, r);
            assertEquals(List.of("h@cpu0", "drain returns"), log, "drain returns only after the handler");
            assertFalse(c.pending());
            assertFalse(deferred(c), "the migration record was discarded");
            assertEquals(CPU0, c.cpu(), "never moved");
            assertPendingCounts(rig, 0, 0, "scheduled nowhere");
            rig.vt.advanceTicks(50);
            assertEquals(0, b.calls.get(), "the recorded arm never runs");
        }
    }

    /** Case 50: callout_reset keeps c_cpu; callout_reset_curcpu moves the callout to the caller's CPU. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec50_resetFromCpu0KeepsCpu1_resetCurcpuFromCpu0MovesToCpu0(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU0)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe a = Probe.of("a", rig, c, log);
            Probe b = Probe.of("b", rig, c, log);
            Probe d = Probe.of("d", rig, c, log);
            assertEquals(0, rig.sys.resetOn(c, 10, RUN, a, CPU1));
            assertEquals(CPU1, c.cpu(), "set-up: c on CPU 1");

            assertEquals(1, rig.sys.reset(c, 20, RUN, b), "callout_reset from CPU 0");
            assertEquals(CPU1, c.cpu(), "callout_reset (cpu -1) keeps c_cpu == 1");
            assertPendingCounts(rig, 0, 1, "after callout_reset");

            assertEquals(1, rig.sys.resetCurcpu(c, 20, RUN, d), "callout_reset_curcpu from CPU 0");
            assertEquals(CPU0, c.cpu(), "callout_reset_curcpu moves c to CPU 0");
            assertPendingCounts(rig, 1, 0, "after callout_reset_curcpu");

            rig.vt.advanceTicks(30);
            assertEquals(List.of("d@cpu0"), log);
        }
    }

    /** Case 51: a CPU out of range (MAXCPU, ncpus, below -1) is rejected and changes nothing. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec51_resetOnCpuOutOfRange_throwsIllegalArgumentAndChangesNothing(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU0)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe a = Probe.of("a", rig, c, log);
            Probe b = Probe.of("b", rig, c, log);
            assertEquals(0, rig.sys.reset(c, 10, RUN, a));
            long time = c.time();
            long precision = c.precision();
            int iflags = c.iflags();
            int flags = c.flags();

            for (int bad : new int[] {CpuRef.MAXCPU, rig.sys.ncpus(), -2, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> rig.sys.resetOn(c, 1, RUN_OTHER, b, bad), "reset_on to cpu " + bad);
                assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains(Integer.toString(bad)),
                        "the message names the rule and the value: " + e.getMessage());
                assertThrows(IllegalArgumentException.class,
                        () -> rig.sys.resetSbtOn(c, rig.sys.tickSbt(), 0, RUN_OTHER, b, bad, 0), "reset_sbt_on " + bad);
                assertThrows(IllegalArgumentException.class, () -> rig.sys.scheduleOn(c, 1, bad), "schedule_on " + bad);
                assertThrows(IllegalArgumentException.class,
                        () -> rig.sys.scheduleSbtOn(c, rig.sys.tickSbt(), 0, bad, 0), "schedule_sbt_on " + bad);

                assertEquals(CPU0, c.cpu(), "cpu unchanged after " + bad);
                assertEquals(time, c.time(), "c_time unchanged after " + bad);
                assertEquals(precision, c.precision());
                assertEquals(iflags, c.iflags());
                assertEquals(flags, c.flags());
                assertSame(RUN, c.func());
                assertSame(a, c.arg());
                assertPendingCounts(rig, 1, 0, "after the rejected cpu " + bad);
            }
            rig.vt.advanceTicks(20);
            assertEquals(List.of("a@cpu0"), log, "the original arm still fires, once, on CPU 0");
        }
    }

    /** Case 51 during a deferred migration: the rejected call leaves the migration record alone. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec51_resetOnCpuOutOfRangeDuringDeferredMigration_throwsAndRecordIsKept(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Probe x = Probe.of("x", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            long expected = resetTime(rig, 10);
            assertEquals(0, rig.sys.resetOn(c, 10, RUN, b, CPU1), "set-up: deferred migration");

            assertThrows(IllegalArgumentException.class, () -> rig.sys.resetOn(c, 30, RUN_OTHER, x, CpuRef.MAXCPU));
            assertTrue(c.pending() && deferred(c), "still a deferred migration");
            rig.gate.open();
            adv.get();

            assertEquals(CPU1, c.cpu());
            assertEquals(expected, c.time(), "armed from the record the rejected call did not touch");
            assertSame(b, c.arg());
            rig.vt.advanceTicks(40);
            assertEquals(List.of("h@cpu0", "b@cpu1"), log);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.1: stop, reset and drain against an MP-safe handler running on the other CPU              */

    /** §5.1: stop from CPU 1 cannot stop the handler running on CPU 0: 0, ACTIVE cleared, handler completes. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void stop_fromCpu1WhileHandlerRunsOnCpu0_returnsZeroClearsActiveAndHandlerCompletes(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);

            int r = rig.sys.stop(c);
            boolean activeAfterStop = c.active();
            rig.gate.open();
            adv.get();

            assertEquals(0, r, "executing: cannot be stopped");
            assertFalse(activeAfterStop, "stop clears ACTIVE");
            assertFalse(h.activeAfterGate, "the handler sees !active (the manual's idiom: it was stopped)");
            assertFalse(h.pendingAfterGate);
            assertEquals(List.of("h@cpu0"), log, "the handler completed normally");
            rig.vt.advanceTicks(20);
            assertEquals(1, h.calls.get(), "and does not run again");
        }
    }

    /** §5.1: reset from CPU 1 re-arms the callout on its CPU (0) while its handler runs; it runs again. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void reset_fromCpu1WhileHandlerRunsOnCpu0_returnsZeroRearmsOnCpu0AndRunsAgain(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);

            int r = rig.sys.reset(c, 10, RUN, b);
            int[] counts = pendingCounts(rig);
            rig.gate.open();
            adv.get();

            assertEquals(0, r, "nothing pending was cancelled");
            assertEquals(CPU0, c.cpu(), "callout_reset keeps c_cpu: no migration");
            assertEquals(1, counts[0], "re-armed at once on CPU 0 (not deferred: same CPU)");
            assertTrue(h.pendingAfterGate, "the handler sees pending (the manual's idiom: it was re-armed)");
            rig.vt.advanceTicks(20);
            assertEquals(List.of("h@cpu0", "b@cpu0"), log);
        }
    }

    /** §5.1: a reset from CPU 1 that also removes the handler's own pending re-arm returns 1. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void reset_fromCpu1WhileRunningAndRearmed_returnsOneAndOnlyTheLastArmRuns(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe self = Probe.of("self", rig, c, log);
            Probe h = Probe.held("h", rig, c, log, x -> x.sys.reset(x.c, 10, RUN, self));
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            assertTrue(c.pending(), "set-up: the handler re-armed itself");

            int r = rig.sys.reset(c, 15, RUN, b);
            rig.gate.open();
            adv.get();

            assertEquals(1, r, "the pending re-arm was removed");
            rig.vt.advanceTicks(30);
            assertEquals(List.of("h@cpu0", "b@cpu0"), log, "the handler's re-arm never runs");
        }
    }

    /**
     * §4.7 and §4.11: stop from CPU 1 of a running callout with a pending re-arm removes the re-arm;
     * MODERN returns 0 (running wins), CLASSIC 1 (a pending instance was cancelled).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void stop_fromCpu1WhileRunningAndRearmed_removesRearm_modernZeroClassicOne(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe self = Probe.of("self", rig, c, log);
            Probe h = Probe.held("h", rig, c, log, x -> x.sys.reset(x.c, 10, RUN, self));
            Task<Void> adv = runHeldOnCpu0(rig, c, h);

            int r = rig.sys.stop(c);
            boolean pendingAfter = c.pending();
            int[] counts = pendingCounts(rig);
            rig.gate.open();
            adv.get();

            assertEquals(p == Profile.MODERN ? 0 : 1, r);
            assertFalse(pendingAfter, "the re-arm was removed");
            assertEquals(0, counts[0]);
            assertFalse(c.active());
            rig.vt.advanceTicks(30);
            assertEquals(List.of("h@cpu0"), log);
        }
    }

    /** Case 35 across CPUs: drain from CPU 1 waits for the handler on CPU 0; MODERN -1, CLASSIC 0. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void drain_fromCpu1WhileHandlerRunsOnCpu0_waits_modernMinusOneClassicZero(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);

            Task<Integer> drainer = rig.spawn("drainer", () -> {
                int r = rig.sys.drain(c);
                log.add("drain returns");
                return r;
            });
            rig.obs.awaitDrainWaits(1);
            boolean waited = !drainer.done();
            rig.gate.open();
            int r = drainer.get();
            adv.get();

            assertTrue(waited);
            assertEquals(p == Profile.MODERN ? -1 : 0, r);
            assertEquals(List.of("h@cpu0", "drain returns"), log);
        }
    }

    /**
     * Drain from CPU 1 of a running callout with a pending re-arm: waits for the handler and removes
     * the re-arm; both profiles return 1 (MODERN removes it after the wait, CLASSIC before).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void drain_fromCpu1WhileRunningAndRearmed_waitsRemovesRearmAndReturnsOne(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe self = Probe.of("self", rig, c, log);
            Probe h = Probe.held("h", rig, c, log, x -> x.sys.reset(x.c, 10, RUN, self));
            Task<Void> adv = runHeldOnCpu0(rig, c, h);

            Task<Integer> drainer = rig.spawn("drainer", () -> {
                int r = rig.sys.drain(c);
                log.add("drain returns");
                return r;
            });
            rig.obs.awaitDrainWaits(1);
            boolean waited = !drainer.done();
            rig.gate.open();
            int r = drainer.get();
            adv.get();

            assertTrue(waited);
            assertEquals(1, r);
            assertFalse(c.pending());
            assertPendingCounts(rig, 0, 0, "after drain");
            rig.vt.advanceTicks(30);
            assertEquals(List.of("h@cpu0", "drain returns"), log, "the re-arm never runs");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.2 across CPUs: lock-wait cancellation                                                    */

    /**
     * Arms the lock-associated {@code c} on {@code cpu} (the caller holds {@code m}) and advances the
     * clock on a helper until the dispatcher has dequeued it and is about to block on {@code m}.
     */
    private static Task<Void> enterLockWait(Rig rig, Callout c, KMutex m, Probe stale, int cpu) throws InterruptedException {
        assertTrue(m.owned(), "LOCKWAIT set-up: the test thread holds m");
        rig.sys.resetOn(c, 1, RUN, stale, cpu);
        Task<Void> adv = rig.advanceTicksInBackground(3);
        rig.obs.awaitLockWait();
        assertFalse(c.pending(), "LOCKWAIT: dequeued for dispatch");
        return adv;
    }

    /** §5.2 / case 27 across CPUs: LOCKWAIT on CPU 1, the lock holder on CPU 0 stops: 1, and the handler is skipped. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void lockWaitOnCpu1_stopByLockHolderOnCpu0_returnsOneAndHandlerIsSkipped(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU0)) {
            List<String> log = new CopyOnWriteArrayList<>();
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            rig.sys.initLock(c, m, 0);
            Probe stale = Probe.of("stale", rig, c, log);
            Task<Void> adv;
            int r;
            m.lock();
            try {
                adv = enterLockWait(rig, c, m, stale, CPU1);
                assertEquals(CPU1, c.cpu());
                r = rig.sys.stop(c);
            } finally {
                m.unlock();
            }
            adv.get();

            assertEquals(1, r, "true cancellation of the lock-waiting instance");
            assertEquals(0, stale.calls.get(), "the cancelled invocation is skipped");
            assertTrue(m.tryLock(), "m ends unowned");
            m.unlock();
            assertEquals(CPU1, c.cpu());
            assertPendingCounts(rig, 0, 0, "nothing scheduled");
        }
    }

    /**
     * §5.2 with §5.6: LOCKWAIT on CPU 0; the lock holder on CPU 1 calls reset_on(c, 5, cb2, b, 1): the
     * stale invocation is cancelled (1), and the fresh arm is a deferred migration (the dispatcher still
     * owns c on CPU 0), performed when the skipped dispatch completes.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void lockWaitOnCpu0_resetOnToCpu1ByLockHolder_cancelsStaleAndMigratesFreshArm(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            rig.sys.initLock(c, m, 0);
            Probe stale = Probe.of("stale", rig, c, log);
            Probe fresh = Probe.of("fresh", rig, c, log);
            Task<Void> adv;
            int r;
            long expected;
            boolean deferredWhileWaiting;
            int cpuWhileWaiting;
            m.lock();
            try {
                adv = enterLockWait(rig, c, m, stale, CPU0);
                expected = resetTime(rig, 5);
                r = rig.sys.resetOn(c, 5, RUN_OTHER, fresh, CPU1);
                deferredWhileWaiting = deferred(c) && c.pending();
                cpuWhileWaiting = c.cpu();
            } finally {
                m.unlock();
            }
            adv.get();

            assertEquals(1, r, "the lock-waiting instance was cancelled");
            assertTrue(deferredWhileWaiting, "recorded as a deferred migration while the dispatcher owned c");
            assertEquals(CPU0, cpuWhileWaiting);
            assertEquals(0, stale.calls.get(), "the stale invocation is skipped");
            assertEquals(CPU1, c.cpu(), "moved when the skipped dispatch completed");
            assertEquals(expected, c.time());
            assertSame(RUN_OTHER, c.func());
            assertPendingCounts(rig, 0, 1, "the fresh arm");
            rig.vt.advanceTicks(20);
            assertEquals(List.of("fresh@cpu1"), log, "cb2(b) runs exactly once, on CPU 1");
        }
    }

    /**
     * The same, then a stop by the lock holder: the reset already cancelled the in-flight instance
     * (cc_cancel is set), so MODERN finds an executing callout whose migration it discards: 0
     * (§4.7 step 3); CLASSIC counts the discarded migration as a cancelled pending callout: 1.
     * Either way nothing runs.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void lockWaitOnCpu0_resetOnToCpu1ThenStop_discardsEverything_modernZeroClassicOne(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            rig.sys.initLock(c, m, 0);
            Probe stale = Probe.of("stale", rig, c, log);
            Probe fresh = Probe.of("fresh", rig, c, log);
            Task<Void> adv;
            int reset;
            int stop;
            m.lock();
            try {
                adv = enterLockWait(rig, c, m, stale, CPU0);
                reset = rig.sys.resetOn(c, 5, RUN, fresh, CPU1);
                stop = rig.sys.stop(c);
                assertFalse(c.pending(), "stop cleared the deferred migration's PENDING");
                assertFalse(deferred(c), "and its record");
                assertFalse(c.active());
            } finally {
                m.unlock();
            }
            adv.get();

            assertEquals(1, reset);
            assertEquals(p == Profile.MODERN ? 0 : 1, stop);
            assertEquals(CPU0, c.cpu(), "never moved");
            assertPendingCounts(rig, 0, 0, "nothing re-armed");
            rig.vt.advanceTicks(20);
            assertEquals(List.of(), log, "neither the stale nor the fresh arm runs");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.6: migration while running, then stop / drain / reset / schedule                          */

    /**
     * §5.6: a stop during a deferred migration discards the record: MODERN 0 (the handler still
     * runs), CLASSIC 1. PENDING and ACTIVE are cleared at once, and nothing is re-armed on either CPU.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void migrationWhileRunning_thenStop_discardsRecordAndNothingIsRearmed(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            assertEquals(0, rig.sys.resetOn(c, 10, RUN, b, CPU1), "set-up: deferred migration");

            int r = rig.sys.stop(c);

            assertEquals(p == Profile.MODERN ? 0 : 1, r);
            assertFalse(c.pending(), "PENDING cleared (special case)");
            assertFalse(c.active(), "ACTIVE cleared");
            assertFalse(deferred(c), "record discarded");
            rig.gate.open();
            adv.get();
            assertEquals(CPU0, c.cpu(), "the callout never moves");
            assertPendingCounts(rig, 0, 0, "nothing re-armed");
            rig.vt.advanceTicks(50);
            assertEquals(List.of("h@cpu0"), log, "the migrated arm never runs");
        }
    }

    /**
     * §5.6: several resets during one run overwrite the record; each after the first returns 1, and
     * at completion the callout is armed on CPU 1 with the last reset's time, precision, func and arg.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void migrationWhileRunning_thenSeveralResets_eachReturnsOneAndTheLastWins(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b1 = Probe.of("b1", rig, c, log);
            Probe b2 = Probe.of("b2", rig, c, log);
            Probe b3 = Probe.of("b3", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            long tick = rig.sys.tickSbt();
            long t3 = rig.vt.now() + 40 * tick;
            long p3 = 3 * tick;

            int r1 = rig.sys.resetOn(c, 10, RUN, b1, CPU1);
            int r2 = rig.sys.resetOn(c, 20, RUN, b2, CPU1);
            int r3 = rig.sys.resetSbtOn(c, t3, p3, RUN_OTHER, b3, CPU1, C_ABSOLUTE);
            boolean stillDeferred = deferred(c) && c.pending() && c.cpu() == CPU0;
            int[] counts = pendingCounts(rig);
            rig.gate.open();
            adv.get();

            assertEquals(0, r1, "the first reset creates the record (nothing was pending)");
            assertEquals(1, r2, "a later reset overwrites the record");
            assertEquals(1, r3, "and so does the last");
            assertTrue(stillDeferred, "all three only touched the record");
            assertEquals(0, counts[0] + counts[1], "on no list while the handler runs");
            assertEquals(CPU1, c.cpu());
            assertEquals(t3, c.time(), "the last reset's time");
            assertEquals(p3, c.precision(), "the last reset's precision");
            assertSame(RUN_OTHER, c.func(), "the last reset's func");
            assertSame(b3, c.arg(), "the last reset's arg");
            assertPendingCounts(rig, 0, 1, "armed once, on CPU 1");
            rig.vt.advanceTo(t3 + p3 + tick);
            assertEquals(List.of("h@cpu0", "b3@cpu1"), log, "only the last arm runs, once, on CPU 1");
        }
    }

    /**
     * §4.4 steps 4 and 5c: during a deferred migration a plain callout_reset (cpu -1) resolves -1 to
     * c_cpu, which is still the old CPU; it overwrites the record (1), so the callout stays on CPU 0.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void migrationWhileRunning_thenResetWithCpuMinusOne_retargetsTheRecordToTheOldCpu(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b1 = Probe.of("b1", rig, c, log);
            Probe b2 = Probe.of("b2", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            long expected = resetTime(rig, 15);

            assertEquals(0, rig.sys.resetOn(c, 10, RUN, b1, CPU1));
            int r = rig.sys.reset(c, 15, RUN_OTHER, b2);
            rig.gate.open();
            adv.get();

            assertEquals(1, r, "the record was overwritten");
            assertEquals(CPU0, c.cpu(), "-1 meant c_cpu, still 0 when the reset ran");
            assertEquals(expected, c.time());
            assertSame(b2, c.arg());
            assertPendingCounts(rig, 1, 0, "armed on CPU 0");
            rig.vt.advanceTicks(30);
            assertEquals(List.of("h@cpu0", "b2@cpu0"), log);
        }
    }

    /**
     * §4.6: callout_schedule_on during a deferred migration re-arms with the stored c_func/c_arg, which
     * are still the running arm's (the new pair lives in the record); it overwrites the record (1).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void migrationWhileRunning_thenScheduleOn_usesTheStoredOldHandlerAndArg(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runHeldOnCpu0(rig, c, h);
            long expected = resetTime(rig, 20);

            assertEquals(0, rig.sys.resetOn(c, 10, RUN_OTHER, b, CPU1));
            int r = rig.sys.scheduleOn(c, 20, CPU1);
            rig.gate.open();
            adv.get();

            assertEquals(1, r, "the record was overwritten");
            assertEquals(CPU1, c.cpu());
            assertEquals(expected, c.time(), "the schedule's time");
            assertSame(RUN, c.func(), "the stored (old) c_func, not the recorded one");
            assertSame(h, c.arg(), "the stored (old) c_arg");
            rig.vt.advanceTicks(40);
            assertEquals(List.of("h@cpu0", "h@cpu1"), log, "h runs again, on CPU 1; b never runs");
            assertEquals(0, b.calls.get());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.6 and §5.10: direct callouts                                                            */

    /**
     * §5.6: a deferred migration of a callout running directly (entity 1) is armed on the new CPU with
     * C_DIRECT_EXEC, so it still runs inside callout_process there: before a non-direct callout due in
     * the same scan and armed earlier in the same bucket (case 55's observation).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void deferredMigrationOfDirectCallout_keepsItDirectOnTheNewCpu(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Callout n = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe d = Probe.of("direct", rig, c, log);
            Probe nonDirect = Probe.of("nondirect", rig, n, log);
            Task<Void> adv = runDirectHeldOnCpu0(rig, c, h);
            long tick = rig.sys.tickSbt();
            long t = rig.vt.now() + 20 * tick;
            long pr = tick / 4;
            assertEquals(0, rig.sys.resetSbtOn(n, t, pr, RUN, nonDirect, CPU1, C_ABSOLUTE), "set-up: N first in the bucket");

            int r = rig.sys.resetSbtOn(c, t, pr, RUN, d, CPU1, C_ABSOLUTE | C_DIRECT_EXEC);

            assertEquals(0, r);
            assertTrue(deferred(c) && c.pending(), "running directly: recognised as executing, so deferred");
            assertEquals(CPU0, c.cpu());
            rig.gate.open();
            adv.get();
            assertEquals(CPU1, c.cpu());
            assertTrue((c.iflags() & CALLOUT_DIRECT) != 0, "still a direct callout");
            assertEquals(t, c.time());
            assertPendingCounts(rig, 0, 2, "N and the migrated callout");
            rig.vt.advanceTo(t + pr + tick);
            assertEquals(List.of("h@cpu0", "direct@cpu1", "nondirect@cpu1"), log,
                    "the migrated callout ran inside callout_process, before the softclock ran N");
        }
    }

    /**
     * §5.10: a reset of a callout running directly, made without C_DIRECT_EXEC, looks at the
     * softclock entity, does not see it running, and migrates it at once (no deferred migration).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void resetOnWithoutDirectFlagWhileDirectHandlerRuns_isNotSeenRunningAndMigratesAtOnce(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe h = Probe.held("h", rig, c, log, null);
            Probe b = Probe.of("b", rig, c, log);
            Task<Void> adv = runDirectHeldOnCpu0(rig, c, h);

            int r = rig.sys.resetOn(c, 10, RUN, b, CPU1);
            int cpuWhileRunning = c.cpu();
            boolean deferredWhileRunning = deferred(c);
            int[] counts = pendingCounts(rig);
            rig.gate.open();
            adv.get();

            assertEquals(0, r);
            assertEquals(CPU1, cpuWhileRunning, "moved at once although its handler runs on CPU 0");
            assertFalse(deferredWhileRunning);
            assertEquals(1, counts[1]);
            rig.vt.advanceTicks(20);
            assertEquals(List.of("h@cpu0", "b@cpu1"), log);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.7: lookups during the CPUBLOCK hand-off                                                  */

    /**
     * §5.7 at the completion of a deferred migration: the handler on CPU 0 calls reset_on(c, ..., 1)
     * itself; while the softclock moves c to CPU 1 (c_cpu == CPUBLOCK, CPU 1's lock held by the test),
     * another thread stops c. The stop waits in callout_lock until the switch is done, then locks CPU 1
     * and removes the migrated arm there: 1.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void cpublock_stopDuringDeferredMigrationHandOff_waitsThenStopsOnTheNewCpu(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU1)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe b = Probe.of("b", rig, c, log);
            AtomicInteger resetInHandler = new AtomicInteger(Integer.MIN_VALUE);
            CalloutFunc<Probe> moveSelf = x -> {
                resetInHandler.set(x.sys.resetOn(x.c, 10, RUN, b, CPU1));
                x.run();
            };
            Probe h = Probe.of("h", rig, c, log);
            assertEquals(0, rig.sys.resetOn(c, 1, moveSelf, h, CPU0));
            ReentrantLock cpu1Lock = KernTestAccess.cpuLock(rig.sys.engine, CPU1);
            Task<Void> adv;
            Task<Integer> stopper;
            cpu1Lock.lock();
            try {
                adv = rig.advanceTicksInBackground(3);
                awaitState(() -> c.cpu() == CpuRef.MAXCPU, "c_cpu == CPUBLOCK (completion blocked in callout_cpu_switch)");
                stopper = rig.spawn("stopper", () -> rig.sys.stop(c));
                awaitState(() -> inCalloutLock(stopper.thread()), "the stopper spinning in callout_lock");
                assertFalse(stopper.done(), "the stopper must wait while c is in transit");
                assertEquals(CpuRef.MAXCPU, c.cpu());
            } finally {
                cpu1Lock.unlock();
            }
            int r = stopper.get();
            adv.get();

            assertEquals(0, resetInHandler.get(), "reset_on from the handler: deferred, nothing cancelled");
            assertEquals(1, r, "the stop found the migrated arm pending on CPU 1");
            assertEquals(CPU1, c.cpu());
            assertFalse(c.pending());
            assertPendingCounts(rig, 0, 0, "stopped");
            rig.vt.advanceTicks(30);
            assertEquals(List.of("h@cpu0"), log, "the migrated arm never runs");
        }
    }

    /**
     * §5.7 during an immediate migration: thread R moves pending c from CPU 0 to CPU 1 and is held in
     * the hand-off; a callout_reset (cpu -1) by another thread waits in callout_lock, then resolves -1
     * to the new c_cpu (1) and re-arms there, cancelling R's arm (1).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void cpublock_resetDuringImmediateMigrationHandOff_waitsThenRearmsOnTheNewCpu(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU0)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe a = Probe.of("a", rig, c, log);
            Probe moved = Probe.of("moved", rig, c, log);
            Probe last = Probe.of("last", rig, c, log);
            assertEquals(0, rig.sys.reset(c, 10, RUN, a));
            long tick = rig.sys.tickSbt();
            long t = rig.vt.now() + 25 * tick;
            ReentrantLock cpu1Lock = KernTestAccess.cpuLock(rig.sys.engine, CPU1);
            Task<Integer> mover;
            Task<Integer> resetter;
            cpu1Lock.lock();
            try {
                mover = rig.spawn("mover", () -> rig.sys.resetOn(c, 10, RUN, moved, CPU1));
                awaitState(() -> c.cpu() == CpuRef.MAXCPU, "c_cpu == CPUBLOCK (the mover blocked in callout_cpu_switch)");
                resetter = rig.spawn("resetter", () -> rig.sys.resetSbt(c, t, 0, RUN_OTHER, last, C_ABSOLUTE));
                awaitState(() -> inCalloutLock(resetter.thread()), "the resetter spinning in callout_lock");
                assertFalse(resetter.done() || mover.done(), "both wait while c is in transit");
            } finally {
                cpu1Lock.unlock();
            }
            int rMover = mover.get();
            int rReset = resetter.get();

            assertEquals(1, rMover, "the mover rescheduled the pending arm");
            assertEquals(1, rReset, "the reset removed the mover's arm, now pending on CPU 1");
            assertEquals(CPU1, c.cpu(), "-1 resolved to the new c_cpu");
            assertEquals(t, c.time());
            assertSame(last, c.arg());
            assertPendingCounts(rig, 0, 1, "armed once, on CPU 1");
            rig.vt.advanceTo(t + 2 * tick);
            assertEquals(List.of("last@cpu1"), log);
        }
    }

    /**
     * §5.7: a drain that meets the hand-off of an immediate migration waits in callout_lock, then
     * finds the callout pending on CPU 1 and removes it there without waiting for anything: 1.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void cpublock_drainDuringImmediateMigrationHandOff_waitsThenRemovesFromTheNewCpu(Profile p) throws Exception {
        try (Rig rig = rig(p, CPU0)) {
            List<String> log = new CopyOnWriteArrayList<>();
            Callout c = mpsafe(rig);
            Probe a = Probe.of("a", rig, c, log);
            Probe moved = Probe.of("moved", rig, c, log);
            assertEquals(0, rig.sys.reset(c, 10, RUN, a));
            ReentrantLock cpu1Lock = KernTestAccess.cpuLock(rig.sys.engine, CPU1);
            Task<Integer> mover;
            Task<Integer> drainer;
            cpu1Lock.lock();
            try {
                mover = rig.spawn("mover", () -> rig.sys.resetOn(c, 10, RUN, moved, CPU1));
                awaitState(() -> c.cpu() == CpuRef.MAXCPU, "c_cpu == CPUBLOCK (the mover blocked in callout_cpu_switch)");
                drainer = rig.spawn("drainer", () -> rig.sys.drain(c));
                awaitState(() -> inCalloutLock(drainer.thread()), "the drainer spinning in callout_lock");
                assertFalse(drainer.done());
            } finally {
                cpu1Lock.unlock();
            }
            int rMover = mover.get();
            int rDrain = drainer.get();

            assertEquals(1, rMover);
            assertEquals(1, rDrain, "removed the arm pending on CPU 1");
            assertEquals(0, rig.obs.drainWaitCount(), "nothing was running: the drain never slept");
            assertEquals(CPU1, c.cpu());
            assertFalse(c.pending());
            assertPendingCounts(rig, 0, 0, "drained");
            rig.vt.advanceTicks(30);
            assertEquals(List.of(), log);
            assertNotEquals(CpuRef.MAXCPU, c.cpu());
        }
    }
}
