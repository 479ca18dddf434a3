package org.kcallout.legacy;

import org.kcallout.CalloutFunc;
import org.kcallout.KernTimeout;

/**
 * The legacy {@code timeout(9)} API under its C names, on a default {@link TimeoutPool}, so that old
 * kernel code ports line for line:
 *
 * <pre>{@code
 * import static org.kcallout.KernTimeout.*;
 * import static org.kcallout.legacy.LegacyTimeout.*;
 *
 * static final CalloutFunc<Softc> FOO_TIMEOUT = Softc::fooTimeout;   // timeout_t *, built once
 *
 * callout_handle_init(sc.ch);                          // callout_handle_init(&sc->ch);
 * sc.ch = timeout(FOO_TIMEOUT, sc, hz());              // sc->ch = timeout(foo_timeout, sc, hz);
 * untimeout(FOO_TIMEOUT, sc, sc.ch);                   // untimeout(foo_timeout, sc, sc->ch);
 *
 * static CalloutHandle wd = CALLOUT_HANDLE_INITIALIZER();   // static struct callout_handle wd =
 *                                                            //     CALLOUT_HANDLE_INITIALIZER(&wd);
 * }</pre>
 *
 * <p>The two static imports do not clash: this class defines only the four legacy names.
 * {@code timeout_t} is {@link CalloutFunc}; {@code struct callout_handle} is {@link CalloutHandle}.
 *
 * <p>The default pool is the one installed with {@link #setPool}, or else one created on first use
 * with {@link TimeoutPool#NCALLOUT_DEFAULT} entries over {@link KernTimeout#system()} (which may
 * itself be created then). {@code untimeout} always goes to the pool that issued the handle, so
 * replacing the default pool does not orphan handles already given out. Read {@link TimeoutPool}
 * for the semantics and the pitfalls, above all the handle-recycling caveat.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class LegacyTimeout {
    /* Implementation notes: the default pool lives in one volatile field, written under LOCK:
     * pool() reads it once on the common path and creates it under LOCK with a second check
     * (double-checked locking on a volatile), exactly as KernTimeout does for its system. A
     * setPool racing a first use either follows the creation (and returns the created pool) or
     * precedes it (and the creation sees the installed pool): no pool is created and lost.
     * callout_handle_init and CALLOUT_HANDLE_INITIALIZER never touch a pool or a system. */

    /** Guards writes of {@link #current}. */
    private static final Object LOCK = new Object();

    /** The default pool, or null before first use; written under {@link #LOCK}, read volatile. */
    private static volatile TimeoutPool current;

    private LegacyTimeout() {
    }

    /**
     * The default pool behind {@link #timeout}: the one set with {@link #setPool}, or else one created
     * now, once, with {@link TimeoutPool#NCALLOUT_DEFAULT} entries on {@link KernTimeout#system()}.
     *
     * @return the default pool
     * @throws IllegalStateException if it must be created and {@link KernTimeout#system()} cannot
     *                               provide a system; the next call tries again
     */
    public static TimeoutPool pool() {
        TimeoutPool p = current;
        if (p == null) {
            synchronized (LOCK) {
                p = current;
                if (p == null) {
                    p = TimeoutPool.create(KernTimeout.system(), TimeoutPool.NCALLOUT_DEFAULT);
                    current = p;
                }
            }
        }
        return p;
    }

    /**
     * Replaces the default pool, for example with one of another size, on another system, or
     * generation-checked. Timeouts already given out by the previous pool stay there and
     * {@link #untimeout} still reaches them through their handles.
     *
     * @param p the new default pool
     * @return the previous default, or {@code null} if none had been set or created yet
     * @throws IllegalArgumentException if {@code p} is null
     */
    public static TimeoutPool setPool(TimeoutPool p) {
        if (p == null) {
            throw new IllegalArgumentException("setPool: the timeout pool must not be null");
        }
        return replacePool(p);
    }

    /**
     * {@link #setPool} without the null check, for tests in this package: {@code null} puts the facade
     * back in its initial state.
     *
     * @param p the new default pool, or {@code null}
     * @return the previous default, or {@code null}
     */
    static TimeoutPool replacePool(TimeoutPool p) {
        synchronized (LOCK) {
            TimeoutPool previous = current;
            current = p;
            return previous;
        }
    }

    /**
     * {@code timeout(func, arg, ticks)} on the default pool: {@link TimeoutPool#timeout(CalloutFunc,
     * Object, int)}.
     *
     * @param func  the handler, compared by identity in {@link #untimeout}
     * @param arg   its argument, compared by identity in {@link #untimeout}
     * @param ticks the delay in ticks; 0 or less means 1
     * @param <A>   the argument type
     * @return a new handle
     * @throws IllegalArgumentException if {@code func} is null
     * @throws IllegalStateException    "timeout table full" if every entry is in use
     */
    public static <A> CalloutHandle timeout(CalloutFunc<? super A> func, A arg, int ticks) {
        return pool().timeout(func, arg, ticks);
    }

    /**
     * {@code handle = timeout(func, arg, ticks)} without allocating: fills in {@code handle}
     * ({@link TimeoutPool#timeout(CalloutFunc, Object, int, CalloutHandle)}) on the default pool.
     *
     * @param func   the handler
     * @param arg    its argument
     * @param ticks  the delay in ticks; 0 or less means 1
     * @param handle the handle to fill in
     * @param <A>    the argument type
     * @return {@code handle}
     * @throws IllegalArgumentException if {@code func} or {@code handle} is null
     * @throws IllegalStateException    "timeout table full" if every entry is in use
     */
    public static <A> CalloutHandle timeout(CalloutFunc<? super A> func, A arg, int ticks, CalloutHandle handle) {
        return pool().timeout(func, arg, ticks, handle);
    }

    /**
     * {@code untimeout(func, arg, handle)}: {@link TimeoutPool#untimeout} on the pool that issued
     * {@code handle}. An empty handle returns at once, without creating the default pool.
     *
     * @param func   the handler the timeout was set with
     * @param arg    its argument
     * @param handle a handle from {@link #timeout}, or an empty one
     * @param <A>    the argument type
     * @throws IllegalArgumentException if {@code func} or {@code handle} is null
     */
    public static <A> void untimeout(CalloutFunc<? super A> func, A arg, CalloutHandle handle) {
        if (func == null) {
            throw new IllegalArgumentException("untimeout: func must not be null");
        }
        if (handle == null) {
            throw new IllegalArgumentException("untimeout: handle must not be null; use CALLOUT_HANDLE_INITIALIZER() "
                    + "or callout_handle_init(h) for a handle that names no timeout");
        }
        // Snapshot of the caller's handle, only to pick the pool; TimeoutPool.untimeout reads it
        // again under that pool's lock, and a handle rewritten meanwhile for another pool is a race
        // in the caller (it gets IllegalArgumentException).
        TimeoutEntry e = handle.entry;
        if (e == null) {
            return;
        }
        e.pool.untimeout(func, arg, handle);
    }

    /**
     * {@code callout_handle_init(&handle)}: makes {@code handle} name no timeout, so that
     * {@link #untimeout} with it does nothing ({@link CalloutHandle#clear()}). O(1).
     *
     * @param handle the handle
     * @throws IllegalArgumentException if {@code handle} is null
     */
    public static void callout_handle_init(CalloutHandle handle) {
        if (handle == null) {
            throw new IllegalArgumentException("callout_handle_init: handle must not be null");
        }
        handle.clear();
    }

    /**
     * {@code CALLOUT_HANDLE_INITIALIZER(&handle)}: a new handle that names no timeout, for static and
     * global handles. O(1).
     *
     * @return a new empty handle
     */
    public static CalloutHandle CALLOUT_HANDLE_INITIALIZER() {
        return new CalloutHandle();
    }
}
