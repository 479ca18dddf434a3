package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_ACTIVE;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.CALLOUT_SHAREDLOCK;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.internal.CalloutAccess.arg;
import static org.kcallout.internal.CalloutAccess.flags;
import static org.kcallout.internal.CalloutAccess.func;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.lock;
import static org.kcallout.internal.CalloutAccess.setFlagsRelease;
import static org.kcallout.internal.CalloutAccess.setIflagsRelease;
import static org.kcallout.internal.CalloutAccess.time;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.CompletableFuture;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.Sbt;
import org.kcallout.wheel.seam.CpuThread;

/**
 * {@code softclock_call_cc} of kern_timeout.c for one CPU (SPEC §5): runs one expired callout on
 * an execution entity, with the associated lock's hand-off, the handler, the completion (drain
 * callbacks, waking drainers, a deferred migration), and the checks that keep a lock held where it
 * should not be from losing an invocation.
 */
final class SoftclockCallCc {
    /* Implementation notes: one per CalloutCpu, with no state of its own but the leak record below;
     * every field it touches is the CPU's, under the CPU's guards (CalloutCpu's table). Entered and
     * left with the CPU lock held; the lock is dropped around the lock hand-off, the handler and the
     * drain callbacks. */

    private final CalloutCpu cc;
    /** A lock leak found by driverHoldsLock, to report once the CPU lock is dropped; guarded by cc.lock. */
    @GuardedBy("cc.lock")
    private IllegalStateException leak;

    SoftclockCallCc(CalloutCpu cc) {
        this.cc = cc;
    }

    /**
     * Called before {@code c} (lock {@code l}) is taken off its list for dispatch, with the CPU
     * lock held: true if the dispatching thread already holds {@code l}, in any mode, and is not
     * one of this system's own threads. The dispatcher could neither take the lock (it would
     * deadlock or recurse) nor run the handler without it (a canceller relies on holding it), so
     * the invocation must wait: the caller refuses it ({@link #refuseHeldLock}). On one of this
     * system's threads such a hold can only have been left by earlier user code (a handler or a
     * drain callback): it is reported and released here, or this callout and every later one on
     * the lock would be lost.
     */
    @GuardedBy("cc.lock")
    boolean driverHoldsLock(Callout c, CalloutLock l) {
        if (!l.owned() && !l.ownedShared()) {
            return false;
        }
        Thread t = Thread.currentThread();
        if (t instanceof CpuThread && ((CpuThread) t).clockPort() == cc.engine.clock) {
            releaseAll(c, l, false);
            releaseAll(c, l, true);
            // Reported by dispatch once the CPU lock is dropped: the hook is user code.
            leak = new IllegalStateException("user code that ran earlier on this thread returned holding "
                    + l.name() + ", the lock of the next callout; released so that it can run: " + c);
            return false;
        }
        return true;
    }

    /**
     * The invocation of {@code c} (still pending, still queued) cannot start on this thread: asks
     * the clock for an event at once, so that it runs as soon as time moves again on a thread that
     * does not hold the lock, and returns the exception that tells the caller. Called with
     * {@link CalloutCpu#lock} held.
     */
    @GuardedBy("cc.lock")
    IllegalStateException refuseHeldLock(Callout c) {
        cc.firstevent = cc.lastscan;
        cc.engine.clock.cpuNewCallout(cc.cpuId, cc.lastscan, cc.lastscan);
        CalloutLock l = lock(c);
        return new IllegalStateException("callout_process: the thread delivering the event ("
                + Thread.currentThread().getName() + ") holds " + l.name() + ", the lock of a callout due at "
                + Sbt.format(time(c)) + "; its handler cannot take it. Nothing was lost: the callout stays "
                + "pending and runs when time moves again on a thread that does not hold " + l.name()
                + " (with a virtual clock, release the lock and advance again): " + c);
    }

