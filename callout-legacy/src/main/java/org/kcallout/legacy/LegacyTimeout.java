package org.kcallout.legacy;

import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
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
 * <p>The default pool is the one installed with {@link #setPool}, or else one this class creates
 * with {@link TimeoutPool#NCALLOUT_DEFAULT} entries on {@link KernTimeout#system()} (which may
 * itself be created then) and replaces by a new one when {@link KernTimeout#setSystem} installs
 * another system (see {@link #pool()}). {@code untimeout} always goes to the pool that issued the
 * handle, so replacing the default pool does not orphan handles already given out. Read
 * {@link TimeoutPool} for the semantics and the pitfalls, above all the handle-recycling caveat and
 * what a closed system does.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class LegacyTimeout {
    /* Implementation notes: the default pool lives in one volatile field, written under LOCK, as
     * an immutable Binding: the pool and whether it follows KernTimeout.system() (created here) or
     * was installed (setPool). The pair is one object so that a reader sees both halves of the same
     * write. lookUp() reads it once on the common path; a following pool is then checked against
     * KernTimeout.system() by identity (one more volatile read, inside KernTimeout), so the common
     * path allocates nothing. A missing or outdated pool is (re)created under LOCK with a second
     * check (double-checked locking on a volatile), exactly as KernTimeout does for its system. A
     * setPool racing a first use either follows the creation (and returns the created pool) or
     * precedes it (and the creation sees the installed pool): no pool is created and lost. A pool
     * that is replaced is not touched: its handles still reach it through their entries, and its
     * pending timeouts still fire on its own system. The argument checks of timeout run before
     * the pool is looked up, so a rejected call never creates a pool (nor, through KernTimeout, a
     * system). callout_handle_init and CALLOUT_HANDLE_INITIALIZER never touch a pool or a system.
     *
     *   field     guard                      meaning
     *   current   LOCK for writes, volatile  the default pool and how it was chosen, or null */

    /** Guards writes of {@link #current}. */
    private static final Object LOCK = new Object();

    /** The default pool and whether it follows {@link KernTimeout#system()}; immutable. */
    private static final class Binding {
        final TimeoutPool pool;
        /** True if this class created the pool: it is replaced when the default system changes. */
        final boolean follows;

        Binding(TimeoutPool pool, boolean follows) {
            this.pool = pool;
            this.follows = follows;
        }
    }

    /** The default pool, or null before first use; written under {@link #LOCK}, read volatile. */
    private static volatile Binding current;

    private LegacyTimeout() {
    }

    /**
     * The default pool behind {@link #timeout}.
     *
     * <ul>
     *   <li>A pool installed with {@link #setPool} is the default until {@code setPool} replaces it,
     *       whatever {@link KernTimeout#system()} returns meanwhile, and even once its system is
     *       closed ({@link #timeout} then throws {@link IllegalStateException}).</li>
     *   <li>Otherwise the default is a pool this method creates with
     *       {@link TimeoutPool#NCALLOUT_DEFAULT} entries on {@link KernTimeout#system()}, and it
     *       follows that system: when {@link KernTimeout#setSystem} has installed another one, the
     *       next call creates a new pool on it. Handles the old pool gave out still reach it
     *       through {@link #untimeout}, and its pending timeouts still fire on the old system
     *       (unless that is closed). If the system is closed but is still
     *       {@link KernTimeout#system()}, the pool stays, and {@link #timeout} on it throws.</li>
     * </ul>
     * The common path (the default pool exists and is current) is a volatile read and an identity
     * comparison; it allocates nothing.
     *
     * @return the default pool
     * @throws IllegalStateException if a pool must be created and {@link KernTimeout#system()} cannot
     *                               provide a system, or provides a closed one; nothing changes and
     *                               the next call tries again
     */
    public static TimeoutPool pool() {
        return lookUp("pool");
    }

    /**
     * {@link #pool()}, naming {@code fn} in its messages.
     *
     * @param fn the function the caller called
     */
    private static TimeoutPool lookUp(String fn) {
        Binding b = current;
        if (b != null && (!b.follows || b.pool.system() == KernTimeout.system())) {
            return b.pool;
        }
        return refresh(fn);
    }

    /**
     * The slow path of {@link #lookUp}: creates the default pool, or replaces a following one whose
     * system is no longer {@link KernTimeout#system()}.
     *
     * @param fn the function the caller called, for the message
     */
    private static TimeoutPool refresh(String fn) {
        synchronized (LOCK) {
            Binding b = current;
            if (b != null && !b.follows) {
                return b.pool;
            }
            CalloutSystem s = KernTimeout.system();
            if (b != null && b.pool.system() == s) {
                return b.pool;
            }
            if (s.isClosed()) {
                throw new IllegalStateException(fn + ": the default callout system KernTimeout.system() (" + s
                        + ") is closed; no default timeout(9) pool can be built on it, nothing was scheduled. "
                        + "Install a live system with KernTimeout.setSystem or a pool with LegacyTimeout.setPool");
            }
            TimeoutPool p = TimeoutPool.create(s, TimeoutPool.NCALLOUT_DEFAULT);
            current = new Binding(p, true);
            return p;
        }
    }

    /**
     * Replaces the default pool, for example with one of another size, on another system, or
     * generation-checked. The pool stays the default until the next {@code setPool}: it does not
     * follow {@link KernTimeout#setSystem} (see {@link #pool()}). Timeouts already given out by the
     * previous pool stay there and {@link #untimeout} still reaches them through their handles.
     *
     * @param p the new default pool
     * @return the previous default, or {@code null} if none had been set or created yet
     * @throws IllegalArgumentException if {@code p} is null, or its system is closed (nothing changes)
     */
    public static TimeoutPool setPool(TimeoutPool p) {
        if (p == null) {
            throw new IllegalArgumentException("setPool: the timeout pool must not be null");
        }
        if (p.system().isClosed()) {
            throw new IllegalArgumentException("setPool: the callout system of " + p
                    + " is closed; timeout() could never use it");
        }
        return replacePool(p);
    }

    /**
     * {@link #setPool} without the checks, for tests in this package: {@code null} puts the facade
     * back in its initial state, any other pool is installed as {@code setPool} installs it.
     *
     * @param p the new default pool, or {@code null}
     * @return the previous default, or {@code null}
     */
    static TimeoutPool replacePool(TimeoutPool p) {
        Binding b = p == null ? null : new Binding(p, false);
        synchronized (LOCK) {
            Binding previous = current;
            current = b;
            return previous == null ? null : previous.pool;
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
     * @throws IllegalArgumentException if {@code func} is null (checked before the default pool is
     *                                  looked up or created)
     * @throws IllegalStateException    if the default pool's system is closed (nothing changes, the
     *                                  free count included), or "timeout table full" if every entry is
     *                                  in use, or as {@link #pool()}
     */
    public static <A> CalloutHandle timeout(CalloutFunc<? super A> func, A arg, int ticks) {
        if (func == null) {
            throw new IllegalArgumentException("timeout: func must not be null");
        }
        return lookUp("timeout").timeout(func, arg, ticks);
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
     * @throws IllegalArgumentException if {@code func} or {@code handle} is null (checked before the
     *                                  default pool is looked up or created)
     * @throws IllegalStateException    as the three-argument form; nothing changes, {@code handle}
     *                                  included
     */
    public static <A> CalloutHandle timeout(CalloutFunc<? super A> func, A arg, int ticks, CalloutHandle handle) {
        if (func == null) {
            throw new IllegalArgumentException("timeout: func must not be null");
        }
        if (handle == null) {
            throw new IllegalArgumentException("timeout: handle must not be null; use the three-argument "
                    + "timeout(func, arg, ticks) to get a new handle");
        }
        return lookUp("timeout").timeout(func, arg, ticks, handle);
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
