package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_SHAREDLOCK;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.lock;
import static org.kcallout.internal.CalloutAccess.next;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.Callout;
import org.kcallout.CalloutLock;
import org.kcallout.KMutex;
import org.kcallout.internal.Link;
import org.kcallout.wheel.seam.CpuThread;

/**
 * {@code close()} of a callout system, as {@code CalloutSystem.close()} specifies it. kern_timeout.c
 * has no counterpart (a kernel's callout layer lives as long as the kernel): this is the port's
 * lifecycle, kept apart from the ported C parts. Step 2 stops every callout as {@code callout_stop}
 * would (through {@link CalloutStop}'s steps), step 3 waits for the CPUs to be quiet and the threads
 * to end.
 */
final class CalloutClose {
    /* Implementation notes: stateless; the closed flag and its lock are CalloutEngine's (arms
     * re-check it under a CPU lock). Each per-CPU step takes that CPU's lock and follows the field
     * guards of CalloutCpu; complete() of SoftclockCallCc signals drainCv once the system is closed,
     * which is what step 3 waits on. */

    private CalloutClose() {
    }

    /**
     * {@code close()} of {@code e}. With threads that run softclock (the callout layer's or the
     * clock's), the threads end once their CPU is quiet; a call that waits (step 3) also waits for
     * them to end, except for a thread left blocked on a lock the caller holds. With a virtual
     * clock, an advance in progress returns after the handler it is running.
     */
    static void close(CalloutEngine e) {
        Thread self = Thread.currentThread();
        if (e.markClosed()) {
            // Step 2: stop everything pending, CPU by CPU. An arm racing with this either saw
            // closed under its CPU lock (and was refused) or is discarded here.
            for (int i = 0; i < e.ncpus(); i++) {
                discard(e.cpu(i));
            }
            e.clock.stop();
            shutdown(e.softclockThreads);
        }
        if (runsHandler(e, self)) {
            return; // step 3 does not apply to a handler: see CalloutSystem.close()
        }
        boolean[] leftBlocked = new boolean[e.ncpus()];
        for (int i = 0; i < e.ncpus(); i++) {
            leftBlocked[i] = awaitQuiet(e.cpu(i), self);
        }
        if (e.softclockThreads != null) {
            for (SoftclockThread t : e.softclockThreads) {
                if (t != self && !leftBlocked[t.cpu()]) {
                    CpuThread.joinUninterruptibly(t);
                }
            }
        }
        e.clock.awaitStopped(leftBlocked);
    }

    /** Asks each of {@code threads} (none if null) to end once its CPU is quiet. */
    static void shutdown(SoftclockThread[] threads) {
        if (threads != null) {
            for (SoftclockThread t : threads) {
                t.shutdown();
            }
        }
    }

