package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_ACTIVE;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.internal.CalloutAccess.ccVolatile;
import static org.kcallout.internal.CalloutAccess.flags;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.lock;
import static org.kcallout.internal.CalloutAccess.setFlagsRelease;
import static org.kcallout.internal.CalloutAccess.setIflagsRelease;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.wheel.testing.CalloutObserver;

/**
 * {@code _callout_stop_safe} of kern_timeout.c: {@code callout_stop}, {@code callout_drain},
 * {@code callout_async_drain} and the {@code CompletionStage} drain, in both profiles (SPEC §4.7-§4.9,
 * §5, decision 1).
 */
public final class CalloutStop {
    /* Implementation notes: stateless apart from the system's configuration; every method takes the
     * owning CPU's lock through CalloutEngine.lockOwned, checks the caller's lock and the misuse rules
     * before changing anything, and follows the field guards of CalloutCpu. The profiles differ
     * only in return values, in when ACTIVE is cleared, and in drain's order (CLASSIC stops first,
     * MODERN waits first and re-evaluates); every such difference is a test of `classic` below,
     * commented with its SPEC section. The steps both profiles share are the private helpers at the
     * end (dequeue, deactivate, deferredMigrationStop), each run with the CPU lock held. Every entry
     * point checks the callout's state against CalloutStates on taking the CPU lock and before
     * leaving it. */

    private final CalloutEngine engine;
    private final Profile profile;
    /** The profile is CLASSIC (decision 1) rather than MODERN (SPEC §4.7-§4.9). */
    private final boolean classic;
    private final KMutex giant;
    private final CalloutObserver observer;

    /** @param engine the engine it stops callouts of */
    public CalloutStop(CalloutEngine engine) {
        this.engine = engine;
        this.profile = engine.profile();
        this.classic = profile == Profile.CLASSIC;
        this.giant = engine.giant;
        this.observer = engine.observer;
    }

    public int stop(Callout c) {
        String fn = "callout_stop";
        CalloutEngine.checkInitialised(fn, c);
        boolean useLock = useLock(fn, c);
        CalloutCpu cc = engine.lockOwned(fn, c);
        try {
            return stopLocked(cc, c, useLock);
        } finally {
            assert CalloutStates.holds(c, cc, fn);
            cc.lock.unlock();
        }
    }

    /**
     * The preamble of _callout_stop_safe for a non-draining call: may an invocation waiting for the
     * callout's lock be cancelled? Giant only if the caller owns it; any other lock must be held.
     */
    private boolean useLock(String fn, Callout c) {
        CalloutLock l = lock(c);
        if (l == null) {
            return false;
        }
        if (l == giant) {
            return giant.owned();
        }
        if (!l.owned()) {
            throw new IllegalStateException(fn + ": the callout's lock " + l.name()
                    + " must be held exclusively by the caller");
        }
        return true;
    }

    /**
     * {@code callout_stop} in the system's profile, with {@code cc} locked: CLASSIC returns 0 or 1
     * and always clears ACTIVE (decision 1), MODERN returns 1, 0 or -1 (SPEC §4.7, §4.11).
     */
    @GuardedBy("cc.lock")
    private int stopLocked(CalloutCpu cc, Callout c, boolean useLock) {
        assert CalloutStates.holds(c, cc, "callout_stop");
        return classic ? stopClassic(cc, c, useLock) : stopModern(cc, c, useLock, null);
    }

