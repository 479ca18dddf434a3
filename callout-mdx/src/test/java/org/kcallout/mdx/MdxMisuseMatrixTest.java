package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.kcallout.mdx.MdxCallouts.MDX_EEXIST;
import static org.kcallout.mdx.MdxCallouts.MDX_ERROR;
import static org.kcallout.mdx.MdxCallouts.MDX_OK;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.CalloutFunc;

/**
 * The misuse matrix of the published {@code callout-mdx} API: every public method and constructor
 * of {@code org.kcallout.mdx}, tried with null, out-of-range and overflowing values
 * ({@code Integer.MIN_VALUE}, {@code Long.MAX_VALUE}, {@code Long.MIN_VALUE}, negatives), a CPU out
 * of range, a callout never armed, a callout of another framework instance, calls from the wrong
 * context (a handler, no timer registered) and use after a lifecycle ended (a fired callout, a
 * replaced KernMdx default). Each row asserts:
 * <ul>
 *   <li>the exception type: {@link IllegalArgumentException} for a bad argument,
 *       {@link IllegalStateException} for misuse; or, where MDEPX documents a return code for the
 *       input ({@code MDX_ERROR}, {@code MDX_EEXIST}, 1 from cancel, 0 from ticks), that code;</li>
 *   <li>that the message names the function called ({@code mdx_callout_cancel}, ...; Java-only
 *       methods by their Java name, as the module's messages do), the rule and the offending
 *       value;</li>
 *   <li>that nothing changed: a snapshot of both fixture frameworks, their timers and every fixture
 *       callout (lists, deltas, baselines, timer states, recorded start/stop calls, flags, owners)
 *       is equal before and after, and then each victim callout armed before the call fires exactly
 *       once, at its deadline.</li>
 * </ul>
 * {@link #everyPublicMethod_isInTheMatrixOrHasNoBadInput()} keeps the table complete: a public
 * method added to the package without a row (or a reason it takes no bad input) fails it.
 */
final class MdxMisuseMatrixTest {
    private static final long MHZ = 1_000_000;
    private static final long U32 = 0xffff_ffffL;
    private static final Duration ROW_LIMIT = Duration.ofSeconds(30);

    /* ---- the fixture ------------------------------------------------------------------------- */

    /** A callout armed before the bad call, which must still fire exactly once, at its deadline. */
    static final class Victim {
        static final CalloutFunc<Victim> FIRE = Victim::fire;

        final String name;
        final MdxCallout c = new MdxCallout();
        final SimulatedMiTimer clock;
        final long deadline;
        final List<Long> firedAt = new ArrayList<>();

        Victim(String name, SimulatedMiTimer clock, long deadline) {
            this.name = name;
            this.clock = clock;
            this.deadline = deadline;
        }

        private void fire() {
            firedAt.add(clock.time());
        }
    }

    /**
     * Framework {@code a} (2 CPUs) and {@code b} (1 CPU), each with its own simulated 32-bit 1 MHz
     * timer; {@code fresh} (1 CPU) with no timer. Victims: {@code va0} on a's CPU 0 (fires at 50),
     * {@code va1} on a's CPU 1 (60), {@code vb} on b (40). {@code aFired}: a callout of a that has
     * fired (armed for 0 ticks), {@code unarmed}: a new callout no framework has seen.
     */
    static final class Fx {
        final MdxCallouts a = new MdxCallouts(2);
        final SimulatedMiTimer ta = new SimulatedMiTimer(a, U32, MHZ);
        final MdxCallouts b = new MdxCallouts(1);
        final SimulatedMiTimer tb = new SimulatedMiTimer(b, U32, MHZ);
        final MdxCallouts fresh = new MdxCallouts(1);
        final Victim va0 = new Victim("va0", ta, 50);
        final Victim va1 = new Victim("va1", ta, 60);
        final Victim vb = new Victim("vb", tb, 40);
        final MdxCallout aFired = new MdxCallout();
        final MdxCallout unarmed = new MdxCallout();
        final MdxCallout trigger = new MdxCallout();
        private final Map<Object, String> names = new IdentityHashMap<>();

        Fx() {
            assertEquals(MDX_OK, a.register(ta));
            assertEquals(MDX_OK, b.register(tb));
            assertEquals(MDX_OK, a.setTicks(va0.c, va0.deadline, Victim.FIRE, va0));
            a.bindCurrentThread(1);
            assertEquals(MDX_OK, a.setTicks(va1.c, va1.deadline, Victim.FIRE, va1));
            a.unbindCurrentThread();
            assertEquals(MDX_OK, b.setTicks(vb.c, vb.deadline, Victim.FIRE, vb));
            assertEquals(MDX_OK, a.setTicks(aFired, 0, null, null));
            names.put(va0.c, "va0");
            names.put(va1.c, "va1");
            names.put(vb.c, "vb");
            names.put(aFired, "aFired");
            names.put(unarmed, "unarmed");
            names.put(trigger, "trigger");
            names.put(a, "a");
            names.put(b, "b");
            names.put(fresh, "fresh");
        }

        List<Victim> victims() {
            return List.of(va0, va1, vb);
        }

        private String name(Object o) {
            return o == null ? "null" : names.getOrDefault(o, String.valueOf(o));
        }

        /** Everything a refused call must leave as it was. */
        String describe() {
            StringBuilder sb = new StringBuilder();
            for (MdxCallouts m : List.of(a, b, fresh)) {
                sb.append(name(m)).append(": timer=").append(m.timer()).append(", curcpu=").append(m.curcpu())
                        .append('\n');
                for (int cpu = 0; cpu < m.ncpu(); cpu++) {
                    sb.append("  cpu ").append(cpu).append(": state=").append(m.timerState(cpu))
                            .append(", countSaved=").append(m.countSaved(cpu)).append(", queued=");
                    for (MdxCallout c : m.queued(cpu)) {
                        sb.append(name(c)).append('(').append(c.ticks()).append(") ");
                    }
                    sb.append('\n');
                }
            }
            for (SimulatedMiTimer t : List.of(ta, tb)) {
                sb.append(t).append(": time=").append(t.time()).append(", interrupts=").append(t.interrupts())
                        .append(", untilMatch0=").append(t.untilMatch(0)).append(", ops=").append(t.ops())
                        .append('\n');
            }
            sb.append("ta.untilMatch1=").append(ta.untilMatch(1)).append('\n');
            for (MdxCallout c : List.of(va0.c, va1.c, vb.c, aFired, unarmed)) {
                sb.append(name(c)).append(": ").append(c).append(", owner=").append(name(c.ownerAcquire()))
                        .append(", func=").append(c.func()).append(", arg=").append(c.arg()).append('\n');
            }
            sb.append("KernMdx.system=").append(name(KernMdx.system())).append('\n');
            return sb.toString();
        }
    }

    /* ---- rows -------------------------------------------------------------------------------- */