    /**
     * {@code softclock_call_cc}: runs one expired callout on entity {@code e}. Entered and left with
     * {@link CalloutCpu#lock} held; drops it around the lock hand-off and the handler.
     */
    @GuardedBy("cc.lock")
    void dispatch(Callout c, int e) {
        assert cc.lock.isHeldByCurrentThread();
        int iflags = iflags(c);
        assert (iflags & CALLOUT_PENDING) != 0 : "softclock_call_cc: callout not pending";
        ExecEntity ent = cc.exec[e];
        CalloutLock clock = lock(c);
        boolean shared = clock != null && (iflags & CALLOUT_SHAREDLOCK) != 0 && clock.supportsShared();
        CalloutFunc<Object> func = func(c);
        Object arg = arg(c);
        setIflagsRelease(c, iflags & ~CALLOUT_PENDING);
        ent.curr = c;
        ent.cancel = false;
        ent.started = false;
        ent.thread = Thread.currentThread();
        assert CalloutStates.holds(c, cc, "softclock_call_cc");
        IllegalStateException leaked = leak;
        if (leaked != null) {
            leak = null;
        }
        cc.lock.unlock();
        try {
            if (leaked != null) {
                cc.engine.handlerFailed(c, leaked);
            }
            invoke(c, ent, clock, shared, (iflags & CALLOUT_RETURNUNLOCKED) != 0, func, arg);
        } finally {
            cc.lock.lock();
        }
        complete(c, ent, e, arg);
    }

    /** The part of the dispatcher that runs without the CPU lock: lock hand-off and handler. */
    private void invoke(Callout c, ExecEntity ent, CalloutLock clock, boolean shared, boolean returnUnlocked,
                        CalloutFunc<Object> func, Object arg) {
        Throwable failure = null;
        if (clock != null) {
            cc.engine.observer.dispatchLockWait(c);
            try {
                if (shared) {
                    clock.lockShared();
                } else {
                    clock.lock();
                }
            } catch (RuntimeException | Error ex) {
                // The lock refused us (for instance a non-recursive mutex the handler thread still
                // holds): the invocation is lost, but nothing else is.
                cc.engine.handlerFailed(c, ex);
                return;
            }
            // Cancelled while we switched locks? A canceller held the lock, so this read is exact.
            if (ent.cancel) {
                release(c, clock, shared);
                return;
            }
            ent.started = true; // before the volatile write below; see ExecEntity.started
            ent.cancel = true; // too late to cancel from now on
        }
        try {
            func.call(arg);
        } catch (Throwable t) {
            failure = t;
        }
        // Each handler starts with a clear interrupt status: what one leaves set is dropped here.
        // (A thread that drives a CPU by hand has its own status set aside around the whole pass
        // by CalloutEngine.calloutProcess and softclock; our own threads are never interrupted.)
        Thread.interrupted();
        if (clock != null) {
            boolean held = shared ? clock.ownedShared() : clock.owned();
            if (!returnUnlocked) {
                if (held) {
                    release(c, clock, shared);
                    if (shared ? clock.ownedShared() : clock.owned()) {
                        releaseLeak(c, clock, "callout handler returned holding its lock " + clock.name()
                                + " more times than the dispatcher took it; the extra holds were released");
                    }
                } else if (failure == null) {
                    failure = new IllegalStateException("callout handler released its lock " + clock.name()
                            + " but the callout was not initialised with CALLOUT_RETURNUNLOCKED: " + c);
                }
            } else if (held) {
                // A CALLOUT_RETURNUNLOCKED handler must release the lock itself. Decision 5 and the
                // rule "nothing else is lost": release it here, whether or not it threw.
                if (failure == null) {
                    failure = new IllegalStateException("callout handler returned still holding its lock "
                            + clock.name() + ", but the callout was initialised with CALLOUT_RETURNUNLOCKED, "
                            + "so the handler must release it; released by the dispatcher: " + c);
                }
                releaseAll(c, clock, shared);
            }
        }
        if (failure != null) {
            cc.engine.handlerFailed(c, failure);
        }
    }

    /** The most holds {@link #releaseAll} gives back: a bound against a lock that never lets go. */
    private static final int MAX_LEAKED_HOLDS = 1 << 16;

