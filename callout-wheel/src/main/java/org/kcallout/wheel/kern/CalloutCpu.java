package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_ACTIVE;
import static org.kcallout.CalloutFlags.CALLOUT_DIRECT;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.CalloutFlags.CALLOUT_PROCESSED;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.internal.CalloutAccess.addLast;
import static org.kcallout.internal.CalloutAccess.ccVolatile;
import static org.kcallout.internal.CalloutAccess.flags;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.isEmpty;
import static org.kcallout.internal.CalloutAccess.lock;
import static org.kcallout.internal.CalloutAccess.newList;
import static org.kcallout.internal.CalloutAccess.next;
import static org.kcallout.internal.CalloutAccess.precision;
import static org.kcallout.internal.CalloutAccess.prev;
import static org.kcallout.internal.CalloutAccess.setFlagsRelease;
import static org.kcallout.internal.CalloutAccess.setFuncArg;
import static org.kcallout.internal.CalloutAccess.setIflagsRelease;
import static org.kcallout.internal.CalloutAccess.setPrecision;
import static org.kcallout.internal.CalloutAccess.setTime;
import static org.kcallout.internal.CalloutAccess.time;
import static org.kcallout.internal.CalloutAccess.unlink;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.locks.Condition;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.Sbt;
import org.kcallout.internal.CpuRef;
import org.kcallout.internal.Link;

/**
 * Per-CPU callout state ({@code struct callout_cpu}): the callwheel, the expire queue, the two
 * execution entities, and the scan and dispatch code that runs on them.
 */
final class CalloutCpu extends CpuRef {
    /* Implementation notes.
     *
     * Ports callout_cc_add, callout_process and softclock of kern_timeout.c; softclock_call_cc is
     * SoftclockCallCc, one per CPU
     * (FreeBSD main). Field ownership, as kern_timeout.c's table:
     *
     *   field        guard               notes
     *   lock         -                   cc_lock; non-recursive use (never re-entered)
     *   callwheel    lock                Bucket sentinels (with their sorted flag); a callout on
     *                                    a bucket is WHEEL state
     *   expireq      lock                sentinel of the expire FIFO (EXPQ state)
     *   exec[0..1]   lock                softclock and direct entities; cancel is volatile (ExecEntity)
     *   ccNext       lock                next callout the direct scan examines (cc_exec_next_dir)
     *   ccBucket     lock                bucket index of that scan, -1 outside a scan
     *   firstevent   lock                earliest deadline reported to the clock (cc_firstevent)
     *   lastscan     lock                now of the previous scan (cc_lastscan)
     *   scanning     lock                a callout_process is under way (it drops the lock while a
     *                                    direct handler runs)
     *   drainCv      lock                the sleep queue of every cc_waiting on this CPU
     *   workCv       lock                the softclock thread sleeps here (real time only), also
     *                                    towards its own deadline when it keeps time
     *   live         lock                callouts on the wheel or expire queue below SBT_MAX (a
     *                                    virtual clock skips empty stretches when it is 0)
     *
     * Differences from FreeBSD, all deliberate and documented in SPEC decisions:
     *  - buckets are FIFO (tail insertion), so equal deadlines run in arming order (decision 4);
     *    because an arm into the bucket being scanned is appended, cc_next only needs redirecting
     *    when the scan has already reached the end of that bucket;
     *  - a handler's exception goes to the failure hook and the invocation completes normally
     *    (decision 5);
     *  - the drainers' sleep queue is a Condition of the CPU lock, so registering as a waiter and
     *    sleeping are atomic and there is no sleepq-lock restart dance;
     *  - the scan's window never reaches past one revolution of the previous scan's bucket (FreeBSD's
     *    wheels are always larger than its lookahead; ours may be as small as one bucket), never
     *    rounds down to or before now near SBT_MAX, and includes the final bucket when saturated;
     *    a callout whose time saturated at SBT_MAX means "never" and is not run;
     *  - lastscan starts at the clock's time when the system is built, not at 0;
     *  - a bucket whose list is in time order (Bucket.sorted) ends its part of the scan at the first
     *    callout that is neither due nor mergeable: same results, fewer reads;
     *  - a scan expires at most engine.scanBatch callouts (CalloutWheelBuilder#scanBatch) per hold
     *    of the lock: when more are due it sets lastscan to the time of the first one left, so the
     *    next scan starts from its bucket. calloutProcess() scans again at once until nothing due is
     *    left, which is FreeBSD's callout_process with the lock dropped between batches; a
     *    real-time softclock thread instead runs each batch's handlers before the next batch,
     *    while they are cache-warm (see SoftclockThread);
     *  - callout_process is not re-entered: FreeBSD's per-CPU interrupt cannot nest, but here a
     *    real-time CPU's softclock thread and the event thread's watchdog may both call it, and a
     *    direct handler may call it through calloutProcess(); a second caller returns at once
     *    (the running scan reports the next window), and a now older than lastscan is raised to it;
     *  - no invocation is lost to a lock held where it should not be: a
     *    thread that drives time while holding a due callout's lock is refused before the callout
     *    leaves its list (refuseHeldLock), a hold leaked by user code on one of our threads is
     *    released (driverHoldsLock), and a handler that returns holding its lock against its
     *    CALLOUT_RETURNUNLOCKED promise, or holding it more times than the dispatcher took it, is
     *    reported and released (invoke); FreeBSD leaves such a lock held;
     *  - each handler starts with a clear interrupt status (invoke);
     *  - close() stops and waits through CalloutClose.
     *
     * Time arithmetic: sbintime in the engine saturates and stays within [0, SBT_MAX] once clamped to
     * lastscan, where a < b and a - b < 0 agree; the 32-bit bucket hash wraps and is compared by
     * subtraction only (SPEC decision 9). */