    /** The call under test. */
    @FunctionalInterface
    interface Call {
        Object call(Fx fx) throws Throwable;
    }

    /** Where the call is made: on the test's thread, or from a handler in a's CPU 0 batch. */
    enum Where {
        THREAD, HANDLER
    }

    /**
     * One row: the method it covers, the call, and either the exception type and message fragments
     * or the documented return code.
     */
    record Row(String covers, String what, Where where, Call prepare, Call call, Class<? extends Throwable> type,
            Object result, List<String> fragments) {
        @Override
        public String toString() {
            return covers + ": " + what;
        }
    }

    private static final Call NOTHING = fx -> null;

    private static Row iae(String covers, String what, Call call, String... fragments) {
        return new Row(covers, what, Where.THREAD, NOTHING, call, IllegalArgumentException.class, null,
                List.of(fragments));
    }

    private static Row ise(String covers, String what, Call call, String... fragments) {
        return new Row(covers, what, Where.THREAD, NOTHING, call, IllegalStateException.class, null,
                List.of(fragments));
    }

    private static Row returns(String covers, String what, Object result, Call call) {
        return new Row(covers, what, Where.THREAD, NOTHING, call, null, result, List.of());
    }

    private static Row inHandler(Row r) {
        return new Row(r.covers, r.what + ", from a handler", Where.HANDLER, r.prepare, r.call, r.type, r.result,
                r.fragments);
    }

    private static Row after(Call prepare, Row r) {
        return new Row(r.covers, r.what, r.where, prepare, r.call, r.type, r.result, r.fragments);
    }

    /** The fragment a foreign-callout message must hold: the rule. */
    private static final String FOREIGN = "belongs to another mdx_callout framework (initialised by MdxCallouts#";
    private static final String NO_TIMER = "no mi_timer registered";
    private static final String UINT32 = "must be a uint32_t in [0, 0xffffffff], got ";

    private static MiTimer.Struct<Object> struct(long maxcnt, long frequency) {
        return MiTimer.of(new Object(), (x, t) -> { }, x -> { }, x -> 0L, maxcnt, frequency);
    }

    /** A registered single-CPU framework at {@code frequency} (for conversions). */
    private static MdxCallouts framework(long frequency) {
        MdxCallouts m = new MdxCallouts(1);
        assertEquals(MDX_OK, m.register(new SimulatedMiTimer(m, U32, frequency)));
        return m;
    }

    /** A registered 2-CPU framework whose current-CPU supplier answers {@code cpu}. */
    private static MdxCallouts supplied(int cpu) {
        IntSupplier s = () -> cpu;
        MdxCallouts m = new MdxCallouts(2, s);
        assertEquals(MDX_OK, m.register(new SimulatedMiTimer(m, U32, MHZ)));
        return m;
    }

    /** Runs {@code call} with {@code m} as KernMdx's default, restoring the previous default. */
    private static Object kern(MdxCallouts m, Call call, Fx fx) throws Throwable {
        MdxCallouts previous = KernMdx.system();
        KernMdx.setSystem(m);
        try {
            return call.call(fx);
        } finally {
            KernMdx.setSystem(previous);
        }
    }

    static Stream<Row> rows() {
        List<Row> r = new ArrayList<>();
        mdxCalloutsRows(r);
        kernMdxRows(r);
        cputimeRows(r);
        miTimerRows(r);
        simulatedTimerRows(r);
        counterCompareRows(r);
        return r.stream();
    }