    /**
     * MODERN {@code _callout_stop_safe(c, 0, drain)} (SPEC §4.7), with {@code cc} locked. A non-null
     * {@code drainFn} is the async-drain callback (SPEC §4.9): it is recorded if the handler runs,
     * and the lock-wait cancellation is not used.
     */
    @GuardedBy("cc.lock")
    private int stopModern(CalloutCpu cc, Callout c, boolean useLock, CalloutFunc<Object> drainFn) {
        assert cc.lock.isHeldByCurrentThread() : "_callout_stop_safe: CPU " + cc.cpuId + " not locked";
        ExecEntity ent = cc.execOf(c);
        boolean executing = ent.curr == c;
        if (executing && drainFn != null && ent.drainFn != null) {
            throw new IllegalStateException("callout_async_drain: a drain callback is already recorded for this callout: " + c);
        }
        boolean cancelledMigration = deferredMigrationStop(cc, c); // step 2
        if (!executing) {
            // A migration recorded by an invocation on the other entity (SPEC §5.10) was a pending
            // arm, and it is cancelled: 1, as for any pending callout (decision 18).
            return cancelledMigration ? 1 : stopPendingModern(cc, c, false, 1);
        }
        // Step 3, executing: ACTIVE goes whatever happens next.
        deactivate(cc, c);
        if (useLock && !ent.cancel && drainFn == null) {
            // It waits for the lock we hold: cancel it; after we unlock it is skipped.
            ent.cancel = true;
            discardMigration(ent, c);
            return 1;
        }
        boolean migration = (iflags(c) & CALLOUT_DFRMIGRATION) != 0;
        if (migration) {
            discardMigration(ent, c);
        }
        if (drainFn != null) {
            ent.drainFn = drainFn; // §4.9: called after the handler returns
        }
        // A discarded migration returns 0 at once; it cleared PENDING, so step 4 does the same.
        return stopPendingModern(cc, c, true, 0);
    }

    /**
     * Steps 4 and 5 of MODERN {@code _callout_stop_safe} (SPEC §4.7): a pending callout leaves its
     * list and loses PENDING and ACTIVE and the call returns {@code result}; otherwise ACTIVE is
     * left alone and the call returns {@code result}, or -1 if nothing was executing either.
     */
    @GuardedBy("cc.lock")
    private static int stopPendingModern(CalloutCpu cc, Callout c, boolean executing, int result) {
        assert cc.lock.isHeldByCurrentThread() : "_callout_stop_safe: CPU " + cc.cpuId + " not locked";
        if (!dequeue(cc, c)) {
            return executing ? result : -1; // step 4: ACTIVE untouched on this path
        }
        deactivate(cc, c);
        return result;
    }

    /**
     * CLASSIC {@code callout_stop} (the older manual, SPEC decision 1), with {@code cc} locked:
     * non-zero only when a pending invocation (or one waiting for the caller's lock) was cancelled;
     * ACTIVE is always cleared.
     */
    @GuardedBy("cc.lock")
    private int stopClassic(CalloutCpu cc, Callout c, boolean useLock) {
        assert cc.lock.isHeldByCurrentThread() : "callout_stop: CPU " + cc.cpuId + " not locked";
        ExecEntity ent = cc.execOf(c);
        boolean executing = ent.curr == c;
        if ((iflags(c) & CALLOUT_DFRMIGRATION) != 0) {
            // A migration recorded while the handler runs counts as pending: cancel it (and the
            // lock-waiting invocation, if the caller holds the lock).
            cancelRecordedMigration(cc, c);
            deactivate(cc, c);
            if (useLock && !ent.cancel) {
                ent.cancel = true;
            }
            return 1;
        }
        deactivate(cc, c); // CLASSIC (decision 1): cleared before anything else, in every case
        if (dequeue(cc, c)) {
            return 1;
        }
        if (executing && useLock && !ent.cancel) {
            ent.cancel = true;
            return 1;
        }
        return 0;
    }

    /**
     * Forgets a recorded migration ({@code cc_cce_cleanup} plus clearing DFRMIGRATION). The PENDING
     * that only the record justified goes too: the callout is on no list, so leaving it would
     * report a pending callout that can never run.
     */
    static void discardMigration(ExecEntity ent, Callout c) {
        ent.clearMigration();
        int iflags = iflags(c);
        if ((iflags & CALLOUT_DFRMIGRATION) != 0) {
            iflags &= ~(CALLOUT_DFRMIGRATION | CALLOUT_PENDING);
        }
        setIflagsRelease(c, iflags);
    }