    /** log2 of the bucket width: a bucket covers 2^24 sbt = 1/256 s (CC_HASH_SHIFT = 8). */
    static final int HASH_SHIFT = 32 - 8;
    /** Clears the offset within a bucket. */
    static final long BUCKET_MASK = -1L << HASH_SHIFT;

    final CalloutEngine engine;
    final CcLock lock = new CcLock();
    final Condition drainCv = lock.newCondition();
    final Condition workCv = lock.newCondition();
    final Bucket[] callwheel;
    final int mask;
    final Link expireq = newList();
    final ExecEntity[] exec = {new ExecEntity(), new ExecEntity()};
    @GuardedBy("lock")
    Link ccNext;
    @GuardedBy("lock")
    int ccBucket = -1;
    @GuardedBy("lock")
    long firstevent = SBT_MAX;
    @GuardedBy("lock")
    long lastscan;
    /** Callouts on the wheel or the expire queue that can still run (time below SBT_MAX); guarded by lock. */
    @GuardedBy("lock")
    int live;
    /** softclock_call_cc for this CPU's two entities. */
    final SoftclockCallCc dispatcher = new SoftclockCallCc(this);
    @GuardedBy("lock")
    boolean scanning;

    CalloutCpu(CalloutEngine engine, int cpuId, int callwheelSize) {
        super(cpuId);
        this.engine = engine;
        this.callwheel = new Bucket[callwheelSize];
        for (int i = 0; i < callwheelSize; i++) {
            callwheel[i] = new Bucket();
        }
        this.mask = callwheelSize - 1;
    }

    /** {@code callout_hash}: the 32-bit bucket number of a time, before masking. */
    static int hash(long sbt) {
        return (int) (sbt >> HASH_SHIFT);
    }

    /** {@return the execution entity that runs {@code c}: the direct one if its DIRECT bit is set} */
    ExecEntity execOf(Callout c) {
        return exec[(iflags(c) & CALLOUT_DIRECT) != 0 ? 1 : 0];
    }

    /**
     * The entity running {@code c} on this CPU, whichever it is, or null. Not always
     * {@link #execOf}: DIRECT may have been set by an arm made while the invocation ran on the other
     * entity (SPEC §5.10). A recorded migration lives on this entity. Called with {@link #lock} held.
     */
    ExecEntity runningEntityOf(Callout c) {
        if (exec[0].curr == c) {
            return exec[0];
        }
        return exec[1].curr == c ? exec[1] : null;
    }