    private static void mdxCalloutsRows(List<Row> r) {
        String cls = "MdxCallouts";
        // constructors
        for (int n : new int[] {0, -1, Integer.MIN_VALUE, MdxCallouts.MDX_CPU_MAX + 1, Integer.MAX_VALUE}) {
            // Integer.MAX_VALUE was an OutOfMemoryError (found by the reflective sweep below)
            r.add(iae(cls + "(int)", "ncpu " + n, fx -> new MdxCallouts(n), "MdxCallouts",
                    "ncpu must be in [1, MDX_CPU_MAX = 1024]", "got " + n));
            r.add(iae(cls + "(int,IntSupplier)", "ncpu " + n, fx -> new MdxCallouts(n, () -> 0), "MdxCallouts",
                    "ncpu must be in [1, MDX_CPU_MAX = 1024]", "got " + n));
        }
        r.add(iae(cls + "(int,IntSupplier)", "null supplier", fx -> new MdxCallouts(1, null), "MdxCallouts",
                "current-CPU supplier must not be null"));
        // curcpu
        for (int cpu : new int[] {2, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            r.add(ise("MdxCpus.curcpu()", "supplier answers " + cpu, fx -> supplied(cpu).curcpu(), "PCPU_GET(cpuid)",
                    "current-CPU supplier returned CPU " + cpu, "not in [0, 2)"));
        }
        r.add(ise(cls + ".setTicks(MdxCallout,long,CalloutFunc,Object)", "supplier answers -1, fresh callout",
                fx -> supplied(-1).setTicks(fx.unarmed, 5, null, null), "mdx_callout_set_ticks",
                "current-CPU supplier returned CPU -1", "not in [0, 2)"));
        // bindCurrentThread
        for (int cpu : new int[] {2, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            r.add(iae("MdxCpus.bindCurrentThread(int)", "CPU " + cpu, fx -> {
                fx.a.bindCurrentThread(cpu);
                return null;
            }, "bindCurrentThread", "CPU " + cpu, "not in [0, 2)"));
        }
        r.add(ise("MdxCpus.bindCurrentThread(int)", "framework with a supplier", fx -> {
            supplied(0).bindCurrentThread(1);
            return null;
        }, "bindCurrentThread", "takes the current CPU from its supplier"));
        // failureHook
        r.add(iae("MdxCpus.failureHook(BiConsumer)", "null", fx -> {
            fx.a.failureHook(null);
            return null;
        }, "failureHook", "must not be null"));
        // register
        r.add(iae(cls + ".register(MiTimer)", "null", fx -> fx.fresh.register(null), "mdx_callout_register",
                "the timer must not be null"));
        for (long v : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(cls + ".register(MiTimer)", "maxcnt " + v, fx -> fx.fresh.register(struct(v, MHZ)),
                    "mdx_callout_register: maxcnt", UINT32 + v));
            r.add(iae(cls + ".register(MiTimer)", "frequency " + v, fx -> fx.fresh.register(struct(0xffff, v)),
                    "mdx_callout_register: frequency", UINT32 + v));
        }
        r.add(returns(cls + ".register(MiTimer)", "maxcnt 0 (documented MDX_ERROR)", MDX_ERROR,
                fx -> fx.fresh.register(struct(0, MHZ))));
        r.add(returns(cls + ".register(MiTimer)", "frequency 0 (documented MDX_ERROR)", MDX_ERROR,
                fx -> fx.fresh.register(struct(0xffff, 0))));
        r.add(returns(cls + ".register(MiTimer)", "struct without start (documented MDX_ERROR)", MDX_ERROR, fx -> {
            MiTimer.Struct<Object> s = struct(0xffff, MHZ);
            s.start = null;
            return fx.fresh.register(s);
        }));
        r.add(returns(cls + ".register(MiTimer)", "second timer (documented MDX_EEXIST)", MDX_EEXIST,
                fx -> fx.a.register(struct(0xffff, MHZ))));
        r.add(returns(cls + ".register(MiTimer)", "incomplete second timer (MDX_EEXIST checked first)", MDX_EEXIST,
                fx -> fx.a.register(struct(0, 0))));
        r.add(ise(cls + ".register(MiTimer)", "a SimulatedMiTimer built for another framework",
                fx -> fx.fresh.register(fx.ta), "mdx_callout_register", "built for another mdx_callout framework",
                "for MdxCallouts#"));
        // init
        r.add(iae(cls + ".init(MdxCallout)", "null", fx -> {
            fx.a.init(null);
            return null;
        }, "mdx_callout_init", "the callout must not be null"));
        r.add(ise(cls + ".init(MdxCallout)", "an ACTIVE callout", fx -> {
            fx.a.init(fx.va1.c);
            return null;
        }, "mdx_callout_init", "ACTIVE on CPU 1", "cancel it before re-initialising it"));
        r.add(ise(cls + ".init(MdxCallout)", "a fired callout of another framework", fx -> {
            fx.b.init(fx.aFired);
            return null;
        }, "mdx_callout_init", FOREIGN));
        r.add(ise(cls + ".init(MdxCallout)", "an ACTIVE callout of another framework", fx -> {
            fx.b.init(fx.va0.c);
            return null;
        }, "mdx_callout_init", FOREIGN));
        // the four setters
        setterRows(r, cls + ".setTicks(MdxCallout,long,CalloutFunc,Object)", "mdx_callout_set_ticks", "ticks",
                (m, c, v) -> m.setTicks(c, v, null, null), false);
        setterRows(r, cls + ".setTicksLocked(MdxCallout,long,CalloutFunc,Object)", "mdx_callout_set_ticks_locked",
                "ticks", (m, c, v) -> m.setTicksLocked(c, v, null, null), true);
        setterRows(r, cls + ".set(MdxCallout,long,CalloutFunc,Object)", "mdx_callout_set", "usec",
                (m, c, v) -> m.set(c, v, null, null), false);
        setterRows(r, cls + ".setLocked(MdxCallout,long,CalloutFunc,Object)", "mdx_callout_set_locked", "usec",
                (m, c, v) -> m.setLocked(c, v, null, null), true);
        // cancel
        String cancel = cls + ".cancel(MdxCallout)";
        r.add(iae(cancel, "null", fx -> fx.a.cancel(null), "mdx_callout_cancel", "the callout must not be null"));
        r.add(ise(cancel, "no timer registered", fx -> fx.fresh.cancel(fx.unarmed), "mdx_callout_cancel", NO_TIMER));
        r.add(ise(cancel, "callout of a's CPU 1 passed to 1-CPU b (was ArrayIndexOutOfBounds)",
                fx -> fx.b.cancel(fx.va1.c), "mdx_callout_cancel", FOREIGN));
        r.add(ise(cancel, "callout of a's CPU 0 passed to b (was MDX_OK, unlinked from a's list)",
                fx -> fx.b.cancel(fx.va0.c), "mdx_callout_cancel", FOREIGN));
        r.add(ise(cancel, "callout of b passed to a", fx -> fx.a.cancel(fx.vb.c), "mdx_callout_cancel", FOREIGN));
        r.add(ise(cancel, "fired callout of another framework", fx -> fx.b.cancel(fx.aFired), "mdx_callout_cancel",
                FOREIGN));
        r.add(inHandler(ise(cancel, "callout of the handler's own CPU", fx -> fx.a.cancel(fx.va0.c),
                "mdx_callout_cancel", "callout of CPU 0", "MDEPX would deadlock")));
        r.add(inHandler(ise(cancel, "never-armed callout (counts as CPU 0's)", fx -> fx.a.cancel(fx.unarmed),
                "mdx_callout_cancel", "callout of CPU 0", "MDEPX would deadlock")));
        r.add(returns(cancel, "never-armed callout (documented 1)", 1, fx -> fx.a.cancel(fx.unarmed)));
        r.add(returns(cancel, "fired callout, its life over (documented 1)", 1, fx -> fx.a.cancel(fx.aFired)));
        // callback
        String callback = cls + ".callback(int)";
        for (int cpu : new int[] {2, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            r.add(iae(callback, "CPU " + cpu, fx -> fx.a.callback(cpu), "mdx_callout_callback", "CPU " + cpu,
                    "not in [0, 2)"));
        }
        r.add(ise(callback, "no timer registered", fx -> fx.fresh.callback(0), "mdx_callout_callback", NO_TIMER));
        r.add(inHandler(ise(callback, "nested", fx -> fx.a.callback(1), "mdx_callout_callback",
                "callback batches do not nest")));
        // conversions
        for (long v : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(cls + ".usecToTicks(long)", "usec " + v, fx -> fx.a.usecToTicks(v),
                    "mdx_callout_usec_to_ticks: usec", UINT32 + v));
            r.add(iae(cls + ".ticksToUsec(long)", "ticks " + v, fx -> fx.a.ticksToUsec(v),
                    "mdx_callout_ticks_to_usec: ticks", UINT32 + v));
        }
        r.add(iae(cls + ".usecToTicks(long)", "overflowing product at 0xffffffff Hz",
                fx -> framework(U32).usecToTicks(U32), "mdx_callout_usec_to_ticks", "usec 4294967295",
                "does not convert to ticks", "overflows"));
        r.add(ise(cls + ".usecToTicks(long)", "no timer", fx -> fx.fresh.usecToTicks(1),
                "mdx_callout_usec_to_ticks", NO_TIMER));
        r.add(ise(cls + ".ticksToUsec(long)", "no timer", fx -> fx.fresh.ticksToUsec(1),
                "mdx_callout_ticks_to_usec", NO_TIMER));
        r.add(ise(cls + ".ticksToUsec(long)", "no converter at 32768 Hz", fx -> framework(32768).ticksToUsec(1),
                "mdx_callout_ticks_to_usec", "(32768 Hz) has no ticks_to_usec converter"));
        // ticks and usec
        for (String fn : List.of("ticks", "usec")) {
            String key = cls + "." + fn + "(MdxCallout)";
            String c = "mdx_callout_" + fn;
            r.add(iae(key, "null", fx -> query(fn, fx.b, null), c, "the callout must not be null"));
            r.add(ise(key, "no timer", fx -> query(fn, fx.fresh, fx.unarmed), c, NO_TIMER));
            r.add(ise(key, "on 2 CPUs", fx -> query(fn, fx.a, fx.va0.c), c, "only on a single-CPU system",
                    "has 2 CPUs"));
            r.add(ise(key, "ACTIVE callout of another framework (ticks was AssertionError)",
                    fx -> query(fn, fx.b, fx.va0.c), c, FOREIGN));
            r.add(ise(key, "fired callout of another framework", fx -> query(fn, fx.b, fx.aFired), c, FOREIGN));
            r.add(returns(key, "never-armed callout (documented 0)", 0L, fx -> query(fn, fx.b, fx.unarmed)));
        }
        r.add(ise(cls + ".usec(MdxCallout)", "no converter at 32768 Hz",
                fx -> framework(32768).usec(fx.unarmed), "mdx_callout_usec", "(32768 Hz) has no ticks_to_usec"));
        // per-CPU introspection
        for (int cpu : new int[] {2, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            r.add(iae("MdxCpus.timerState(int)", "CPU " + cpu, fx -> fx.a.timerState(cpu), "timerState",
                    "CPU " + cpu, "not in [0, 2)"));
            r.add(iae("MdxCpus.countSaved(int)", "CPU " + cpu, fx -> fx.a.countSaved(cpu), "countSaved",
                    "CPU " + cpu, "not in [0, 2)"));
            r.add(iae("MdxCpus.queued(int)", "CPU " + cpu, fx -> fx.a.queued(cpu), "queued", "CPU " + cpu,
                    "not in [0, 2)"));
        }
    }

    private static Object query(String fn, MdxCallouts m, MdxCallout c) {
        return fn.equals("ticks") ? m.ticks(c) : m.usec(c);
    }

    /** A setter under test: framework, callout, ticks or microseconds. */
    @FunctionalInterface
    interface Setter {
        int set(MdxCallouts m, MdxCallout c, long value);
    }

    private static void setterRows(List<Row> r, String key, String fn, String unit, Setter s, boolean locked) {
        // Locked setters are only legal in a handler: their argument rows run there.
        UnaryOperator<Row> legal = locked ? MdxMisuseMatrixTest::inHandler : x -> x;
        r.add(legal.apply(iae(key, "null callout", fx -> s.set(fx.a, null, 5), fn, "the callout must not be null")));
        for (long v : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(legal.apply(iae(key, unit + " " + v, fx -> s.set(fx.a, fx.unarmed, v), fn + ": " + unit,
                    UINT32 + v)));
        }
        r.add(ise(key, "no timer", fx -> s.set(fx.fresh, fx.unarmed, 5), fn, NO_TIMER));
        r.add(ise(key, "fired callout of another framework", fx -> s.set(fx.b, fx.aFired, 5), fn, FOREIGN));
        r.add(ise(key, "ACTIVE callout of another framework", fx -> s.set(fx.b, fx.va0.c, 5), fn, FOREIGN));
        r.add(legal.apply(returns(key, "ACTIVE callout (documented MDX_ERROR, deadline kept)", MDX_ERROR,
                fx -> s.set(fx.a, fx.va0.c, 5))));
        if (unit.equals("usec")) {
            r.add(iae(key, "usec overflowing the conversion at 0xffffffff Hz",
                    fx -> s.set(framework(U32), fx.unarmed, U32), fn, "usec 4294967295", "does not convert to ticks",
                    "overflows"));
        }
        if (locked) {
            r.add(ise(key, "outside a handler", fx -> s.set(fx.a, fx.unarmed, 5), fn,
                    "requires CPU 0's callout lock", "use the unlocked form"));
        } else {
            r.add(inHandler(ise(key, "unlocked form", fx -> s.set(fx.a, fx.unarmed, 5), fn,
                    "CPU 0's callout lock held", "use the _locked form")));
        }
    }

    private static void kernMdxRows(List<Row> r) {
        String cls = "KernMdx";
        r.add(iae(cls + ".setSystem(MdxCallouts)", "null", fx -> KernMdx.setSystem(null), "setSystem",
                "must not be null"));
        r.add(iae(cls + ".mdx_callout_init(MdxCallout)", "null", fx -> kern(fx.b, f -> {
            KernMdx.mdx_callout_init(null);
            return null;
        }, fx), "mdx_callout_init", "must not be null"));
        r.add(ise(cls + ".mdx_callout_init(MdxCallout)", "callout of the replaced default (after setSystem)",
                fx -> kern(fx.b, f -> {
                    KernMdx.mdx_callout_init(f.aFired);
                    return null;
                }, fx), "mdx_callout_init", FOREIGN));
        r.add(iae(cls + ".mdx_callout_set_ticks(MdxCallout,long,CalloutFunc,Object)", "ticks Long.MIN_VALUE",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_set_ticks(f.unarmed, Long.MIN_VALUE, null, null), fx),
                "mdx_callout_set_ticks: ticks", UINT32 + Long.MIN_VALUE));
        r.add(ise(cls + ".mdx_callout_set_ticks_locked(MdxCallout,long,CalloutFunc,Object)", "outside a handler",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_set_ticks_locked(f.unarmed, 5, null, null), fx),
                "mdx_callout_set_ticks_locked", "requires CPU 0's callout lock"));
        r.add(iae(cls + ".mdx_callout_set(MdxCallout,long,CalloutFunc,Object)", "usec Long.MAX_VALUE",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_set(f.unarmed, Long.MAX_VALUE, null, null), fx),
                "mdx_callout_set: usec", UINT32 + Long.MAX_VALUE));
        r.add(iae(cls + ".mdx_callout_set_locked(MdxCallout,long,CalloutFunc,Object)", "null callout",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_set_locked(null, 5, null, null), fx),
                "mdx_callout_set_locked", "must not be null"));
        r.add(ise(cls + ".mdx_callout_cancel(MdxCallout)", "callout of the replaced default (after setSystem)",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_cancel(f.va1.c), fx), "mdx_callout_cancel", FOREIGN));
        r.add(iae(cls + ".mdx_callout_register(MiTimer)", "null",
                fx -> kern(fx.fresh, f -> KernMdx.mdx_callout_register(null), fx), "mdx_callout_register",
                "must not be null"));
        r.add(returns(cls + ".mdx_callout_register(MiTimer)", "second timer (documented MDX_EEXIST)", MDX_EEXIST,
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_register(f.tb), fx)));
        r.add(iae(cls + ".mdx_callout_callback(MiTimer)", "null",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_callback(null), fx), "mdx_callout_callback",
                "the timer must not be null"));
        r.add(ise(cls + ".mdx_callout_callback(MiTimer)", "another framework's timer",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_callback(f.ta), fx), "mdx_callout_callback",
                "wrong device", "got: SimulatedMiTimer"));
        r.add(iae(cls + ".mdx_callout_usec_to_ticks(long)", "usec -1",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_usec_to_ticks(-1), fx), "mdx_callout_usec_to_ticks: usec",
                UINT32 + "-1"));
        r.add(iae(cls + ".mdx_callout_ticks_to_usec(long)", "ticks Long.MAX_VALUE",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_ticks_to_usec(Long.MAX_VALUE), fx),
                "mdx_callout_ticks_to_usec: ticks", UINT32 + Long.MAX_VALUE));
        r.add(ise(cls + ".mdx_callout_ticks(MdxCallout)", "callout of another framework",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_ticks(f.va0.c), fx), "mdx_callout_ticks", FOREIGN));
        r.add(iae(cls + ".mdx_callout_usec(MdxCallout)", "null",
                fx -> kern(fx.b, f -> KernMdx.mdx_callout_usec(null), fx), "mdx_callout_usec", "must not be null"));
        r.add(iae(cls + ".mdx_cputime_usec_to_ticks(long,long)", "freq -1",
                fx -> KernMdx.mdx_cputime_usec_to_ticks(-1, 5), "mdx_cputime_usec_to_ticks: freq", UINT32 + "-1"));
        r.add(iae(cls + ".mdx_cputime_usec_to_ticks(long,long)", "overflowing product",
                fx -> KernMdx.mdx_cputime_usec_to_ticks(U32, U32), "mdx_cputime_usec_to_ticks", "4294967295 us",
                "overflows the 64-bit product"));
        r.add(iae(cls + ".mdx_cputime_usec_to_ticks_1mhz(long,long)", "usec Long.MIN_VALUE",
                fx -> KernMdx.mdx_cputime_usec_to_ticks_1mhz(MHZ, Long.MIN_VALUE), "mdx_cputime_usec_to_ticks_1mhz: usec",
                UINT32 + Long.MIN_VALUE));
        r.add(iae(cls + ".mdx_cputime_ticks_to_usec_1mhz(long,long)", "freq Long.MIN_VALUE",
                fx -> KernMdx.mdx_cputime_ticks_to_usec_1mhz(Long.MIN_VALUE, 5), "mdx_cputime_ticks_to_usec_1mhz: freq",
                UINT32 + Long.MIN_VALUE));
    }

    private static void cputimeRows(List<Row> r) {
        String cls = "MdxCputime";
        for (long v : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(cls + ".usecToTicks(long,long)", "freq " + v, fx -> MdxCputime.usecToTicks(v, 5),
                    "mdx_cputime_usec_to_ticks: freq", UINT32 + v));
            r.add(iae(cls + ".usecToTicks(long,long)", "usec " + v, fx -> MdxCputime.usecToTicks(MHZ, v),
                    "mdx_cputime_usec_to_ticks: usec", UINT32 + v));
            r.add(iae(cls + ".usecToTicks1mhz(long,long)", "freq " + v, fx -> MdxCputime.usecToTicks1mhz(v, 5),
                    "mdx_cputime_usec_to_ticks_1mhz: freq", UINT32 + v));
            r.add(iae(cls + ".usecToTicks1mhz(long,long)", "usec " + v, fx -> MdxCputime.usecToTicks1mhz(MHZ, v),
                    "mdx_cputime_usec_to_ticks_1mhz: usec", UINT32 + v));
            r.add(iae(cls + ".ticksToUsec1mhz(long,long)", "freq " + v, fx -> MdxCputime.ticksToUsec1mhz(v, 5),
                    "mdx_cputime_ticks_to_usec_1mhz: freq", UINT32 + v));
            r.add(iae(cls + ".ticksToUsec1mhz(long,long)", "ticks " + v, fx -> MdxCputime.ticksToUsec1mhz(MHZ, v),
                    "mdx_cputime_ticks_to_usec_1mhz: ticks", UINT32 + v));
        }
        r.add(iae(cls + ".usecToTicks(long,long)", "overflowing product", fx -> MdxCputime.usecToTicks(U32, U32),
                "mdx_cputime_usec_to_ticks", "4294967295 us at 4294967295 Hz", "overflows the 64-bit product"));
    }

    private static void miTimerRows(List<Row> r) {
        String cls = "MiTimer.Struct";
        r.add(ise(cls + ".start(long)", "NULL start", fx -> {
            new MiTimer.Struct<>().start(5);
            return null;
        }, "mi_timer start", "start member is NULL"));
        r.add(ise(cls + ".stop()", "NULL stop", fx -> {
            new MiTimer.Struct<>().stop();
            return null;
        }, "mi_timer stop", "stop member is NULL"));
        r.add(ise(cls + ".count()", "NULL count", fx -> new MiTimer.Struct<>().count(), "mi_timer count",
                "count member is NULL"));
    }

    private static void simulatedTimerRows(List<Row> r) {
        String cls = "SimulatedMiTimer";
        String withFw = cls + "(MdxCallouts,long,long,long)";
        String withFw3 = cls + "(MdxCallouts,long,long)";
        String alone = cls + "(long,long,long)";
        r.add(iae(withFw, "null framework", fx -> new SimulatedMiTimer(null, U32, MHZ, 0), "SimulatedMiTimer",
                "the framework must not be null"));
        r.add(iae(withFw3, "null framework", fx -> new SimulatedMiTimer(null, U32, MHZ), "SimulatedMiTimer",
                "the framework must not be null"));
        for (long v : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(withFw3, "maxcnt " + v, fx -> new SimulatedMiTimer(fx.fresh, v, MHZ), "SimulatedMiTimer",
                    "maxcnt must be in [1, 0xffffffff]", "got " + v));
            r.add(iae(withFw, "frequency " + v, fx -> new SimulatedMiTimer(fx.fresh, U32, v, 0), "SimulatedMiTimer",
                    "frequency must be in [1, 0xffffffff]", "got " + v));
            r.add(iae(alone, "maxcnt " + v, fx -> new SimulatedMiTimer(v, MHZ, 0), "SimulatedMiTimer",
                    "maxcnt must be in [1, 0xffffffff]", "got " + v));
            r.add(iae(alone, "frequency " + v, fx -> new SimulatedMiTimer(0xffff, v, 0), "SimulatedMiTimer",
                    "frequency must be in [1, 0xffffffff]", "got " + v));
        }
        for (long v : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, 0x1_0000}) {
            r.add(iae(withFw, "initialCount " + v, fx -> new SimulatedMiTimer(fx.fresh, 0xffff, MHZ, v),
                    "SimulatedMiTimer", "initialCount must be in [0, maxcnt = 65535]", "got " + v));
            r.add(iae(alone, "initialCount " + v, fx -> new SimulatedMiTimer(0xffff, MHZ, v), "SimulatedMiTimer",
                    "initialCount must be in [0, maxcnt = 65535]", "got " + v));
        }
        for (long v : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(cls + ".start(long)", "ticks " + v, fx -> {
                fx.ta.start(v);
                return null;
            }, "SimulatedMiTimer.start", "ticks must be in [1, maxcnt = 4294967295]", "got " + v));
        }
        for (long v : new long[] {-1, Long.MIN_VALUE}) {
            r.add(iae(cls + ".advance(long)", "counts " + v, fx -> {
                fx.ta.advance(v);
                return null;
            }, "SimulatedMiTimer.advance", "counts must be >= 0", "got " + v));
        }
        r.add(after(fx -> {
            fx.ta.advance(1);
            return null;
        }, iae(cls + ".advance(long)", "Long.MAX_VALUE after 1 count (time() would overflow)", fx -> {
            fx.ta.advance(Long.MAX_VALUE);
            return null;
        }, "SimulatedMiTimer.advance", "counts " + Long.MAX_VALUE, "would overflow time() (now 1")));
        r.add(inHandler(ise(cls + ".advance(long)", "nested", fx -> {
            fx.ta.advance(1);
            return null;
        }, "SimulatedMiTimer.advance", "called from a callout handler", "interrupts do not nest")));
        r.add(inHandler(ise(cls + ".unmaskInterrupts()", "nested", fx -> {
            fx.ta.unmaskInterrupts();
            return null;
        }, "SimulatedMiTimer.unmaskInterrupts", "called from a callout handler")));
        for (int cpu : new int[] {1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            r.add(iae(cls + ".untilMatch(int)", "CPU " + cpu + " of a 1-CPU timer (was AIOOBE)",
                    fx -> fx.tb.untilMatch(cpu), "SimulatedMiTimer.untilMatch", "CPU " + cpu, "not in [0, 1)"));
        }
    }

    private static void counterCompareRows(List<Row> r) {
        String cls = "CounterCompareTimer";
        String c3 = cls + "(String,int,MiTimer)";
        String c4 = cls + "(String,int,MiTimer,long)";
        r.add(iae(c3, "null mi_timer (was NullPointerException)", fx -> new CounterCompareTimer("x", 0, null),
                "CounterCompareTimer", "the mi_timer must not be null"));
        r.add(iae(c4, "null mi_timer", fx -> new CounterCompareTimer("x", 0, null, Long.MAX_VALUE),
                "CounterCompareTimer", "the mi_timer must not be null"));
        r.add(iae(c3, "null name", fx -> new CounterCompareTimer(null, 0, struct(0xffff, MHZ)), "et_name",
                "got null"));
        r.add(iae(c4, "empty name", fx -> new CounterCompareTimer("", 0, struct(0xffff, MHZ), Long.MAX_VALUE),
                "et_name", "got \"\""));
        for (long v : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(c3, "mi_timer frequency " + v, fx -> new CounterCompareTimer("x", 0, struct(0xffff, v)),
                    "CounterCompareTimer", "frequency must be in [1, 0xffffffff] Hz", "got " + v));
        }
        for (long v : new long[] {2, 0, -1, Long.MIN_VALUE, Long.MAX_VALUE, U32 + 1}) {
            r.add(iae(c3, "mi_timer maxcnt " + v, fx -> new CounterCompareTimer("x", 0, struct(v, MHZ)),
                    "CounterCompareTimer", "maxcnt must be in [3, 0xffffffff]", "got " + v));
            r.add(iae(cls + ".maxCompareCounts(long)", "maxcnt " + v, fx -> CounterCompareTimer.maxCompareCounts(v),
                    "CounterCompareTimer.maxCompareCounts", "maxcnt must be in [3, 0xffffffff]", "got " + v));
        }
        for (long v : new long[] {0, -1, Long.MIN_VALUE, 1}) {
            r.add(iae(c4, "maxPeriod " + v + " (0 was taken for 'none')",
                    fx -> new CounterCompareTimer("x", 0, struct(0xffff, MHZ), v), "CounterCompareTimer",
                    "maxPeriod must be at least one compare", "got " + v));
        }
    }

    /* ---- the test ---------------------------------------------------------------------------- */

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void publicMethod_badInputOrMisuse_refusedByRuleAndNothingChanges(Row row) throws Throwable {
        Bounded.run(row.toString(), ROW_LIMIT, () -> check(row));
    }

    /** What happened to the call: its result or what it threw, and the snapshots around it. */
    private static final class Outcome {
        Object result;
        Throwable thrown;
        String before;
        String after;
        boolean ran;
    }

    private static void check(Row row) throws Throwable {
        Fx fx = new Fx();
        row.prepare.call(fx);
        Outcome o = new Outcome();
        if (row.where == Where.THREAD) {
            call(fx, row, o);
        } else {
            // From a handler of a's CPU 0: its batch holds CPU 0's lock.
            assertEquals(MDX_OK, fx.a.setTicks(fx.trigger, 10, (CalloutFunc<Fx>) f -> call(f, row, o), fx));
            fx.ta.advance(10);
            assertTrue(o.ran, "the trigger handler ran");
        }
        if (row.type != null) {
            assertNotNull(o.thrown, row + ": expected " + row.type.getSimpleName() + ", returned " + o.result);
            if (o.thrown.getClass() != row.type) { // exactly: no subclass, no wrapped AIOOBE/NPE
                throw new AssertionError(row + ": expected " + row.type.getSimpleName() + ", got " + o.thrown, o.thrown);
            }
            String m = o.thrown.getMessage();
            assertNotNull(m, row + ": no message");
            for (String f : row.fragments) {
                assertTrue(m.contains(f), row + ": message lacks \"" + f + "\": " + m);
            }
        } else {
            if (o.thrown != null) {
                throw new AssertionError(row + ": expected the documented result " + row.result + ", got " + o.thrown,
                        o.thrown);
            }
            assertEquals(row.result, o.result, row.toString());
        }
        assertEquals(o.before, o.after, row + ": the refused call changed the fixture");
        // Every victim armed before the call fires exactly once, at its deadline.
        for (SimulatedMiTimer t : List.of(fx.ta, fx.tb)) {
            t.advance(Math.max(0, 100 - t.time()));
        }
        for (Victim v : fx.victims()) {
            assertEquals(List.of(v.deadline), v.firedAt, row + ": victim " + v.name);
            assertFalse(v.c.active(), row + ": victim " + v.name);
            assertEquals(MdxCallout.CALLOUT_STATE_FIRED, v.c.state(), row + ": victim " + v.name);
        }
        for (MdxCallouts m : List.of(fx.a, fx.b)) {
            for (int cpu = 0; cpu < m.ncpu(); cpu++) {
                assertTrue(m.queued(cpu).isEmpty(), row + ": " + m + " CPU " + cpu);
                assertFalse(m.cpu(cpu).lock.isLocked(), row + ": " + m + " CPU " + cpu + " left locked");
            }
        }
        assertNull(fx.unarmed.ownerAcquire(), row + ": a refused call claimed the fresh callout");
    }

    private static void call(Fx fx, Row row, Outcome o) {
        o.ran = true;
        o.before = fx.describe();
        try {
            o.result = row.call.call(fx);
        } catch (Throwable t) {
            o.thrown = t;
        }
        o.after = fx.describe();
    }

    /* ---- completeness ------------------------------------------------------------------------ */

    /** Public methods that take no argument that could be bad, or only values every input of is valid. */
    private static final Map<String, String> NO_BAD_INPUT = new LinkedHashMap<>();

    static {
        String getter = "no argument; a read";
        for (String m : List.of("timer()", "toString()")) {
            NO_BAD_INPUT.put("MdxCallouts." + m, getter);
        }
        for (String m : List.of("ncpu()", "unbindCurrentThread()")) {
            NO_BAD_INPUT.put("MdxCpus." + m, getter);
        }
        NO_BAD_INPUT.put("KernMdx.system()", getter);
        NO_BAD_INPUT.put("MdxCallout()", "no argument: a new, initialised callout");
        for (String m : List.of("state()", "flags()", "active()", "ticks()", "ticksOrig()", "func()", "arg()",
                "cpuid()", "toString()")) {
            NO_BAD_INPUT.put("MdxCallout." + m, getter);
        }
        NO_BAD_INPUT.put("MiTimer.usecToTicks()", getter + " (default: null)");
        NO_BAD_INPUT.put("MiTimer.ticksToUsec()", getter + " (default: null)");
        NO_BAD_INPUT.put("MiTimer.of(Object,StartFn,StopFn,CountFn,long,long)",
                "builds the C struct as given, NULL members and zero fields included; register checks it "
                        + "(rows MdxCallouts.register: MDX_ERROR, IllegalArgumentException)");
        NO_BAD_INPUT.put("MiTimer.Struct()", "no argument: an empty struct, as a static C one");
        for (String m : List.of("maxcnt()", "frequency()", "usecToTicks()", "ticksToUsec()")) {
            NO_BAD_INPUT.put("MiTimer.Struct." + m, getter + " of a field");
        }
        for (String m : List.of("stop()", "count()", "maxcnt()", "frequency()", "maskInterrupts()", "time()",
                "interrupts()", "ops()", "clearOps()", "toString()")) {
            NO_BAD_INPUT.put("SimulatedMiTimer." + m, "no argument");
        }
        NO_BAD_INPUT.put("SimulatedMiTimer.setInterruptHandler(IntConsumer)",
                "null is documented: it restores the default interrupt line");
        for (String m : List.of("interrupt()", "miTimer()", "interrupts()", "steps()", "spuriousInterrupts()",
                "armed()", "programmedCounts()")) {
            NO_BAD_INPUT.put("CounterCompareTimer." + m, "no argument");
        }
    }

    /** The public classes and interfaces of the package, nested ones included. */
    private static final List<Class<?>> API = List.of(MdxCallouts.class, MdxCpus.class, KernMdx.class, MdxCallout.class,
            MdxCputime.class, MiTimer.class, MiTimer.Struct.class, SimulatedMiTimer.class, CounterCompareTimer.class);

    /**
     * Types whose members are generated or are callbacks the user implements (nothing of ours to
     * check): the functional interfaces of a C struct's members, the record and enum of the
     * simulated timer's log.
     */
    private static final Set<Class<?>> NOT_CHECKED = Set.of(MiTimer.Converter.class, MiTimer.StartFn.class,
            MiTimer.StopFn.class, MiTimer.CountFn.class, SimulatedMiTimer.Op.class, SimulatedMiTimer.OpKind.class);

    @Test
    void everyPublicMethod_isInTheMatrixOrHasNoBadInput() {
        Set<String> declared = new TreeSet<>();
        Set<Class<?>> seen = new HashSet<>(API);
        seen.addAll(NOT_CHECKED);
        for (Class<?> c : API) {
            for (Class<?> nested : c.getDeclaredClasses()) {
                if (Modifier.isPublic(nested.getModifiers())) {
                    assertTrue(seen.contains(nested), "public nested type not in API or NOT_CHECKED: " + nested);
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Modifier.isPublic(k.getModifiers())) {
                    declared.add(typeName(c) + signature(k));
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic() || m.isBridge()) {
                    continue;
                }
                if (c.isInterface() && Modifier.isAbstract(m.getModifiers())) {
                    continue; // implemented by drivers; the implementations here are in the table
                }
                declared.add(typeName(c) + "." + m.getName() + signature(m));
            }
        }
        Set<String> covered = rows().map(Row::covers).collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(covered);
        missing.removeAll(NO_BAD_INPUT.keySet());
        assertEquals(Set.of(), missing, "public methods with no misuse row and no NO_BAD_INPUT reason");
        Set<String> stale = new TreeSet<>(covered);
        stale.addAll(NO_BAD_INPUT.keySet());
        stale.removeAll(declared);
        assertEquals(Set.of(), stale, "rows or reasons for methods that do not exist");
        Set<String> both = new TreeSet<>(covered);
        both.retainAll(NO_BAD_INPUT.keySet());
        assertEquals(Set.of(), both, "methods both in the matrix and said to take no bad input");
    }

    private static String typeName(Class<?> c) {
        return c.getEnclosingClass() == null ? c.getSimpleName()
                : c.getEnclosingClass().getSimpleName() + "." + c.getSimpleName();
    }

    private static String signature(Executable e) {
        return Arrays.stream(e.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    /* ---- reflective sweep --------------------------------------------------------------------- */

    /** Values to try for a parameter of {@code type}: valid ones, and every kind of bad one. */
    private static List<Function<Fx, Object>> candidates(Class<?> type) {
        List<Function<Fx, Object>> v = new ArrayList<>();
        if (type == int.class) {
            for (int x : new int[] {Integer.MIN_VALUE, -1, 0, 1, 2, Integer.MAX_VALUE}) {
                v.add(fx -> x);
            }
        } else if (type == long.class) {
            for (long x : new long[] {Long.MIN_VALUE, -1, 0, 1, 3, U32, U32 + 1, Long.MAX_VALUE}) {
                v.add(fx -> x);
            }
        } else {
            v.add(fx -> null);
            if (type == MdxCallout.class) {
                v.add(fx -> fx.unarmed);
                v.add(fx -> fx.aFired);
                v.add(fx -> fx.va0.c);
                v.add(fx -> fx.va1.c);
                v.add(fx -> fx.vb.c);
            } else if (type == MiTimer.class) {
                v.add(fx -> new MiTimer.Struct<>());
                v.add(fx -> struct(-1, -1));
                v.add(fx -> struct(2, U32));
                v.add(fx -> fx.ta);
                v.add(fx -> fx.tb);
            } else if (type == MdxCallouts.class) {
                v.add(fx -> fx.a);
                v.add(fx -> fx.fresh);
            } else if (type == String.class) {
                v.add(fx -> "");
                v.add(fx -> "x");
            } else if (type == CalloutFunc.class) {
                v.add(fx -> (CalloutFunc<Object>) x -> { });
            } else if (type == IntSupplier.class) {
                v.add(fx -> (IntSupplier) () -> -1);
                v.add(fx -> (IntSupplier) () -> 0);
            } else if (type == Object.class) {
                v.add(fx -> "arg");
            }
            // other reference types (hooks, handlers, struct members): null, the bad value, only
        }
        return v;
    }

    /** What to call an instance method of {@code c} on. */
    private static List<Function<Fx, Object>> receivers(Class<?> c) {
        if (c == MdxCallouts.class || c == MdxCpus.class) {
            return List.of(fx -> fx.a, fx -> fx.b, fx -> fx.fresh);
        } else if (c == SimulatedMiTimer.class || c == MiTimer.class) {
            return List.of(fx -> fx.ta);
        } else if (c == MiTimer.Struct.class) {
            return List.of(fx -> new MiTimer.Struct<>(), fx -> struct(0xffff, MHZ));
        } else if (c == MdxCallout.class) {
            return List.of(fx -> fx.va0.c, fx -> new MdxCallout());
        } else if (c == CounterCompareTimer.class) {
            return List.of(fx -> new CounterCompareTimer("x", 0, new SimulatedMiTimer(0xffff, MHZ, 0)));
        }
        throw new AssertionError("no receiver for " + c);
    }

    private static List<List<Function<Fx, Object>>> combinations(Class<?>[] types) {
        List<List<Function<Fx, Object>>> out = new ArrayList<>();
        out.add(List.of());
        for (Class<?> t : types) {
            List<List<Function<Fx, Object>>> next = new ArrayList<>();
            for (List<Function<Fx, Object>> prefix : out) {
                for (Function<Fx, Object> v : candidates(t)) {
                    List<Function<Fx, Object>> l = new ArrayList<>(prefix);
                    l.add(v);
                    next.add(l);
                }
            }
            out = next;
        }
        return out;
    }

    /**
     * Every public method and constructor of the package, called with every combination of valid
     * and bad values (extremes of int and long, null, callouts of either framework, fired and
     * fresh, incomplete and foreign timers) on a fresh fixture each time: it returns or throws
     * {@link IllegalArgumentException} or {@link IllegalStateException}, never anything else
     * (no NullPointerException, ArrayIndexOutOfBoundsException, ClassCastException, AssertionError,
     * OutOfMemoryError). The state checks are the matrix's; this sweep hunts for holes the table
     * might miss.
     */
    @Test
    void everyPublicMethod_withEveryCombinationOfBadValues_throwsOnlyIllegalArgumentOrState() throws Throwable {
        sweep(Where.THREAD);
    }

    /** The same sweep with every call made from a handler running in a's CPU 0 callback batch. */
    @Test
    void everyPublicMethod_fromHandlerWithEveryCombination_throwsOnlyIllegalArgumentOrState() throws Throwable {
        sweep(Where.HANDLER);
    }

    private static void sweep(Where where) throws Throwable {
        List<String> holes = new ArrayList<>();
        int[] calls = {0};
        Bounded.run("reflective sweep, " + where, Duration.ofSeconds(120), () -> {
            for (Class<?> c : API) {
                for (Executable e : publicMembers(c)) {
                    boolean isStatic = e instanceof Constructor || Modifier.isStatic(e.getModifiers());
                    List<Function<Fx, Object>> recv = isStatic ? List.of(fx -> null) : receivers(c);
                    for (Function<Fx, Object> r : recv) {
                        for (List<Function<Fx, Object>> combo : combinations(e.getParameterTypes())) {
                            Fx fx = new Fx();
                            Object target = r.apply(fx);
                            Object[] args = combo.stream().map(f -> f.apply(fx)).toArray();
                            calls[0]++;
                            Throwable[] thrown = {null};
                            if (where == Where.THREAD) {
                                thrown[0] = invoke(fx, e, target, args);
                            } else {
                                boolean[] ran = {false};
                                fx.a.setTicks(fx.trigger, 10, (CalloutFunc<Fx>) f -> {
                                    ran[0] = true;
                                    thrown[0] = invoke(f, e, target, args);
                                }, fx);
                                fx.ta.advance(10);
                                assertTrue(ran[0], "the trigger handler ran for " + e);
                            }
                            Throwable t = thrown[0];
                            if (t != null && t.getClass() != IllegalArgumentException.class
                                    && t.getClass() != IllegalStateException.class) {
                                holes.add(typeName(c) + "." + e.getName() + Arrays.toString(args) + " on " + target
                                        + ": " + t);
                            }
                        }
                    }
                }
            }
        });
        assertEquals(List.of(), holes, "calls that threw something other than IAE/ISE, " + where);
        assertTrue(calls[0] > 1000, "swept only " + calls[0] + " calls");
    }

    private static List<Executable> publicMembers(Class<?> c) {
        List<Executable> members = new ArrayList<>();
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (Modifier.isPublic(k.getModifiers())) {
                members.add(k);
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()
                    && !Modifier.isAbstract(m.getModifiers())) {
                members.add(m);
            }
        }
        return members;
    }

    /** Calls {@code e} with KernMdx's default set to b; returns what the call threw, or null. */
    private static Throwable invoke(Fx fx, Executable e, Object target, Object[] args) {
        MdxCallouts previous = KernMdx.system();
        KernMdx.setSystem(fx.b);
        try {
            if (e instanceof Constructor) {
                ((Constructor<?>) e).newInstance(args);
            } else {
                ((Method) e).invoke(target, args);
            }
            return null;
        } catch (InvocationTargetException ite) {
            return ite.getCause();
        } catch (ReflectiveOperationException ex) {
            return ex;
        } finally {
            KernMdx.setSystem(previous);
        }
    }

    /** Sanity of the harness: a row whose call changes the fixture is caught by the snapshot. */
    @Test
    void harness_callThatChangesState_isSeenBySnapshot() {
        Fx fx = new Fx();
        String before = fx.describe();
        assertEquals(MDX_OK, fx.a.cancel(fx.va0.c));
        assertFalse(before.equals(fx.describe()), "cancelling a victim must show in the snapshot");
        Fx fy = new Fx();
        String b2 = fy.describe();
        fy.a.init(fy.unarmed); // claims the callout: an owner change must show too
        assertFalse(b2.equals(fy.describe()), "claiming a callout must show in the snapshot");
        assertSame(fy.a, fy.unarmed.ownerAcquire());
    }

    /** The matrix covers each kind of bad value the issue lists at least once. */
    @Test
    void rows_coverEveryKindOfBadValue() {
        List<String> whats = rows().map(Row::what).collect(Collectors.toList());
        for (String kind : List.of(String.valueOf(Integer.MIN_VALUE), String.valueOf(Long.MAX_VALUE),
                String.valueOf(Long.MIN_VALUE), "-1", "null", "another framework", "never-armed", "from a handler",
                "no timer", "fired callout", "after setSystem")) {
            assertTrue(whats.stream().anyMatch(w -> w.contains(kind)), "no row tries " + kind);
        }
        if (whats.size() < 100) {
            fail("suspiciously few rows: " + whats.size());
        }
    }
}
