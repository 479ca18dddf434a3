package org.kcallout.legacy;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.locks.ReentrantLock;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;

/**
 * FreeBSD's legacy {@code timeout(9)} API (FreeBSD 9 to 12, removed in 13.0): {@code timeout()},
 * {@code untimeout()} and callout handles, on a fixed pool of {@code ncallout} preallocated callouts.
 * Build one with {@link #create(CalloutSystem, int)} or {@link #builder(CalloutSystem)}; the C-named
 * functions in {@link LegacyTimeout} use a default pool.
 *
 * <pre>{@code
 * static final CalloutFunc<Softc> WATCHDOG = Softc::watchdog;   // built once
 *
 * sc.wd = pool.timeout(WATCHDOG, sc, 5 * sys.hz());             // sc->wd = timeout(watchdog, sc, 5 * hz);
 * ...
 * pool.untimeout(WATCHDOG, sc, sc.wd);                          // untimeout(watchdog, sc, sc->wd);
 * }</pre>
 *
 * <h2>Pitfalls</h2>
 * <ul>
 *   <li><b>A stale handle can cancel someone else's timeout.</b> A handle is only a pointer to a pool
 *       entry, checked by function and argument. When the timeout has fired or been cancelled its
 *       entry returns to the <em>head</em> of a LIFO free list, so the very next {@code timeout()}
 *       gets it. If that call used the same function and argument, {@code untimeout()} with the old
 *       handle cancels the <em>new</em> timeout. This is FreeBSD's documented behaviour and is
 *       reproduced exactly ("As handles are recycled by the system, it is possible (although
 *       unlikely) that a handle from one invocation of timeout() may match the handle of another
 *       invocation of timeout() if both calls used the same function pointer and argument, and the
 *       first timeout is expired or canceled before the second call"). With a different function or
 *       argument the stale {@code untimeout()} does nothing. To rule the case out, build the pool
 *       with {@link TimeoutPoolBuilder#generationChecked(boolean) generationChecked(true)}: a kcallout
 *       deviation in which a handle also records which use of the entry it names, and a stale
 *       {@code untimeout()} never does anything.</li>
 *   <li><b>Function and argument are compared by identity</b> ({@code ==}), as C compares pointers.
 *       Build the handler once (a static method reference or a constant, see {@link CalloutFunc}):
 *       a capturing lambda written at the call site is a new object each time, and
 *       {@code untimeout()} with it never matches. Likewise a boxed number or a string built at
 *       run time is not the same argument as an equal one built elsewhere.</li>
 *   <li><b>The pool is finite.</b> When all {@code ncallout} entries are in use, {@code timeout()}
 *       throws {@link IllegalStateException} ("timeout table full", where FreeBSD panics); nothing
 *       already scheduled is affected. Size the pool for the most timeouts outstanding at once.</li>
 *   <li><b>Handlers run with Giant held</b> ({@link CalloutSystem#giant()}), one at a time: a slow
 *       handler delays every other legacy timeout and every {@code callout_init(c, 0)} callout.</li>
 *   <li><b>{@code untimeout()} does not wait.</b> If the handler has already started, it finishes.
 *       An invocation that the softclock thread has taken but that still waits for Giant is
 *       cancelled only if the caller owns Giant (SPEC §5.2); otherwise it runs.</li>
 * </ul>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>Every entry is initialised with {@code callout_init(c, 0)} ({@link CalloutSystem#init
 *       init(c, false)}) on the system's default CPU, and never migrates.</li>
 *   <li>{@code timeout(func, arg, ticks)} takes the head of the free list and arms it with
 *       {@code callout_reset(c, ticks, ...)}: the handler runs between {@code ticks - 1} and
 *       {@code ticks} hardclock ticks from now (plus the system's precision allowance); ticks of 0
 *       or less mean 1. O(1).</li>
 *   <li>{@code untimeout(func, arg, handle)} does nothing for an empty handle or when the entry no
 *       longer carries {@code func} and {@code arg}; otherwise it calls {@code callout_stop} on the
 *       entry (through {@link CalloutSystem#stop}). O(1).</li>
 *   <li>An entry goes back to the head of the free list when the engine has finished with it: after
 *       its handler returned, or after a successful stop (at once if the stop removed a pending
 *       invocation; once the dispatcher has skipped it if the stop cancelled an invocation waiting
 *       for Giant). Until then no {@code timeout()} can get it, so a {@code timeout()} made by a
 *       handler never reuses the handler's own entry.</li>
 * </ul>
 *
 * <h2>Threads and allocation</h2>
 * Every method may be called from any thread, including from timeout handlers. The pool has one
 * lock, held only briefly and never while a user's handler runs. {@code untimeout} and the
 * four-argument {@code timeout} allocate nothing; the three-argument {@code timeout} allocates the
 * handle it returns. Firing allocates nothing on a {@link Profile#MODERN} system; on a
 * {@link Profile#CLASSIC} system, which has no {@code callout_async_drain}, returning an entry after
 * its handler (or after a Giant owner's successful {@code untimeout}) allocates one small
 * {@link java.util.concurrent.CompletableFuture} through {@link CalloutSystem#drainAsync}; so does
 * an {@code untimeout} on a closed system that puts an entry back (see below).
 *
 * <h2>After the system is closed</h2>
 * A pool lives as long as its system and cannot move to another one. Once
 * {@link CalloutSystem#close()} has been called (see its contract):
 * <ul>
 *   <li>{@code timeout()} throws {@link IllegalStateException} ("timeout: ... closed") before it
 *       takes an entry: nothing changes, the free count included. A pool cannot be built on a
 *       closed system either.</li>
 *   <li>Timeouts pending at close never fire: close stopped them.</li>
 *   <li>{@code untimeout()} keeps working and returns false for such a timeout, since close already
 *       cancelled it; it also puts the entry back on the free list, at once, or, for an invocation
 *       that was still in flight when the system closed, as soon as the engine is done with it. So a
 *       detach path that runs after close and calls {@code untimeout()} for its handles, as it would
 *       on a live system, leaves every entry free. An entry nobody calls {@code untimeout()} for
 *       stays counted as in use by {@link #available()}; on a closed system that count has no other
 *       effect, since the pool hands out nothing any more.</li>
 * </ul>
 * A live pool never loses an entry to a refused arm: {@code timeout()} arms the entry before it
 * takes it off the free list, so whatever the system throws, the free list is as it was.
 */
