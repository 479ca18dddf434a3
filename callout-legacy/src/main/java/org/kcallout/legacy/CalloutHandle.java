package org.kcallout.legacy;

import java.util.concurrent.locks.ReentrantLock;
import org.kcallout.Callout;

/**
 * FreeBSD's {@code struct callout_handle}: what {@code timeout()} returns and {@code untimeout()}
 * takes. It names one entry of a {@link TimeoutPool}, or none.
 *
 * <p><b>A handle is a pointer into the pool, not a reservation.</b> Once its timeout has fired or
 * been cancelled, the entry it names goes back to the pool and a later {@code timeout()} may hand
 * it out again; {@code untimeout()} with the old handle then acts on the new timeout if that one
 * has the same function and argument. See {@link TimeoutPool} for this caveat and for the opt-in
 * generation-checked mode that removes it.
 *
 * <p>The three ways to get a handle, as in C:
 * <pre>{@code
 * CalloutHandle h = timeout(FOO, sc, hz());          // h = timeout(foo, sc, hz);
 * CalloutHandle n = CALLOUT_HANDLE_INITIALIZER();    // struct callout_handle n = CALLOUT_HANDLE_INITIALIZER(&n);
 * callout_handle_init(sc.handle);                    // callout_handle_init(&sc->handle);
 * }</pre>
 * A handle that names no entry makes {@code untimeout()} return without doing anything.
 *
 * <p><b>Allocation.</b> In C the struct is returned by value. Here
 * {@link TimeoutPool#timeout(org.kcallout.CalloutFunc, Object, int)} allocates one small handle per
 * call (two fields); code
 * that must not allocate keeps its own handle and passes it to
 * {@link TimeoutPool#timeout(org.kcallout.CalloutFunc, Object, int, CalloutHandle)}, which fills it
 * in, as C's assignment copies the struct into the caller's storage.
 *
 * <p><b>Threads.</b> Like the C struct, a handle is a plain value holder. The pool writes it (in
 * {@code timeout}) and reads it (in {@code untimeout}) under the pool's lock, and
 * {@link #clear()} writes it under that lock too, so a handle handed from thread to thread needs no
 * synchronisation of its own for those calls. Calling two of them concurrently on the <em>same</em>
 * handle is a race in the caller, as it is in C: which value wins is unspecified.
 */
public final class CalloutHandle {
    /* Implementation notes: entry and generation are written by TimeoutPool.timeout and by clear()
     * while holding the lock of the pool that owns the entry (entry.pool.lock), and read by
     * TimeoutPool.untimeout under the same lock, so untimeout never sees an entry without its
     * generation. A handle whose entry is null has no pool: clear() then writes nothing. Reads
     * without that lock (callout(), toString(), and the facade's choice of pool) are snapshots
     * for the caller's own thread; each is commented where it happens. */

    /** The pool entry ({@code handle.callout}), or null; guarded by entry.pool.lock. */
    TimeoutEntry entry;
    /** The entry's generation when timeout() filled this handle in; guarded by entry.pool.lock. */
    long generation;

    /**
     * A handle that names no entry: {@code CALLOUT_HANDLE_INITIALIZER}. {@code untimeout()} with it
     * does nothing.
     */
    public CalloutHandle() {
    }

    /**
     * {@code CALLOUT_HANDLE_INITIALIZER(&h)}: a new handle that names no entry, for static and global
     * handles ({@code static final CalloutHandle H = CalloutHandle.initializer();}, then fill it in
     * with {@link TimeoutPool#timeout(org.kcallout.CalloutFunc, Object, int, CalloutHandle)}).
     *
     * @return a new empty handle
     */
    public static CalloutHandle initializer() {
        return new CalloutHandle();
    }

    /**
     * {@code callout_handle_init(&h)}: makes this handle name no entry, so that {@code untimeout()}
     * with it does nothing. The timeout it named, if any, is not affected: it still fires unless
     * cancelled through another handle. O(1).
     */
    public void clear() {
        // Snapshot of the caller's own handle: if it names an entry, the write happens under that
        // entry's pool lock (see the implementation notes); if it names none, there is nothing to do.
        TimeoutEntry e = entry;
        if (e == null) {
            return;
        }
        ReentrantLock lock = e.pool.lock;
        lock.lock();
        try {
            entry = null;
            generation = 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code handle.callout}: the pool entry this handle names, or {@code null} for an empty handle.
     *
     * <p>For inspection only ({@link Callout#pending()}, {@link Callout#time()}, identity). The entry
     * belongs to the pool: arming, stopping or draining it directly breaks the pool's bookkeeping
     * (the entry may never come back), as writing to {@code *handle.callout} would in C. The entry
     * may already serve another timeout (see the class comment).
     *
     * @return the entry's callout, or null
     */
    public Callout callout() {
        // Snapshot without the pool lock: exact for a handle that only the calling thread writes.
        TimeoutEntry e = entry;
        return e == null ? null : e.callout;
    }

    @Override
    public String toString() {
        // Benign race: entry and generation are read without the pool lock; only for messages.
        TimeoutEntry e = entry;
        return e == null ? "CalloutHandle[null]"
                : "CalloutHandle[entry #" + e.index + ", generation " + generation + "]";
    }
}
