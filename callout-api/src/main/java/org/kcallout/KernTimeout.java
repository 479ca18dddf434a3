package org.kcallout;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The callout(9) API under its C names, so that kernel code ports line for line:
 *
 * <pre>{@code
 * import static org.kcallout.KernTimeout.*;
 *
 * static final CalloutFunc<Softc> FOO_TICK = Softc::tick;   // the handler, built once
 *
 * callout_init_mtx(sc.callout, sc.mtx, 0);                  // callout_init_mtx(&sc->callout, &sc->mtx, 0);
 * sc.mtx.lock();                                            // mtx_lock(&sc->mtx);
 * callout_reset(sc.callout, hz(), FOO_TICK, sc);            // callout_reset(&sc->callout, hz, foo_tick, sc);
 * sc.mtx.unlock();
 * ...
 * callout_drain(sc.callout);                                // callout_drain(&sc->callout);
 * }</pre>
 *
 * <p>Every function delegates to the default {@link CalloutSystem}, {@link #system()}, which this
 * class inherits from {@link KernClock} with the rest of what callout(9) code uses besides callout(9)
 * itself: the kernel variables ({@code hz()}, {@code ticks()}, {@code tick_sbt()}, {@code curcpu()},
 * {@code Giant()}), the uptime clocks and the constants and conversions of {@code sys/time.h}. The
 * static import above sees those names too. The default system is the one set with
 * {@link #setSystem}, or else one created on first use by a {@link org.kcallout.spi.CalloutSystemProvider}
 * (see {@link KernClock}). A callout initialised through this class belongs to that system; code
 * that builds its own systems calls {@link CalloutSystem} directly, and the table in the
 * {@linkplain org.kcallout package documentation} gives the Java-style method for each C name.
 *
 * <p>Closing: callouts initialised on a default system that was then closed stay bound to it, so
 * arming them throws {@link IllegalStateException} (nothing is armed on a system that will never
 * run it); when this class created that system itself, the next use creates a new one.
 *
 * <p>The constants of {@code sys/callout.h} are fields with their C names and values. Import this
 * class alone with {@code import static ...KernTimeout.*}: a second on-demand static import of
 * {@link CalloutFlags} or {@link Sbt} would make the shared names ambiguous ({@link KernClock} is
 * the exception: its names are the same members, seen twice).
 *
 * <p>Thread safety: every method may be called from any thread. Arguments are checked by the
 * system (see {@link CalloutSystem} for the exceptions); the macros {@link #callout_pending},
 * {@link #callout_active} and {@link #callout_deactivate} read and write the callout without a
 * lock, as in C.
 */
public final class KernTimeout extends KernClock {
    /* Implementation notes: a port of the function layer of sys/callout.h, nothing more; the
     * default system and the time helpers are KernClock's. Each function is a single call to the
     * CalloutSystem method of the same meaning (the tick and "curcpu" wrappers are default methods
     * there, so an engine may override any of them), with two exceptions, both allocation- and
     * system-free:
     *   - callout_pending/callout_active/callout_deactivate read the Callout itself, as the C macros
     *     read the struct: they must work for a callout of any system and must not create the
     *     default system as a side effect of a query;
     *   - the constants and the C_PREL helpers never touch a system.
     * No state of its own: the default system is KernClock's (see its notes for the guard). */

    private KernTimeout() {
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Constants: sys/callout.h                                                                  */

    /** {@code CALLOUT_RETURNUNLOCKED}: init flag, the handler releases the lock itself. */
    public static final int CALLOUT_RETURNUNLOCKED = CalloutFlags.CALLOUT_RETURNUNLOCKED;
    /** {@code CALLOUT_SHAREDLOCK}: init flag, the lock is taken in shared (read) mode. */
    public static final int CALLOUT_SHAREDLOCK = CalloutFlags.CALLOUT_SHAREDLOCK;
    /** {@code CALLOUT_MPSAFE}: deprecated in FreeBSD; rejected as an init flag. */
    public static final int CALLOUT_MPSAFE = CalloutFlags.CALLOUT_MPSAFE;
    /** {@code CALLOUT_ACTIVE}: bit of {@code c_flags} ({@link Callout#flags()}). */
    public static final int CALLOUT_ACTIVE = CalloutFlags.CALLOUT_ACTIVE;
    /** {@code CALLOUT_PENDING}: bit of {@code c_iflags} ({@link Callout#iflags()}). */
    public static final int CALLOUT_PENDING = CalloutFlags.CALLOUT_PENDING;
    /** {@code CALLOUT_DIRECT}: bit of {@code c_iflags}, sticky until re-init. */
    public static final int CALLOUT_DIRECT = CalloutFlags.CALLOUT_DIRECT;
    /** {@code CALLOUT_PROCESSED}: bit of {@code c_iflags}, on the expire queue. */
    public static final int CALLOUT_PROCESSED = CalloutFlags.CALLOUT_PROCESSED;
    /** {@code CALLOUT_DFRMIGRATION}: bit of {@code c_iflags}, a migration is deferred. */
    public static final int CALLOUT_DFRMIGRATION = CalloutFlags.CALLOUT_DFRMIGRATION;
    /** {@code CALLOUT_LOCAL_ALLOC}: bit of {@code c_iflags}, a legacy {@code timeout(9)} pool entry. */
    public static final int CALLOUT_LOCAL_ALLOC = CalloutFlags.CALLOUT_LOCAL_ALLOC;

    /** {@code C_DIRECT_EXEC}: run the handler from the event-timer interrupt. */
    public static final int C_DIRECT_EXEC = CalloutFlags.C_DIRECT_EXEC;
    /** {@code C_PRELBITS}: width of the relative-precision field. */
    public static final int C_PRELBITS = CalloutFlags.C_PRELBITS;
    /** {@code C_PRELRANGE}: largest value of the relative-precision field. */
    public static final int C_PRELRANGE = CalloutFlags.C_PRELRANGE;
    /** {@code C_HARDCLOCK}: align to hardclock slots. */
    public static final int C_HARDCLOCK = CalloutFlags.C_HARDCLOCK;
    /** {@code C_ABSOLUTE}: the time is an absolute uptime. */
    public static final int C_ABSOLUTE = CalloutFlags.C_ABSOLUTE;
    /** {@code C_PRECALC}: time and precision come from {@code callout_when}. */
    public static final int C_PRECALC = CalloutFlags.C_PRECALC;
    /** {@code C_CATCH}: meaningful only to {@code pause_sbt(9)}; accepted and ignored. */
    public static final int C_CATCH = CalloutFlags.C_CATCH;

    /**
     * {@code C_PREL(x)}: a relative precision of {@code interval >> x}. Same as
     * {@link CalloutFlags#C_PREL(int)}.
     *
     * @param x the shift, 0 to {@code C_PRELRANGE - 1}
     * @return the flag bits, {@code (x + 1) << 1}
     * @throws IllegalArgumentException if {@code x} is out of range
     */
    public static int C_PREL(int x) {
        return CalloutFlags.C_PREL(x);
    }

    /**
     * {@code C_PRELGET(flags)}: the relative-precision shift in {@code flags}, -1 when absent. Same
     * as {@link CalloutFlags#C_PRELGET(int)}.
     *
     * @param flags scheduling flags
     * @return the shift or -1
     */
    public static int C_PRELGET(int flags) {
        return CalloutFlags.C_PRELGET(flags);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Init                                                                                      */

    /**
     * {@code callout_init(c, mpsafe)} ({@link CalloutSystem#init}): with {@code mpsafe != 0} the
     * handler runs with no lock; with 0 it runs with {@link #Giant()} held.
     *
     * @param c      the callout
     * @param mpsafe non-zero for an MP-safe callout
     * @throws IllegalStateException if {@code c} is pending or running, or belongs to another system
     */
    public static void callout_init(Callout c, int mpsafe) {
        system().init(c, mpsafe != 0);
    }

    /**
     * {@code callout_init_mtx(c, mtx, flags)} ({@link CalloutSystem#initLock}): associates a mutex
     * (usually a {@link KMutex}).
     *
     * @param c     the callout
     * @param mtx   the lock
     * @param flags 0, {@link #CALLOUT_RETURNUNLOCKED}, {@link #CALLOUT_SHAREDLOCK}
     * @throws IllegalArgumentException for a null lock or other flag bits (see {@link CalloutSystem#initLock})
     * @throws IllegalStateException    as for {@link #callout_init}
     */
    public static void callout_init_mtx(Callout c, CalloutLock mtx, int flags) {
        system().initLock(c, mtx, flags);
    }

    /**
     * {@code callout_init_mtx(c, mtx, flags)} for a JDK lock: wraps it with
     * {@link CalloutLock#of(ReentrantLock)} and calls {@link CalloutSystem#initLock}. The adapter is
     * allocated here, once per init, which is fine at init time (never per arm).
     *
     * @param c     the callout
     * @param mtx   the lock
     * @param flags 0, {@link #CALLOUT_RETURNUNLOCKED}, {@link #CALLOUT_SHAREDLOCK}
     * @throws IllegalArgumentException for a null lock or other flag bits
     * @throws IllegalStateException    as for {@link #callout_init}
     */
    public static void callout_init_mtx(Callout c, ReentrantLock mtx, int flags) {
        system().initLock(c, mtx == null ? null : CalloutLock.of(mtx), flags);
    }

    /**
     * {@code callout_init_rw(c, rw, flags)} ({@link CalloutSystem#initLock}): associates a
     * reader/writer lock; with {@link #CALLOUT_SHAREDLOCK} the handler runs with it held in read mode.
     *
     * @param c     the callout
     * @param rw    the lock
     * @param flags 0, {@link #CALLOUT_RETURNUNLOCKED}, {@link #CALLOUT_SHAREDLOCK}
     * @throws IllegalArgumentException for a null lock or other flag bits
     * @throws IllegalStateException    as for {@link #callout_init}
     */
    public static void callout_init_rw(Callout c, CalloutLock rw, int flags) {
        system().initLock(c, rw, flags);
    }

    /**
     * {@code callout_init_rw(c, rw, flags)} for a JDK lock: wraps it with
     * {@link CalloutLock#of(ReentrantReadWriteLock)} (write lock = exclusive, read lock = shared)
     * and calls {@link CalloutSystem#initLock}. The adapter is allocated here, once per init.
     *
     * @param c     the callout
     * @param rw    the lock
     * @param flags 0, {@link #CALLOUT_RETURNUNLOCKED}, {@link #CALLOUT_SHAREDLOCK}
     * @throws IllegalArgumentException for a null lock or other flag bits
     * @throws IllegalStateException    as for {@link #callout_init}
     */
    public static void callout_init_rw(Callout c, ReentrantReadWriteLock rw, int flags) {
        system().initLock(c, rw == null ? null : CalloutLock.of(rw), flags);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Arm                                                                                       */

    /**
     * {@code callout_reset(c, ticks, func, arg)} ({@link CalloutSystem#reset}): runs {@code func(arg)}
     * {@code ticks} hardclock ticks from the last hardclock, on the callout's CPU; {@code ticks <= 0}
     * means 1. With an associated lock, call it with the lock held.
     *
     * @param <A>   the argument type
     * @param c     the callout
     * @param ticks the delay in ticks
     * @param func  the handler (build it once: see {@link CalloutFunc})
     * @param arg   its argument
     * @return 1 if a pending or lock-waiting invocation was cancelled, else 0
     */
    public static <A> int callout_reset(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return system().reset(c, ticks, func, arg);
    }

    /**
     * {@code callout_reset_on(c, ticks, func, arg, cpu)} ({@link CalloutSystem#resetOn}): as
     * {@link #callout_reset} on CPU {@code cpu} (-1 keeps the callout's CPU).
     *
     * @param <A>   the argument type
     * @param c     the callout
     * @param ticks the delay in ticks
     * @param func  the handler
     * @param arg   its argument
     * @param cpu   the target CPU, or -1
     * @return 1 if something was cancelled, else 0
     */
    public static <A> int callout_reset_on(Callout c, int ticks, CalloutFunc<? super A> func, A arg, int cpu) {
        return system().resetOn(c, ticks, func, arg, cpu);
    }

    /**
     * {@code callout_reset_curcpu(c, ticks, func, arg)} ({@link CalloutSystem#resetCurcpu}): as
     * {@link #callout_reset} on the calling thread's CPU.
     *
     * @param <A>   the argument type
     * @param c     the callout
     * @param ticks the delay in ticks
     * @param func  the handler
     * @param arg   its argument
     * @return 1 if something was cancelled, else 0
     */
    public static <A> int callout_reset_curcpu(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return system().resetCurcpu(c, ticks, func, arg);
    }

    /**
     * {@code callout_reset_sbt(c, sbt, pr, func, arg, flags)} ({@link CalloutSystem#resetSbt}): runs
     * {@code func(arg)} at a relative or absolute sbintime, on the callout's CPU.
     *
     * @param <A>   the argument type
     * @param c     the callout
     * @param sbt   the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param pr    the precision the caller allows, {@code >= 0}
     * @param func  the handler
     * @param arg   its argument
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    public static <A> int callout_reset_sbt(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg,
                                            int flags) {
        return system().resetSbt(c, sbt, pr, func, arg, flags);
    }

    /**
     * {@code callout_reset_sbt_on(c, sbt, pr, func, arg, cpu, flags)} ({@link CalloutSystem#resetSbtOn}):
     * the primitive every arming function reduces to.
     *
     * @param <A>   the argument type
     * @param c     the callout
     * @param sbt   the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param pr    the precision the caller allows, {@code >= 0}
     * @param func  the handler
     * @param arg   its argument
     * @param cpu   the target CPU, or -1 to keep the callout's CPU
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    public static <A> int callout_reset_sbt_on(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg,
                                               int cpu, int flags) {
        return system().resetSbtOn(c, sbt, pr, func, arg, cpu, flags);
    }

    /**
     * {@code callout_reset_sbt_curcpu(c, sbt, pr, func, arg, flags)}
     * ({@link CalloutSystem#resetSbtCurcpu}): as {@link #callout_reset_sbt} on the calling thread's CPU.
     *
     * @param <A>   the argument type
     * @param c     the callout
     * @param sbt   the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param pr    the precision the caller allows, {@code >= 0}
     * @param func  the handler
     * @param arg   its argument
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    public static <A> int callout_reset_sbt_curcpu(Callout c, long sbt, long pr, CalloutFunc<? super A> func,
                                                   A arg, int flags) {
        return system().resetSbtCurcpu(c, sbt, pr, func, arg, flags);
    }

    /**
     * {@code callout_schedule(c, ticks)} ({@link CalloutSystem#schedule}): {@link #callout_reset} with
     * the handler and argument of the previous arm.
     *
     * @param c     the callout, armed at least once before
     * @param ticks the delay in ticks
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    public static int callout_schedule(Callout c, int ticks) {
        return system().schedule(c, ticks);
    }

    /**
     * {@code callout_schedule_on(c, ticks, cpu)} ({@link CalloutSystem#scheduleOn}).
     *
     * @param c     the callout, armed at least once before
     * @param ticks the delay in ticks
     * @param cpu   the target CPU, or -1
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    public static int callout_schedule_on(Callout c, int ticks, int cpu) {
        return system().scheduleOn(c, ticks, cpu);
    }

    /**
     * {@code callout_schedule_curcpu(c, ticks)} ({@link CalloutSystem#scheduleCurcpu}).
     *
     * @param c     the callout, armed at least once before
     * @param ticks the delay in ticks
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    public static int callout_schedule_curcpu(Callout c, int ticks) {
        return system().scheduleCurcpu(c, ticks);
    }

    /**
     * {@code callout_schedule_sbt(c, sbt, pr, flags)} ({@link CalloutSystem#scheduleSbt}).
     *
     * @param c     the callout, armed at least once before
     * @param sbt   the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param pr    the precision the caller allows, {@code >= 0}
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    public static int callout_schedule_sbt(Callout c, long sbt, long pr, int flags) {
        return system().scheduleSbt(c, sbt, pr, flags);
    }

    /**
     * {@code callout_schedule_sbt_on(c, sbt, pr, cpu, flags)} ({@link CalloutSystem#scheduleSbtOn}).
     *
     * @param c     the callout, armed at least once before
     * @param sbt   the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param pr    the precision the caller allows, {@code >= 0}
     * @param cpu   the target CPU, or -1
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    public static int callout_schedule_sbt_on(Callout c, long sbt, long pr, int cpu, int flags) {
        return system().scheduleSbtOn(c, sbt, pr, cpu, flags);
    }

    /**
     * {@code callout_schedule_sbt_curcpu(c, sbt, pr, flags)} ({@link CalloutSystem#scheduleSbtCurcpu}).
     *
     * @param c     the callout, armed at least once before
     * @param sbt   the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param pr    the precision the caller allows, {@code >= 0}
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    public static int callout_schedule_sbt_curcpu(Callout c, long sbt, long pr, int flags) {
        return system().scheduleSbtCurcpu(c, sbt, pr, flags);
    }

    /**
     * {@code callout_when(sbt, precision, flags, &res, &prec_res)} ({@link CalloutSystem#when}), in
     * its C form: writes the absolute time into {@code resAndPrec[0]} and the precision into
     * {@code resAndPrec[1]}. Pass them on with {@link #C_PRECALC}. The array is checked before
     * anything is computed; a rejected call writes nothing.
     *
     * @param sbt        the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param precision  the precision the caller allows
     * @param flags      {@code C_*} scheduling flags
     * @param resAndPrec receives {@code res} at index 0 and {@code prec_res} at index 1
     * @throws IllegalArgumentException if {@code resAndPrec} is null or shorter than 2
     */
    public static void callout_when(long sbt, long precision, int flags, long[] resAndPrec) {
        if (resAndPrec == null || resAndPrec.length < 2) {
            throw new IllegalArgumentException("callout_when: result array must have length >= 2, got "
                    + (resAndPrec == null ? "null" : "length " + resAndPrec.length));
        }
        When w = system().when(sbt, precision, flags);
        resAndPrec[0] = w.time();
        resAndPrec[1] = w.precision();
    }

    /**
     * {@code callout_when(sbt, precision, flags, &res, &prec_res)} ({@link CalloutSystem#when}),
     * returning both results.
     *
     * @param sbt       the time: relative, or absolute with {@link #C_ABSOLUTE}
     * @param precision the precision the caller allows
     * @param flags     {@code C_*} scheduling flags
     * @return the absolute time and precision
     */
    public static When callout_when(long sbt, long precision, int flags) {
        return system().when(sbt, precision, flags);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Cancel                                                                                    */

    /**
     * {@code callout_stop(c)} ({@link CalloutSystem#stop}): cancels a pending invocation without
     * waiting. With an associated lock (other than Giant) the caller must hold it; then an
     * invocation already waiting for the lock is cancelled too.
     *
     * @param c the callout
     * @return MODERN: 1 (cancelled), 0 (running, could not stop), -1 (nothing to stop); CLASSIC: 1 or 0
     * @throws IllegalStateException if the callout's lock is not held by the caller
     */
    public static int callout_stop(Callout c) {
        return system().stop(c);
    }

    /**
     * {@code callout_drain(c)} ({@link CalloutSystem#drain}): stops the callout and waits until its
     * handler is not running. Do not call it with the callout's lock held or from its own handler.
     *
     * @param c the callout
     * @return MODERN: 1 if a pending invocation was removed, else -1; CLASSIC: 1 or 0
     * @throws IllegalStateException if called with the lock held or from the callout's own handler
     */
    public static int callout_drain(Callout c) {
        return system().drain(c);
    }

    /**
     * {@code callout_async_drain(c, drain)} ({@link CalloutSystem#asyncDrain}): stops without waiting;
     * if the handler is running, {@code drain(arg)} is called after it returns and 0 is returned.
     * On a non-zero return {@code drain} is never called.
     *
     * @param <A>   the handler's argument type
     * @param c     the callout
     * @param drain the drain callback
     * @return 1, 0 or -1
     * @throws UnsupportedOperationException in the CLASSIC profile
     */
    public static <A> int callout_async_drain(Callout c, CalloutFunc<? super A> drain) {
        return system().asyncDrain(c, drain);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Macros                                                                                    */

    /**
     * {@code callout_pending(c)} ({@link Callout#pending()}): whether {@code c} is armed and waiting
     * for its time. C returns the flag value ({@code CALLOUT_PENDING}, 4, or 0); this returns a
     * boolean so that {@code if (callout_pending(c))} ports verbatim. Reads the callout without a
     * lock and without touching the default system, as the C macro reads the struct.
     *
     * @param c the callout
     * @return whether it is pending
     * @throws IllegalArgumentException if {@code c} is null
     */
    public static boolean callout_pending(Callout c) {
        if (c == null) {
            throw new IllegalArgumentException("callout_pending: callout must not be null");
        }
        return c.pending();
    }

    /**
     * {@code callout_active(c)} ({@link Callout#active()}): whether {@code c} was armed and not
     * stopped, drained or deactivated since (firing does not clear it). C returns the flag value
     * ({@code CALLOUT_ACTIVE}, 2, or 0); this returns a boolean. Reads without a lock.
     *
     * @param c the callout
     * @return whether it is active
     * @throws IllegalArgumentException if {@code c} is null
     */
    public static boolean callout_active(Callout c) {
        if (c == null) {
            throw new IllegalArgumentException("callout_active: callout must not be null");
        }
        return c.active();
    }

    /**
     * {@code callout_deactivate(c)} ({@link Callout#deactivate()}): clears ACTIVE, an unlocked
     * read-modify-write as in C: call it under the callout's lock or from its handler.
     *
     * @param c the callout
     * @throws IllegalArgumentException if {@code c} is null
     */
    public static void callout_deactivate(Callout c) {
        if (c == null) {
            throw new IllegalArgumentException("callout_deactivate: callout must not be null");
        }
        c.deactivate();
    }
}