    /** True if {@code t} is running a handler or a drain callback of {@code e}. */
    private static boolean runsHandler(CalloutEngine e, Thread t) {
        for (int i = 0; i < e.ncpus(); i++) {
            if (runsUserCode(e.cpu(i), t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if {@code t} runs a handler or a drain callback of {@code cc}. Racy reads of fields
     * guarded by {@code cc.lock}: only {@code t} itself stores {@code t} there and clears it, so an
     * equality with {@code t} cannot be stale.
     */
    private static boolean runsUserCode(CalloutCpu cc, Thread t) {
        for (ExecEntity ent : cc.exec) {
            if (ent.thread == t || ent.callbackThread == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * Step 2 on {@code cc}: stops every pending callout as {@code callout_stop} would (off the
     * wheel or the expire queue, PENDING and ACTIVE cleared), forgets recorded migrations, cancels
     * every dispatched invocation that has not started, and wakes the softclock thread. Takes the
     * lock.
     */
    private static void discard(CalloutCpu cc) {
        cc.lock.lock();
        try {
            for (Bucket head : cc.callwheel) {
                stopAll(cc, head);
            }
            stopAll(cc, cc.expireq);
            for (ExecEntity ent : cc.exec) {
                Callout c = ent.curr;
                if (c == null) {
                    continue;
                }
                if (ent.migrating() || (iflags(c) & CALLOUT_DFRMIGRATION) != 0) {
                    CalloutStop.discardMigration(ent, c);
                }
                // Exact only for a caller that holds the callout's lock (as for callout_stop); an
                // invocation that passed its cancel check already has cancel set, so this changes
                // nothing for it, and a callout without a lock never reads it. Written before
                // ACTIVE is cleared, so that whoever sees ACTIVE cleared can rely on the cancel.
                ent.cancel = true;
                CalloutStop.deactivate(cc, c); // as callout_stop of a running callout
                assert CalloutStates.holds(c, cc, "close");
            }
            cc.workCv.signalAll();
        } finally {
            cc.lock.unlock();
        }
    }

    /** Stops every callout on list {@code head} of {@code cc} (locked). */
    @GuardedBy("cc.lock")
    private static void stopAll(CalloutCpu cc, Link head) {
        for (Link n = next(head); n != head;) {
            Callout c = (Callout) n;
            n = next(n);
            CalloutStop.dequeue(cc, c); // as callout_stop: PROCESSED stays
            CalloutStop.deactivate(cc, c);
            assert CalloutStates.holds(c, cc, "close");
        }
    }

    /**
     * Step 3 on {@code cc}: waits until neither entity runs user code, except the caller's own and
     * an invocation that waits for a lock the caller holds, and user code parked on a {@code KMutex}
     * the caller holds. Takes the lock.
     *
     * @param self the closing thread
     * @return true if an invocation of this CPU is left waiting for a lock the caller holds (its
     *         thread ends only once the caller releases it)
     */
    private static boolean awaitQuiet(CalloutCpu cc, Thread self) {
        ExecEntity[] exec = cc.exec;
        boolean interrupted = false;
        cc.lock.lock();
        try {
            for (;;) {
                if (!mustWait(exec[0], self) && !mustWait(exec[1], self)) {
                    return blockedOnCallersLock(exec[0], self) || blockedOnCallersLock(exec[1], self)
                            || userCodeParkedOnCallersMutex(exec[0], self)
                            || userCodeParkedOnCallersMutex(exec[1], self);
                }
                // complete() signals once the system is closed; the timeout is for user code that
                // parks on a mutex of the caller's after we looked (no one signals that).
                try {
                    cc.drainCv.awaitNanos(QUIET_POLL_NANOS);
                } catch (InterruptedException e) {
                    interrupted = true; // as a kernel sleep: kept, and set again on return
                }
            }
        } finally {
            cc.lock.unlock();
            if (interrupted) {
                self.interrupt();
            }
        }
    }

    /** How often step 3 looks again at user code that may have parked on the caller's mutex: 1 ms. */
    private static final long QUIET_POLL_NANOS = 1_000_000L;

    private static boolean mustWait(ExecEntity ent, Thread self) {
        Thread cb = ent.callbackThread;
        if (cb != null && cb != self && !parkedOnCallersMutex(cb, self)) {
            return true;
        }
        return ent.curr != null && ent.thread != self && !blockedOnCallersLock(ent, self)
                && !parkedOnCallersMutex(ent.thread, self);
    }

    /**
     * True if {@code t}, running a handler or a drain callback, is parked on a {@link KMutex} that
     * {@code self} holds: it cannot return before {@code self} lets go, so close() must not wait
     * for it (it would wait for itself). Only a {@code KMutex} can be told; user code blocked on
     * another kind of lock that the caller holds still makes close() wait.
     */
    private static boolean parkedOnCallersMutex(Thread t, Thread self) {
        if (t == null || t == self) {
            return false;
        }
        KMutex m = KMutex.blockingMutexOf(t);
        return m != null && m.owner() == self;
    }

    /** {@link #parkedOnCallersMutex} for the handler or the drain callback running on {@code ent}. */
    private static boolean userCodeParkedOnCallersMutex(ExecEntity ent, Thread self) {
        return parkedOnCallersMutex(ent.thread, self) || parkedOnCallersMutex(ent.callbackThread, self);
    }

    /**
     * True if the invocation on {@code ent} has not started and needs a lock {@code self} holds:
     * it cannot start before {@code self} lets go (and close() cancelled it). Called with the lock.
     */
    private static boolean blockedOnCallersLock(ExecEntity ent, Thread self) {
        Callout c = ent.curr;
        if (c == null || lock(c) == null || ent.started || ent.thread == self) {
            return false;
        }
        CalloutLock l = lock(c);
        boolean sharedMode = (iflags(c) & CALLOUT_SHAREDLOCK) != 0 && l.supportsShared();
        return l.owned() || (!sharedMode && l.ownedShared());
    }
}
