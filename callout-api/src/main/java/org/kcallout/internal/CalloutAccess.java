package org.kcallout.internal;

import java.lang.invoke.MethodHandles;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;

/**
 * The engine's only way into a {@link Callout}: the fields of {@code struct callout} and the list
 * links, read and written by static accessors whose names give the memory mode (see the legend in
 * {@code package-info}). Not API: the package is exported to the engine module only.
 *
 * <p>Field guards (as in {@code sys/_callout.h}; the per-CPU lock is that of the CPU in {@code cc}):
 * <pre>
 * field      guard / access                          C name
 * next/prev  per-CPU lock (list primitives below)    c_links
 * time       per-CPU lock; read plain by the         c_time
 *            public queries
 * precision  per-CPU lock                            c_precision
 * func/arg   per-CPU lock for writes; read           c_func, c_arg
 *            unlocked by callout_schedule
 * lock       written by init only (under the         c_lock
 *            per-CPU lock once initialised)
 * iflags     per-CPU lock for writes (release);      c_iflags
 *            read plain under it, opaque by
 *            callout_pending
 * flags      the caller's lock (ACTIVE); written     c_flags
 *            release, read plain or opaque
 * cc         per-CPU lock (and CPUBLOCK hand-off);   c_cpu
 *            read and written volatile
 * </pre>
 *
 * <p>Design: the JDK's {@code SharedSecrets} pattern, with a static front. {@code Callout}
 * implements {@link Fields} in a private nested class, whose methods are plain field accesses (and
 * VarHandle accesses for the opaque and release modes, declared in {@code Callout}'s one static
 * block), and its static initialiser hands that object to {@link #install} once. The engine calls
 * this class's static methods, which forward to the installed object through a {@code static final}
 * field of a holder class: after inlining each access is the field access itself, with no
 * interface dispatch left. (A first version had no installation: static accessors over VarHandles
 * that reached the private fields with {@link MethodHandles#privateLookupIn}. It measured 3-20 %
 * slower per expired callout in {@code DispatchBenchmark}, interleaved with this one, which
 * measures the same as the former public fields; likely the VarHandle frames spending the
 * inlining budget of the large scan and dispatch methods, not profiled further. See
 * {@code BENCHMARKS.md}.) What keeps
 * other code out is the module system, which exports this package to {@code org.kcallout.wheel}
 * only; {@link #install} accepts one object, of a class nested in {@code Callout}. On the class
 * path, as for any internal package, only convention does.
 *
 * <p>Handler and argument are typed here once: {@link #func} returns a {@code CalloutFunc<Object>}
 * whose argument is {@link #arg}, as the arm that stored them guaranteed ({@code CalloutFunc<? super
 * A>} with an {@code A}), so the engine calls {@code func(c).call(arg(c))} without a cast.
 */
public final class CalloutAccess {
    /* Implementation notes: initialisation order. Whichever comes first, the engine's first call
     * here or the first `new Callout()`, the installed object is read only by Holder's static
     * initialiser, after ensureInitialized(Callout.class) has run Callout's, which calls install:
     * the class-initialisation locks order the write of `installed` before that read. `installed`
     * has no initialiser of its own, so a recursive initialisation cannot reset it. The plain
     * accessors are used only under the guard named in the table above (the per-CPU lock, or init
     * before the callout is published). The list primitives work on Link's package-private fields
     * directly: they are this package's own. */

    private CalloutAccess() {
    }

    /**
     * The secret: the accessors of {@code Callout}'s private fields, implemented by {@code Callout}
     * alone and handed to {@link #install} by its static initialiser. Each method has the meaning
     * and the memory mode of the static method of the same name in {@link CalloutAccess}.
     */
    public interface Fields {
        long time(Callout c);

        void setTime(Callout c, long v);

        long precision(Callout c);

        void setPrecision(Callout c, long v);

        CalloutFunc<Object> func(Callout c);

        Object arg(Callout c);

        void setFuncArg(Callout c, CalloutFunc<?> func, Object arg);

        CalloutLock lock(Callout c);

        void setLock(Callout c, CalloutLock v);

        CpuRef ccVolatile(Callout c);

        void setCcVolatile(Callout c, CpuRef v);

        int iflags(Callout c);

        int iflagsOpaque(Callout c);

        void setIflagsRelease(Callout c, int v);

        int flags(Callout c);

        int flagsOpaque(Callout c);

        void setFlagsRelease(Callout c, int v);
    }

    /** Written once by {@link #install}, from Callout's static initialiser; read by {@link Holder}. */
    private static Fields installed;

    /**
     * Called once, by {@code Callout}'s static initialiser.
     *
     * @param f the accessors, an instance of a class nested in {@code Callout}
     * @throws IllegalStateException if called again, or with another class's object
     */
    public static synchronized void install(Fields f) {
        if (f == null || f.getClass().getNestHost() != Callout.class) {
            throw new IllegalStateException("CalloutAccess.install: only Callout installs its accessors, got " + f);
        }
        if (installed != null) {
            throw new IllegalStateException("CalloutAccess.install: already installed");
        }
        installed = f;
    }

    /** {@return the installed accessors}, read under the lock {@link #install} writes them under */
    private static synchronized Fields installed() {
        return installed;
    }

