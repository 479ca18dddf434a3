package org.kcallout.mdx;

import org.kcallout.CalloutFunc;

/**
 * MDEPX's callout API under its C names, on a default {@link MdxCallouts} (MDEPX's framework is a
 * global), so that MDEPX code ports line for line:
 *
 * <pre>{@code
 * import static org.kcallout.mdx.KernMdx.*;
 *
 * static final CalloutFunc<Softc> TICK = Softc::tick;        // void tick(void *arg)
 *
 * mdx_callout_register(sc.mt);                               // mdx_callout_register(&sc->mt);
 * mdx_callout_init(sc.c);                                    // mdx_callout_init(&sc->c);
 * mdx_callout_set(sc.c, 1000, TICK, sc);                     // mdx_callout_set(&sc->c, 1000, tick, sc);
 * // interrupt handler:
 * mdx_callout_callback(sc.mt);                               // mdx_callout_callback(&sc->mt);
 * }</pre>
 *
 * <p>The default framework is the one given to {@link #setSystem}, or else a single-CPU one created
 * on first use. Every function is the {@link MdxCallouts} method of the same meaning on it, with
 * the same results and exceptions; the C types map as: {@code struct mdx_callout} to
 * {@link MdxCallout}, {@code struct mi_timer} to {@link MiTimer} (or {@link MiTimer.Struct} for its
 * C shape), {@code void (*func)(void *)} and {@code void *arg} to a {@link CalloutFunc} and its
 * argument, {@code uint32_t} to {@code long}.
 */
public final class KernMdx {
    /* Implementation notes: one call per function, nothing else; the default framework lives in a
     * volatile field, created under LOCK with a second check (as KernTimeout does for callout(9)). */

    /** {@code MDX_OK}. */
    public static final int MDX_OK = MdxCallouts.MDX_OK;
    /** {@code MDX_ERROR}. */
    public static final int MDX_ERROR = MdxCallouts.MDX_ERROR;
    /** {@code MDX_EEXIST}. */
    public static final int MDX_EEXIST = MdxCallouts.MDX_EEXIST;
    /** {@code MDX_CPU_MAX}: see {@link MdxCallouts#MDX_CPU_MAX}. */
    public static final int MDX_CPU_MAX = MdxCallouts.MDX_CPU_MAX;
    /** {@code CALLOUT_STATE_READY}. */
    public static final int CALLOUT_STATE_READY = MdxCallout.CALLOUT_STATE_READY;
    /** {@code CALLOUT_STATE_FIRED}. */
    public static final int CALLOUT_STATE_FIRED = MdxCallout.CALLOUT_STATE_FIRED;
    /** {@code CALLOUT_FLAG_ACTIVE}. */
    public static final int CALLOUT_FLAG_ACTIVE = MdxCallout.CALLOUT_FLAG_ACTIVE;
    /** {@code MI_TIMER_STATE_READY}. */
    public static final int MI_TIMER_STATE_READY = MdxCallouts.MI_TIMER_STATE_READY;
    /** {@code MI_TIMER_STATE_RUNNING}. */
    public static final int MI_TIMER_STATE_RUNNING = MdxCallouts.MI_TIMER_STATE_RUNNING;
    /** {@code MI_TIMER_STATE_EXCEPTION}. */
    public static final int MI_TIMER_STATE_EXCEPTION = MdxCallouts.MI_TIMER_STATE_EXCEPTION;

    private static final Object LOCK = new Object();
    private static volatile MdxCallouts current; // written under LOCK

    private KernMdx() {
    }

    /**
     * The default framework: the one set with {@link #setSystem}, or a single-CPU one created now.
     *
     * @return the default framework
     */
    public static MdxCallouts system() {
        MdxCallouts s = current;
        if (s == null) {
            synchronized (LOCK) {
                s = current;
                if (s == null) {
                    s = new MdxCallouts(1);
                    current = s;
                }
            }
        }
        return s;
    }

    /**
     * Replaces the default framework (for several CPUs, or a fresh one per test). Callouts the
     * previous default initialised or armed stay its own (see {@link MdxCallout}): the functions here
     * refuse them from now on with {@link IllegalStateException}, so cancel them before replacing it.
     *
     * @param s the new default
     * @return the previous default, or null if none was set or created
     * @throws IllegalArgumentException if {@code s} is null
     */
    public static MdxCallouts setSystem(MdxCallouts s) {
        if (s == null) {
            throw new IllegalArgumentException("setSystem: the framework must not be null");
        }
        synchronized (LOCK) {
            MdxCallouts previous = current;
            current = s;
            return previous;
        }
    }

    /** @param c the callout; see {@link MdxCallouts#init} */
    public static void mdx_callout_init(MdxCallout c) {
        system().init(c);
    }

