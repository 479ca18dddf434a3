package org.kcallout.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * <p>Why static accessors over VarHandles and not the JDK's {@code SharedSecrets} (an interface
 * here, implemented by a nested class of {@code Callout} and installed by its static initialiser):
 * the fields stay private to {@code Callout} all the same (this class reaches them with
 * {@link MethodHandles#privateLookupIn}, which a module grants to its own classes only; from another
 * module it needs {@code org.kcallout} opened to it); every memory mode the engine needs (plain,
 * opaque, release, volatile) comes from one set of VarHandles declared in one static block, as
 * {@code java.util.concurrent} does; there is no installation order to get right (no
 * {@code ensureClassInitialized}, no mutable static that a race could see {@code null}); and a
 * static call on a constant VarHandle compiles to the same field access as before, with no interface
 * dispatch. What keeps other code out is the same in both designs: the module system, which exports
 * this package to {@code org.kcallout.wheel} only. On the class path, as for any internal package,
 * only convention does.
 *
 * <p>Handler and argument are typed here once: {@link #func} returns a {@code CalloutFunc<Object>}
 * whose argument is {@link #arg}, as the arm that stored them guaranteed ({@code CalloutFunc<? super
 * A>} with an {@code A}), so the engine calls {@code func(c).call(arg(c))} without a cast.
 */
public final class CalloutAccess {
    /* Implementation notes: the plain accessors are used only under the guard named in the table
     * above (the per-CPU lock, or init before the callout is published); the engine asserts the lock
     * where it matters. The VarHandles are exact (invoked with the field's own types), so each
     * access compiles to one load or store with the named ordering. The list primitives work on
     * Link's package-private fields directly: they are this package's own. */

    private CalloutAccess() {
    }

    private static final VarHandle TIME;
    private static final VarHandle PRECISION;
    private static final VarHandle FUNC;
    private static final VarHandle ARG;
    private static final VarHandle LOCK;
    private static final VarHandle CC;
    private static final VarHandle IFLAGS;
    private static final VarHandle FLAGS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(Callout.class, MethodHandles.lookup());
            TIME = l.findVarHandle(Callout.class, "time", long.class);
            PRECISION = l.findVarHandle(Callout.class, "precision", long.class);
            FUNC = l.findVarHandle(Callout.class, "func", CalloutFunc.class);
            ARG = l.findVarHandle(Callout.class, "arg", Object.class);
            LOCK = l.findVarHandle(Callout.class, "lock", CalloutLock.class);
            CC = l.findVarHandle(Callout.class, "cc", CpuRef.class);
            IFLAGS = l.findVarHandle(Callout.class, "iflags", short.class);
            FLAGS = l.findVarHandle(Callout.class, "flags", byte.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /* ---- c_time, c_precision: plain, under the per-CPU lock ---------------------------------- */

    /** {@code c_time}; plain. */
    public static long time(Callout c) {
        return (long) TIME.get(c);
    }

    /** Sets {@code c_time}; plain, under the per-CPU lock. */
    public static void setTime(Callout c, long v) {
        TIME.set(c, v);
    }

    /** {@code c_precision}; plain. */
    public static long precision(Callout c) {
        return (long) PRECISION.get(c);
    }

    /** Sets {@code c_precision}; plain, under the per-CPU lock. */
    public static void setPrecision(Callout c, long v) {
        PRECISION.set(c, v);
    }

    /* ---- c_func, c_arg, c_lock: plain ---------------------------------------------------------- */

    /**
     * {@code c_func}; plain. Typed for a call with {@link #arg}: the arm that stored the pair took a
     * {@code CalloutFunc<? super A>} and an {@code A}.
     */
    @SuppressWarnings("unchecked")
    public static CalloutFunc<Object> func(Callout c) {
        return (CalloutFunc<Object>) FUNC.get(c);
    }

    /** {@code c_arg}; plain. */
    public static Object arg(Callout c) {
        return ARG.get(c);
    }

    /**
     * Sets {@code c_func} and {@code c_arg} together; plain, under the per-CPU lock (or by init).
     * The caller passes a pair that the public arm methods typed together ({@code CalloutFunc<?
     * super A>} and an {@code A}), or a pair read back with {@link #func} and {@link #arg}.
     */
    public static void setFuncArg(Callout c, CalloutFunc<?> func, Object arg) {
        ARG.set(c, arg);
        FUNC.set(c, func);
    }

    /** {@code c_lock}, the associated lock or {@code null}; plain (written by init only). */
    public static CalloutLock lock(Callout c) {
        return (CalloutLock) LOCK.get(c);
    }

    /** Sets {@code c_lock}; plain, by init only. */
    public static void setLock(Callout c, CalloutLock v) {
        LOCK.set(c, v);
    }

    /* ---- c_cpu: volatile ------------------------------------------------------------------------ */

    /** {@code c_cpu}: the owning CPU, {@link CpuRef#CPUBLOCK} in transit, {@code null} before init. */
    public static CpuRef ccVolatile(Callout c) {
        return (CpuRef) CC.getVolatile(c);
    }

    /** Sets {@code c_cpu}; volatile, under the per-CPU lock (or by init). */
    public static void setCcVolatile(Callout c, CpuRef v) {
        CC.setVolatile(c, v);
    }

    /* ---- c_iflags, c_flags ---------------------------------------------------------------------- */

    /** {@code c_iflags}; plain, under the per-CPU lock. */
    public static int iflags(Callout c) {
        return (short) IFLAGS.get(c);
    }

    /** {@code c_iflags}; opaque, without a lock ({@code callout_pending}). */
    public static int iflagsOpaque(Callout c) {
        return (short) IFLAGS.getOpaque(c);
    }

    /** Sets {@code c_iflags}; release, under the per-CPU lock. */
    public static void setIflagsRelease(Callout c, int v) {
        IFLAGS.setRelease(c, (short) v);
    }

    /** {@code c_flags}; plain (under the caller's lock, or the per-CPU lock for the engine). */
    public static int flags(Callout c) {
        return (byte) FLAGS.get(c);
    }

    /** {@code c_flags}; opaque, without a lock ({@code callout_active}). */
    public static int flagsOpaque(Callout c) {
        return (byte) FLAGS.getOpaque(c);
    }

    /** Sets {@code c_flags}; release. */
    public static void setFlagsRelease(Callout c, int v) {
        FLAGS.setRelease(c, (byte) v);
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