    /** Holds the installed accessors in a constant the JIT folds. */
    private static final class Holder {
        static final Fields F;

        static {
            try {
                MethodHandles.lookup().ensureInitialized(Callout.class); // runs install
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
            F = installed();
            if (F == null) {
                throw new ExceptionInInitializerError("Callout did not install its accessors");
            }
        }
    }

    /* ---- c_time, c_precision: plain, under the per-CPU lock ---------------------------------- */

    /** {@code c_time}; plain. */
    public static long time(Callout c) {
        return Holder.F.time(c);
    }

    /** Sets {@code c_time}; plain, under the per-CPU lock. */
    public static void setTime(Callout c, long v) {
        Holder.F.setTime(c, v);
    }

    /** {@code c_precision}; plain. */
    public static long precision(Callout c) {
        return Holder.F.precision(c);
    }

    /** Sets {@code c_precision}; plain, under the per-CPU lock. */
    public static void setPrecision(Callout c, long v) {
        Holder.F.setPrecision(c, v);
    }

    /* ---- c_func, c_arg, c_lock: plain ---------------------------------------------------------- */

    /**
     * {@code c_func}; plain. Typed for a call with {@link #arg}: the arm that stored the pair took a
     * {@code CalloutFunc<? super A>} and an {@code A}.
     */
    public static CalloutFunc<Object> func(Callout c) {
        return Holder.F.func(c);
    }

    /** {@code c_arg}; plain. */
    public static Object arg(Callout c) {
        return Holder.F.arg(c);
    }

    /**
     * Sets {@code c_func} and {@code c_arg} together; plain, under the per-CPU lock (or by init).
     * The caller passes a pair that the public arm methods typed together ({@code CalloutFunc<?
     * super A>} and an {@code A}), or a pair read back with {@link #func} and {@link #arg}.
     */
    public static void setFuncArg(Callout c, CalloutFunc<?> func, Object arg) {
        Holder.F.setFuncArg(c, func, arg);
    }

    /** {@code c_lock}, the associated lock or {@code null}; plain (written by init only). */
    public static CalloutLock lock(Callout c) {
        return Holder.F.lock(c);
    }

    /** Sets {@code c_lock}; plain, by init only. */
    public static void setLock(Callout c, CalloutLock v) {
        Holder.F.setLock(c, v);
    }

    /* ---- c_cpu: volatile ------------------------------------------------------------------------ */

    /** {@code c_cpu}: the owning CPU, {@link CpuRef#CPUBLOCK} in transit, {@code null} before init. */
    public static CpuRef ccVolatile(Callout c) {
        return Holder.F.ccVolatile(c);
    }

    /** Sets {@code c_cpu}; volatile, under the per-CPU lock (or by init). */
    public static void setCcVolatile(Callout c, CpuRef v) {
        Holder.F.setCcVolatile(c, v);
    }

    /* ---- c_iflags, c_flags ---------------------------------------------------------------------- */

    /** {@code c_iflags}; plain, under the per-CPU lock. */
    public static int iflags(Callout c) {
        return Holder.F.iflags(c);
    }

    /** {@code c_iflags}; opaque, without a lock ({@code callout_pending}). */
    public static int iflagsOpaque(Callout c) {
        return Holder.F.iflagsOpaque(c);
    }

    /** Sets {@code c_iflags}; release, under the per-CPU lock. */
    public static void setIflagsRelease(Callout c, int v) {
        Holder.F.setIflagsRelease(c, v);
    }

    /** {@code c_flags}; plain (under the caller's lock, or the per-CPU lock for the engine). */
    public static int flags(Callout c) {
        return Holder.F.flags(c);
    }

    /** {@code c_flags}; opaque, without a lock ({@code callout_active}). */
    public static int flagsOpaque(Callout c) {
        return Holder.F.flagsOpaque(c);
    }

    /** Sets {@code c_flags}; release. */
    public static void setFlagsRelease(Callout c, int v) {
        Holder.F.setFlagsRelease(c, v);
    }

    /* ---- list primitives: the caller holds the list's lock ------------------------------------ */

    /** A new, empty list: a bare sentinel. */
    public static Link newList() {
        return new Link();
    }

    /** The node after {@code n} (for a sentinel: the head, or the sentinel itself when empty). */
    public static Link next(Link n) {
        return n.next;
    }

    /** The node before {@code n} (for a sentinel: the tail, or the sentinel itself when empty). */
    public static Link prev(Link n) {
        return n.prev;
    }

    /** True if sentinel {@code n}'s list is empty, or node {@code n} is on no list. */
    public static boolean isEmpty(Link n) {
        return n.next == n;
    }

    /** Appends {@code n} (on no list) just before sentinel {@code head}, at the tail. */
    public static void addLast(Link head, Link n) {
        Link tail = head.prev;
        n.prev = tail;
        n.next = head;
        tail.next = n;
        head.prev = n;
    }

    /** Unlinks {@code n} from its list and leaves it pointing to itself. */
    public static void unlink(Link n) {
        Link p = n.prev;
        Link x = n.next;
        p.next = x;
        x.prev = p;
        n.next = n;
        n.prev = n;
    }
}
