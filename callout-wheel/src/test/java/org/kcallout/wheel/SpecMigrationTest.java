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
import static org.kcallout.wheel.SpecFixture.locked;
import static org.kcallout.wheel.SpecFixture.mpsafe;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.SpecFixture.Drainer;
import org.kcallout.wheel.SpecFixture.Held;
import org.kcallout.wheel.SpecFixture.LockWait;
import org.kcallout.wheel.SpecSupport.Body;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.SpecSupport.Task;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.kern.CalloutEngine;
import org.kcallout.wheel.kern.KernTestAccess;
import org.kcallout.wheel.testing.HandlerGate;

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
 * <p>"CPU 0" is a helper thread advancing the {@link VirtualTicklessClock}: interrupts, the dispatcher
 * and the handlers of CPU 0's callouts run on it (and those of CPU 1 too, since the virtual timer
 * delivers every CPU's interrupt on the advancing thread). A running handler is held mid-flight by a
 * {@link HandlerGate}. The test thread plays "CPU 1": it binds itself with
 * {@link CalloutWheel#bindCurrentThread(int)}, so that {@code curcpu} and the {@code _curcpu}
 * functions see CPU 1.
 */
final class SpecMigrationTest {
    /* Implementation notes: handlers record into a Probe (calls, the CPU they ran on, what they saw of
     * the callout after the gate) and append to the test's event log in the order things happen.
     * The test instance is the fixture (JUnit makes a new one for each test): given(...) builds the
     * system, the callout c and the event log into its fields, so that a test body reads like its
     * SPEC case, and closeRig() closes the system after each test, passed or failed. Names of tests
     * that check a §5 race around a numbered §11 case carry that case's number; a comment says which.
     * The CPUBLOCK tests are white-box on purpose: to freeze a callout in
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

    /** The system of the current test (two CPUs, the {@link VirtualTicklessClock}), built by {@link #given}. */
    private Rig rig;
    /** {@code rig.sys}. */
    private CalloutWheel sys;
    /** What the handlers and drainers did, each appended by the thread that did it, in that order. */
    private final List<String> log = new CopyOnWriteArrayList<>();
    /** The callout of the SPEC case. */
    private Callout c;
    /** The probe of the handler held on CPU 0 by {@link #givenRunningOnCpu0}. */
    private Probe h;
    /** That handler, held until {@link #release()}. */
    private Held running;

    @AfterEach
    void closeRig() {
        if (rig != null) {
            rig.close();
        }
    }

    /** Given a two-CPU system in profile {@code p} whose test thread is bound to {@code testCpu}, and an idle MP-safe {@link #c}. */
    private void given(Profile p, int testCpu) {
        rig = new Rig(p, 2);
        sys = rig.sys;
        sys.bindCurrentThread(testCpu);
        c = mpsafe(sys);
    }

    /** Given the system of {@link #given} with the test thread on CPU 1, and {@link #c} initialised with {@code m} instead. */
    private void givenLocked(Profile p, int testCpu, KMutex m) {
        given(p, testCpu);
        c = locked(sys, m, 0);
    }

    /** {@return a probe that records into the event log as {@code name@cpuN}} */
    private Probe probe(String name) {
        return Probe.of(name, rig, c, log);
    }

    /**
     * Given the test thread on CPU 1 and {@link #c}'s handler {@link #h} held mid-flight on CPU 0:
     * {@link #c} was armed idle on CPU 0 for one tick and the clock advanced on a helper until the
     * handler entered the gate; {@link #release()} lets it return.
     */
    private void givenRunningOnCpu0(Profile p) throws Exception {
        givenHeld(p, null);
    }

    /**
     * {@link #givenRunningOnCpu0}, where the handler first re-armed its own callout on CPU 0 for 10
     * ticks with a probe "self" (a re-arm that the tests then see removed, so "self" never logs).
     */
    private void givenRearmedRunningOnCpu0(Profile p) throws Exception {
        givenHeld(p, x -> x.sys.reset(x.c, 10, RUN, probe("self")));
    }

    private void givenHeld(Profile p, Consumer<Probe> beforeGate) throws Exception {
        given(p, CPU1);
        h = Probe.held("h", rig, c, log, beforeGate);
        running = Held.start(rig, () -> assertEquals(0, sys.resetOn(c, 1, RUN, h, CPU0), "set-up: idle callout armed"));
        assertEquals(CPU0, h.cpu, "set-up: the handler runs on CPU 0");
    }

    /** Same as {@link #givenRunningOnCpu0}, for {@link #c} armed with {@code C_DIRECT_EXEC} (it runs inside callout_process). */
    private void givenDirectRunningOnCpu0(Profile p) throws Exception {
        given(p, CPU1);
        h = Probe.held("h", rig, c, log, null);
        running = Held.start(rig,
                () -> assertEquals(0, sys.resetSbtOn(c, sys.tickSbt(), 0, RUN, h, CPU0, C_HARDCLOCK | C_DIRECT_EXEC)));
        assertEquals(CPU0, h.cpu, "set-up: the direct handler runs for CPU 0");
    }

    /** Lets the held handler return and waits until the helper has advanced the clock. */
    private void release() throws InterruptedException {
        running.release();
    }

    /**
     * Given {@link #givenRunningOnCpu0} followed by {@code callout_reset_on(c, 10, RUN, b, 1)} from
     * CPU 1: the deferred migration of SPEC §11 case 46 (checked there), recorded and pending.
     *
     * @return the probe "b" of the recorded arm
     */
    private Probe givenDeferredMigration(Profile p) throws Exception {
        givenRunningOnCpu0(p);
        Probe b = probe("b");
        assertEquals(0, sys.resetOn(c, 10, RUN, b, CPU1), "set-up: deferred migration");
        return b;
    }

    /** The time {@code callout_reset*(c, ticks, ...)} computes now (SPEC §4.3 with C_HARDCLOCK). */
    private long resetTime(int ticks) {
        return sys.hardclocktime(sys.curcpu()) + ticks * sys.tickSbt();
    }

    private int bucketOf(long time) {
        return (int) (time >> 24) & (sys.callwheelSize() - 1);
    }

    private static boolean deferred(Callout c) {
        return (c.iflags() & CALLOUT_DFRMIGRATION) != 0;
    }

    private int[] pendingCounts() {
        return new int[] {WheelProbe.of(sys).pendingCount(CPU0), WheelProbe.of(sys).pendingCount(CPU1)};
    }

    private void assertPendingCounts(int cpu0, int cpu1, String what) {
        assertEquals(cpu0, WheelProbe.of(sys).pendingCount(CPU0), what + ": callouts pending on CPU 0");
        assertEquals(cpu1, WheelProbe.of(sys).pendingCount(CPU1), what + ": callouts pending on CPU 1");
    }

    /** Asserts that {@link #c} is armed on {@code cpu} only, at {@code time}, in the bucket of that time. */
    private void assertArmedOn(int cpu, long time, String what) {
        assertEquals(cpu, c.cpu(), what + ": c_cpu");
        assertEquals(time, c.time(), what + ": c_time");
        assertPendingCounts(cpu == CPU0 ? 1 : 0, cpu == CPU1 ? 1 : 0, what);
        assertTrue(WheelProbe.of(sys).inBucket(c, bucketOf(time)), what + ": in the bucket of c_time");
    }

    /**
     * The LOCKWAIT of SPEC §11 on {@code cpu}: the test thread holds {@code m}; {@link #c} (initialised
     * with {@code m}) was armed there for one tick with {@code stale} and expired, and the dispatcher is
     * about to block on {@code m}. Closing it releases {@code m}.
     */
    private LockWait lockWait(KMutex m, Probe stale, int cpu) throws Exception {
        return LockWait.enter(rig, c, m, () -> sys.resetOn(c, 1, RUN, stale, cpu));
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

    /** The two threads of a frozen CPUBLOCK hand-off: the one moving c, and the one looking it up. */
    private record HandOff(Task<?> mover, Task<Integer> contender) {
    }

    /**
     * SPEC §5.7 frozen: with CPU 1's lock held by the test thread, starts {@code mover} on a helper,
     * which moves {@link #c} to CPU 1 and stops in callout_cpu_switch with {@code c_cpu == CPUBLOCK};
     * then starts {@code call} on another helper and waits until it spins in callout_lock. Asserts,
     * while the lock is still held, that neither has returned, then releases the lock.
     *
     * @return both threads, going on once the lock is released
     */
    private HandOff handOff(Body<?> mover, String name, Body<Integer> call) {
        ReentrantLock cpu1Lock = KernTestAccess.cpuLock(sys.engine, CPU1);
        cpu1Lock.lock();
        try {
            Task<?> m = rig.spawn("mover", mover);
            awaitState(() -> c.cpu() == CpuRef.MAXCPU, "c_cpu == CPUBLOCK (the move blocked in callout_cpu_switch)");
            Task<Integer> t = rig.spawn(name, call);
            awaitState(() -> inCalloutLock(t.thread()), "the " + name + " spinning in callout_lock");
            assertFalse(t.done() || m.done(), "both wait while c is in transit");
            assertEquals(CpuRef.MAXCPU, c.cpu());
            return new HandOff(m, t);
        } finally {
            cpu1Lock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* SPEC §11 Migration                                                                         */

    /** Case 45: a pending callout moves to the target CPU's wheel at once, and fires there. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec45_resetOnOtherCpuWhilePending_returnsOneAndMovesToThatWheelAtOnce(Profile p) {
        given(p, CPU0);
        Probe a = probe("a");
        Probe b = probe("b");
        assertEquals(0, sys.reset(c, 10, RUN, a));
        assertEquals(CPU0, c.cpu());
        assertPendingCounts(1, 0, "set-up");
        long expected = resetTime(10);

        int r = sys.resetOn(c, 10, RUN, b, CPU1);

        assertEquals(1, r, "a pending instance was rescheduled");
        assertArmedOn(CPU1, expected, "immediately: in CPU 1's wheel");
        assertTrue(c.pending() && c.active());
        rig.vt.advanceTicks(20);
        assertEquals(List.of("b@cpu1"), log, "fires once, on CPU 1, with the new argument");
        assertEquals(0, a.calls.get());
    }

    /** Case 46: reset_on to CPU 1 while the handler runs on CPU 0 defers the move to the handler's return. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_resetOnOtherCpuWhileRunning_returnsZeroAndMigratesWhenHandlerReturns(Profile p) throws Exception {
        givenRunningOnCpu0(p);
        Probe b = probe("b");
        long expected = resetTime(10); // virtual time stands still while the handler is held

        int r = sys.resetOn(c, 10, RUN_OTHER, b, CPU1);

        assertEquals(0, r, "nothing was pending: the running instance is not cancelled");
        assertTrue(c.pending(), "pending immediately");
        assertTrue(c.active(), "active immediately");
        assertTrue(deferred(c), "a deferred migration is recorded (DFRMIGRATION)");
        assertEquals(CPU0, c.cpu(), "c_cpu stays 0 while the handler runs");
        assertPendingCounts(0, 0, "recorded, but on no list");
        assertSame(h, c.arg(), "SPEC 4.6: c_arg is still the running arm's until completion");
        release();

        assertArmedOn(CPU1, expected, "moved when the handler returned, with the c_time computed at the reset call");
        assertFalse(deferred(c));
        assertSame(b, c.arg());
        assertSame(RUN_OTHER, c.func());
        rig.vt.advanceTicks(20);
        assertEquals(List.of("h@cpu0", "b@cpu1"), log);
    }

    /** Case 46 through callout_reset_curcpu from a thread bound to CPU 1: the same deferred migration. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_resetCurcpuFromCpu1WhileRunningOnCpu0_defersTheMoveToCpu1(Profile p) throws Exception {
        givenRunningOnCpu0(p);

        assertEquals(0, sys.resetCurcpu(c, 10, RUN, probe("b")));
        assertEquals(CPU0, c.cpu());
        assertTrue(deferred(c));
        release();

        assertEquals(CPU1, c.cpu());
        rig.vt.advanceTicks(20);
        assertEquals(List.of("h@cpu0", "b@cpu1"), log);
    }

    /**
     * Case 49: drain during a deferred migration waits for the handler, and nothing is scheduled
     * anywhere afterwards. MODERN returns -1 (the special case cleared PENDING, so nothing pending
     * was removed); CLASSIC returns 1 (the recorded migration counts as a pending callout it cancelled).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec49_drainDuringDeferredMigration_waitsThenNothingIsScheduledAnywhere(Profile p) throws Exception {
        Probe b = givenDeferredMigration(p);

        Drainer drainer = Drainer.sleeping(rig, c, log);
        release();
        int r = drainer.result();

        assertTrue(drainer.waitedForHandler(), "the drainer waits for the running handler");
        assertEquals(p == Profile.MODERN ? -1 : 1, r);
        assertEquals(List.of("h@cpu0", "drain returns"), log, "drain returns only after the handler");
        assertFalse(c.pending());
        assertFalse(deferred(c), "the migration record was discarded");
        assertEquals(CPU0, c.cpu(), "never moved");
        assertPendingCounts(0, 0, "scheduled nowhere");
        rig.vt.advanceTicks(50);
        assertEquals(0, b.calls.get(), "the recorded arm never runs");
    }

    /** Case 50: callout_reset keeps c_cpu; callout_reset_curcpu moves the callout to the caller's CPU. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec50_resetFromCpu0KeepsCpu1_resetCurcpuFromCpu0MovesToCpu0(Profile p) {
        given(p, CPU0);
        assertEquals(0, sys.resetOn(c, 10, RUN, probe("a"), CPU1));
        assertEquals(CPU1, c.cpu(), "set-up: c on CPU 1");

        assertEquals(1, sys.reset(c, 20, RUN, probe("b")), "callout_reset from CPU 0");
        assertEquals(CPU1, c.cpu(), "callout_reset (cpu -1) keeps c_cpu == 1");
        assertPendingCounts(0, 1, "after callout_reset");

        assertEquals(1, sys.resetCurcpu(c, 20, RUN, probe("d")), "callout_reset_curcpu from CPU 0");
        assertEquals(CPU0, c.cpu(), "callout_reset_curcpu moves c to CPU 0");
        assertPendingCounts(1, 0, "after callout_reset_curcpu");

        rig.vt.advanceTicks(30);
        assertEquals(List.of("d@cpu0"), log);
    }

    /** Case 51: a CPU out of range (MAXCPU, ncpus, below -1) is rejected and changes nothing. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec51_resetOnCpuOutOfRange_throwsIllegalArgumentAndChangesNothing(Profile p) {
        given(p, CPU0);
        Probe a = probe("a");
        Probe b = probe("b");
        assertEquals(0, sys.reset(c, 10, RUN, a));
        long time = c.time();
        long precision = c.precision();
        int iflags = c.iflags();
        int flags = c.flags();

        for (int bad : new int[] {CpuRef.MAXCPU, sys.ncpus(), -2, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sys.resetOn(c, 1, RUN_OTHER, b, bad), "reset_on to cpu " + bad);
            assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains(Integer.toString(bad)),
                    "the message names the rule and the value: " + e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> sys.resetSbtOn(c, sys.tickSbt(), 0, RUN_OTHER, b, bad, 0), "reset_sbt_on " + bad);
            assertThrows(IllegalArgumentException.class, () -> sys.scheduleOn(c, 1, bad), "schedule_on " + bad);
            assertThrows(IllegalArgumentException.class,
                    () -> sys.scheduleSbtOn(c, sys.tickSbt(), 0, bad, 0), "schedule_sbt_on " + bad);

            assertEquals(CPU0, c.cpu(), "cpu unchanged after " + bad);
            assertEquals(time, c.time(), "c_time unchanged after " + bad);
            assertEquals(precision, c.precision());
            assertEquals(iflags, c.iflags());
            assertEquals(flags, c.flags());
            assertSame(RUN, c.func());
            assertSame(a, c.arg());
            assertPendingCounts(1, 0, "after the rejected cpu " + bad);
        }
        rig.vt.advanceTicks(20);
        assertEquals(List.of("a@cpu0"), log, "the original arm still fires, once, on CPU 0");
    }

    /** Case 51 during a deferred migration: the rejected call leaves the migration record alone. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec51_resetOnCpuOutOfRangeDuringDeferredMigration_throwsAndRecordIsKept(Profile p) throws Exception {
        Probe b = givenDeferredMigration(p);
        long expected = resetTime(10); // the record's time: virtual time stands still while the handler is held
        Probe x = probe("x");

        assertThrows(IllegalArgumentException.class, () -> sys.resetOn(c, 30, RUN_OTHER, x, CpuRef.MAXCPU));
        assertTrue(c.pending() && deferred(c), "still a deferred migration");
        release();

        assertEquals(CPU1, c.cpu());
        assertEquals(expected, c.time(), "armed from the record the rejected call did not touch");
        assertSame(b, c.arg());
        rig.vt.advanceTicks(40);
        assertEquals(List.of("h@cpu0", "b@cpu1"), log);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.1: stop, reset and drain against an MP-safe handler running on the other CPU              */

    /** Case 23 (§5.1): stop from CPU 1 cannot stop the handler running on CPU 0: 0, ACTIVE cleared, handler completes. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec23_stopFromCpu1WhileHandlerRunsOnCpu0_returnsZeroClearsActiveAndHandlerCompletes(Profile p) throws Exception {
        givenRunningOnCpu0(p);

        int r = sys.stop(c);
        boolean activeAfterStop = c.active();
        release();

        assertEquals(0, r, "executing: cannot be stopped");
        assertFalse(activeAfterStop, "stop clears ACTIVE");
        assertFalse(h.activeAfterGate, "the handler sees !active (the manual's idiom: it was stopped)");
        assertFalse(h.pendingAfterGate);
        assertEquals(List.of("h@cpu0"), log, "the handler completed normally");
        rig.vt.advanceTicks(20);
        assertEquals(1, h.calls.get(), "and does not run again");
    }

    /** §5.1: reset from CPU 1 re-arms the callout on its CPU (0) while its handler runs; it runs again. */
    // Case 46's reset of a running callout (0, pending at once), without a change of CPU.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_resetFromCpu1WhileHandlerRunsOnCpu0_returnsZeroRearmsOnCpu0AndRunsAgain(Profile p) throws Exception {
        givenRunningOnCpu0(p);

        int r = sys.reset(c, 10, RUN, probe("b"));
        int[] counts = pendingCounts();
        release();

        assertEquals(0, r, "nothing pending was cancelled");
        assertEquals(CPU0, c.cpu(), "callout_reset keeps c_cpu: no migration");
        assertEquals(1, counts[0], "re-armed at once on CPU 0 (not deferred: same CPU)");
        assertTrue(h.pendingAfterGate, "the handler sees pending (the manual's idiom: it was re-armed)");
        rig.vt.advanceTicks(20);
        assertEquals(List.of("h@cpu0", "b@cpu0"), log);
    }

    /** §5.1: a reset from CPU 1 that also removes the handler's own pending re-arm returns 1. */
    // Case 7's reset of a pending callout (1, only the new arm runs), while its handler runs on the other CPU.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec07_resetFromCpu1WhileRunningAndRearmed_returnsOneAndOnlyTheLastArmRuns(Profile p) throws Exception {
        givenRearmedRunningOnCpu0(p);
        assertTrue(c.pending(), "set-up: the handler re-armed itself");

        int r = sys.reset(c, 15, RUN, probe("b"));
        release();

        assertEquals(1, r, "the pending re-arm was removed");
        rig.vt.advanceTicks(30);
        assertEquals(List.of("h@cpu0", "b@cpu0"), log, "the handler's re-arm never runs");
    }

    /**
     * §4.7 and §4.11: stop from CPU 1 of a running callout with a pending re-arm removes the re-arm;
     * MODERN returns 0 (running wins), CLASSIC 1 (a pending instance was cancelled).
     */
    // Case 23's stop of a running callout, which here has a pending re-arm too.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec23_stopFromCpu1WhileRunningAndRearmed_removesRearm_modernZeroClassicOne(Profile p) throws Exception {
        givenRearmedRunningOnCpu0(p);

        int r = sys.stop(c);
        boolean pendingAfter = c.pending();
        int[] counts = pendingCounts();
        release();

        assertEquals(p == Profile.MODERN ? 0 : 1, r);
        assertFalse(pendingAfter, "the re-arm was removed");
        assertEquals(0, counts[0]);
        assertFalse(c.active());
        rig.vt.advanceTicks(30);
        assertEquals(List.of("h@cpu0"), log);
    }

    /** Case 35 across CPUs: drain from CPU 1 waits for the handler on CPU 0; MODERN -1, CLASSIC 0. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec35_drainFromCpu1WhileHandlerRunsOnCpu0_waits_modernMinusOneClassicZero(Profile p) throws Exception {
        givenRunningOnCpu0(p);

        Drainer drainer = Drainer.sleeping(rig, c, log);
        release();

        assertTrue(drainer.waitedForHandler());
        assertEquals(p == Profile.MODERN ? -1 : 0, drainer.result());
        assertEquals(List.of("h@cpu0", "drain returns"), log);
    }

    /**
     * Drain from CPU 1 of a running callout with a pending re-arm: waits for the handler and removes
     * the re-arm; both profiles return 1 (MODERN removes it after the wait, CLASSIC before).
     */
    // Case 35's drain of a running callout, which here has a pending re-arm too.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec35_drainFromCpu1WhileRunningAndRearmed_waitsRemovesRearmAndReturnsOne(Profile p) throws Exception {
        givenRearmedRunningOnCpu0(p);

        Drainer drainer = Drainer.sleeping(rig, c, log);
        release();

        assertTrue(drainer.waitedForHandler());
        assertEquals(1, drainer.result());
        assertFalse(c.pending());
        assertPendingCounts(0, 0, "after drain");
        rig.vt.advanceTicks(30);
        assertEquals(List.of("h@cpu0", "drain returns"), log, "the re-arm never runs");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.2 across CPUs: lock-wait cancellation                                                    */

    /** §5.2 / case 27 across CPUs: LOCKWAIT on CPU 1, the lock holder on CPU 0 stops: 1, and the handler is skipped. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec27_lockWaitOnCpu1_stopByLockHolderOnCpu0_returnsOneAndHandlerIsSkipped(Profile p) throws Exception {
        KMutex m = new KMutex("m");
        givenLocked(p, CPU0, m);
        Probe stale = probe("stale");
        int r;
        try (LockWait w = lockWait(m, stale, CPU1)) {
            assertEquals(CPU1, c.cpu());
            r = sys.stop(c);
        }

        assertEquals(1, r, "true cancellation of the lock-waiting instance");
        assertEquals(0, stale.calls.get(), "the cancelled invocation is skipped");
        assertTrue(m.tryLock(), "m ends unowned");
        m.unlock();
        assertEquals(CPU1, c.cpu());
        assertPendingCounts(0, 0, "nothing scheduled");
    }

    /**
     * §5.2 with §5.6: LOCKWAIT on CPU 0; the lock holder on CPU 1 calls reset_on(c, 5, cb2, b, 1): the
     * stale invocation is cancelled (1), and the fresh arm is a deferred migration (the dispatcher still
     * owns c on CPU 0), performed when the skipped dispatch completes.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec28_lockWaitOnCpu0_resetOnToCpu1ByLockHolder_cancelsStaleAndMigratesFreshArm(Profile p) throws Exception {
        KMutex m = new KMutex("m");
        givenLocked(p, CPU1, m);
        Probe stale = probe("stale");
        int r;
        long expected;
        boolean deferredWhileWaiting;
        int cpuWhileWaiting;
        try (LockWait w = lockWait(m, stale, CPU0)) {
            expected = resetTime(5);
            r = sys.resetOn(c, 5, RUN_OTHER, probe("fresh"), CPU1);
            deferredWhileWaiting = deferred(c) && c.pending();
            cpuWhileWaiting = c.cpu();
        }

        assertEquals(1, r, "the lock-waiting instance was cancelled");
        assertTrue(deferredWhileWaiting, "recorded as a deferred migration while the dispatcher owned c");
        assertEquals(CPU0, cpuWhileWaiting);
        assertEquals(0, stale.calls.get(), "the stale invocation is skipped");
        assertEquals(CPU1, c.cpu(), "moved when the skipped dispatch completed");
        assertEquals(expected, c.time());
        assertSame(RUN_OTHER, c.func());
        assertPendingCounts(0, 1, "the fresh arm");
        rig.vt.advanceTicks(20);
        assertEquals(List.of("fresh@cpu1"), log, "cb2(b) runs exactly once, on CPU 1");
    }

    /**
     * The same, then a stop by the lock holder: the reset already cancelled the in-flight instance
     * (cc_cancel is set), so MODERN finds an executing callout whose migration it discards: 0
     * (§4.7 step 3); CLASSIC counts the discarded migration as a cancelled pending callout: 1.
     * Either way nothing runs.
     */
    // Case 27's stop by the lock holder in LOCKWAIT, made after case 28's reset (here a reset_on).
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec27_lockWaitOnCpu0_resetOnToCpu1ThenStop_discardsEverything_modernZeroClassicOne(Profile p) throws Exception {
        KMutex m = new KMutex("m");
        givenLocked(p, CPU1, m);
        int reset;
        int stop;
        try (LockWait w = lockWait(m, probe("stale"), CPU0)) {
            reset = sys.resetOn(c, 5, RUN, probe("fresh"), CPU1);
            stop = sys.stop(c);
            assertFalse(c.pending(), "stop cleared the deferred migration's PENDING");
            assertFalse(deferred(c), "and its record");
            assertFalse(c.active());
        }

        assertEquals(1, reset);
        assertEquals(p == Profile.MODERN ? 0 : 1, stop);
        assertEquals(CPU0, c.cpu(), "never moved");
        assertPendingCounts(0, 0, "nothing re-armed");
        rig.vt.advanceTicks(20);
        assertEquals(List.of(), log, "neither the stale nor the fresh arm runs");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.6: migration while running, then stop / drain / reset / schedule                          */

    /**
     * §5.6: a stop during a deferred migration discards the record: MODERN 0 (the handler still
     * runs), CLASSIC 1. PENDING and ACTIVE are cleared at once, and nothing is re-armed on either CPU.
     */
    // Case 49 (the state of case 46, then a stop or drain: scheduled nowhere) with a stop.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec49_migrationWhileRunning_thenStop_discardsRecordAndNothingIsRearmed(Profile p) throws Exception {
        givenDeferredMigration(p);

        int r = sys.stop(c);

        assertEquals(p == Profile.MODERN ? 0 : 1, r);
        assertFalse(c.pending(), "PENDING cleared (special case)");
        assertFalse(c.active(), "ACTIVE cleared");
        assertFalse(deferred(c), "record discarded");
        release();
        assertEquals(CPU0, c.cpu(), "the callout never moves");
        assertPendingCounts(0, 0, "nothing re-armed");
        rig.vt.advanceTicks(50);
        assertEquals(List.of("h@cpu0"), log, "the migrated arm never runs");
    }

    /**
     * §5.6: several resets during one run overwrite the record; each after the first returns 1, and
     * at completion the callout is armed on CPU 1 with the last reset's time, precision, func and arg.
     */
    // Case 46's deferred migration, made three times during one run.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_migrationWhileRunning_thenSeveralResets_eachReturnsOneAndTheLastWins(Profile p) throws Exception {
        givenRunningOnCpu0(p);
        Probe b3 = probe("b3");
        long tick = sys.tickSbt();
        long t3 = rig.vt.now() + 40 * tick;
        long p3 = 3 * tick;

        int r1 = sys.resetOn(c, 10, RUN, probe("b1"), CPU1);
        int r2 = sys.resetOn(c, 20, RUN, probe("b2"), CPU1);
        int r3 = sys.resetSbtOn(c, t3, p3, RUN_OTHER, b3, CPU1, C_ABSOLUTE);
        boolean stillDeferred = deferred(c) && c.pending() && c.cpu() == CPU0;
        int[] counts = pendingCounts();
        release();

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
        assertPendingCounts(0, 1, "armed once, on CPU 1");
        rig.vt.advanceTo(t3 + p3 + tick);
        assertEquals(List.of("h@cpu0", "b3@cpu1"), log, "only the last arm runs, once, on CPU 1");
    }

    /**
     * §4.4 steps 4 and 5c: during a deferred migration a plain callout_reset (cpu -1) resolves -1 to
     * c_cpu, which is still the old CPU; it overwrites the record (1), so the callout stays on CPU 0.
     */
    // Case 50's callout_reset (cpu -1 keeps c_cpu), during case 46's deferred migration.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec50_migrationWhileRunning_thenResetWithCpuMinusOne_retargetsTheRecordToTheOldCpu(Profile p) throws Exception {
        givenRunningOnCpu0(p);
        Probe b2 = probe("b2");
        long expected = resetTime(15);

        assertEquals(0, sys.resetOn(c, 10, RUN, probe("b1"), CPU1));
        int r = sys.reset(c, 15, RUN_OTHER, b2);
        release();

        assertEquals(1, r, "the record was overwritten");
        assertEquals(CPU0, c.cpu(), "-1 meant c_cpu, still 0 when the reset ran");
        assertEquals(expected, c.time());
        assertSame(b2, c.arg());
        assertPendingCounts(1, 0, "armed on CPU 0");
        rig.vt.advanceTicks(30);
        assertEquals(List.of("h@cpu0", "b2@cpu0"), log);
    }

    /**
     * §4.6: callout_schedule_on during a deferred migration re-arms with the stored c_func/c_arg, which
     * are still the running arm's (the new pair lives in the record); it overwrites the record (1).
     */
    // Case 46's deferred migration, then overwritten by a callout_schedule_on (§4.6).
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec46_migrationWhileRunning_thenScheduleOn_usesTheStoredOldHandlerAndArg(Profile p) throws Exception {
        givenRunningOnCpu0(p);
        Probe b = probe("b");
        long expected = resetTime(20);

        assertEquals(0, sys.resetOn(c, 10, RUN_OTHER, b, CPU1));
        int r = sys.scheduleOn(c, 20, CPU1);
        release();

        assertEquals(1, r, "the record was overwritten");
        assertEquals(CPU1, c.cpu());
        assertEquals(expected, c.time(), "the schedule's time");
        assertSame(RUN, c.func(), "the stored (old) c_func, not the recorded one");
        assertSame(h, c.arg(), "the stored (old) c_arg");
        rig.vt.advanceTicks(40);
        assertEquals(List.of("h@cpu0", "h@cpu1"), log, "h runs again, on CPU 1; b never runs");
        assertEquals(0, b.calls.get());
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
    void spec55_deferredMigrationOfDirectCallout_keepsItDirectOnTheNewCpu(Profile p) throws Exception {
        givenDirectRunningOnCpu0(p);
        Callout n = mpsafe(sys);
        Probe nonDirect = Probe.of("nondirect", rig, n, log);
        long tick = sys.tickSbt();
        long t = rig.vt.now() + 20 * tick;
        long pr = tick / 4;
        assertEquals(0, sys.resetSbtOn(n, t, pr, RUN, nonDirect, CPU1, C_ABSOLUTE), "set-up: N first in the bucket");

        int r = sys.resetSbtOn(c, t, pr, RUN, probe("direct"), CPU1, C_ABSOLUTE | C_DIRECT_EXEC);

        assertEquals(0, r);
        assertTrue(deferred(c) && c.pending(), "running directly: recognised as executing, so deferred");
        assertEquals(CPU0, c.cpu());
        release();
        assertEquals(CPU1, c.cpu());
        assertTrue((c.iflags() & CALLOUT_DIRECT) != 0, "still a direct callout");
        assertEquals(t, c.time());
        assertPendingCounts(0, 2, "N and the migrated callout");
        rig.vt.advanceTo(t + pr + tick);
        assertEquals(List.of("h@cpu0", "direct@cpu1", "nondirect@cpu1"), log,
                "the migrated callout ran inside callout_process, before the softclock ran N");
    }

    /**
     * §5.10: a reset of a callout running directly, made without C_DIRECT_EXEC, looks at the
     * softclock entity, does not see it running, and migrates it at once (no deferred migration).
     */
    // Case 45's immediate move (as if not running), because the softclock entity is idle.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec45_resetOnWithoutDirectFlagWhileDirectHandlerRuns_isNotSeenRunningAndMigratesAtOnce(Profile p)
            throws Exception {
        givenDirectRunningOnCpu0(p);

        int r = sys.resetOn(c, 10, RUN, probe("b"), CPU1);
        int cpuWhileRunning = c.cpu();
        boolean deferredWhileRunning = deferred(c);
        int[] counts = pendingCounts();
        release();

        assertEquals(0, r);
        assertEquals(CPU1, cpuWhileRunning, "moved at once although its handler runs on CPU 0");
        assertFalse(deferredWhileRunning);
        assertEquals(1, counts[1]);
        rig.vt.advanceTicks(20);
        assertEquals(List.of("h@cpu0", "b@cpu1"), log);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* §5.7: lookups during the CPUBLOCK hand-off                                                  */

    /**
     * §5.7 at the completion of a deferred migration: the handler on CPU 0 calls reset_on(c, ..., 1)
     * itself; while the softclock moves c to CPU 1 (c_cpu == CPUBLOCK, CPU 1's lock held by the test),
     * another thread stops c. The stop waits in callout_lock until the switch is done, then locks CPU 1
     * and removes the migrated arm there: 1.
     */
    // Case 20's stop of a pending callout (1), which meets the callout in transit.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec20_cpublock_stopDuringDeferredMigrationHandOff_waitsThenStopsOnTheNewCpu(Profile p) throws Exception {
        given(p, CPU1);
        Probe b = probe("b");
        AtomicInteger resetInHandler = new AtomicInteger(Integer.MIN_VALUE);
        CalloutFunc<Probe> moveSelf = x -> {
            resetInHandler.set(x.sys.resetOn(x.c, 10, RUN, b, CPU1));
            x.run();
        };
        assertEquals(0, sys.resetOn(c, 1, moveSelf, probe("h"), CPU0));

        HandOff race = handOff(() -> {
            rig.vt.advanceTicks(3);
            return null;
        }, "stopper", () -> sys.stop(c));
        int r = race.contender().get();
        race.mover().get();

        assertEquals(0, resetInHandler.get(), "reset_on from the handler: deferred, nothing cancelled");
        assertEquals(1, r, "the stop found the migrated arm pending on CPU 1");
        assertEquals(CPU1, c.cpu());
        assertFalse(c.pending());
        assertPendingCounts(0, 0, "stopped");
        rig.vt.advanceTicks(30);
        assertEquals(List.of("h@cpu0"), log, "the migrated arm never runs");
    }

    /**
     * §5.7 during an immediate migration: thread R moves pending c from CPU 0 to CPU 1 and is held in
     * the hand-off; a callout_reset (cpu -1) by another thread waits in callout_lock, then resolves -1
     * to the new c_cpu (1) and re-arms there, cancelling R's arm (1).
     */
    // Case 50's callout_reset (cpu -1 means c_cpu), which meets the callout in transit.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec50_cpublock_resetDuringImmediateMigrationHandOff_waitsThenRearmsOnTheNewCpu(Profile p) throws Exception {
        given(p, CPU0);
        Probe last = probe("last");
        assertEquals(0, sys.reset(c, 10, RUN, probe("a")));
        long tick = sys.tickSbt();
        long t = rig.vt.now() + 25 * tick;
        Probe moved = probe("moved");

        HandOff race = handOff(() -> sys.resetOn(c, 10, RUN, moved, CPU1), "resetter",
                () -> sys.resetSbt(c, t, 0, RUN_OTHER, last, C_ABSOLUTE));

        assertEquals(1, race.mover().get(), "the mover rescheduled the pending arm");
        assertEquals(1, race.contender().get(), "the reset removed the mover's arm, now pending on CPU 1");
        assertEquals(CPU1, c.cpu(), "-1 resolved to the new c_cpu");
        assertEquals(t, c.time());
        assertSame(last, c.arg());
        assertPendingCounts(0, 1, "armed once, on CPU 1");
        rig.vt.advanceTo(t + 2 * tick);
        assertEquals(List.of("last@cpu1"), log);
    }

    /**
     * §5.7: a drain that meets the hand-off of an immediate migration waits in callout_lock, then
     * finds the callout pending on CPU 1 and removes it there without waiting for anything: 1.
     */
    // Case 33's drain of a pending callout (1, no sleep), which meets the callout in transit.
    @ParameterizedTest
    @EnumSource(Profile.class)
    void spec33_cpublock_drainDuringImmediateMigrationHandOff_waitsThenRemovesFromTheNewCpu(Profile p)
            throws Exception {
        given(p, CPU0);
        assertEquals(0, sys.reset(c, 10, RUN, probe("a")));
        Probe moved = probe("moved");

        HandOff race = handOff(() -> sys.resetOn(c, 10, RUN, moved, CPU1), "drainer", () -> sys.drain(c));

        assertEquals(1, race.mover().get());
        assertEquals(1, race.contender().get(), "removed the arm pending on CPU 1");
        assertEquals(0, rig.obs.drainWaitCount(), "nothing was running: the drain never slept");
        assertEquals(CPU1, c.cpu());
        assertFalse(c.pending());
        assertPendingCounts(0, 0, "drained");
        rig.vt.advanceTicks(30);
        assertEquals(List.of(), log);
        assertNotEquals(CpuRef.MAXCPU, c.cpu());
    }
}