    /**
     * See {@link MdxCallouts#setTicks}.
     *
     * @param c     the callout
     * @param ticks ticks
     * @param func  the handler
     * @param arg   its argument
     * @param <A>   the argument type
     * @return the result
     */
    public static <A> int mdx_callout_set_ticks(MdxCallout c, long ticks, CalloutFunc<? super A> func, A arg) {
        return system().setTicks(c, ticks, func, arg);
    }

    /**
     * See {@link MdxCallouts#setTicksLocked}.
     *
     * @param c     the callout
     * @param ticks ticks
     * @param func  the handler
     * @param arg   its argument
     * @param <A>   the argument type
     * @return the result
     */
    public static <A> int mdx_callout_set_ticks_locked(MdxCallout c, long ticks, CalloutFunc<? super A> func,
            A arg) {
        return system().setTicksLocked(c, ticks, func, arg);
    }

    /**
     * See {@link MdxCallouts#set}.
     *
     * @param c    the callout
     * @param usec microseconds
     * @param func the handler
     * @param arg  its argument
     * @param <A>  the argument type
     * @return the result
     */
    public static <A> int mdx_callout_set(MdxCallout c, long usec, CalloutFunc<? super A> func, A arg) {
        return system().set(c, usec, func, arg);
    }

    /**
     * See {@link MdxCallouts#setLocked}.
     *
     * @param c    the callout
     * @param usec microseconds
     * @param func the handler
     * @param arg  its argument
     * @param <A>  the argument type
     * @return the result
     */
    public static <A> int mdx_callout_set_locked(MdxCallout c, long usec, CalloutFunc<? super A> func, A arg) {
        return system().setLocked(c, usec, func, arg);
    }

    /**
     * See {@link MdxCallouts#cancel}.
     *
     * @param c the callout
     * @return the result
     */
    public static int mdx_callout_cancel(MdxCallout c) {
        return system().cancel(c);
    }

    /**
     * See {@link MdxCallouts#register}.
     *
     * @param mt the timer
     * @return the result
     */
    public static int mdx_callout_register(MiTimer mt) {
        return system().register(mt);
    }

    /**
     * {@link MdxCallouts#callback(int)} for the current CPU, after MDEPX's assertion that
     * {@code mt} is the registered timer.
     *
     * @param mt the timer whose interrupt this is
     * @return {@link #MDX_OK}
     * @throws IllegalArgumentException if {@code mt} is null
     * @throws IllegalStateException    if {@code mt} is not the registered timer (or none is), or as
     *                                  {@link MdxCallouts#callback(int)}
     */
    public static int mdx_callout_callback(MiTimer mt) {
        if (mt == null) {
            throw new IllegalArgumentException("mdx_callout_callback: the timer must not be null");
        }
        MdxCallouts s = system();
        MiTimer registered = s.timer();
        if (registered == null || registered != mt) {
            throw new IllegalStateException("mdx_callout_callback: callback for the wrong device (registered: "
                    + registered + ", got: " + mt + ")");
        }
        return s.callback(s.curcpu("mdx_callout_callback"));
    }

    /**
     * See {@link MdxCallouts#usecToTicks}.
     *
     * @param usec microseconds
     * @return ticks
     */
    public static long mdx_callout_usec_to_ticks(long usec) {
        return system().usecToTicks(usec);
    }

    /**
     * See {@link MdxCallouts#ticksToUsec}.
     *
     * @param ticks ticks
     * @return microseconds
     */
    public static long mdx_callout_ticks_to_usec(long ticks) {
        return system().ticksToUsec(ticks);
    }

    /**
     * See {@link MdxCallouts#ticks(MdxCallout)}.
     *
     * @param c the callout
     * @return ticks until it fires
     */
    public static long mdx_callout_ticks(MdxCallout c) {
        return system().ticks(c);
    }

    /**
     * See {@link MdxCallouts#usec(MdxCallout)}.
     *
     * @param c the callout
     * @return microseconds until it fires
     */
    public static long mdx_callout_usec(MdxCallout c) {
        return system().usec(c);
    }

    /**
     * See {@link MdxCputime#usecToTicks}.
     *
     * @param freq Hz
     * @param usec microseconds
     * @return ticks
     */
    public static long mdx_cputime_usec_to_ticks(long freq, long usec) {
        return MdxCputime.usecToTicks(freq, usec);
    }

    /**
     * See {@link MdxCputime#usecToTicks1mhz}.
     *
     * @param freq ignored
     * @param usec microseconds
     * @return ticks
     */
    public static long mdx_cputime_usec_to_ticks_1mhz(long freq, long usec) {
        return MdxCputime.usecToTicks1mhz(freq, usec);
    }

    /**
     * See {@link MdxCputime#ticksToUsec1mhz}.
     *
     * @param freq  ignored
     * @param ticks ticks
     * @return microseconds
     */
    public static long mdx_cputime_ticks_to_usec_1mhz(long freq, long ticks) {
        return MdxCputime.ticksToUsec1mhz(freq, ticks);
    }
}