    /** {@code callout_get_bucket}. */
    int bucket(long sbt) {
        return hash(sbt) & mask;
    }

    /**
     * {@code callout_cc_add}: links {@code c} into the wheel and reports a new earliest deadline to
     * the clock. Called with {@link #lock} held; {@code c} is on no list.
     */
    @GuardedBy("lock")
    void ccAdd(Callout c, long sbt, long precision, CalloutFunc<?> func, Object arg, int flags) {
        assert lock.isHeldByCurrentThread();
        assert isEmpty(c) : "callout_cc_add: callout already on a list";
        if (sbt < lastscan) {
            sbt = lastscan;
        }
        setFuncArg(c, func, arg);
        setTime(c, sbt);
        // Clip the window so that time + precision never overflows.
        if (precision > SBT_MAX - sbt) {
            precision = SBT_MAX - sbt;
        }
        setPrecision(c, precision);
        if (sbt != SBT_MAX) {
            live++;
        }
        int iflags = (iflags(c) | CALLOUT_PENDING) & ~CALLOUT_PROCESSED;
        if ((flags & C_DIRECT_EXEC) != 0) {
            iflags |= CALLOUT_DIRECT;
        }
        setIflagsRelease(c, iflags);
        setFlagsRelease(c, flags(c) | CALLOUT_ACTIVE);
        int b = bucket(sbt);
        Bucket head = callwheel[b];
        Link tail = prev(head); // addLast writes the tail anyway: reading its time is cheap
        if (tail == head) {
            head.sorted = true;
        } else if (sbt < time((Callout) tail)) {
            head.sorted = false;
        }
        addLast(head, c);
        if (b == ccBucket && ccNext == head) {
            // The direct scan already reached the end of this bucket: make it look at c next.
            ccNext = c;
        }
        long end = sbt + precision;
        if (end < firstevent) {
            firstevent = end;
            engine.clock.cpuNewCallout(cpuId, end, sbt);
        }
        assert CalloutStates.holds(c, this, "callout_cc_add");
    }

    /**
     * Removes a pending {@code c} from the wheel or the expire queue. Called with {@link #lock}
     * held. Flags are the caller's business.
     */
    @GuardedBy("lock")
    void unlinkPending(Callout c) {
        assert lock.isHeldByCurrentThread();
        assert ccVolatile(c) == this : "unlinking a callout of CPU " + c.cpu() + " under the lock of CPU " + cpuId;
        if (ccNext == c) {
            ccNext = next(c);
        }
        unlink(c);
        leave(c);
    }

    /** Bookkeeping of {@link #live} for a callout that left the wheel or the expire queue. */
    @GuardedBy("lock")
    private void leave(Callout c) {
        if (time(c) != SBT_MAX) {
            live--;
        }
    }

    /** True if nothing on this CPU can run: see {@link CalloutEngine#skipIdleTo}. Called with the lock. */
    @GuardedBy("lock")
    boolean idleLocked() {
        assert lock.isHeldByCurrentThread();
        return live == 0 && !scanning && next(expireq) == expireq;
    }

    /** {@link #process} result bit: the expire queue is non-empty afterwards. */
    static final int WORK = 1;
    /** {@link #process} result bit: the batch filled up before everything due was expired. */
    static final int MORE = 2;

