package org.kcallout;

import java.util.concurrent.CompletionStage;

/**
 * A callout subsystem: per-CPU timing wheels, softclock threads and a clock, as {@code kern_timeout.c}
 * provides to the FreeBSD kernel. Every method maps to one C function, named in its Javadoc; the
 * static facade {@link KernTimeout} offers the same operations under the C names on a default system.
 *
 * <h2>Return values</h2>
 * Arming functions return 1 if they cancelled something (a pending invocation, or an invocation
 * waiting for its lock) and 0 otherwise. {@link #stop} and {@link #drain} follow the system's
 * {@link Profile}: in MODERN, 1 = a pending invocation was removed (or a lock-waiting one cancelled),
 * 0 = the handler is running and could not be stopped, -1 = there was nothing to stop; in CLASSIC,
 * non-zero only when a pending invocation was cancelled, else 0.
 *
 * <h2>Errors</h2>
 * Kernel assertions become exceptions ({@code docs/SEMANTICS.md}, decision 3): {@link IllegalArgumentException} for a bad
 * argument (null callout or handler, unknown flag bits, CPU out of range, negative precision),
 * {@link IllegalStateException} for misuse (a callout never initialised or owned by another system,
 * re-initialising a pending or running callout, stopping a lock-associated callout without holding
 * its lock, draining a callout from inside its own handler or while holding its lock). A rejected
 * call changes nothing.
 *
 * <h2>Threads</h2>
 * Every method may be called from any thread, including from handlers. {@link #drain} may block;
 * it never throws {@link InterruptedException} (kernel sleeps are uninterruptible) and keeps the
 * thread's interrupt status.
 */
public interface CalloutSystem extends AutoCloseable {

    /**
     * The semantics profile chosen when the system was built.
     *
     * @return the profile
     */
    Profile profile();

    /**
     * Number of callout CPUs ({@code mp_ncpus}).
     *
     * @return the CPU count
     */
    int ncpus();

    /**
     * The CPU that {@link #init} assigns ({@code cc_default_cpu}, {@code timeout_cpu}).
     *
     * @return the default CPU
     */
    int defaultCpu();

    /**
     * The CPU the calling thread counts as running on ({@code curcpu}): a thread running a callout,
     * and a softclock or event-timer thread of this system, report their own CPU; the rule for
     * other threads is the implementation's and must be stable for a thread.
     *
     * @return the current CPU
     */
    int curcpu();

    /**
     * Hardclock rate ({@code hz}).
     *
     * @return {@code hz}
     */
    int hz();

    /**
     * One hardclock tick as sbintime ({@code tick_sbt = SBT_1S / hz}).
     *
     * @return {@code tick_sbt}
     */
    long tickSbt();

    /**
     * Default relative precision shift ({@code tc_precexp}): 4 for the default 5 % deviation.
     *
     * @return {@code tc_precexp}
     */
    int precExp();

    /**
     * Ticks at or beyond which relative times are measured from the last hardclock ({@code sbt_tickthreshold}).
     *
     * @return {@code sbt_tickthreshold}
     */
    long tickThreshold();

    /**
     * Precise uptime ({@code sbinuptime()}).
     *
     * @return the current uptime as sbintime
     */
    long sbinuptime();

    /**
     * The time of the most recent hardclock slot on {@code cpu} ({@code DPCPU_GET(hardclocktime)}).
     *
     * @param cpu the CPU
     * @return the time of the last hardclock slot
     */
    long hardclocktime(int cpu);

    /**
     * The hardclock counter ({@code ticks}): an {@code int} that wraps; compare by subtraction.
     *
     * @return {@code ticks}
     */
    int ticks();

    /**
     * Giant: one reentrant lock per system ({@code &Giant}), associated by {@code callout_init(c, 0)}.
     *
     * @return Giant
     */
    CalloutLock giant();

    /* ---------------------------------------------------------------------------------------- */
    /* Init                                                                                      */

    /**
     * {@code callout_init(c, mpsafe)}: prepares {@code c} for use on {@link #defaultCpu()}. With
     * {@code mpsafe} the handler runs with no lock; without, it runs with {@link #giant()} held.
     *
     * @param c      the callout
     * @param mpsafe {@code callout_init(c, 1)} if true, {@code callout_init(c, 0)} if false
     * @throws IllegalStateException if {@code c} is pending or running, or belongs to another system
     */
    void init(Callout c, boolean mpsafe);