public final class TimeoutPool {
    /* Implementation notes.
     *
     * Ports kern_timeout.c (FreeBSD 9-12): the pool half of callout_callwheel_init /
     * kern_timeout_callwheel_alloc (cc_callout[], cc_callfree), timeout(), untimeout(),
     * callout_handle_init(), and callout_cc_del() (the return of a CALLOUT_LOCAL_ALLOC entry).
     *
     * Field ownership:
     *
     *   field              guard    C counterpart
     *   sys, cpu, ncallout final    timeout_cpu, ncallout
     *   generationChecked  final    -
     *   modern             final    -
     *   lock               -        cc_lock of the default CPU, for the pool part only
     *   freeHead           lock     SLIST_FIRST(&cc->cc_callfree)
     *   freeCount          lock     -
     *   entry fields       lock     see TimeoutEntry
     *   handle fields      lock     see CalloutHandle (the lock of the entry's pool)
     *
     * Lock order: Giant, then this pool's lock, then the engine's CPU lock. The trampoline runs with
     * Giant held (the dispatcher took it) and takes the pool lock; timeout() and untimeout() take
     * the pool lock and call reset/stop/asyncDrain, which take the CPU lock; the completion callback
     * runs with neither (the engine drops the CPU lock before calling it). No user code ever runs
     * with the pool lock held. The lock is reentrant only because a CLASSIC drainAsync stage that is
     * already complete runs its dependent (entryDone) inline, inside untimeout.
     *
     * Why a trampoline. The API has no CALLOUT_LOCAL_ALLOC hook, so the engine cannot put an entry
     * back on our free list. Each entry's callout is therefore armed with the prebuilt SOFTCLOCK_ENTRY
     * as handler and the entry itself as argument; the user's func and arg live in the entry, where
     * untimeout() compares them under the pool lock (C compares c_func/c_arg under cc_lock).
     *
     * When an entry becomes reusable. FreeBSD frees it in softclock_call_cc's completion path, under
     * cc_lock, after cc_exec_curr was cleared: never while the engine still considers the callout
     * executing. We keep that order, and it matters. If the trampoline freed the entry itself when
     * the user's function returned, a timeout() on another thread could re-arm the entry while the
     * engine still has cc_curr == entry (RUNNING+REARMED); an untimeout() of that new timeout would
     * then get MODERN callout_stop's "0: executing, pending re-arm removed", indistinguishable from
     * "0: executing, cannot cancel", and the entry would be lost. So the trampoline registers the
     * return with the engine before it calls the user's function: on MODERN with
     * callout_async_drain(c, ENTRY_DONE) (allocation-free; the engine calls ENTRY_DONE(entry) after
     * clearing cc_curr), on CLASSIC, which lacks it, with drainAsync(c).thenRun(returnTask). While
     * the callback is recorded the engine refuses resets of the entry, which nobody attempts: the
     * entry is not on the free list. (On CLASSIC, an exception from entryDone would stay in the
     * discarded dependent stage, unreported; entryDone throws only when an assertion fails.)
     *
     * The invariant this buys: an entry on the free list is idle in the engine (neither pending nor
     * executing), so a pool callout is never pending while executing, and callout_stop's result on
     * an ARMED entry means exactly one thing:
     *   1  and the caller does not own Giant: the pending invocation was removed; the entry is idle
     *      (lock-wait cancellation needs Giant, SPEC §4.7 preamble);
     *   1  and the caller owns Giant: either the pending invocation was removed (idle) or the
     *      invocation waiting for Giant was cancelled (still executing until the dispatcher skips
     *      it, which it cannot do before the caller releases Giant). returnWhenIdle tells them apart
     *      by asking the engine once more: on MODERN asyncDrain returns -1 if idle and 0 if it
     *      recorded the callback; on CLASSIC the drainAsync stage is already complete if idle (the
     *      only allocating untimeout, and only for a Giant owner's successful cancel);
     *   0 (or -1): nothing was cancelled; the trampoline will run or has run and returns the entry.
     *
     * A benign gap: untimeout() in state RUNNING or CANCELLED with matching func/arg returns without
     * calling callout_stop. FreeBSD calls it and it returns 0, having cleared the entry's ACTIVE
     * flag; nothing else differs and nobody can observe a pool entry's ACTIVE flag meaningfully.
     *
     * Close (CalloutSystem's close contract). arm() checks sys.isClosed() under the lock before it
     * looks at the free list, so a closed pool refuses without touching anything even on an engine
     * that would accept the arm; an engine that refuses (throws anything) changes nothing either,
     * because the entry is armed before it leaves the free list. Close stops every pending callout
     * behind our back, so an ARMED entry on a closed system may be idle in the engine, and no
     * trampoline will ever run for it: nothing would return it. untimeout() is where it comes back:
     * when callout_stop on an ARMED entry returns anything but 1 and the system is closed, the entry
     * is either idle (close discarded it), or still executing: its invocation waits for Giant and
     * will run (the trampoline then returns it as usual), or was cancelled by close and will be
     * skipped (nothing returns it). reclaimAfterClose tells them apart with drainAsync, which works
     * after close in both profiles and, unlike asyncDrain, cannot clash with the trampoline's own
     * asyncDrain: its stage completes at once if the entry is idle, else after the engine is done
     * with it; the dependent frees the entry only if it is still ARMED in the same use (generation),
     * i.e. no trampoline took it. The dependent allocates; it runs only on closed systems. Close is
     * read after the stop, so a close racing with untimeout at worst reclaims through drainAsync an
     * entry the trampoline returns anyway (the dependent then finds it RUNNING or FREE). */