    /** Releases every hold the calling thread has on {@code l}, in the mode given. */
    private void releaseAll(Callout c, CalloutLock l, boolean shared) {
        for (int i = 0; i < MAX_LEAKED_HOLDS && (shared ? l.ownedShared() : l.owned()); i++) {
            release(c, l, shared);
        }
    }

    /** Reports a lock leaked by user code and releases every hold the calling thread has on it. */
    private void releaseLeak(Callout c, CalloutLock l, String what) {
        cc.engine.handlerFailed(c, new IllegalStateException(what + ": " + c));
        releaseAll(c, l, false);
        releaseAll(c, l, true);
    }

    private void release(Callout c, CalloutLock clock, boolean shared) {
        try {
            if (shared) {
                clock.unlockShared();
            } else {
                clock.unlock();
            }
        } catch (RuntimeException | Error ex) {
            cc.engine.handlerFailed(c, ex);
        }
    }

    /** The completion path of softclock_call_cc (SPEC §5.5, §5.6). Called with {@link CalloutCpu#lock} held. */
    private void complete(Callout c, ExecEntity ent, int e, Object arg) {
        assert CalloutStates.holds(c, cc, "softclock_call_cc, after the handler");
        completeInvocation(c, ent, e, arg);
        assert CalloutStates.holds(c, cc, "softclock_call_cc, after the completion");
        if (cc.engine.isClosed()) {
            cc.drainCv.signalAll(); // close() may wait for this entity (CalloutClose)
        }
    }

    private void completeInvocation(Callout c, ExecEntity ent, int e, Object arg) {
        assert ent.curr == c : "softclock_call_cc: mishandled cc_curr";
        ent.curr = null;
        ent.thread = null;
        CalloutFunc<Object> drainFn = ent.drainFn;
        CompletableFuture<Void> drainFuture = ent.drainFuture;
        if (drainFn != null || drainFuture != null) {
            ent.drainFn = null;
            ent.drainFuture = null;
            ent.callbackThread = Thread.currentThread();
            cc.lock.unlock();
            try {
                if (drainFn != null) {
                    try {
                        drainFn.call(arg);
                    } catch (Throwable t) {
                        cc.engine.handlerFailed(c, t);
                    }
                    Thread.interrupted(); // as for a handler: see invoke
                }
                if (drainFuture != null) {
                    drainFuture.complete(null);
                }
            } finally {
                cc.lock.lock();
                ent.callbackThread = null;
            }
        }
        if (ent.waiting) {
            // Someone drains this callout: a recorded migration is cancelled.
            if (ent.migrating()) {
                CalloutStop.discardMigration(ent, c);
            }
            ent.waiting = false;
            cc.drainCv.signalAll();
        } else if (ent.migrating()) {
            CalloutCpu target = ent.migCpu;
            long time = ent.migTime;
            long prec = ent.migPrec;
            CalloutFunc<?> func = ent.migFunc;
            Object marg = ent.migArg;
            ent.clearMigration();
            if ((iflags(c) & CALLOUT_DFRMIGRATION) == 0) {
                return; // the deferred migration was stopped meanwhile
            }
            setIflagsRelease(c, iflags(c) & ~(CALLOUT_DFRMIGRATION | CALLOUT_PENDING));
            if (cc.engine.isClosed()) {
                // close() ran after the migration was recorded: it is forgotten, as close() forgets
                // every migration it finds (it may have passed this CPU while the lock was dropped).
                setFlagsRelease(c, flags(c) & ~CALLOUT_ACTIVE);
                return;
            }
            CalloutCpu to = cc.engine.cpuSwitch(c, cc, target);
            try {
                if (cc.engine.isClosed()) {
                    setFlagsRelease(c, flags(c) & ~CALLOUT_ACTIVE); // as above, checked under the target's lock
                } else {
                    to.ccAdd(c, time, prec, func, marg, e == 1 ? C_DIRECT_EXEC : 0);
                }
            } finally {
                to.lock.unlock();
                cc.lock.lock();
            }
        }
    }

}
