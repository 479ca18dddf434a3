package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.CalloutFlags.C_PREL;
import static org.kcallout.CalloutFlags.C_PRECALC;
import static org.kcallout.CalloutFlags.C_VALID_MASK;
import static org.kcallout.CalloutFlags.INIT_VALID_MASK;
import static org.kcallout.Sbt.SBT_MAX;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.KernTimeout;
import org.kcallout.Profile;
import org.kcallout.Sbt;
import org.kcallout.When;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/**
 * The misuse matrix of SPEC decision 3: every public method of {@link CalloutSystem},
 * {@link CalloutWheel}, {@link CalloutWheelBuilder}, {@link KernTimeout} and
 * {@link VirtualTicklessClock}, called with null for each reference argument, out-of-range and
 * overflowing numbers, unknown flag bits, a CPU out of range, an uninitialised callout, a callout
 * of another system (a wheel of another size and CPU count), and on a closed system.
 *
 * <p>Each row states the exception class ({@link IllegalArgumentException} for a bad argument,
 * {@link IllegalStateException} for misuse), the C function the message must start with (the one
 * the user called: {@code sys.reset} is {@code callout_reset}, not the primitive it reduces to),
 * and words the message must contain (the rule and the offending value). A row that expects
 * success states what the call must have done instead (huge times saturate: the arm is accepted
 * and does not fire).
 *
 * <p>Every row runs on a fresh {@link Fx fixture}: a MODERN system of 2 CPUs and 8192 buckets on a
 * {@link VirtualTicklessClock}, installed as the {@link KernTimeout} default, and a second system of 1
 * CPU and 16 buckets; callouts armed on both before the call ("victims") must be exactly as they
 * were after a rejected call (pending, active, time, precision, flags, handler, CPU, lock), and
 * then each fires exactly once. In the CLOSED rows the first system is closed before the call (in
 * the CLOSES rows, by the call, from a handler or holding a lock a dispatched invocation waits
 * for): its victims must be neither pending nor active and never fire, while the other system's
 * still fires once. Every call runs {@link Bounded bounded}: a hang fails after 30 s with a dump of all threads.
 */
final class CalloutWheelMisuseMatrixTest {
    /* Implementation notes: a row is a lambda over the fixture plus its expectation; rows() builds
     * them by family (arm functions by signature, init, stop and drain, queries, driving hooks,
     * builder, virtual timer) so that each function meets each kind of bad input. Every check of a
     * row is run and reported together (assertAll), so one row's report names every way the call
     * went wrong: the exception, a changed victim, a missing or extra fire. Determinism: the clock
     * is virtual and handlers run on the advancing thread; the only waits are Bounded's safety net. */

    /** CPUs of the system under test. */
    private static final int NCPUS = 2;
    /** Buckets per CPU of the system under test. */
    private static final int WHEEL = 8192;
    /** CPUs out of range for the system under test (-1 means "the callout's CPU" and is valid). */
    private static final int[] BAD_CPUS = {NCPUS, -2, Integer.MAX_VALUE, Integer.MIN_VALUE};
    /** Negative precisions. */
    private static final long[] BAD_PRECISIONS = {-1L, Long.MIN_VALUE};
    /** Ticks after which the post-call advance has run every victim. */
    private static final int SETTLE_TICKS = 10;

    private static final CalloutFunc<Probe> COUNT = p -> p.hits.incrementAndGet();
    private static final CalloutFunc<Object> NOP = a -> { };

    /* ---------------------------------------------------------------------------------------- */
    /* The test                                                                                  */

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void misuse(Row row) throws Throwable {
        Fx f = new Fx();
        try {
            f.setUp();
            if (row.mode == Mode.CLOSED) {
                Bounded.run("sys.close()", f.sys::close);
            }
            List<Snap> before = f.snapshots();
            Object result = null;
            Throwable thrown = null;
            try {
                result = Bounded.call(row.name, () -> row.call.call(f));
            } catch (Bounded.Timeout t) {
                throw t;
            } catch (Throwable t) {
                thrown = t;
            }
            Object r = result;
            Throwable e = thrown;
            List<Executable> checks = new ArrayList<>();
            checks.add(() -> checkOutcome(row, r, e));
            if (row.afterCall != null && e == null) {
                checks.add(() -> row.afterCall.check(f, r));
            }
            if (!row.movesTime) {
                checks.add(() -> checkUnchanged(before, f.snapshots()));
            }
            if (row.mode != Mode.OPEN) {
                checks.add(() -> checkClosed(f));
            }
            checks.add(() -> checkFires(f, row));
            if (row.afterAdvance != null && e == null) {
                checks.add(() -> row.afterAdvance.check(f, r));
            }
            assertAll(row.name, checks.stream());
        } finally {
            f.tearDown();
        }
    }

    /** The call's own outcome: the expected exception and message, or success. */
    private static void checkOutcome(Row row, Object result, Throwable thrown) {
        if (row.expected == null) {
            if (thrown != null) {
                throw new AssertionError("expected the call to be accepted, but it threw " + thrown, thrown);
            }
            return;
        }
        if (thrown == null) {
            fail("expected " + row.expected.getSimpleName() + ", but the call returned " + result);
        }
        if (!row.expected.isInstance(thrown)) {
            throw new AssertionError("expected " + row.expected.getSimpleName() + " but got "
                    + forbiddenNote(thrown) + thrown, thrown);
        }
        String m = thrown.getMessage();
        if (m == null) {
            throw new AssertionError("the " + thrown.getClass().getSimpleName() + " has no message", thrown);
        }
        if (!row.fns.isEmpty() && row.fns.stream().noneMatch(fn -> m.startsWith(fn + ":"))) {
            throw new AssertionError("message must start with " + String.join(": or ", row.fns)
                    + ": (the C function the user called), was: " + m, thrown);
        }
        String lower = m.toLowerCase(Locale.ROOT);
        for (String w : row.contains) {
            if (!lower.contains(w.toLowerCase(Locale.ROOT))) {
                throw new AssertionError("message must contain \"" + w + "\", was: " + m, thrown);
            }
        }
    }

    private static String forbiddenNote(Throwable t) {
        if (t instanceof NullPointerException || t instanceof IndexOutOfBoundsException
                || t instanceof ClassCastException || t instanceof AssertionError) {
            return "(a type no public method may throw for bad input) ";
        }
        return "";
    }