    /** FreeBSD's default cap on {@code kern.ncallout}; the size of {@link LegacyTimeout}'s default pool. */
    public static final int NCALLOUT_DEFAULT = 18508;

    /**
     * The largest {@code ncallout} a pool accepts: 2<sup>20</sup>, over 56 times FreeBSD's default
     * cap. Every entry is allocated when the pool is built (a callout and its bookkeeping), so a size
     * near {@code Integer.MAX_VALUE} would only fail later with {@link OutOfMemoryError}; it is
     * rejected up front as a bad argument instead.
     */
    public static final int NCALLOUT_MAX = 1 << 20;

    /** The trampoline every entry is armed with: runs the user's function under Giant. */
    private static final CalloutFunc<TimeoutEntry> SOFTCLOCK_ENTRY = TimeoutPool::softclockEntry;
    /** The MODERN completion callback: the engine calls it once it has finished with the entry. */
    private static final CalloutFunc<TimeoutEntry> ENTRY_DONE = TimeoutPool::entryDone;

    private final CalloutSystem sys;
    private final int cpu;
    private final int ncallout;
    private final boolean generationChecked;
    /** True on MODERN systems: the completion hook is asyncDrain; else drainAsync. */
    private final boolean modern;
    /** Guards the free list, every entry's mutable fields and every handle of this pool. */
    final ReentrantLock lock = new ReentrantLock();
    /** Head of the LIFO free list ({@code cc_callfree}); guarded by {@link #lock}. */
    @GuardedBy("lock")
    private TimeoutEntry freeHead;
    /** Number of entries on the free list; guarded by {@link #lock}. */
    @GuardedBy("lock")
    private int freeCount;

