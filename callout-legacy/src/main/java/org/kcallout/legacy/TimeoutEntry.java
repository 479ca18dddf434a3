package org.kcallout.legacy;

import org.kcallout.Callout;
import org.kcallout.CalloutFunc;

/**
 * One preallocated callout of a {@link TimeoutPool}: an element of FreeBSD's {@code cc_callout[]}
 * array (a callout flagged {@code CALLOUT_LOCAL_ALLOC}), plus what the pool keeps beside it.
 */
final class TimeoutEntry {
    /* Implementation notes.
     *
     * The Callout itself is always armed with the pool's trampoline as handler and this entry as
     * argument; the user's function and argument live here, where untimeout() compares them (C
     * compares c_func and c_arg of the callout, which there are the user's).
     *
     * Field ownership:
     *
     *   field       guard        C counterpart
     *   pool        final        - (one global pool in C)
     *   callout     final        cc_callout[index]
     *   index       final        the array index (for messages only)
     *   returnTask  final        - (the CLASSIC profile's completion hook, else null)
     *   state       pool.lock    implicit in C: free-list membership, c_iflags, cc_exec_curr
     *   func, arg   pool.lock    c_func, c_arg
     *   generation  pool.lock    - (kcallout's generation-checked handles)
     *   nextFree    pool.lock    c_links.sle on cc_callfree
     *
     * State machine (guarded by pool.lock):
     *
     *   FREE       on the free list; func == null, arg == null
     *   ARMED      handed out by timeout(): the callout is pending, or already taken by softclock
     *              and waiting for Giant
     *   RUNNING    the trampoline took it under Giant: the user's function is about to run or is
     *              running; the entry's return is registered with the engine
     *   CANCELLED  an untimeout() by a Giant owner cancelled it (callout_stop returned 1); if the
     *              dispatcher was waiting for Giant it will skip the handler, and the engine
     *              returns the entry when it is done with it
     *
     * Legal transitions:
     *
     *   FREE      -> ARMED      timeout()
     *   ARMED     -> FREE       untimeout() by a thread not owning Giant: callout_stop removed the
     *                           pending invocation (it cannot cancel anything else without Giant)
     *   ARMED     -> CANCELLED  untimeout() by a Giant owner: callout_stop returned 1
     *   ARMED     -> RUNNING    the trampoline, on the softclock thread with Giant held
     *   RUNNING   -> FREE       the engine's completion callback, after the handler returned
     *   CANCELLED -> FREE       the engine's completion callback after the skip, or at once inside
     *                           the same untimeout() when the stop had removed a pending invocation
     *   ARMED     -> FREE       closed system only: untimeout() found nothing to stop (close stopped
     *                           it, or cancelled its wait for Giant), and the drainAsync dependent of
     *                           reclaimAfterClose ran with the entry still ARMED in the same use
     *
     * The trampoline runs only ARMED entries; it throws for any other state (an entry re-armed
     * directly through the engine) and changes nothing.
     */

    static final int FREE = 0;
    static final int ARMED = 1;
    static final int RUNNING = 2;
    static final int CANCELLED = 3;

    final TimeoutPool pool;
    final Callout callout;
    final int index;
    /** CLASSIC profile only: returns this entry to the pool; runs as a drainAsync dependent. */
    final Runnable returnTask;

    /** One of FREE, ARMED, RUNNING, CANCELLED; guarded by pool.lock. */
    int state;
    /** The user's function ({@code c_func}); null while FREE; guarded by pool.lock. */
    CalloutFunc<Object> func;
    /** The user's argument ({@code c_arg}); null while FREE; guarded by pool.lock. */
    Object arg;
    /** Incremented each time timeout() hands the entry out; guarded by pool.lock. */
    long generation;
    /** Next entry on the free list, or null; guarded by pool.lock. */
    TimeoutEntry nextFree;

    TimeoutEntry(TimeoutPool pool, int index, boolean classicReturn) {
        this.pool = pool;
        this.index = index;
        this.callout = new Callout();
        this.returnTask = classicReturn ? () -> TimeoutPool.entryDone(this) : null;
    }

    /** @return the name of {@code s}, for messages */
    static String stateName(int s) {
        switch (s) {
            case FREE:
                return "FREE";
            case ARMED:
                return "ARMED";
            case RUNNING:
                return "RUNNING";
            case CANCELLED:
                return "CANCELLED";
            default:
                throw new IllegalStateException("timeout pool entry: bad state " + s);
        }
    }

    @Override
    public String toString() {
        // Benign race: state and generation are read without pool.lock; only for messages.
        return "timeout entry #" + index + " (" + stateName(state) + ", generation " + generation + ")";
    }
}