    // `removed |= deferredMigrationStop(cc, c) | dequeue(cc, c)`: both steps must run, so | not ||.
    @SuppressWarnings("ShortCircuitBoolean")
    public int drain(Callout c) {
        String fn = "callout_drain";
        CalloutEngine.checkInitialised(fn, c);
        CalloutLock own = lock(c);
        if (own != null && own != giant && (own.owned() || own.ownedShared())) {
            // Refused whatever the callout's state, so that a port that drains under its lock fails
            // every time instead of only when the handler happens to be running.
            throw new IllegalStateException(fn + ": the caller holds the callout's lock " + own.name()
                    + ", which a running invocation may need: drain without it");
        }
        CalloutCpu cc = engine.lockOwned(fn, c);
        try {
            boolean removed = false;
            for (;;) {
                assert CalloutStates.holds(c, cc, fn);
                // Whichever entity runs it: a drain returns only once no invocation of c runs,
                // even one that DIRECT set by a later arm does not name (SPEC §5.10, decision 18).
                ExecEntity ent = cc.runningEntityOf(c);
                boolean executing = ent != null;
                if (executing) {
                    checkDrainWouldBlock(fn, c, ent);
                }
                if (classic) {
                    // CLASSIC (decision 1): stop first, clearing ACTIVE, then wait.
                    removed |= deferredMigrationStop(cc, c) | dequeue(cc, c);
                    deactivate(cc, c);
                } else {
                    // MODERN (§4.8): only step 2 before waiting; what is pending afterwards is
                    // removed once nothing runs.
                    deferredMigrationStop(cc, c);
                }
                if (executing) {
                    cc = awaitInvocation(fn, c, cc, ent);
                    continue; // look at everything again: it may have re-armed, or moved CPU
                }
                if (classic) {
                    return removed ? 1 : 0;
                }
                return stopPendingModern(cc, c, false, 1); // MODERN (§4.8): 1 if removed, else -1
            }
        } finally {
            assert CalloutStates.holds(c, cc, fn);
            cc.lock.unlock();
        }
    }

    /**
     * Waits, as a drainer ({@code cc_waiting}), for the invocation of {@code c} running on
     * {@code ent} of {@code cc} (locked) to complete. Giant is dropped while we sleep and picked up
     * again afterwards, as FreeBSD's DROP_GIANT/PICKUP_GIANT do.
     *
     * @return the CPU that owns {@code c} afterwards, locked
     */
    // One wait per call: the caller (drain's for loop) re-examines the callout after every
    // return, so a spurious wakeup only costs another look (FreeBSD's loop in _callout_stop_safe).
    @SuppressWarnings("WaitNotInLoop")
    private CalloutCpu awaitInvocation(String fn, Callout c, CalloutCpu cc, ExecEntity ent) {
        assert cc.lock.isHeldByCurrentThread() : fn + ": CPU " + cc.cpuId + " not locked";
        ent.waiting = true;
        int giantHolds = dropGiant();
        observer.drainWait(c);
        cc.drainCv.awaitUninterruptibly();
        if (giantHolds > 0) {
            cc.lock.unlock();
            pickupGiant(giantHolds);
            return engine.lockOwned(fn, c);
        }
        if (ccVolatile(c) != cc) {
            cc.lock.unlock();
            return engine.lockOwned(fn, c);
        }
        return cc;
    }

    /** Refuses a drain that would wait for itself (SPEC §4.8): from the callout's own handler. */
    private static void checkDrainWouldBlock(String fn, Callout c, ExecEntity ent) {
        if (ent.thread == Thread.currentThread()) {
            throw new IllegalStateException(fn + ": called from the callout's own handler, which would wait for itself: " + c);
        }
    }

    /** {@code DROP_GIANT}: releases every hold the caller has on Giant; returns how many. */
    private int dropGiant() {
        int n = 0;
        while (giant.owned()) {
            giant.unlock();
            n++;
        }
        return n;
    }

    /** {@code PICKUP_GIANT}: takes Giant {@code n} times again. Called without a CPU lock. */
    private void pickupGiant(int n) {
        for (int i = 0; i < n; i++) {
            giant.lock();
        }
    }

    @SuppressWarnings("unchecked")
    public <A> int asyncDrain(Callout c, CalloutFunc<? super A> drainFn) {
        String fn = "callout_async_drain";
        if (classic) {
            // §4.9 is V11-V14 and MODERN only (decision 1).
            throw new UnsupportedOperationException(fn + ": not part of the " + profile + " profile; use drainAsync(c) or drain(c)");
        }
        if (drainFn == null) {
            throw new IllegalArgumentException(fn + ": drain callback must not be null");
        }
        CalloutEngine.checkInitialised(fn, c);
        useLock(fn, c); // the lock rule of callout_stop applies; lock-wait cancellation is not used
        CalloutCpu cc = engine.lockOwned(fn, c);
        try {
            assert CalloutStates.holds(c, cc, fn);
            return stopModern(cc, c, false, (CalloutFunc<Object>) drainFn);
        } finally {
            assert CalloutStates.holds(c, cc, fn);
            cc.lock.unlock();
        }
    }