    /** Every tracked callout is as it was before the call; names each one that is not. */
    private static void checkUnchanged(List<Snap> before, List<Snap> after) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < before.size(); i++) {
            if (!before.get(i).equals(after.get(i))) {
                sb.append("\n  ").append(before.get(i).name()).append(": before ").append(before.get(i).brief())
                        .append(", after ").append(after.get(i).brief());
            }
        }
        if (sb.length() > 0) {
            fail("the call changed a callout it must leave alone (a rejected call changes nothing):" + sb);
        }
    }

    /** After close: the system says so, and what was armed is neither pending nor active. */
    private static void checkClosed(Fx f) {
        assertTrue(f.sys.isClosed(), "isClosed() after close()");
        for (Probe p : List.of(f.victim, f.target, f.locked)) {
            assertFalse(p.c.pending(), p.name + " still pending after close(): " + p.c);
            if (p.hits.get() == 0) { // (running does not clear ACTIVE: one that ran before close keeps it)
                assertFalse(p.c.active(), p.name + " still active after close(): " + p.c);
            }
        }
    }

    /** Advances both clocks well past every victim: each fires exactly once (never, if closed). */
    private static void checkFires(Fx f, Row row) throws Throwable {
        Mode mode = row.mode;
        Bounded.run("advance both clocks " + SETTLE_TICKS + " ticks", () -> {
            try {
                f.vt.advanceTicks(SETTLE_TICKS);
            } catch (IllegalStateException e) {
                if (mode == Mode.OPEN) {
                    throw e;
                }
                // The clock of a closed system may refuse to move; it must not run anything either way.
            }
            f.otherVt.advanceTicks(SETTLE_TICKS);
        });
        int armed = mode == Mode.OPEN ? 1 : 0;
        int[] want = row.hitsBeforeClose != null ? row.hitsBeforeClose : new int[] {armed, armed, armed};
        assertAll("fire counts after advancing " + SETTLE_TICKS + " ticks",
                () -> assertEquals(want[0], f.victim.hits.get(), "victim fired"),
                () -> assertEquals(want[1], f.target.hits.get(), "target (armed on CPU 1) fired"),
                () -> assertEquals(want[2], f.locked.hits.get(), "locked (callout_init_mtx) fired"),
                () -> assertEquals(1, f.foreign.hits.get(), "foreign (armed on the other system) fired"),
                () -> assertEquals(0, f.idle.hits.get(), "idle fired"),
                () -> assertEquals(0, f.fresh.hits.get(), "fresh fired"),
                () -> assertEquals(0, f.foreignIdle.hits.get(), "foreignIdle fired"),
                () -> assertFalse(f.victim.c.pending() || f.target.c.pending() || f.locked.c.pending()
                        || f.foreign.c.pending(), "a victim is still pending after its time"));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Fixture                                                                                   */

    /** A callout with a name and a count of its handler's runs (the handler's argument). */
    static final class Probe {
        final String name;
        final Callout c = new Callout();
        final AtomicInteger hits = new AtomicInteger();

        Probe(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** What a rejected call must not change about a callout. */
    record Snap(String name, boolean initialized, int cpu, boolean pending, boolean active, long time,
                long precision, int iflags, int flags, Object func, Object arg, Object lock) {
        String brief() {
            return "[init=" + initialized + ", cpu=" + cpu + ", pending=" + pending + ", active=" + active
                    + ", time=" + Sbt.format(time) + ", prec=" + Sbt.format(precision) + ", iflags=0x"
                    + Integer.toHexString(iflags) + ", flags=0x" + Integer.toHexString(flags)
                    + ", func=" + (func == null ? "null" : func == COUNT ? "COUNT" : func.getClass().getSimpleName())
                    + ", arg=" + arg + ", lock=" + (lock == null ? "null" : ((CalloutLock) lock).name()) + "]";
        }

        static Snap of(Probe p) {
            Callout c = p.c;
            return new Snap(p.name, c.initialized(), c.cpu(), c.pending(), c.active(), c.time(), c.precision(),
                    c.iflags(), c.flags(), c.func(), c.arg(), c.lock());
        }
    }

    /**
     * Two systems and their callouts. {@code sys}: MODERN, 2 CPUs, 8192 buckets, the KernTimeout
     * default; {@code other}: 1 CPU, 16 buckets.
     */
    static final class Fx {
        final VirtualTicklessClock vt = new VirtualTicklessClock();
        final VirtualTicklessClock otherVt = new VirtualTicklessClock();
        final KMutex mtx = new KMutex("matrix-mtx");
        /** The engine's wait hooks on sys: tells when a dispatched invocation waits for its lock. */
        final SpecSupport.WaitObserver obs = new SpecSupport.WaitObserver();
        /** Armed on sys, CPU 0, 5 ticks. */
        final Probe victim = new Probe("victim");
        /** Armed on sys, CPU 1, 7 ticks: the callout most bad calls name. */
        final Probe target = new Probe("target");
        /** callout_init_mtx(mtx), armed under mtx on sys, 6 ticks. */
        final Probe locked = new Probe("locked");
        /** Armed on other, 5 ticks. */
        final Probe foreign = new Probe("foreign");
        /** Initialised on other, never armed. */
        final Probe foreignIdle = new Probe("foreignIdle");
        /** Initialised on sys, never armed. */
        final Probe idle = new Probe("idle");
        /** Never initialised. */
        final Probe fresh = new Probe("fresh");
        /** Initialised on sys, not tracked: the subject of the calls that must be accepted. */
        final Probe far = new Probe("far");
        CalloutWheel sys;
        CalloutWheel other;
        long tick;
        private CalloutSystem previousDefault;
        private boolean installed;

        void setUp() {
            sys = CalloutWheel.builder().clock(vt).ncpus(NCPUS).callwheelSize(WHEEL).observer(obs).build();
            other = CalloutWheel.builder().clock(otherVt).ncpus(1).callwheelSize(16).build();
            tick = sys.tickSbt();
            vt.advanceTicks(1);
            otherVt.advanceTicks(1);
            sys.init(victim.c, true);
            sys.reset(victim.c, 5, COUNT, victim);
            sys.init(target.c, true);
            sys.resetOn(target.c, 7, COUNT, target, 1);
            sys.initLock(locked.c, mtx, 0);
            mtx.lock();
            try {
                sys.reset(locked.c, 6, COUNT, locked);
            } finally {
                mtx.unlock();
            }
            other.init(foreign.c, true);
            other.reset(foreign.c, 5, COUNT, foreign);
            other.init(foreignIdle.c, true);
            sys.init(idle.c, true);
            sys.init(far.c, true);
            previousDefault = KernTimeout.setSystem(sys);
            installed = true;
            assertTrue(victim.c.pending() && target.c.pending() && locked.c.pending() && foreign.c.pending(),
                    "fixture: victims armed");
            assertEquals(1, target.c.cpu(), "fixture: target on CPU 1");
        }

        List<Snap> snapshots() {
            return Stream.of(victim, target, locked, foreign, foreignIdle, idle, fresh).map(Snap::of).toList();
        }

        void tearDown() throws Throwable {
            try {
                if (installed) {
                    restoreDefault(previousDefault);
                }
            } finally {
                if (sys != null) {
                    Bounded.run("tearDown: sys.close()", sys::close);
                }
                if (other != null) {
                    Bounded.run("tearDown: other.close()", other::close);
                }
            }
        }
    }

    /** Puts back the KernTimeout default; {@code null} (none yet) returns the facade to its initial state. */
    private static void restoreDefault(CalloutSystem previous) {
        KernTimeout.setSystem(previous);
    }

    /** A lock of a sleepable class (sx, lockmgr), which no callout may use. */
    static final class SleepableLock implements CalloutLock {
        private final ReentrantLock l = new ReentrantLock();

        @Override
        public void lock() {
            l.lock();
        }

        @Override
        public void unlock() {
            l.unlock();
        }

        @Override
        public boolean owned() {
            return l.isHeldByCurrentThread();
        }

        @Override
        public Kind kind() {
            return Kind.SLEEPABLE;
        }

        @Override
        public String name() {
            return "matrix-sx";
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Rows                                                                                      */

    enum Mode {
        /** The system is open. */
        OPEN,
        /** {@code sys.close()} ran before the call. */
        CLOSED,
        /** The call itself closes the system (while something is running or waiting). */
        CLOSES
    }

    /** The call of a row. */
    @FunctionalInterface
    interface Call {
        Object call(Fx f) throws Throwable;
    }

    /** An extra check of a row that expects success. */
    @FunctionalInterface
    interface Check {
        void check(Fx f, Object result) throws Throwable;
    }

    /** One row of the matrix. */
    static final class Row {
        final String name;
        final Mode mode;
        final Call call;
        /** Null: the call must succeed. */
        final Class<? extends Throwable> expected;
        /** The message starts with one of these followed by ':'; empty: no rule. */
        final List<String> fns;
        /** Case-insensitive substrings of the message. */
        final List<String> contains;
        Check afterCall;
        Check afterAdvance;
        /** The call itself moves time (so victims fire during it): skip the snapshot comparison. */
        boolean movesTime;
        /** CLOSES rows: how often victim, target and locked ran before the call closed the system. */
        int[] hitsBeforeClose;

        Row(Mode mode, String label, Class<? extends Throwable> expected, List<String> fns, Call call,
            List<String> contains) {
            this.mode = mode;
            this.call = call;
            this.expected = expected;
            this.fns = fns;
            this.contains = contains;
            this.name = (mode == Mode.CLOSED ? "closed | " : mode == Mode.CLOSES ? "closes | " : "") + label + " -> "
                    + (expected == null ? "accepted" : expected.getSimpleName());
        }

        Row afterCall(Check c) {
            this.afterCall = c;
            return this;
        }

        Row afterAdvance(Check c) {
            this.afterAdvance = c;
            return this;
        }

        Row movesTime() {
            this.movesTime = true;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Collects rows. */
    static final class Table {
        final List<Row> rows = new ArrayList<>();

        Row reject(Mode mode, String label, Class<? extends Throwable> ex, List<String> fns, Call call,
                   String... contains) {
            Row r = new Row(mode, label, ex, fns, call, List.of(contains));
            rows.add(r);
            return r;
        }

        Row iae(String label, List<String> fns, Call call, String... contains) {
            return reject(Mode.OPEN, label, IllegalArgumentException.class, fns, call, contains);
        }

        Row ise(String label, List<String> fns, Call call, String... contains) {
            return reject(Mode.OPEN, label, IllegalStateException.class, fns, call, contains);
        }

        Row closed(String label, List<String> fns, Call call) {
            return reject(Mode.CLOSED, label, IllegalStateException.class, fns, call, "closed");
        }

        Row accept(Mode mode, String label, Call call) {
            Row r = new Row(mode, label, null, List.of(), call, List.of());
            rows.add(r);
            return r;
        }

        Row closes(String label, int[] hitsBeforeClose, Call call) {
            Row r = accept(Mode.CLOSES, label, call).movesTime();
            r.hitsBeforeClose = hitsBeforeClose;
            return r;
        }
    }

    static Stream<Arguments> rows() {
        Table t = new Table();
        armRows(t);
        initRows(t);
        stopRows(t);
        queryRows(t);
        wheelRows(t);
        closedRows(t);
        builderRows(t);
        timerRows(t);
        facadeRows(t);
        return t.rows.stream().map(r -> Arguments.of(Named.of(r.name, r)));
    }

    private static List<String> fn(String... names) {
        return List.of(names);
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    /** Each bit outside {@code valid}. */
    private static int[] badBits(int valid) {
        return java.util.stream.IntStream.range(0, 32).map(i -> 1 << i).filter(b -> (b & ~valid) != 0).toArray();
    }

    /* ---- The arming functions, by signature ------------------------------------------------ */

    /** An sbintime arming function: {@code *_sbt*(c, sbt, pr, [func, arg,] [cpu,] flags)}. */
    @FunctionalInterface
    interface SbtArm {
        Object arm(Fx f, Callout c, long sbt, long pr, CalloutFunc<Probe> fn, Probe arg, int cpu, int flags);
    }

    /** A tick arming function: {@code (c, ticks, [func, arg,] [cpu])}. */
    @FunctionalInterface
    interface TickArm {
        Object arm(Fx f, Callout c, int ticks, CalloutFunc<Probe> fn, Probe arg, int cpu);
    }

    /**
     * @param label    how the row names the call
     * @param fns      the C name(s) the message may start with
     * @param cpuArg   the function takes a CPU
     * @param schedule the function re-uses the previous handler (callout_schedule*)
     */
    record SbtFn(String label, List<String> fns, boolean cpuArg, boolean schedule, SbtArm arm) {
    }

    /** As {@link SbtFn} for the tick functions. */
    record TickFn(String label, List<String> fns, boolean cpuArg, boolean schedule, TickArm arm) {
    }

    static final List<SbtFn> SBT_FNS = List.of(
            new SbtFn("sys.resetSbtOn", fn("callout_reset_sbt_on"), true, false,
                    (f, c, s, p, fn, a, cpu, fl) -> f.sys.resetSbtOn(c, s, p, fn, a, cpu, fl)),
            new SbtFn("sys.resetSbt", fn("callout_reset_sbt"), false, false,
                    (f, c, s, p, fn, a, cpu, fl) -> f.sys.resetSbt(c, s, p, fn, a, fl)),
            new SbtFn("sys.resetSbtCurcpu", fn("callout_reset_sbt_curcpu"), false, false,
                    (f, c, s, p, fn, a, cpu, fl) -> f.sys.resetSbtCurcpu(c, s, p, fn, a, fl)),
            new SbtFn("sys.scheduleSbtOn", fn("callout_schedule_sbt_on"), true, true,
                    (f, c, s, p, fn, a, cpu, fl) -> f.sys.scheduleSbtOn(c, s, p, cpu, fl)),
            new SbtFn("sys.scheduleSbt", fn("callout_schedule_sbt"), false, true,
                    (f, c, s, p, fn, a, cpu, fl) -> f.sys.scheduleSbt(c, s, p, fl)),
            new SbtFn("sys.scheduleSbtCurcpu", fn("callout_schedule_sbt_curcpu"), false, true,
                    (f, c, s, p, fn, a, cpu, fl) -> f.sys.scheduleSbtCurcpu(c, s, p, fl)),
            new SbtFn("KernTimeout.callout_reset_sbt_on", fn("callout_reset_sbt_on"), true, false,
                    (f, c, s, p, fn, a, cpu, fl) -> KernTimeout.callout_reset_sbt_on(c, s, p, fn, a, cpu, fl)),
            new SbtFn("KernTimeout.callout_reset_sbt", fn("callout_reset_sbt"), false, false,
                    (f, c, s, p, fn, a, cpu, fl) -> KernTimeout.callout_reset_sbt(c, s, p, fn, a, fl)),
            new SbtFn("KernTimeout.callout_reset_sbt_curcpu", fn("callout_reset_sbt_curcpu"), false, false,
                    (f, c, s, p, fn, a, cpu, fl) -> KernTimeout.callout_reset_sbt_curcpu(c, s, p, fn, a, fl)),
            new SbtFn("KernTimeout.callout_schedule_sbt_on", fn("callout_schedule_sbt_on"), true, true,
                    (f, c, s, p, fn, a, cpu, fl) -> KernTimeout.callout_schedule_sbt_on(c, s, p, cpu, fl)),
            new SbtFn("KernTimeout.callout_schedule_sbt", fn("callout_schedule_sbt"), false, true,
                    (f, c, s, p, fn, a, cpu, fl) -> KernTimeout.callout_schedule_sbt(c, s, p, fl)),
            new SbtFn("KernTimeout.callout_schedule_sbt_curcpu", fn("callout_schedule_sbt_curcpu"), false, true,
                    (f, c, s, p, fn, a, cpu, fl) -> KernTimeout.callout_schedule_sbt_curcpu(c, s, p, fl)));

    static final List<TickFn> TICK_FNS = List.of(
            new TickFn("sys.resetOn", fn("callout_reset_on"), true, false,
                    (f, c, n, fn, a, cpu) -> f.sys.resetOn(c, n, fn, a, cpu)),
            new TickFn("sys.reset", fn("callout_reset"), false, false,
                    (f, c, n, fn, a, cpu) -> f.sys.reset(c, n, fn, a)),
            new TickFn("sys.resetCurcpu", fn("callout_reset_curcpu"), false, false,
                    (f, c, n, fn, a, cpu) -> f.sys.resetCurcpu(c, n, fn, a)),
            new TickFn("sys.scheduleOn", fn("callout_schedule_on"), true, true,
                    (f, c, n, fn, a, cpu) -> f.sys.scheduleOn(c, n, cpu)),
            new TickFn("sys.schedule", fn("callout_schedule"), false, true,
                    (f, c, n, fn, a, cpu) -> f.sys.schedule(c, n)),
            new TickFn("sys.scheduleCurcpu", fn("callout_schedule_curcpu"), false, true,
                    (f, c, n, fn, a, cpu) -> f.sys.scheduleCurcpu(c, n)),
            new TickFn("KernTimeout.callout_reset_on", fn("callout_reset_on"), true, false,
                    (f, c, n, fn, a, cpu) -> KernTimeout.callout_reset_on(c, n, fn, a, cpu)),
            new TickFn("KernTimeout.callout_reset", fn("callout_reset"), false, false,
                    (f, c, n, fn, a, cpu) -> KernTimeout.callout_reset(c, n, fn, a)),
            new TickFn("KernTimeout.callout_reset_curcpu", fn("callout_reset_curcpu"), false, false,
                    (f, c, n, fn, a, cpu) -> KernTimeout.callout_reset_curcpu(c, n, fn, a)),
            new TickFn("KernTimeout.callout_schedule_on", fn("callout_schedule_on"), true, true,
                    (f, c, n, fn, a, cpu) -> KernTimeout.callout_schedule_on(c, n, cpu)),
            new TickFn("KernTimeout.callout_schedule", fn("callout_schedule"), false, true,
                    (f, c, n, fn, a, cpu) -> KernTimeout.callout_schedule(c, n)),
            new TickFn("KernTimeout.callout_schedule_curcpu", fn("callout_schedule_curcpu"), false, true,
                    (f, c, n, fn, a, cpu) -> KernTimeout.callout_schedule_curcpu(c, n)));

    /** Arm rows for the sbintime and tick functions on an open system. */
    private static void armRows(Table t) {
        for (SbtFn s : SBT_FNS) {
            String l = s.label;
            List<String> fns = s.fns;
            // null callout, null handler
            t.iae(l + "(null, ...)", fns, f -> s.arm.arm(f, null, 3 * f.tick, 0, COUNT, f.target, -1, 0), "null");
            if (!s.schedule) {
                t.iae(l + "(target, func=null)", fns,
                        f -> s.arm.arm(f, f.target.c, 3 * f.tick, 0, null, f.target, -1, 0), "null");
            }
            // unknown flag bits, on the armed target
            for (int bit : badBits(C_VALID_MASK)) {
                t.iae(l + "(target, flags=" + hex(bit) + ")", fns,
                        f -> s.arm.arm(f, f.target.c, 3 * f.tick, 0, COUNT, f.target, -1, bit), "flag", hex(bit));
            }
            t.iae(l + "(target, flags=C_HARDCLOCK|0x40000000)", fns,
                    f -> s.arm.arm(f, f.target.c, 3 * f.tick, 0, COUNT, f.target, -1, C_HARDCLOCK | 1 << 30),
                    "flag", hex(1 << 30));
            // negative precision
            for (long pr : BAD_PRECISIONS) {
                t.iae(l + "(target, pr=" + pr + ")", fns,
                        f -> s.arm.arm(f, f.target.c, 3 * f.tick, pr, COUNT, f.target, -1, 0), "precision",
                        Long.toString(pr));
            }
            // CPU out of range
            if (s.cpuArg) {
                for (int cpu : BAD_CPUS) {
                    t.iae(l + "(target, cpu=" + cpu + ")", fns,
                            f -> s.arm.arm(f, f.target.c, 3 * f.tick, 0, COUNT, f.target, cpu, 0), "cpu",
                            Integer.toString(cpu));
                }
            }
            // uninitialised; another system's (armed and idle)
            t.ise(l + "(fresh: never initialised)", fns,
                    f -> s.arm.arm(f, f.fresh.c, 3 * f.tick, 0, COUNT, f.fresh, -1, 0), "initiali");
            t.ise(l + "(foreign: armed on the other system)", fns,
                    f -> s.arm.arm(f, f.foreign.c, 3 * f.tick, 0, COUNT, f.foreign, -1, 0), "another");
            // (a callout_schedule* of foreignIdle breaks two rules: another system's, never armed)
            t.ise(l + "(foreignIdle: initialised on the other system)", fns,
                    f -> s.arm.arm(f, f.foreignIdle.c, 3 * f.tick, 0, COUNT, f.foreignIdle, -1, 0),
                    s.schedule ? new String[0] : new String[] {"another"});
            if (s.cpuArg) {
                t.ise(l + "(foreign, cpu=1: valid here, not on its system)", fns,
                        f -> s.arm.arm(f, f.foreign.c, 3 * f.tick, 0, COUNT, f.foreign, 1, 0), "another");
            }
            if (s.schedule) {
                t.ise(l + "(idle: never armed)", fns,
                        f -> s.arm.arm(f, f.idle.c, 3 * f.tick, 0, null, null, -1, 0), "arm");
            } else {
                // C_DIRECT_EXEC needs a callout without a lock (or with a spin mutex)
                t.iae(l + "(locked, flags=C_DIRECT_EXEC) with its sleep mutex held", fns, f -> {
                    f.mtx.lock();
                    try {
                        return s.arm.arm(f, f.locked.c, 3 * f.tick, 0, COUNT, f.locked, -1, C_DIRECT_EXEC);
                    } finally {
                        f.mtx.unlock();
                    }
                }, "C_DIRECT_EXEC");
            }
            // Huge times saturate: accepted, far in the future, never fires.
            long[][] huge = {
                {Long.MAX_VALUE, 0, 0},
                {SBT_MAX, Long.MAX_VALUE, 0},
                {Long.MAX_VALUE, 0, C_HARDCLOCK},
                {Long.MAX_VALUE, 0, C_PREL(0)},
                {Long.MAX_VALUE, Long.MAX_VALUE, C_ABSOLUTE},
                {Long.MAX_VALUE, 0, C_PRECALC},
            };
            for (long[] h : huge) {
                int flags = (int) h[2];
                int cpu = s.cpuArg ? 1 : -1;
                t.accept(Mode.OPEN, l + "(far, sbt=" + h[0] + ", pr=" + h[1] + ", flags=" + hex(flags)
                        + (s.cpuArg ? ", cpu=1" : "") + "): saturates", f -> {
                            armFarOnce(f, s.schedule);
                            return s.arm.arm(f, f.far.c, h[0], h[1], COUNT, f.far, cpu, flags);
                        })
                        .afterCall(CalloutWheelMisuseMatrixTest::farArmedFarAway)
                        .afterAdvance(CalloutWheelMisuseMatrixTest::farNeverFired);
            }
            // Times in the past (negative relative, negative or zero absolute): accepted, fire once.
            long[][] past = {
                {Long.MIN_VALUE, 0, 0},
                {-1, 0, 0},
                {Long.MIN_VALUE, 0, C_ABSOLUTE},
                {0, 0, C_ABSOLUTE},
                {Long.MIN_VALUE, 0, C_HARDCLOCK},
                {Long.MIN_VALUE, 0, C_PRECALC},
            };
            for (long[] p : past) {
                int flags = (int) p[2];
                t.accept(Mode.OPEN, l + "(far, sbt=" + p[0] + ", flags=" + hex(flags) + "): in the past, fires once",
                        f -> {
                            armFarOnce(f, s.schedule);
                            return s.arm.arm(f, f.far.c, p[0], p[1], COUNT, f.far, -1, flags);
                        })
                        .afterCall((f, r) -> assertTrue(f.far.c.pending(), "far pending after the arm: " + f.far.c))
                        .afterAdvance(CalloutWheelMisuseMatrixTest::farFiredOnce);
            }
            // A huge precision: the window is open-ended, but the callout still runs at the next scan.
            t.accept(Mode.OPEN, l + "(far, sbt=tick, pr=Long.MAX_VALUE): runs by the next scan after its time", f -> {
                armFarOnce(f, s.schedule);
                return s.arm.arm(f, f.far.c, f.tick, Long.MAX_VALUE, COUNT, f.far, -1, 0);
            }).afterAdvance(CalloutWheelMisuseMatrixTest::farFiredOnce);
        }

        for (TickFn s : TICK_FNS) {
            String l = s.label;
            List<String> fns = s.fns;
            t.iae(l + "(null, ...)", fns, f -> s.arm.arm(f, null, 3, COUNT, f.target, -1), "null");
            if (!s.schedule) {
                t.iae(l + "(target, func=null)", fns, f -> s.arm.arm(f, f.target.c, 3, null, f.target, -1), "null");
            }
            if (s.cpuArg) {
                for (int cpu : BAD_CPUS) {
                    t.iae(l + "(target, cpu=" + cpu + ")", fns, f -> s.arm.arm(f, f.target.c, 3, COUNT, f.target, cpu),
                            "cpu", Integer.toString(cpu));
                }
                t.ise(l + "(foreign, cpu=1: valid here, not on its system)", fns,
                        f -> s.arm.arm(f, f.foreign.c, 3, COUNT, f.foreign, 1), "another");
            }
            t.ise(l + "(fresh: never initialised)", fns, f -> s.arm.arm(f, f.fresh.c, 3, COUNT, f.fresh, -1),
                    "initiali");
            t.ise(l + "(foreign: armed on the other system)", fns,
                    f -> s.arm.arm(f, f.foreign.c, 3, COUNT, f.foreign, -1), "another");
            t.ise(l + "(foreignIdle: initialised on the other system)", fns,
                    f -> s.arm.arm(f, f.foreignIdle.c, 3, COUNT, f.foreignIdle, -1),
                    s.schedule ? new String[0] : new String[] {"another"});
            if (s.schedule) {
                t.ise(l + "(idle: never armed)", fns, f -> s.arm.arm(f, f.idle.c, 3, null, null, -1), "arm");
            }
            // Integer.MAX_VALUE ticks (about 24 days at hz 1000): accepted, never fires here.
            int cpu = s.cpuArg ? 1 : -1;
            t.accept(Mode.OPEN, l + "(far, ticks=Integer.MAX_VALUE" + (s.cpuArg ? ", cpu=1" : "") + "): accepted",
                    f -> {
                        armFarOnce(f, s.schedule);
                        return s.arm.arm(f, f.far.c, Integer.MAX_VALUE, COUNT, f.far, cpu);
                    })
                    .afterCall(CalloutWheelMisuseMatrixTest::farArmedFarAway)
                    .afterAdvance(CalloutWheelMisuseMatrixTest::farNeverFired);
            // ticks <= 0 means 1
            for (int n : new int[] {0, -1, Integer.MIN_VALUE}) {
                t.accept(Mode.OPEN, l + "(far, ticks=" + n + "): means 1, fires once", f -> {
                    armFarOnce(f, s.schedule);
                    return s.arm.arm(f, f.far.c, n, COUNT, f.far, -1);
                })
                        .afterCall((f, r) -> assertTrue(f.far.c.pending(), "far pending after the arm: " + f.far.c))
                        .afterAdvance(CalloutWheelMisuseMatrixTest::farFiredOnce);
            }
        }

        // callout_when
        List<String> when = fn("callout_when");
        for (int bit : badBits(C_VALID_MASK)) {
            t.iae("sys.when(flags=" + hex(bit) + ")", when, f -> f.sys.when(f.tick, 0, bit), "flag", hex(bit));
            t.iae("KernTimeout.callout_when(flags=" + hex(bit) + ")", when,
                    f -> KernTimeout.callout_when(f.tick, 0, bit), "flag", hex(bit));
        }
        for (long pr : BAD_PRECISIONS) {
            t.iae("sys.when(pr=" + pr + ")", when, f -> f.sys.when(f.tick, pr, 0), "precision", Long.toString(pr));
            t.iae("KernTimeout.callout_when(pr=" + pr + ")", when,
                    f -> KernTimeout.callout_when(f.tick, pr, 0), "precision", Long.toString(pr));
            t.iae("KernTimeout.callout_when(pr=" + pr + ", long[2])", when,
                    f -> {
                        KernTimeout.callout_when(f.tick, pr, 0, new long[2]);
                        return null;
                    }, "precision", Long.toString(pr));
        }
        t.iae("KernTimeout.callout_when(..., null)", when, f -> {
            KernTimeout.callout_when(f.tick, 0, 0, null);
            return null;
        }, "null");
        t.iae("KernTimeout.callout_when(..., long[1])", when, f -> {
            KernTimeout.callout_when(f.tick, 0, 0, new long[1]);
            return null;
        }, "length");
        long[][] whenHuge = {{Long.MAX_VALUE, 0, 0}, {Long.MAX_VALUE, Long.MAX_VALUE, 0},
            {Long.MAX_VALUE, 0, C_HARDCLOCK}, {Long.MAX_VALUE, 0, C_PREL(0)}};
        for (long[] h : whenHuge) {
            int flags = (int) h[2];
            t.accept(Mode.OPEN, "sys.when(sbt=" + h[0] + ", pr=" + h[1] + ", flags=" + hex(flags) + "): saturates at SBT_MAX",
                    f -> f.sys.when(h[0], h[1], flags))
                    .afterCall((f, r) -> {
                        When w = (When) r;
                        assertEquals(SBT_MAX, w.time(), "time saturates: " + w);
                        assertTrue(w.precision() >= 0, "precision must not be negative: " + w);
                    });
        }
    }

    /** Gives far a handler first when the function re-uses it (callout_schedule*). */
    private static void armFarOnce(Fx f, boolean schedule) {
        if (schedule) {
            f.sys.reset(f.far.c, 100, COUNT, f.far);
        }
    }

    private static void farArmedFarAway(Fx f, Object result) {
        Callout c = f.far.c;
        assertTrue(c.pending() && c.active(), "far pending and active after the arm: " + c);
        long ahead = c.time() - f.sys.sbinuptime();
        assertTrue(ahead > 1000 * f.tick, "far's time " + Sbt.format(c.time()) + " must be far in the future (now "
                + Sbt.format(f.sys.sbinuptime()) + "): the time wrapped instead of saturating");
    }

    private static void farNeverFired(Fx f, Object result) throws Throwable {
        assertEquals(0, f.far.hits.get(), "far fired");
        assertTrue(f.far.c.pending(), "far still pending: " + f.far.c);
        assertEquals(1, (int) Bounded.call("sys.stop(far)", () -> f.sys.stop(f.far.c)), "stop(far) cancels it");
        assertFalse(f.far.c.pending() || f.far.c.active(), "far after stop: " + f.far.c);
    }

    private static void farFiredOnce(Fx f, Object result) {
        assertEquals(1, f.far.hits.get(), "far fired");
        assertFalse(f.far.c.pending(), "far pending after it fired: " + f.far.c);
    }

    /* ---- Init ------------------------------------------------------------------------------ */

    /** An initLock-shaped call: sys.initLock, callout_init_mtx or callout_init_rw, with a CalloutLock. */
    @FunctionalInterface
    interface InitLock {
        void init(Fx f, Callout c, CalloutLock l, int flags);
    }

    record InitLockFn(String label, List<String> fns, InitLock fn) {
    }

    private static void initRows(Table t) {
        List<String> init = fn("callout_init");
        List<String> initLock = fn("callout_init_lock");
        List<String> mtx = fn("callout_init_mtx", "callout_init_lock");
        List<String> rw = fn("callout_init_rw", "callout_init_lock");

        // callout_init(c, mpsafe)
        for (boolean mpsafe : new boolean[] {true, false}) {
            t.iae("sys.init(null, " + mpsafe + ")", init, f -> {
                f.sys.init(null, mpsafe);
                return null;
            }, "null");
        }
        t.iae("KernTimeout.callout_init(null, 1)", init, f -> {
            KernTimeout.callout_init(null, 1);
            return null;
        }, "null");
        t.ise("sys.init(target: pending)", init, f -> {
            f.sys.init(f.target.c, true);
            return null;
        }, "pending");
        t.ise("sys.init(foreign: armed on the other system)", init, f -> {
            f.sys.init(f.foreign.c, true);
            return null;
        }, "another");
        t.ise("sys.init(foreignIdle: initialised on the other system)", init, f -> {
            f.sys.init(f.foreignIdle.c, false);
            return null;
        }, "another");
        t.ise("KernTimeout.callout_init(target: pending)", init, f -> {
            KernTimeout.callout_init(f.target.c, 1);
            return null;
        }, "pending");
        t.ise("KernTimeout.callout_init(foreignIdle)", init, f -> {
            KernTimeout.callout_init(f.foreignIdle.c, 1);
            return null;
        }, "another");

        // The initLock family, with a CalloutLock
        List<InitLockFn> lockFns = List.of(
                new InitLockFn("sys.initLock", initLock, (f, c, l, fl) -> f.sys.initLock(c, l, fl)),
                new InitLockFn("KernTimeout.callout_init_mtx", mtx, (f, c, l, fl) -> KernTimeout.callout_init_mtx(c, l, fl)),
                new InitLockFn("KernTimeout.callout_init_rw", rw, (f, c, l, fl) -> KernTimeout.callout_init_rw(c, l, fl)));
        for (InitLockFn s : lockFns) {
            String l = s.label;
            t.iae(l + "(null, mtx, 0)", s.fns, f -> initLock(f, s, null, f.mtx, 0), "null");
            t.iae(l + "(fresh, lock=null, 0)", s.fns, f -> initLock(f, s, f.fresh.c, null, 0), "null");
            t.iae(l + "(idle, lock=null, 0)", s.fns, f -> initLock(f, s, f.idle.c, null, 0), "null");
            for (int bit : badBits(INIT_VALID_MASK)) {
                t.iae(l + "(idle, mtx, flags=" + hex(bit) + ")", s.fns, f -> initLock(f, s, f.idle.c, f.mtx, bit),
                        "flag", hex(bit));
            }
            t.iae(l + "(fresh, mtx, flags=CALLOUT_MPSAFE)", s.fns,
                    f -> initLock(f, s, f.fresh.c, f.mtx, CalloutFlags.CALLOUT_MPSAFE), "flag",
                    hex(CalloutFlags.CALLOUT_MPSAFE));
            t.iae(l + "(fresh, sleepable lock, 0)", s.fns, f -> initLock(f, s, f.fresh.c, new SleepableLock(), 0),
                    "sleepable");
            t.ise(l + "(target: pending)", s.fns, f -> initLock(f, s, f.target.c, f.mtx, 0), "pending");
            t.ise(l + "(locked: pending)", s.fns, f -> initLock(f, s, f.locked.c, f.mtx, 0), "pending");
            t.ise(l + "(foreign: armed on the other system)", s.fns, f -> initLock(f, s, f.foreign.c, f.mtx, 0),
                    "another");
            t.ise(l + "(foreignIdle: initialised on the other system)", s.fns,
                    f -> initLock(f, s, f.foreignIdle.c, f.mtx, 0), "another");
        }
        // The JDK-lock overloads of the facade
        t.iae("KernTimeout.callout_init_mtx(fresh, (ReentrantLock) null, 0)", mtx, f -> {
            KernTimeout.callout_init_mtx(f.fresh.c, (ReentrantLock) null, 0);
            return null;
        }, "null");
        t.iae("KernTimeout.callout_init_rw(fresh, (ReentrantReadWriteLock) null, 0)", rw, f -> {
            KernTimeout.callout_init_rw(f.fresh.c, (ReentrantReadWriteLock) null, 0);
            return null;
        }, "null");
        t.iae("KernTimeout.callout_init_mtx(null, ReentrantLock, 0)", mtx, f -> {
            KernTimeout.callout_init_mtx(null, new ReentrantLock(), 0);
            return null;
        }, "null");
        for (int bit : new int[] {1 << 30, 1 << 31, CalloutFlags.CALLOUT_MPSAFE, 1}) {
            t.iae("KernTimeout.callout_init_mtx(idle, ReentrantLock, flags=" + hex(bit) + ")", mtx, f -> {
                KernTimeout.callout_init_mtx(f.idle.c, new ReentrantLock(), bit);
                return null;
            }, "flag", hex(bit));
            t.iae("KernTimeout.callout_init_rw(idle, ReentrantReadWriteLock, flags=" + hex(bit) + ")", rw, f -> {
                KernTimeout.callout_init_rw(f.idle.c, new ReentrantReadWriteLock(), bit);
                return null;
            }, "flag", hex(bit));
        }
        t.ise("KernTimeout.callout_init_mtx(target: pending, ReentrantLock)", mtx, f -> {
            KernTimeout.callout_init_mtx(f.target.c, new ReentrantLock(), 0);
            return null;
        }, "pending");
        t.ise("KernTimeout.callout_init_rw(foreign, ReentrantReadWriteLock)", rw, f -> {
            KernTimeout.callout_init_rw(f.foreign.c, new ReentrantReadWriteLock(), 0);
            return null;
        }, "another");

        // CLASSIC refuses a spin mutex
        t.iae("CLASSIC sys.initLock(c, spin mutex, 0)", initLock, f -> onClassic(f, false, cs -> {
            Callout c = new Callout();
            try {
                cs.initLock(c, new KMutex("matrix-spin", KMutex.MTX_SPIN), 0);
            } finally {
                assertFalse(c.initialized(), "a rejected init initialised the callout: " + c);
            }
        }), "spin");
    }

    private static Object initLock(Fx f, InitLockFn s, Callout c, CalloutLock l, int flags) {
        s.fn.init(f, c, l, flags);
        return null;
    }

    /** Runs {@code body} on a new CLASSIC system (the KernTimeout default meanwhile if {@code asDefault}). */
    private static Object onClassic(Fx f, boolean asDefault, Consumer<CalloutWheel> body) {
        CalloutWheel cs = CalloutWheel.builder().clock(new VirtualTicklessClock()).profile(Profile.CLASSIC).ncpus(1).build();
        try {
            if (asDefault) {
                KernTimeout.setSystem(cs);
            }
            body.accept(cs);
            return null;
        } finally {
            if (asDefault) {
                KernTimeout.setSystem(f.sys);
            }
            cs.close();
        }
    }

    /* ---- Stop and drain -------------------------------------------------------------------- */

    /** A stop-shaped call: stop, drain, asyncDrain(c, NOP), drainAsync. */
    @FunctionalInterface
    interface StopCall {
        Object stop(Fx f, Callout c);
    }

    record StopFn(String label, List<String> fns, StopCall fn) {
    }

    static final List<StopFn> STOP_FNS = List.of(
            new StopFn("sys.stop", fn("callout_stop"), (f, c) -> f.sys.stop(c)),
            new StopFn("sys.drain", fn("callout_drain"), (f, c) -> f.sys.drain(c)),
            new StopFn("sys.asyncDrain", fn("callout_async_drain"), (f, c) -> f.sys.asyncDrain(c, NOP)),
            new StopFn("sys.drainAsync", fn("drainAsync"), (f, c) -> f.sys.drainAsync(c)),
            new StopFn("KernTimeout.callout_stop", fn("callout_stop"), (f, c) -> KernTimeout.callout_stop(c)),
            new StopFn("KernTimeout.callout_drain", fn("callout_drain"), (f, c) -> KernTimeout.callout_drain(c)),
            new StopFn("KernTimeout.callout_async_drain", fn("callout_async_drain"),
                    (f, c) -> KernTimeout.callout_async_drain(c, NOP)));

    private static void stopRows(Table t) {
        for (StopFn s : STOP_FNS) {
            String l = s.label;
            t.iae(l + "(null)", s.fns, f -> s.fn.stop(f, null), "null");
            t.ise(l + "(fresh: never initialised)", s.fns, f -> s.fn.stop(f, f.fresh.c), "initiali");
            t.ise(l + "(foreign: armed on the other system)", s.fns, f -> s.fn.stop(f, f.foreign.c), "another");
            t.ise(l + "(foreignIdle: initialised on the other system)", s.fns, f -> s.fn.stop(f, f.foreignIdle.c),
                    "another");
        }
        List<String> stop = fn("callout_stop");
        List<String> drain = fn("callout_drain");
        List<String> async = fn("callout_async_drain");
        t.ise("sys.stop(locked) without its lock", stop, f -> f.sys.stop(f.locked.c), "held", "matrix-mtx");
        t.ise("KernTimeout.callout_stop(locked) without its lock", stop, f -> KernTimeout.callout_stop(f.locked.c),
                "held", "matrix-mtx");
        t.ise("sys.asyncDrain(locked, fn) without its lock", async, f -> f.sys.asyncDrain(f.locked.c, NOP),
                "held", "matrix-mtx");
        t.ise("KernTimeout.callout_async_drain(locked, fn) without its lock", async,
                f -> KernTimeout.callout_async_drain(f.locked.c, NOP), "held", "matrix-mtx");
        t.ise("sys.drain(locked) holding its lock", drain, f -> {
            f.mtx.lock();
            try {
                return f.sys.drain(f.locked.c);
            } finally {
                f.mtx.unlock();
            }
        }, "matrix-mtx");
        t.ise("KernTimeout.callout_drain(locked) holding its lock", drain, f -> {
            f.mtx.lock();
            try {
                return KernTimeout.callout_drain(f.locked.c);
            } finally {
                f.mtx.unlock();
            }
        }, "matrix-mtx");
        t.iae("sys.asyncDrain(target, fn=null)", async, f -> f.sys.asyncDrain(f.target.c, null), "null");
        t.iae("KernTimeout.callout_async_drain(target, fn=null)", async,
                f -> KernTimeout.callout_async_drain(f.target.c, null), "null");
        t.reject(Mode.OPEN, "CLASSIC sys.asyncDrain(c, fn)", UnsupportedOperationException.class, async,
                f -> onClassic(f, false, cs -> {
                    Callout c = new Callout();
                    cs.init(c, true);
                    cs.asyncDrain(c, NOP);
                }), "CLASSIC");
        t.reject(Mode.OPEN, "CLASSIC KernTimeout.callout_async_drain(c, fn)", UnsupportedOperationException.class,
                async, f -> onClassic(f, true, cs -> {
                    Callout c = new Callout();
                    cs.init(c, true);
                    KernTimeout.callout_async_drain(c, NOP);
                }), "CLASSIC");

        // From inside the callout's own handler
        t.ise("sys.drain(self) from its own handler", drain,
                f -> fromOwnHandler(f, self -> f.sys.drain(self)), "handler");
        t.ise("KernTimeout.callout_drain(self) from its own handler", drain,
                f -> fromOwnHandler(f, KernTimeout::callout_drain), "handler");
        t.ise("sys.asyncDrain(self, fn) twice from its own handler", async, f -> {
            AtomicInteger drained = new AtomicInteger();
            CalloutFunc<Object> cb = a -> drained.incrementAndGet();
            AtomicInteger first = new AtomicInteger(Integer.MIN_VALUE);
            Object r = fromOwnHandler(f, self -> {
                first.set(f.sys.asyncDrain(self, cb));
                f.sys.asyncDrain(self, cb);
            });
            assertEquals(0, first.get(), "the first asyncDrain from the running handler records the callback");
            assertEquals(1, drained.get(), "the recorded drain callback ran once after the handler");
            return r;
        }, "already");
        t.ise("vt.advanceTicks(1) from inside a handler", fn(), f -> fromOwnHandler(f, self -> f.vt.advanceTicks(1)),
                "handler");
        t.ise("sys.init(self, true) from its own handler: running", fn("callout_init"),
                f -> fromOwnHandler(f, self -> f.sys.init(self, true)), "running");
        t.ise("sys.initLock(self, mtx, 0) from its own handler: running", fn("callout_init_lock"),
                f -> fromOwnHandler(f, self -> f.sys.initLock(self, f.mtx, 0)), "running");
        t.ise("KernTimeout.callout_init(self, 1) from its own handler: running", fn("callout_init"),
                f -> fromOwnHandler(f, self -> KernTimeout.callout_init(self, 1)), "running");
    }

    /** Body of a handler that makes a call that must throw. */
    @FunctionalInterface
    interface InHandler {
        void run(Callout self) throws Throwable;
    }

    /**
     * Arms a new callout on sys whose handler runs {@code body}, advances 2 ticks (the victims are
     * not due yet), and throws what {@code body} threw; returns a marker if it threw nothing.
     */
    private static Object fromOwnHandler(Fx f, InHandler body) throws Throwable {
        Callout self = new Callout();
        f.sys.init(self, true);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        CalloutFunc<Callout> h = c -> {
            runs.incrementAndGet();
            try {
                body.run(c);
            } catch (Throwable e) {
                seen.set(e);
            }
        };
        f.sys.reset(self, 1, h, self);
        f.vt.advanceTicks(2);
        assertEquals(1, runs.get(), "the handler ran once");
        if (seen.get() != null) {
            throw seen.get();
        }
        return "the call in the handler returned normally";
    }

    /* ---- Queries --------------------------------------------------------------------------- */

    private static void queryRows(Table t) {
        t.iae("sys.pending(null)", fn("callout_pending"), f -> f.sys.pending(null), "null");
        t.iae("sys.active(null)", fn("callout_active"), f -> f.sys.active(null), "null");
        t.iae("sys.deactivate(null)", fn("callout_deactivate"), f -> {
            f.sys.deactivate(null);
            return null;
        }, "null");
        t.iae("KernTimeout.callout_pending(null)", fn("callout_pending"), f -> KernTimeout.callout_pending(null),
                "null");
        t.iae("KernTimeout.callout_active(null)", fn("callout_active"), f -> KernTimeout.callout_active(null),
                "null");
        t.iae("KernTimeout.callout_deactivate(null)", fn("callout_deactivate"), f -> {
            KernTimeout.callout_deactivate(null);
            return null;
        }, "null");
        t.accept(Mode.OPEN, "sys.pending(foreign): reads a callout of any system", f -> f.sys.pending(f.foreign.c))
                .afterCall((f, r) -> assertEquals(Boolean.TRUE, r, "pending(foreign)"));
        t.accept(Mode.OPEN, "sys.active(foreign): reads a callout of any system", f -> f.sys.active(f.foreign.c))
                .afterCall((f, r) -> assertEquals(Boolean.TRUE, r, "active(foreign)"));
        t.accept(Mode.OPEN, "sys.pending(fresh): false", f -> f.sys.pending(f.fresh.c))
                .afterCall((f, r) -> assertEquals(Boolean.FALSE, r, "pending(fresh)"));
        for (int cpu : BAD_CPUS) {
            t.iae("sys.hardclocktime(" + cpu + ")", fn("hardclocktime"), f -> f.sys.hardclocktime(cpu), "cpu",
                    Integer.toString(cpu));
        }
        t.iae("sys.hardclocktime(-1)", fn("hardclocktime"), f -> f.sys.hardclocktime(-1), "cpu", "-1");
        // setSystem(null) is not misuse: it returns the facade to its first-use state.
        t.accept(Mode.OPEN, "KernTimeout.setSystem(null): resets the facade, returns the system it had",
                f -> KernTimeout.setSystem(null))
                .afterCall((f, r) -> {
                    assertSame(f.sys, r, "setSystem(null) returns the previous default");
                    KernTimeout.setSystem(f.sys); // the fixture's default again
                });
        // The C_PREL and sbintime helpers of the facade
        for (int x : new int[] {-1, CalloutFlags.C_PRELRANGE, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            t.iae("KernTimeout.C_PREL(" + x + ")", fn("C_PREL(x)"), f -> KernTimeout.C_PREL(x), Integer.toString(x));
        }
        for (long v : new long[] {-1, Long.MIN_VALUE}) {
            t.iae("KernTimeout.ustosbt(" + v + ")", fn("ustosbt"), f -> KernTimeout.ustosbt(v), Long.toString(v));
            t.iae("KernTimeout.mstosbt(" + v + ")", fn("mstosbt"), f -> KernTimeout.mstosbt(v), Long.toString(v));
            t.iae("KernTimeout.nstosbt(" + v + ")", fn("nstosbt"), f -> KernTimeout.nstosbt(v), Long.toString(v));
            t.iae("KernTimeout.sbttous(" + v + ")", fn("sbttous"), f -> KernTimeout.sbttous(v), Long.toString(v));
            t.iae("KernTimeout.sbttoms(" + v + ")", fn("sbttoms"), f -> KernTimeout.sbttoms(v), Long.toString(v));
            t.iae("KernTimeout.sbttons(" + v + ")", fn("sbttons"), f -> KernTimeout.sbttons(v), Long.toString(v));
        }
        t.accept(Mode.OPEN, "KernTimeout.ustosbt(Long.MAX_VALUE): saturates", f -> KernTimeout.ustosbt(Long.MAX_VALUE))
                .afterCall((f, r) -> assertEquals(SBT_MAX, r));
        t.accept(Mode.OPEN, "KernTimeout.mstosbt(Long.MAX_VALUE): saturates", f -> KernTimeout.mstosbt(Long.MAX_VALUE))
                .afterCall((f, r) -> assertEquals(SBT_MAX, r));
        t.accept(Mode.OPEN, "KernTimeout.nstosbt(Long.MAX_VALUE): saturates", f -> KernTimeout.nstosbt(Long.MAX_VALUE))
                .afterCall((f, r) -> assertEquals(SBT_MAX, r));
        t.accept(Mode.OPEN, "KernTimeout.sbttons(Long.MAX_VALUE): no overflow", f -> KernTimeout.sbttons(Long.MAX_VALUE))
                .afterCall((f, r) -> assertTrue((Long) r > 0, "sbttons(SBT_MAX) = " + r));
    }

    /* ---- CalloutWheel's own hooks ---------------------------------------------------------- */

    private static void wheelRows(Table t) {
        for (int cpu : BAD_CPUS) {
            String v = Integer.toString(cpu);
            t.iae("WheelProbe.of(sys).calloutProcess(" + cpu + ", now)", fn("callout_process"),
                    f -> WheelProbe.of(f.sys).calloutProcess(cpu, f.sys.sbinuptime()), "cpu", v);
            t.iae("WheelProbe.of(sys).softclock(" + cpu + ")", fn("softclock"), f -> WheelProbe.of(f.sys).softclock(cpu), "cpu", v);
            t.iae("WheelProbe.of(sys).firstevent(" + cpu + ")", fn("firstevent"), f -> WheelProbe.of(f.sys).firstevent(cpu), "cpu", v);
            t.iae("WheelProbe.of(sys).lastscan(" + cpu + ")", fn("lastscan"), f -> WheelProbe.of(f.sys).lastscan(cpu), "cpu", v);
            t.iae("WheelProbe.of(sys).pendingCount(" + cpu + ")", fn("pendingCount"), f -> WheelProbe.of(f.sys).pendingCount(cpu), "cpu", v);
            t.iae("sys.bindCurrentThread(" + cpu + ")", fn("bindCurrentThread"), f -> {
                f.sys.bindCurrentThread(cpu);
                return null;
            }, "cpu", v);
        }
        for (int cpu : new int[] {-1}) {
            t.iae("WheelProbe.of(sys).calloutProcess(" + cpu + ", now)", fn("callout_process"),
                    f -> WheelProbe.of(f.sys).calloutProcess(cpu, f.sys.sbinuptime()), "cpu", "-1");
            t.iae("WheelProbe.of(sys).softclock(" + cpu + ")", fn("softclock"), f -> WheelProbe.of(f.sys).softclock(cpu), "cpu", "-1");
        }
        // A time before the previous scan is taken as that scan's time (a clock thread may have
        // read the clock before another one scanned): nothing runs early, nothing is lost.
        t.accept(Mode.OPEN, "WheelProbe.of(sys).calloutProcess(0, Long.MIN_VALUE): before the previous scan, clamps",
                f -> WheelProbe.of(f.sys).calloutProcess(0, Long.MIN_VALUE))
                .afterCall((f, r) -> assertEquals(Boolean.FALSE, r, "nothing due"));
        t.accept(Mode.OPEN, "WheelProbe.of(sys).calloutProcess(1, lastscan - 1): before the previous scan, clamps",
                f -> WheelProbe.of(f.sys).calloutProcess(1, WheelProbe.of(f.sys).lastscan(1) - 1))
                .afterCall((f, r) -> assertEquals(Boolean.FALSE, r, "nothing due"));
        t.accept(Mode.OPEN, "WheelProbe.of(sys).calloutProcess(0, Long.MAX_VALUE - 1): a far scan of CPU 0 runs what is due there",
                f -> {
                    boolean work = WheelProbe.of(f.sys).calloutProcess(0, Long.MAX_VALUE - 1);
                    int ran = WheelProbe.of(f.sys).softclock(0);
                    return work + "/" + ran;
                }).movesTime()
                .afterCall((f, r) -> {
                    assertEquals("true/2", r, "victim and locked were due on CPU 0");
                    assertEquals(1, f.victim.hits.get(), "victim ran");
                    assertEquals(1, f.locked.hits.get(), "locked ran");
                    assertTrue(f.target.c.pending(), "target, on CPU 1, still pending");
                });
        for (int b : new int[] {-1, WHEEL, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            t.iae("WheelProbe.of(sys).inBucket(victim, " + b + ")", fn("inBucket"), f -> WheelProbe.of(f.sys).inBucket(f.victim.c, b), "bucket",
                    Integer.toString(b));
        }
        t.iae("WheelProbe.of(sys).inBucket(null, 0)", fn("inBucket"), f -> WheelProbe.of(f.sys).inBucket(null, 0), "null");
        t.ise("WheelProbe.of(sys).inBucket(fresh, 0)", fn("inBucket"), f -> WheelProbe.of(f.sys).inBucket(f.fresh.c, 0), "initiali");
        t.ise("WheelProbe.of(sys).inBucket(foreign, 100): a bucket of this wheel, beyond the other's 16", fn("inBucket"),
                f -> WheelProbe.of(f.sys).inBucket(f.foreign.c, 100), "another");
        t.ise("WheelProbe.of(sys).inBucket(foreign, 3)", fn("inBucket"), f -> WheelProbe.of(f.sys).inBucket(f.foreign.c, 3), "another");
        t.accept(Mode.OPEN, "sys.bindCurrentThread(-1): unbinds", f -> {
            f.sys.bindCurrentThread(-1);
            return null;
        });
        t.accept(Mode.OPEN, "CalloutWheel.callwheelSizeFor(1 << 30 - 1)", f -> CalloutWheel.callwheelSizeFor((1 << 30) - 1))
                .afterCall((f, r) -> assertEquals(1 << 30, r));
        for (int n : new int[] {0, -1, 1 << 30, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            t.iae("CalloutWheel.callwheelSizeFor(" + n + ")", fn(), f -> CalloutWheel.callwheelSizeFor(n), "ncallout",
                    Integer.toString(n));
        }
    }

    /* ---- A closed system ------------------------------------------------------------------- */

    private static void closedRows(Table t) {
        for (SbtFn s : SBT_FNS) {
            // callout_schedule* re-arms with the previous handler: the victim has one.
            t.closed(s.label + "(" + (s.schedule ? "victim" : "idle") + ")", s.fns, f -> {
                Probe p = s.schedule ? f.victim : f.idle;
                return s.arm.arm(f, p.c, 3 * f.tick, 0, COUNT, p, -1, 0);
            });
            if (s.cpuArg) {
                t.closed(s.label + "(" + (s.schedule ? "victim" : "idle") + ", cpu=1)", s.fns, f -> {
                    Probe p = s.schedule ? f.victim : f.idle;
                    return s.arm.arm(f, p.c, 3 * f.tick, 0, COUNT, p, 1, 0);
                });
            }
        }
        for (TickFn s : TICK_FNS) {
            t.closed(s.label + "(" + (s.schedule ? "victim" : "idle") + ")", s.fns, f -> {
                Probe p = s.schedule ? f.victim : f.idle;
                return s.arm.arm(f, p.c, 3, COUNT, p, -1);
            });
        }
        List<String> init = fn("callout_init");
        List<String> initLock = fn("callout_init_lock");
        List<String> mtx = fn("callout_init_mtx", "callout_init_lock");
        List<String> rw = fn("callout_init_rw", "callout_init_lock");
        t.closed("sys.init(fresh, true)", init, f -> {
            f.sys.init(f.fresh.c, true);
            return null;
        });
        t.closed("sys.init(idle, false)", init, f -> {
            f.sys.init(f.idle.c, false);
            return null;
        });
        t.closed("sys.init(victim, true)", init, f -> {
            f.sys.init(f.victim.c, true);
            return null;
        });
        t.closed("sys.initLock(fresh, mtx, 0)", initLock, f -> {
            f.sys.initLock(f.fresh.c, f.mtx, 0);
            return null;
        });
        t.closed("sys.initLock(idle, mtx, 0)", initLock, f -> {
            f.sys.initLock(f.idle.c, f.mtx, 0);
            return null;
        });
        t.closed("KernTimeout.callout_init(fresh, 1)", init, f -> {
            KernTimeout.callout_init(f.fresh.c, 1);
            return null;
        });
        t.closed("KernTimeout.callout_init_mtx(fresh, mtx, 0)", mtx, f -> {
            KernTimeout.callout_init_mtx(f.fresh.c, f.mtx, 0);
            return null;
        });
        t.closed("KernTimeout.callout_init_mtx(fresh, ReentrantLock, 0)", mtx, f -> {
            KernTimeout.callout_init_mtx(f.fresh.c, new ReentrantLock(), 0);
            return null;
        });
        t.closed("KernTimeout.callout_init_rw(fresh, CalloutLock, 0)", rw, f -> {
            KernTimeout.callout_init_rw(f.fresh.c, CalloutLock.of(new ReentrantReadWriteLock()), 0);
            return null;
        });
        t.closed("KernTimeout.callout_init_rw(fresh, ReentrantReadWriteLock, 0)", rw, f -> {
            KernTimeout.callout_init_rw(f.fresh.c, new ReentrantReadWriteLock(), 0);
            return null;
        });
        // Driving a CPU of a closed system works: close stopped everything, so nothing runs.
        for (int cpu = 0; cpu < NCPUS; cpu++) {
            int c = cpu;
            t.accept(Mode.CLOSED, "WheelProbe.of(sys).calloutProcess(" + cpu + ", now): finds nothing to run",
                    f -> WheelProbe.of(f.sys).calloutProcess(c, f.sys.sbinuptime()))
                    .afterCall((f, r) -> assertEquals(Boolean.FALSE, r, "nothing expired"));
            t.accept(Mode.CLOSED, "WheelProbe.of(sys).softclock(" + cpu + "): finds nothing to run", f -> WheelProbe.of(f.sys).softclock(c))
                    .afterCall((f, r) -> assertEquals(0, r, "nothing dispatched"));
        }

        // What keeps working after close: the queries, when, stop and the drains (finding nothing).
        t.accept(Mode.CLOSED, "isClosed(); armed callouts neither pending nor active, never fire", f -> f.sys.isClosed())
                .afterCall((f, r) -> assertEquals(Boolean.TRUE, r));
        t.accept(Mode.CLOSED, "sys.close() again: idempotent", f -> {
            f.sys.close();
            return null;
        });
        for (StopFn s : STOP_FNS) {
            t.accept(Mode.CLOSED, s.label + "(victim): finds nothing pending", f -> s.fn.stop(f, f.victim.c))
                    .afterCall((f, r) -> {
                        if (r instanceof CompletionStage<?> st) {
                            assertTrue(st.toCompletableFuture().isDone(), "drainAsync stage completed");
                        } else {
                            assertEquals(-1, r, "MODERN: -1, nothing to stop");
                        }
                    });
        }
        t.accept(Mode.CLOSED, "sys.stop(locked) holding its lock: finds nothing pending", f -> {
            f.mtx.lock();
            try {
                return f.sys.stop(f.locked.c);
            } finally {
                f.mtx.unlock();
            }
        }).afterCall((f, r) -> assertEquals(-1, r));
        t.accept(Mode.CLOSED, "sys.pending(foreign): another system's callout", f -> f.sys.pending(f.foreign.c))
                .afterCall((f, r) -> assertEquals(Boolean.TRUE, r));
        t.accept(Mode.CLOSED, "sys.pending(victim)", f -> f.sys.pending(f.victim.c))
                .afterCall((f, r) -> assertEquals(Boolean.FALSE, r));
        t.accept(Mode.CLOSED, "sys.active(victim)", f -> f.sys.active(f.victim.c))
                .afterCall((f, r) -> assertEquals(Boolean.FALSE, r));
        t.accept(Mode.CLOSED, "KernTimeout.callout_pending(victim)", f -> KernTimeout.callout_pending(f.victim.c))
                .afterCall((f, r) -> assertEquals(Boolean.FALSE, r));
        t.accept(Mode.CLOSED, "sys.when(tick, 0, 0)", f -> f.sys.when(f.tick, 0, 0));
        t.accept(Mode.CLOSED, "KernTimeout.callout_when(tick, 0, C_HARDCLOCK)",
                f -> KernTimeout.callout_when(f.tick, 0, C_HARDCLOCK));
        t.accept(Mode.CLOSED, "sys: every no-argument query, hardclocktime(1)", f -> {
            f.sys.hardclocktime(1);
            f.sys.ticks();
            f.sys.sbinuptime();
            f.sys.profile();
            f.sys.ncpus();
            f.sys.defaultCpu();
            f.sys.hz();
            f.sys.tickSbt();
            f.sys.precExp();
            f.sys.tickThreshold();
            f.sys.giant();
            f.sys.scanBatch();
            f.sys.callwheelSize();
            f.sys.clock();
            f.sys.toString();
            return f.sys.curcpu();
        });
        t.accept(Mode.CLOSED, "KernTimeout: every no-argument query", f -> {
            KernTimeout.hz();
            KernTimeout.tick_sbt();
            KernTimeout.ticks();
            KernTimeout.sbinuptime();
            KernTimeout.getsbinuptime();
            KernTimeout.Giant();
            return KernTimeout.curcpu();
        });
        t.accept(Mode.CLOSED, "WheelProbe.of(sys).pendingCount(0) + pendingCount(1): close() emptied the wheels",
                f -> WheelProbe.of(f.sys).pendingCount(0) + WheelProbe.of(f.sys).pendingCount(1))
                .afterCall((f, r) -> assertEquals(0, r, "callouts still on a wheel or expire queue after close()"));
        t.accept(Mode.CLOSED, "WheelProbe.of(sys).inBucket(victim, b) for every bucket: close() unlinked it", f -> {
            for (int b = 0; b < WHEEL; b++) {
                if (WheelProbe.of(f.sys).inBucket(f.victim.c, b)) {
                    return b;
                }
            }
            return -1;
        }).afterCall((f, r) -> assertEquals(-1, r, "bucket still holding the victim after close()"));
        t.accept(Mode.CLOSED, "WheelProbe.of(sys).firstevent(0), lastscan(0)", f -> WheelProbe.of(f.sys).firstevent(0) + WheelProbe.of(f.sys).lastscan(0));
        // close() itself, where it could deadlock (step 3 of its contract): from a handler of the
        // system, and holding a lock that a dispatched invocation waits for.
        t.closes("sys.close() from a handler of this system: returns", new int[] {0, 0, 0}, f -> {
            Callout self = new Callout();
            f.sys.init(self, true);
            AtomicReference<Throwable> seen = new AtomicReference<>();
            CalloutFunc<Object> closer = a -> {
                try {
                    f.sys.close();
                } catch (Throwable e) {
                    seen.set(e);
                }
            };
            f.sys.reset(self, 1, closer, null);
            f.vt.advanceTicks(2);
            if (seen.get() != null) {
                throw seen.get();
            }
            return f.sys.isClosed();
        }).afterCall((f, r) -> assertEquals(Boolean.TRUE, r, "isClosed() after the handler closed the system"));
        t.closes("sys.close() holding mtx while locked's dispatch waits for it: returns, handler never runs",
                new int[] {1, 0, 0}, f -> {
                    Thread adv = new Thread(() -> f.vt.advanceTicks(SETTLE_TICKS), "matrix: advance");
                    adv.setDaemon(true);
                    f.mtx.lock();
                    try {
                        adv.start();
                        // victim runs at tick 5; locked, due at tick 6, is dispatched and waits for mtx
                        f.obs.awaitLockWait();
                        f.sys.close(); // must not wait for the invocation that waits for our lock
                    } finally {
                        f.mtx.unlock();
                    }
                    adv.join(Bounded.LIMIT.toMillis());
                    assertFalse(adv.isAlive(), "the advance is still running after close() and unlock; threads:\n"
                            + Bounded.threadDump());
                    return null;
                });

        // Still bad arguments on a closed system: they are reported, not "closed".
        t.reject(Mode.CLOSED, "sys.stop(null)", IllegalArgumentException.class, fn("callout_stop"),
                f -> f.sys.stop(null), "null");
        t.reject(Mode.CLOSED, "sys.drain(fresh)", IllegalStateException.class, fn("callout_drain"),
                f -> f.sys.drain(f.fresh.c), "initiali");
    }

    /* ---- The builder ----------------------------------------------------------------------- */

    /** A builder setter taking an int. */
    @FunctionalInterface
    interface IntSetter {
        void set(CalloutWheelBuilder b, int v);
    }

    private static void builderRows(Table t) {
        Object[][] setters = {
            {"ncpus", (IntSetter) CalloutWheelBuilder::ncpus, new int[] {0, -1, 257, Integer.MAX_VALUE, Integer.MIN_VALUE}},
            {"defaultCpu", (IntSetter) CalloutWheelBuilder::defaultCpu,
                new int[] {-1, 256, Integer.MAX_VALUE, Integer.MIN_VALUE}},
            {"hz", (IntSetter) CalloutWheelBuilder::hz, new int[] {0, -1, 1_000_001, Integer.MAX_VALUE, Integer.MIN_VALUE}},
            {"callwheelSize", (IntSetter) CalloutWheelBuilder::callwheelSize,
                new int[] {0, -1, 3, 1 << 25, Integer.MAX_VALUE, Integer.MIN_VALUE}},
            {"scanBatch", (IntSetter) CalloutWheelBuilder::scanBatch, new int[] {0, -1, Integer.MIN_VALUE}},
            {"ncallout", (IntSetter) CalloutWheelBuilder::ncallout,
                new int[] {0, -1, 1 << 30, Integer.MAX_VALUE, Integer.MIN_VALUE}},
            {"allowedDeviationPercent", (IntSetter) CalloutWheelBuilder::allowedDeviationPercent,
                new int[] {-1, 101, Integer.MAX_VALUE, Integer.MIN_VALUE}},
        };
        for (Object[] s : setters) {
            String name = (String) s[0];
            IntSetter setter = (IntSetter) s[1];
            for (int v : (int[]) s[2]) {
                t.iae("Builder." + name + "(" + v + ")", fn(), f -> {
                    setter.set(CalloutWheel.builder(), v);
                    return null;
                }, name, Integer.toString(v));
            }
        }
        t.iae("Builder.profile(null)", fn(), f -> CalloutWheel.builder().profile(null), "profile", "null");
        t.iae("Builder.ncpus(2).defaultCpu(2).build()", fn(), f -> {
            try (CalloutWheel w = CalloutWheel.builder().clock(new VirtualTicklessClock()).ncpus(2).defaultCpu(2).build()) {
                return w;
            }
        }, "defaultCpu", "2");
        t.accept(Mode.OPEN, "Builder.failureHook(null).observer(null): the defaults", f -> {
            try (CalloutWheel w = CalloutWheel.builder().clock(new VirtualTicklessClock()).ncpus(1)
                    .failureHook(null).observer(null).build()) {
                return w.isClosed();
            }
        }).afterCall((f, r) -> assertEquals(Boolean.FALSE, r));
        t.ise("Builder.clock(vt already driving sys).build()", fn(), f -> {
            try (CalloutWheel w = CalloutWheel.builder().clock(f.vt).ncpus(1).build()) {
                return w;
            }
        }, "already");
        t.accept(Mode.OPEN, "a rejected build() leaves its clock free for the next build", f -> {
            VirtualTicklessClock v = new VirtualTicklessClock();
            try {
                CalloutWheel.builder().clock(v).ncpus(1).defaultCpu(1).build().close();
                fail("build() with defaultCpu 1 of 1 CPU was accepted");
            } catch (IllegalArgumentException expected) {
                // the rejection this row is about
            }
            try (CalloutWheel w = CalloutWheel.builder().clock(v).ncpus(1).build()) {
                return w.isClosed();
            }
        });
    }

    /* ---- The virtual timer ----------------------------------------------------------------- */

    private static void timerRows(Table t) {
        // Not attached to a system yet
        t.ise("unattached vt.advanceTicks(1)", fn(), f -> {
            new VirtualTicklessClock().advanceTicks(1);
            return null;
        }, "attached");
        t.ise("unattached vt.advanceTicks(0)", fn(), f -> {
            new VirtualTicklessClock().advanceTicks(0);
            return null;
        }, "attached");
        t.ise("unattached vt.advance(1)", fn(), f -> {
            new VirtualTicklessClock().advance(1);
            return null;
        }, "attached");
        t.ise("unattached vt.advanceTo(1)", fn(), f -> {
            new VirtualTicklessClock().advanceTo(1);
            return null;
        }, "attached");
        t.ise("unattached vt.ticks()", fn(), f -> new VirtualTicklessClock().ticks(), "attached");
        t.ise("unattached vt.hardclocktime(0)", fn(), f -> new VirtualTicklessClock().hardclocktime(0), "attached");
        t.ise("unattached vt.nextcall(0)", fn(), f -> new VirtualTicklessClock().nextcall(0), "attached");
        t.ise("unattached vt.nextcallopt(0)", fn(), f -> new VirtualTicklessClock().nextcallopt(0), "attached");
        t.accept(Mode.OPEN, "unattached vt.now(), interrupts(), sbinuptime(), isAttached()", f -> {
            VirtualTicklessClock v = new VirtualTicklessClock();
            assertEquals(0, v.now());
            assertEquals(0, v.interrupts());
            assertEquals(0, v.sbinuptime());
            return v.isAttached();
        });
        // Constructor
        for (long start : new long[] {-1, Long.MIN_VALUE}) {
            t.iae("new VirtualTicklessClock(" + start + ", 0)", fn(), f -> new VirtualTicklessClock(start, 0), "start",
                    Long.toString(start));
        }
        // Attached: bad arguments
        for (long d : new long[] {-1, Long.MIN_VALUE}) {
            t.iae("vt.advance(" + d + ")", fn("advance"), f -> {
                f.vt.advance(d);
                return null;
            }, Long.toString(d));
        }
        for (int n : new int[] {-1, Integer.MIN_VALUE}) {
            t.iae("vt.advanceTicks(" + n + ")", fn("advanceTicks"), f -> {
                f.vt.advanceTicks(n);
                return null;
            }, Integer.toString(n));
        }
        t.iae("vt.advanceTo(now - 1)", fn("advanceTo"), f -> {
            f.vt.advanceTo(f.vt.now() - 1);
            return null;
        }, "before");
        t.iae("vt.advanceTo(Long.MIN_VALUE)", fn("advanceTo"), f -> {
            f.vt.advanceTo(Long.MIN_VALUE);
            return null;
        }, "before");
        for (int cpu : BAD_CPUS) {
            String v = Integer.toString(cpu);
            t.iae("vt.nextcall(" + cpu + ")", fn("nextcall"), f -> f.vt.nextcall(cpu), "cpu", v);
            t.iae("vt.nextcallopt(" + cpu + ")", fn("nextcallopt"), f -> f.vt.nextcallopt(cpu), "cpu", v);
            t.iae("vt.hardclocktime(" + cpu + ")", fn("hardclocktime"), f -> f.vt.hardclocktime(cpu), "cpu", v);
        }
        // Huge advances saturate; every victim fires once on the way.
        t.accept(Mode.OPEN, "vt.advance(Long.MAX_VALUE): saturates at SBT_MAX", f -> {
            f.vt.advance(Long.MAX_VALUE);
            return f.vt.now();
        }).movesTime().afterCall((f, r) -> assertEquals(SBT_MAX, r, "now"));
        t.accept(Mode.OPEN, "vt.advanceTicks(Integer.MAX_VALUE)", f -> {
            f.vt.advanceTicks(Integer.MAX_VALUE);
            return f.vt.now();
        }).movesTime();
        t.accept(Mode.OPEN, "vt.advanceTo(SBT_MAX)", f -> {
            f.vt.advanceTo(SBT_MAX);
            return f.vt.now();
        }).movesTime();
        t.accept(Mode.OPEN, "a system with nothing ever armed: vt.advanceTo(SBT_MAX) returns", f -> {
            VirtualTicklessClock v = new VirtualTicklessClock();
            CalloutWheel w = CalloutWheel.builder().clock(v).ncpus(1).callwheelSize(16).build();
            try {
                Bounded.run("idle vt.advanceTo(SBT_MAX)", () -> v.advanceTo(SBT_MAX));
                return v.now();
            } finally {
                w.close(); // also ends a still-running advance (it checks isClosed between interrupts)
            }
        }).afterCall((f, r) -> assertEquals(SBT_MAX, r, "now"));
        t.accept(Mode.OPEN, "vt.advance(0): runs nothing that is not due", f -> {
            f.vt.advance(0);
            return null;
        });
    }

    /* ---- Facade odds and ends -------------------------------------------------------------- */

    private static void facadeRows(Table t) {
        // The arming functions of the facade on a CLASSIC default: same checks.
        t.iae("CLASSIC KernTimeout.callout_reset(c, 1, null, arg)", fn("callout_reset"), f -> onClassic(f, true, cs -> {
            Callout c = new Callout();
            cs.init(c, true);
            KernTimeout.callout_reset(c, 1, null, null);
        }), "null");
        t.ise("CLASSIC KernTimeout.callout_stop(victim of the MODERN system)", fn("callout_stop"),
                f -> onClassic(f, true, cs -> KernTimeout.callout_stop(f.victim.c)), "another");
    }
}