    TimeoutPool(TimeoutPoolBuilder b) {
        if (b.sys.isClosed()) {
            throw new IllegalStateException("timeout pool: the callout system " + b.sys
                    + " is closed; a timeout(9) pool cannot be built on it");
        }
        this.sys = b.sys;
        this.ncallout = b.ncallout;
        this.generationChecked = b.generationChecked;
        this.modern = sys.profile() == Profile.MODERN;
        this.cpu = sys.defaultCpu();
        // kern_timeout_callwheel_alloc: callout_init(c, 0) each entry and push it on the head of
        // the free list, so entry ncallout - 1 is handed out first, as in FreeBSD.
        for (int i = 0; i < ncallout; i++) {
            TimeoutEntry e = new TimeoutEntry(this, i, !modern);
            sys.init(e.callout, false);
            e.nextFree = freeHead;
            freeHead = e;
        }
        freeCount = ncallout;
    }

    /**
     * A pool of {@code ncallout} entries on {@code sys}, with FreeBSD's handle checks (function and
     * argument only).
     *
     * @param sys      the callout system whose default CPU and Giant the entries use
     * @param ncallout the number of entries, 1 to {@link #NCALLOUT_MAX}
     * @return the pool
     * @throws IllegalArgumentException if {@code sys} is null or {@code ncallout} is not in
     *                                  {@code [1, }{@link #NCALLOUT_MAX}{@code ]}
     * @throws IllegalStateException    if {@code sys} is closed
     */
    public static TimeoutPool create(CalloutSystem sys, int ncallout) {
        return builder(sys).ncallout(ncallout).build();
    }