    /**
     * {@code callout_process(now)}, one batch of it: moves callouts due at {@code now} to the expire
     * queue (or runs them, if direct), at most {@code engine.scanBatch} of them (SPEC §6).
     *
     * <p>If everything due fits, the next event window goes to the clock, as in FreeBSD. Otherwise
     * {@link #MORE} is returned and lastscan marks where to go on; with {@code reportMore} the clock
     * is also told of an event at {@code now}, so that whoever processes this CPU comes back at once
     * (the softclock thread, after running the batch); without it the caller calls again itself.
     *
     * @param now        the current time
     * @param reportMore whether a full batch asks the clock for an immediate event
     * @return {@link #WORK} and {@link #MORE} bits
     */
    int process(long now, boolean reportMore) {
        lock.lock();
        try {
            if (scanning) {
                // A direct handler of this scan, or a second clock thread, got here while the scan
                // dropped the lock: the running scan reports the next window when it ends.
                return isEmpty(expireq) ? 0 : WORK;
            }
            if (now < lastscan) {
                now = lastscan; // a caller that read the clock before the previous scan
            }
            scanning = true;
            try {
                return scanLocked(now, reportMore);
            } finally {
                scanning = false;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The body of {@link #process}: called with {@link #lock} held and {@link #scanning} set. */
    @GuardedBy("lock")
    private int scanLocked(long now, boolean reportMore) {
        long prevscan = lastscan;
        int firstb = hash(prevscan);
        lastscan = now;
        int nowb = hash(now);
        // How far ahead to look for events that can share this interrupt.
        long lookahead;
        if (nowb == firstb) {
            lookahead = SBT_1S / 16;
        } else if (nowb - firstb == 1) {
            lookahead = SBT_1S / 8;
        } else {
            lookahead = SBT_1S;
        }
        long first = Sbt.add(now, lookahead / 2);
        long end = Sbt.add(now, lookahead);
        // Round down to a bucket boundary, except when saturated: in the last bucket before
        // SBT_MAX rounding would give last <= now and a storm of interrupts at one instant.
        long last = end == SBT_MAX ? SBT_MAX : end & BUCKET_MASK;
        // The scan visits buckets firstb.. in index order, which is time order only within one
        // revolution of firstb's bucket. FreeBSD's wheels are always larger than its 1 s
        // lookahead; ours may be smaller, so the window ends within one revolution (after a gap
        // longer than a revolution that is before now, and the next scan comes at once).
        long revolutionEnd = Sbt.add(prevscan & BUCKET_MASK, (long) callwheel.length << HASH_SHIFT);
        if (revolutionEnd < last) {
            last = revolutionEnd;
        }
        if (first > last) {
            first = last;
        }
        // Normally last is a bucket boundary and its bucket belongs to the next window; a
        // saturated last lies inside the final bucket, which must be scanned too.
        int lastb = last == SBT_MAX ? hash(SBT_MAX) : hash(last) - 1;
        long max = last;
        // Scan a whole revolution at most once.
        if (Integer.compareUnsigned(lastb - firstb, callwheel.length) >= 0) {
            lastb = firstb + callwheel.length - 1;
            if (Integer.compareUnsigned(nowb - firstb, callwheel.length) >= 0) {
                nowb = lastb;
            }
        }
        // Buckets firstb..nowb hold what is due; nowb+1..lastb what may be aggregated.
        int budget = engine.scanBatch;
        long stoppedAt = -1; // the time of the first due callout left for the next scan
        Callout refused = null; // a direct callout whose lock the driving thread holds
        scan:
        do {
            int b = firstb & mask;
            Bucket head = callwheel[b];
            Link n = next(head);
            while (n != head) {
                Callout c = (Callout) n;
                long t = time(c);
                if (t <= now) {
                    assert CalloutStates.holds(c, this, "callout_process") && (iflags(c) & CALLOUT_PROCESSED) == 0
                            : "callout_process: PROCESSED on a wheel bucket: " + c;
                    if (--budget < 0) {
                        stoppedAt = t;
                        break scan;
                    }
                    if ((iflags(c) & CALLOUT_DIRECT) != 0) {
                        CalloutLock l = lock(c);
                        if (l != null && driverHoldsLock(c, l)) {
                            refused = c; // left in its bucket; the scan ends as if the batch were full
                            stoppedAt = t;
                            break scan;
                        }
                        ccNext = next(c);
                        ccBucket = b;
                        unlink(c);
                        leave(c);
                        dispatch(c, 1);
                        n = ccNext;
                    } else {
                        n = next(c);
                        unlink(c);
                        addLast(expireq, c);
                        setIflagsRelease(c, iflags(c) | CALLOUT_PROCESSED);
                    }
                    continue;
                }
                n = next(c);
                if (t >= max) {
                    if (head.sorted) {
                        break; // everything after c is as late: a later revolution too
                    }
                    continue; // a later revolution
                }
                if (t > last) {
                    lastb = nowb; // cannot be merged: stop looking further ahead
                    if (head.sorted) {
                        break; // and nothing after c can be merged either
                    }
                    continue;
                }
                if (t < first) {
                    first = t;
                }
                long tmax = t + precision(c);
                if (tmax < last) {
                    last = tmax;
                }
            }
            firstb++;
        } while (firstb - lastb <= 0);
        ccBucket = -1;
        ccNext = null;
        int result = 0;
        if (stoppedAt >= 0) {
            // The batch is full: the next scan starts from the bucket of the callout we stopped at
            // (its time is in [prevscan, now]), and comes at once.
            lastscan = Math.max(prevscan, stoppedAt);
            result = MORE;
            if (reportMore) {
                firstevent = now;
                engine.clock.cpuNewCallout(cpuId, now, now);
            }
        } else {
            firstevent = last;
            engine.clock.cpuNewCallout(cpuId, last, first);
        }
        if (!isEmpty(expireq)) {
            workCv.signal();
            result |= WORK;
        }
        if (refused != null) {
            throw refuseHeldLock(refused);
        }
        return result;
    }

    /**
     * {@code softclock}: runs the expire queue until it is empty, on the calling thread. Called with
     * {@link #lock} held.
     *
     * @return the number of callouts dispatched
     */
    @GuardedBy("lock")
    int softclockLocked() {
        assert lock.isHeldByCurrentThread();
        int n = 0;
        Link head = expireq;
        while (next(head) != head) {
            Callout c = (Callout) next(head);
            assert CalloutStates.holds(c, this, "softclock") && (iflags(c) & CALLOUT_PROCESSED) != 0
                    : "softclock: no PROCESSED on the expire queue: " + c;
            CalloutLock l = lock(c);
            if (l != null && driverHoldsLock(c, l)) {
                throw refuseHeldLock(c);
            }
            unlink(c);
            leave(c);
            dispatch(c, 0);
            n++;
        }
        return n;
    }

    /* The dispatcher's methods called with the lock held. dispatcher.cc is this, which the
     * GuardedBy checker cannot tell: these forwarders say it once (each is a single call). */

    /** {@link SoftclockCallCc#driverHoldsLock}, with the lock held. */
    @GuardedBy("lock")
    @SuppressWarnings("GuardedBy") // dispatcher.cc == this: its guard cc.lock is this.lock
    private boolean driverHoldsLock(Callout c, CalloutLock l) {
        return dispatcher.driverHoldsLock(c, l);
    }

    /** {@link SoftclockCallCc#refuseHeldLock}, with the lock held. */
    @GuardedBy("lock")
    @SuppressWarnings("GuardedBy") // dispatcher.cc == this: its guard cc.lock is this.lock
    private IllegalStateException refuseHeldLock(Callout c) {
        return dispatcher.refuseHeldLock(c);
    }

    /** {@link SoftclockCallCc#dispatch}, with the lock held (it drops and retakes it). */
    @GuardedBy("lock")
    @SuppressWarnings("GuardedBy") // dispatcher.cc == this: its guard cc.lock is this.lock
    private void dispatch(Callout c, int e) {
        dispatcher.dispatch(c, e);
    }

    /** True if {@code c} is linked in bucket {@code b} (for tests); takes the lock. */
    boolean inBucket(Callout c, int b) {
        lock.lock();
        try {
            Link head = callwheel[b];
            for (Link n = next(head); n != head; n = next(n)) {
                if (n == c) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Number of callouts on the wheel and the expire queue (for tests and diagnostics); takes the lock. */
    int pendingCount() {
        lock.lock();
        try {
            int n = 0;
            for (Link head : callwheel) {
                for (Link x = next(head); x != head; x = next(x)) {
                    n++;
                }
            }
            for (Link x = next(expireq); x != expireq; x = next(x)) {
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }
}