    /**
     * {@code callout_init_mtx(c, mtx, flags)} and {@code callout_init_rw(c, rw, flags)}: associates
     * {@code lock}. The handler runs with it held (shared if {@code CALLOUT_SHAREDLOCK} and the lock
     * has a shared mode), and {@link #stop}/{@link #reset} called with it held cancel exactly.
     *
     * @param c     the callout
     * @param lock  the lock (not null: use {@link #init} for a callout without one)
     * @param flags {@code 0}, {@link CalloutFlags#CALLOUT_RETURNUNLOCKED}, {@link CalloutFlags#CALLOUT_SHAREDLOCK}
     * @throws IllegalArgumentException for a null lock, other flag bits, a sleepable lock, or (CLASSIC) a spin mutex
     * @throws IllegalStateException    as for {@link #init}
     */
    void initLock(Callout c, CalloutLock lock, int flags);

    /* ---------------------------------------------------------------------------------------- */
    /* Arm                                                                                       */

    /**
     * {@code callout_reset_sbt_on(c, sbt, pr, func, arg, cpu, flags)}: the primitive every arming
     * function reduces to (SPEC §4.4).
     *
     * @param c     the callout
     * @param sbt   the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param pr    the precision the caller allows ({@code >= 0}); the relative precision of the
     *              flags (or {@link #precExp()}) may widen it
     * @param func  the handler
     * @param arg   its argument
     * @param cpu   the target CPU, or -1 to keep the callout's CPU
     * @param flags {@code C_*} scheduling flags
     * @param <A>   argument type
     * @return 1 if a pending or lock-waiting invocation was cancelled, else 0
     */
    <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu, int flags);

    /**
     * {@code callout_reset_sbt(c, sbt, pr, func, arg, flags)}: {@link #resetSbtOn} on the callout's CPU.
     *
     * @param <A> the argument type
     * @param c the callout
     * @param sbt the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param pr the precision the caller allows, {@code >= 0}
     * @param func the handler
     * @param arg its argument
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    default <A> int resetSbt(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int flags) {
        return resetSbtOn(c, sbt, pr, func, arg, -1, flags);
    }

    /**
     * {@code callout_reset_sbt_curcpu(c, sbt, pr, func, arg, flags)}: {@link #resetSbtOn} on {@link #curcpu()}.
     *
     * @param <A> the argument type
     * @param c the callout
     * @param sbt the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param pr the precision the caller allows, {@code >= 0}
     * @param func the handler
     * @param arg its argument
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    default <A> int resetSbtCurcpu(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int flags) {
        return resetSbtOn(c, sbt, pr, func, arg, curcpu(), flags);
    }

    /**
     * {@code callout_reset_on(c, ticks, func, arg, cpu)}: arms {@code c} to run {@code ticks}
     * hardclock ticks from the last hardclock (so between {@code ticks - 1} and {@code ticks} ticks
     * from now); {@code ticks <= 0} means 1.
     *
     * @param <A> the argument type
     * @param c the callout
     * @param ticks hardclock ticks; {@code <= 0} means 1
     * @param func the handler
     * @param arg its argument
     * @param cpu the target CPU, or -1 for the callout's CPU
     * @return 1 if something was cancelled, else 0
     */
    default <A> int resetOn(Callout c, int ticks, CalloutFunc<? super A> func, A arg, int cpu) {
        return resetSbtOn(c, tickSbt() * ticks, 0, func, arg, cpu, CalloutFlags.C_HARDCLOCK);
    }

    /**
     * {@code callout_reset(c, ticks, func, arg)}: {@link #resetOn} on the callout's CPU.
     *
     * @param <A> the argument type
     * @param c the callout
     * @param ticks hardclock ticks; {@code <= 0} means 1
     * @param func the handler
     * @param arg its argument
     * @return 1 if something was cancelled, else 0
     */
    default <A> int reset(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return resetOn(c, ticks, func, arg, -1);
    }

    /**
     * {@code callout_reset_curcpu(c, ticks, func, arg)}: {@link #resetOn} on {@link #curcpu()}.
     *
     * @param <A> the argument type
     * @param c the callout
     * @param ticks hardclock ticks; {@code <= 0} means 1
     * @param func the handler
     * @param arg its argument
     * @return 1 if something was cancelled, else 0
     */
    default <A> int resetCurcpu(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return resetOn(c, ticks, func, arg, curcpu());
    }

    /**
     * {@code callout_schedule_sbt_on(c, sbt, pr, cpu, flags)}: re-arms with the handler and argument
     * of the previous arm.
     *
     * @param c the callout
     * @param sbt the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param pr the precision the caller allows, {@code >= 0}
     * @param cpu the target CPU, or -1 for the callout's CPU
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     * @throws IllegalStateException if {@code c} was never armed
     */
    int scheduleSbtOn(Callout c, long sbt, long pr, int cpu, int flags);

    /**
     * {@code callout_schedule_sbt(c, sbt, pr, flags)}.
     *
     * @param c the callout
     * @param sbt the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param pr the precision the caller allows, {@code >= 0}
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    default int scheduleSbt(Callout c, long sbt, long pr, int flags) {
        return scheduleSbtOn(c, sbt, pr, -1, flags);
    }

    /**
     * {@code callout_schedule_sbt_curcpu(c, sbt, pr, flags)}.
     *
     * @param c the callout
     * @param sbt the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param pr the precision the caller allows, {@code >= 0}
     * @param flags {@code C_*} scheduling flags
     * @return 1 if something was cancelled, else 0
     */
    default int scheduleSbtCurcpu(Callout c, long sbt, long pr, int flags) {
        return scheduleSbtOn(c, sbt, pr, curcpu(), flags);
    }

    /**
     * {@code callout_schedule_on(c, ticks, cpu)}.
     *
     * @param c the callout
     * @param ticks hardclock ticks; {@code <= 0} means 1
     * @param cpu the target CPU, or -1 for the callout's CPU
     * @return 1 if something was cancelled, else 0
     */
    default int scheduleOn(Callout c, int ticks, int cpu) {
        return scheduleSbtOn(c, tickSbt() * ticks, 0, cpu, CalloutFlags.C_HARDCLOCK);
    }

    /**
     * {@code callout_schedule(c, ticks)}: {@link #reset} with the handler and argument of the previous arm.
     *
     * @param c the callout
     * @param ticks hardclock ticks; {@code <= 0} means 1
     * @return 1 if something was cancelled, else 0
     */
    default int schedule(Callout c, int ticks) {
        return scheduleOn(c, ticks, -1);
    }

    /**
     * {@code callout_schedule_curcpu(c, ticks)}.
     *
     * @param c the callout
     * @param ticks hardclock ticks; {@code <= 0} means 1
     * @return 1 if something was cancelled, else 0
     */
    default int scheduleCurcpu(Callout c, int ticks) {
        return scheduleOn(c, ticks, curcpu());
    }

    /**
     * {@code callout_when(sbt, precision, flags, &res, &prec_res)}: the absolute time and precision
     * an arm with these arguments would use on the calling thread's CPU (SPEC §4.3). Pass the result
     * to {@link #resetSbtOn} with {@link CalloutFlags#C_PRECALC}.
     *
     * @param sbt the time: relative, or absolute with {@link CalloutFlags#C_ABSOLUTE}
     * @param precision the precision the caller allows, {@code >= 0}
     * @param flags {@code C_*} scheduling flags
     * @return the time and precision
     */
    When when(long sbt, long precision, int flags);

    /* ---------------------------------------------------------------------------------------- */
    /* Cancel                                                                                    */

    /**
     * {@code callout_stop(c)}: cancels a pending invocation; never waits. With an associated lock the
     * caller must hold it (except Giant), and an invocation already waiting for that lock is cancelled
     * too. See the class comment for the return values of each profile.
     *
     * @param c the callout
     * @return MODERN: 1, 0 or -1; CLASSIC: 1 or 0
     * @throws IllegalStateException if the callout has a lock (not Giant) the caller does not hold
     */
    int stop(Callout c);

    /**
     * {@code callout_drain(c)}: stops the callout and waits until no invocation is running. Must not
     * be called with the callout's lock held, nor from the callout's own handler: both throw
     * {@link IllegalStateException} instead of deadlocking, the first whatever the callout's state.
     * Giant is the exception, as in FreeBSD: a caller holding it may drain, and Giant is released
     * while the drainer sleeps and taken again before it returns. While a drainer waits, resets of
     * the callout are refused.
     *
     * @param c the callout
     * @return MODERN: 1 if a pending invocation was removed, -1 otherwise; CLASSIC: 1 or 0
     */
    int drain(Callout c);

    /**
     * {@code callout_async_drain(c, drain)} (FreeBSD 11-14, MODERN only): stops the callout without
     * waiting. If its handler is running, {@code fn} is recorded and called once with the handler's
     * argument after the handler returns, and 0 is returned; until then resets are refused. If it was
     * pending it is removed and 1 returned; if idle, -1. {@code fn} is called only when 0 is returned,
     * so on a non-zero result the caller proceeds itself.
     *
     * @param fn  the drain callback
     * @param <A> its argument type (the handler's)
     * @param c the callout
     * @return 1, 0 or -1
     * @throws UnsupportedOperationException in the CLASSIC profile
     * @throws IllegalStateException         if a drain callback is already recorded for the running invocation
     */
    <A> int asyncDrain(Callout c, CalloutFunc<? super A> fn);

    /**
     * A {@link CompletionStage} form of drain that never blocks: the stage completes when the callout
     * is fully stopped (nothing pending, no invocation running). It completes immediately if nothing
     * is running; otherwise on the dispatching thread after the handler returns. Resets are refused
     * until then. Works in both profiles.
     *
     * @param c the callout
     * @return a stage completed with {@code null}
     */
    CompletionStage<Void> drainAsync(Callout c);

    /* ---------------------------------------------------------------------------------------- */
    /* Queries (the macros) and lifecycle                                                        */

    /**
     * {@code callout_pending(c)}. Reads the callout without a lock, as the C macro does; works for a
     * callout of any system, and after {@link #close()}.
     *
     * @param c the callout
     * @return whether {@code c} is pending
     * @throws IllegalArgumentException if {@code c} is null
     */
    default boolean pending(Callout c) {
        return requireCallout("callout_pending", c).pending();
    }

    /**
     * {@code callout_active(c)}. Reads the callout without a lock, as the C macro does.
     *
     * @param c the callout
     * @return whether {@code c} is active
     * @throws IllegalArgumentException if {@code c} is null
     */
    default boolean active(Callout c) {
        return requireCallout("callout_active", c).active();
    }

    /**
     * {@code callout_deactivate(c)}: clears ACTIVE, without a lock, as the C macro does.
     *
     * @param c the callout
     * @throws IllegalArgumentException if {@code c} is null
     */
    default void deactivate(Callout c) {
        requireCallout("callout_deactivate", c).deactivate();
    }

    /**
     * Whether {@link #close()} has been called. Once true it stays true.
     *
     * @return true if the system is closed
     */
    boolean isClosed();

    /**
     * Shuts the system down; never deadlocks, and idempotent.
     *
     * <ol>
     *   <li>The system is marked closed. From then on every call that would arm or initialise a
     *       callout ({@code callout_init*}, {@code callout_reset*}, {@code callout_schedule*})
     *       throws {@link IllegalStateException} naming the C function and saying the system is
     *       closed, and changes nothing. Everything else keeps working: the queries,
     *       {@link #when}, {@link #stop}, {@link #drain}, {@link #asyncDrain} and
     *       {@link #drainAsync}, so a detach path that runs after close stops and drains as usual
     *       (finding nothing pending), and an implementation's hooks that drive a CPU (which find
     *       nothing to run).</li>
     *   <li>Every pending callout is stopped as {@code callout_stop} stops it: it leaves the wheel,
     *       {@link Callout#pending()} and {@link Callout#active()} become false, and its handler
     *       never runs. A migration recorded for a running callout is forgotten. An invocation that
     *       was already dispatched but still waits for its associated lock is cancelled, exactly
     *       when the caller holds that lock (as {@code callout_stop} under the lock cancels it):
     *       it takes and releases the lock once the holder lets go, without running the handler.</li>
     *   <li>The call then waits until every handler that has started (and every drain callback)
     *       has returned, except: the caller's own handler; an invocation cancelled in step 2 that
     *       waits for a lock the caller holds; a handler or drain callback parked on a
     *       {@link KMutex} the caller holds (it cannot return before the caller lets go; user code
     *       blocked on another kind of lock the caller holds is waited for, as a drain would wait);
     *       and everything, when the caller is itself running a
     *       handler of this system (a handler that closes the system does not wait for the others,
     *       which may be waiting for it). It never waits for a handler that has not started.</li>
     *   <li>The clock and the system's threads stop; a thread still blocked on a lock the caller
     *       holds ends as soon as the caller releases it.</li>
     * </ol>
     *
     * <p>A second call, concurrent or later, repeats step 3 for its own caller and returns.
     */
    @Override
    void close();

    /**
     * The null check of the query functions.
     *
     * @param fn the C function the user called
     * @param c  the callout
     * @return {@code c}
     */
    private static Callout requireCallout(String fn, Callout c) {
        if (c == null) {
            throw new IllegalArgumentException(fn + ": callout must not be null");
        }
        return c;
    }
}