    /**
     * A builder for a pool on {@code sys}: {@link #NCALLOUT_DEFAULT} entries, FreeBSD's handle checks.
     *
     * @param sys the callout system
     * @return the builder
     * @throws IllegalArgumentException if {@code sys} is null
     */
    public static TimeoutPoolBuilder builder(CalloutSystem sys) {
        if (sys == null) {
            throw new IllegalArgumentException("timeout pool: the callout system must not be null");
        }
        return new TimeoutPoolBuilder(sys);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* timeout, untimeout                                                                         */

    /**
     * {@code timeout(func, arg, ticks)}: runs {@code func.call(arg)} once, with Giant held, between
     * {@code ticks - 1} and {@code ticks} hardclock ticks from now (plus the system's precision
     * allowance). O(1); allocates the returned handle (use the four-argument form to avoid that).
     *
     * @param func  the handler; compared by identity in {@link #untimeout}
     * @param arg   its argument, may be null; compared by identity in {@link #untimeout}
     * @param ticks the delay in ticks; 0 or less means 1
     * @param <A>   the argument type
     * @return a new handle naming the entry
     * @throws IllegalArgumentException if {@code func} is null
     * @throws IllegalStateException    if the system is closed, or "timeout table full" if all
     *                                  {@link #ncallout()} entries are in use; nothing changes
     */
    public <A> CalloutHandle timeout(CalloutFunc<? super A> func, A arg, int ticks) {
        checkFunc("timeout", func);
        return arm(func, arg, ticks, new CalloutHandle());
    }

    /**
     * {@code handle = timeout(func, arg, ticks)} into a handle the caller keeps: as the three-argument
     * form, but writes the result into {@code handle} and allocates nothing. Whatever {@code handle}
     * named before is forgotten (that timeout is not cancelled), as assigning the C struct would.
     *
     * @param func   the handler; compared by identity in {@link #untimeout}
     * @param arg    its argument, may be null
     * @param ticks  the delay in ticks; 0 or less means 1
     * @param handle the handle to fill in
     * @param <A>    the argument type
     * @return {@code handle}
     * @throws IllegalArgumentException if {@code func} or {@code handle} is null
     * @throws IllegalStateException    if the system is closed, or "timeout table full"; nothing
     *                                  changes, {@code handle} included
     */
    public <A> CalloutHandle timeout(CalloutFunc<? super A> func, A arg, int ticks, CalloutHandle handle) {
        checkFunc("timeout", func);
        checkHandle("timeout", handle);
        return arm(func, arg, ticks, handle);
    }

    /** The body of timeout(): pop the free-list head and callout_reset it. */
    @SuppressWarnings("unchecked")
    private CalloutHandle arm(CalloutFunc<?> func, Object arg, int ticks, CalloutHandle h) {
        int toTicks = ticks <= 0 ? 1 : ticks; // as V9 does explicitly (C_HARDCLOCK would lift it too)
        lock.lock();
        try {
            if (sys.isClosed()) {
                // Before the free list is touched: a closed pool hands out nothing, whatever the
                // engine would do with the arm (see the implementation notes on close).
                throw new IllegalStateException("timeout: the callout system of this timeout(9) pool is closed ("
                        + describe() + ", free=" + freeCount + "); nothing was scheduled");
            }
            TimeoutEntry e = freeHead;
            if (e == null) {
                throw new IllegalStateException("timeout table full: all " + ncallout
                        + " entries of the timeout(9) pool are in use (ncallout = " + ncallout
                        + "); nothing was scheduled");
            }
            assert e.state == TimeoutEntry.FREE : "free list holds a busy " + e;
            // Arm first: if the system refuses (throws anything), nothing has changed. The
            // trampoline cannot see the entry before we are done: it takes this lock first.
            // callout_reset keeps the entry's CPU (cpu -1), which is what FreeBSD forces for
            // CALLOUT_LOCAL_ALLOC: no migration.
            sys.reset(e.callout, toTicks, SOFTCLOCK_ENTRY, e);
            freeHead = e.nextFree;
            e.nextFree = null;
            freeCount--;
            e.state = TimeoutEntry.ARMED;
            e.func = (CalloutFunc<Object>) func;
            e.arg = arg;
            e.generation++;
            h.entry = e;
            h.generation = e.generation;
            return h;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code untimeout(func, arg, handle)}: cancels the timeout that {@code handle} names, if its entry
     * still carries {@code func} and {@code arg} (compared by identity) and, in a
     * {@linkplain #generationChecked() generation-checked} pool, is still the use {@code handle} was
     * made for. Otherwise, and for an empty handle, does nothing. O(1); never waits; allocates nothing
     * (but see the class comment for CLASSIC and closed systems).
     *
     * <p>Cancellation is {@code callout_stop}'s: a pending timeout is removed; one whose handler has
     * started is not; one that the softclock thread has taken but that still waits for Giant is
     * cancelled only if the calling thread owns Giant.
     *
     * <p><b>Recycling caveat</b> (FreeBSD's, reproduced): after the timeout fired or was cancelled, a
     * later {@code timeout()} may have received the same entry, most likely the very next one (the
     * free list is LIFO). If that call used the same {@code func} and {@code arg}, this method cancels
     * <em>it</em>. See the class comment.
     *
     * <p><b>After close.</b> Works as usual. A timeout pending at close was stopped by close, so this
     * call returns false for it; if the entry still carries {@code func} and {@code arg} (and, when
     * checked, the handle's generation), it goes back to the free list, at once or once an
     * invocation still in flight at close is over. See the class comment.
     *
     * @param func   the handler the timeout was set with
     * @param arg    its argument
     * @param handle a handle from {@link #timeout}, or an empty one
     * @param <A>    the argument type
     * @return true if this call cancelled an invocation (the C function returns nothing)
     * @throws IllegalArgumentException if {@code func} or {@code handle} is null (C leaves an
     *                                  uninitialised handle undefined), or {@code handle} names an
     *                                  entry of another pool
     */
    public <A> boolean untimeout(CalloutFunc<? super A> func, A arg, CalloutHandle handle) {
        checkFunc("untimeout", func);
        checkHandle("untimeout", handle);
        // Whether callout_stop may cancel an invocation waiting for Giant. Only this thread can
        // change it, so reading it before taking the pool lock is exact.
        boolean giantOwned = sys.giant().owned();
        lock.lock();
        try {
            TimeoutEntry e = handle.entry;
            if (e == null) {
                return false; // callout_handle_init, CALLOUT_HANDLE_INITIALIZER
            }
            if (e.pool != this) {
                throw new IllegalArgumentException("untimeout: the handle names " + e
                        + " of another timeout pool (" + e.pool.describe() + "), not of this one");
            }
            if ((Object) e.func != func || e.arg != arg) {
                return false; // not (or no longer) this timeout; a FREE entry has func == null
            }
            if (generationChecked && e.generation != handle.generation) {
                return false; // the entry was handed out again since the handle was made
            }
            if (e.state != TimeoutEntry.ARMED) {
                // RUNNING or CANCELLED: callout_stop would find it executing and return 0.
                return false;
            }
            if (sys.stop(e.callout) != 1) {
                // Live system: executing and not cancellable: softclock took it and waits for
                // Giant, which we do not own, or holds Giant already and waits for this lock in the
                // trampoline. The trampoline will run it and return the entry.
                if (sys.isClosed()) {
                    // Closed system: close may have discarded it, and then nothing else returns it.
                    reclaimAfterClose(e);
                }
                return false;
            }
            if (!giantOwned) {
                freeLocked(e); // the pending invocation was removed: idle now
            } else {
                e.state = TimeoutEntry.CANCELLED;
                returnWhenIdle(e); // removed (idle) or lock-wait cancelled (executing): ask
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The trampoline and the return path                                                         */

    /**
     * The handler of every entry (softclock, Giant held): marks the entry RUNNING, registers its
     * return with the engine, then runs the user's function without the pool lock. What the user's
     * function throws goes to the system's handler-failure hook; the entry comes back regardless.
     * An entry that the pool did not arm (someone re-armed a pool callout directly through the
     * engine, e.g. {@code callout_schedule(handle.callout(), n)} after its timeout fired) is left
     * alone: the trampoline throws {@link IllegalStateException} to the failure hook instead of
     * running a function the entry no longer has or freeing an entry that is already free.
     */
    private static void softclockEntry(TimeoutEntry e) {
        TimeoutPool pool = e.pool;
        CalloutFunc<Object> func;
        Object arg;
        pool.lock.lock();
        try {
            if (e.state != TimeoutEntry.ARMED) {
                throw new IllegalStateException("timeout: softclock ran " + e + ", which its timeout(9) pool did "
                        + "not arm: a pool callout was armed directly through the callout system "
                        + "(CalloutHandle.callout() is for inspection only); nothing was run, the pool is unchanged");
            }
            func = e.func;
            arg = e.arg;
            e.state = TimeoutEntry.RUNNING;
            boolean deferred = pool.returnWhenIdle(e);
            assert deferred : "the engine does not report the running " + e + " as executing";
        } finally {
            pool.lock.unlock();
        }
        func.call(arg);
    }

    /**
     * Returns {@code e} to the free list as soon as the engine is done with it: at once if it is
     * idle, else from the engine's completion path. Called with {@link #lock} held, {@code e} RUNNING
     * or CANCELLED.
     *
     * @return true if the return was deferred to the engine's completion path
     */
    @GuardedBy("lock")
    private boolean returnWhenIdle(TimeoutEntry e) {
        assert lock.isHeldByCurrentThread();
        assert e.state == TimeoutEntry.RUNNING || e.state == TimeoutEntry.CANCELLED : e;
        if (modern) {
            // 0: executing, ENTRY_DONE recorded; -1: idle. 1 (pending) cannot happen: a pool entry
            // is never pending while RUNNING or CANCELLED.
            int r = sys.asyncDrain(e.callout, ENTRY_DONE);
            assert r != 1 : "pending " + e;
            if (r == 0) {
                return true;
            }
            freeLocked(e);
            return false;
        }
        // CLASSIC: a stage that is already complete runs entryDone inline, on this thread, which
        // holds the (reentrant) lock; the entry is FREE when thenRun returns.
        sys.drainAsync(e.callout).thenRun(e.returnTask);
        return e.state != TimeoutEntry.FREE;
    }

    /**
     * On a closed system, returns the ARMED entry {@code e}, whose callout close stopped or whose
     * in-flight invocation close may have cancelled, once the engine is done with it: at once if it
     * is idle, else from the engine's completion path, unless the trampoline took it meanwhile (then
     * the trampoline's own return path frees it). Called with {@link #lock} held, after
     * {@code callout_stop} returned something other than 1. Allocates (the stage and its dependent).
     */
    private void reclaimAfterClose(TimeoutEntry e) {
        assert lock.isHeldByCurrentThread();
        assert e.state == TimeoutEntry.ARMED : e;
        long use = e.generation;
        // An idle callout's stage is already complete: the dependent runs inline, on this thread,
        // which holds the (reentrant) lock, and the entry is FREE when thenRun returns.
        sys.drainAsync(e.callout).thenRun(() -> reclaimed(e, use));
    }

    /**
     * The dependent of {@link #reclaimAfterClose}: frees {@code e} if it is still ARMED in use
     * {@code use}. Otherwise the trampoline took it (RUNNING, or FREE again) and returns it itself.
     */
    private static void reclaimed(TimeoutEntry e, long use) {
        TimeoutPool pool = e.pool;
        pool.lock.lock();
        try {
            if (e.state == TimeoutEntry.ARMED && e.generation == use) {
                pool.freeLocked(e);
            }
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * The engine has finished with {@code e} (its handler returned, or the dispatcher skipped a
     * cancelled invocation): {@code callout_cc_del}. Runs on the dispatching thread without the CPU
     * lock, or inline in {@link #returnWhenIdle} on CLASSIC.
     */
    static void entryDone(TimeoutEntry e) {
        TimeoutPool pool = e.pool;
        pool.lock.lock();
        try {
            assert e.state == TimeoutEntry.RUNNING || e.state == TimeoutEntry.CANCELLED : "completion of " + e;
            pool.freeLocked(e);
        } finally {
            pool.lock.unlock();
        }
    }

    /** Pushes {@code e} on the head of the free list ({@code callout_cc_del}). */
    @GuardedBy("lock")
    private void freeLocked(TimeoutEntry e) {
        assert lock.isHeldByCurrentThread();
        assert e.state != TimeoutEntry.FREE && e.nextFree == null : "double free of " + e;
        e.state = TimeoutEntry.FREE;
        e.func = null; // C clears c_func only; clearing arg too lets the user's object be collected
        e.arg = null;
        e.nextFree = freeHead;
        freeHead = e;
        freeCount++;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Accessors                                                                                  */

    /** @return the callout system the entries live on */
    public CalloutSystem system() {
        return sys;
    }

    /** @return the CPU every entry lives on: the system's default CPU when the pool was built */
    public int cpu() {
        return cpu;
    }

    /** @return the number of entries ({@code ncallout}) */
    public int ncallout() {
        return ncallout;
    }

    /** @return true if {@link #untimeout} also checks that a handle names the entry's current use */
    public boolean generationChecked() {
        return generationChecked;
    }

    /**
     * The number of entries on the free list: {@link #ncallout()} minus the timeouts that are pending,
     * running, or cancelled but not yet returned. A snapshot. On a closed system, an entry whose
     * timeout close discarded counts as in use until {@link #untimeout} is called for it (see the
     * class comment).
     *
     * @return the number of free entries
     */
    public int available() {
        lock.lock();
        try {
            return freeCount;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "TimeoutPool[" + describe() + ", free=" + available() + "]";
    }

    private String describe() {
        return "ncallout=" + ncallout + ", cpu=" + cpu + (generationChecked ? ", generation-checked" : "");
    }

    private static void checkFunc(String fn, CalloutFunc<?> func) {
        if (func == null) {
            throw new IllegalArgumentException(fn + ": func must not be null");
        }
    }

    private static void checkHandle(String fn, CalloutHandle h) {
        if (h == null) {
            throw new IllegalArgumentException(fn + ": handle must not be null; use CALLOUT_HANDLE_INITIALIZER() "
                    + "or callout_handle_init(h) for a handle that names no timeout");
        }
    }
}