    public CompletionStage<Void> drainAsync(Callout c) {
        String fn = "drainAsync";
        CalloutEngine.checkInitialised(fn, c);
        CalloutCpu cc = engine.lockOwned(fn, c);
        try {
            ExecEntity ent = cc.execOf(c);
            boolean executing = ent.curr == c;
            stopLocked(cc, c, false);
            if (!executing) {
                return CompletableFuture.completedFuture(null);
            }
            if (ent.drainFuture == null) {
                ent.drainFuture = new CompletableFuture<>();
            }
            return ent.drainFuture.minimalCompletionStage();
        } finally {
            assert CalloutStates.holds(c, cc, fn);
            cc.lock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The steps both profiles (and reset and close) share; each is called with cc locked       */

    /**
     * Takes a pending {@code c} off its wheel bucket or the expire queue and clears PENDING. ACTIVE
     * is the caller's: the profiles clear it at different moments (SPEC §4.7 step 5, decision 1).
     *
     * @return true if {@code c} was pending
     */
    @GuardedBy("cc.lock")
    static boolean dequeue(CalloutCpu cc, Callout c) {
        assert cc.lock.isHeldByCurrentThread() : "CPU " + cc.cpuId + " not locked";
        int iflags = iflags(c);
        if ((iflags & CALLOUT_PENDING) == 0) {
            return false;
        }
        if ((iflags & CALLOUT_DFRMIGRATION) != 0) {
            // Pending only through a migration recorded by the invocation running it: on no list
            // (CalloutStates). FreeBSD would unlink it from a list it is not on and leave the
            // record to re-arm it later; the pending arm is the record, so cancel that (decision 18).
            cancelRecordedMigration(cc, c);
            return true;
        }
        setIflagsRelease(c, iflags & ~CALLOUT_PENDING);
        cc.unlinkPending(c);
        return true;
    }

    /**
     * Cancels {@code c}'s recorded migration: discards the record from the entity that holds it
     * (the one running {@code c}, whichever DIRECT names) and clears DFRMIGRATION and PENDING.
     */
    private static void cancelRecordedMigration(CalloutCpu cc, Callout c) {
        ExecEntity holder = cc.runningEntityOf(c);
        assert holder != null && holder.migrating() : "a recorded migration that no running invocation holds: " + c;
        if (holder != null) {
            discardMigration(holder, c);
        } else {
            setIflagsRelease(c, iflags(c) & ~(CALLOUT_DFRMIGRATION | CALLOUT_PENDING));
        }
    }

    /** Clears ACTIVE ({@code c_flags}), as {@code callout_deactivate} does. */
    static void deactivate(CalloutCpu cc, Callout c) {
        assert cc.lock.isHeldByCurrentThread() : "CPU " + cc.cpuId + " not locked";
        setFlagsRelease(c, flags(c) & ~CALLOUT_ACTIVE);
    }

    /**
     * Step 2 of _callout_stop_safe (SPEC §4.7), the deferred-migration special case: a callout that
     * is PENDING only because a migration is recorded (it is on no list) has the record cancelled
     * and loses PENDING and ACTIVE. FreeBSD applies the case only while ACTIVE is set; a callout
     * the caller deactivated then falls through to an unlink from a list it is not on, and its
     * record re-arms it after the handler. Here the internal state alone decides (decision 18).
     *
     * @return true if the special case applied
     */
    private static boolean deferredMigrationStop(CalloutCpu cc, Callout c) {
        assert cc.lock.isHeldByCurrentThread() : "CPU " + cc.cpuId + " not locked";
        int iflags = iflags(c);
        if ((iflags & (CALLOUT_PENDING | CALLOUT_DFRMIGRATION)) == (CALLOUT_PENDING | CALLOUT_DFRMIGRATION)) {
            cancelRecordedMigration(cc, c);
            deactivate(cc, c);
            return true;
        }
        return false;
    }
}
