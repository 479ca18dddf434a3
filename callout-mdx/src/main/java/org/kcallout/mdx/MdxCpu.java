package org.kcallout.mdx;

import static org.kcallout.mdx.MdxCallout.CALLOUT_FLAG_ACTIVE;
import static org.kcallout.mdx.MdxCallout.CALLOUT_STATE_FIRED;
import static org.kcallout.mdx.MdxCallouts.MDX_OK;
import static org.kcallout.mdx.MdxCallouts.MI_TIMER_STATE_EXCEPTION;
import static org.kcallout.mdx.MdxCallouts.MI_TIMER_STATE_READY;
import static org.kcallout.mdx.MdxCallouts.MI_TIMER_STATE_RUNNING;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.locks.ReentrantLock;
import org.kcallout.CalloutFunc;

/**
 * One CPU of an {@link MdxCallouts} framework: its delta list of callouts, its spinlock, and its
 * slots of {@code mi_timer}'s per-CPU arrays ({@code count_saved[cpu]}, {@code state[cpu]}).
 */
final class MdxCpu {
    /* Implementation notes.
     *
     * Ports first/next, get_elapsed, mdx_callout_set_one, mdx_callout_cancel_locked and the body of
     * mdx_callout_callback (MDEPX kernel/callout/mdx_callout.c). Field ownership:
     *
     *   field       guard                               notes
     *   lock        -                                   MDEPX's per-CPU sl_lock; held by set (own
     *                                                   CPU), cancel (the callout's CPU) and the
     *                                                   callback for its whole batch, handlers included
     *   list        lock                                sentinel of the circular delta list
     *   countSaved  lock; read volatile by introspection the baseline: the count the head's delta is
     *                                                   measured from
     *   state       lock; read volatile by introspection MI_TIMER_STATE_*, transitions below
     *
     * Timer state machine (state[cpu]):
     *   READY     -> RUNNING    set on an idle CPU: fresh baseline, start(head)
     *   RUNNING   -> RUNNING    set with an empty list (after a cancel emptied it): fresh baseline
     *   RUNNING   -> EXCEPTION  callback with a non-empty list
     *   EXCEPTION -> RUNNING    end of the batch, list non-empty: exactly one start(head)
     *   EXCEPTION -> READY      end of the batch, list empty: stop()
     * EXCEPTION is only ever seen by the thread running the batch (everything happens under lock).
     *
     * Deltas. Each entry's ticks is its delay after the previous entry; the head's is after
     * countSaved. Entries are sorted by deadline, equal deadlines in arming order (an insert skips
     * every entry whose delta is <= its own). Deltas are longs: MDEPX keeps them in uint32_t and
     * ticks + elapsed can wrap for delays near 2^32; here nothing wraps. Inside a batch the head's
     * delta is made relative to the new baseline before any handler runs, so it can be <= 0 (due);
     * outside a batch every delta of an entry after the head is >= 0, and the head's is > 0 except
     * when its interrupt is pending (see setOne). Every algorithm below is written to be exact with
     * such deltas. */

    final int id;
    final ReentrantLock lock = new ReentrantLock();
    /** Sentinel of the delta list; guarded by lock. */
    @GuardedBy("lock")
    final MdxCallout list = new MdxCallout();
    /** count_saved[cpu]; written under lock, read volatile by introspection. */
    volatile long countSaved;
    /** state[cpu]; written under lock, read volatile by introspection. */
    volatile int state = MI_TIMER_STATE_READY;

    MdxCpu(int id) {
        this.id = id;
    }

    /** {@code first(cpuid)}: the head, or null. */
    @GuardedBy("lock")
    MdxCallout first() {
        return list.unlinked() ? null : list.next;
    }

    /** {@code next(cpuid, c)}: the entry after {@code c}, or null. */
    @GuardedBy("lock")
    MdxCallout next(MdxCallout c) {
        return c.next == list ? null : c.next;
    }

    /**
     * Elapsed counts from {@code saved} to {@code count} for a counter that wraps from
     * {@code maxcnt} to 0, exactly: {@code (count - saved) mod (maxcnt + 1)}, which is
     * {@code (count - saved) & maxcnt} when {@code maxcnt + 1} is a power of two.
     *
     * <p>Deviation (SPEC decision 8): MDEPX's {@code get_elapsed} returns
     * {@code maxcnt - saved + count} across a wrap ({@link #elapsedMdepx}), one count short: from
     * {@code saved} the counter needs {@code maxcnt - saved} counts to reach {@code maxcnt}, one more
     * to wrap to 0, then {@code count}. Like MDEPX's, the result is only meaningful if less than one
     * counter period ({@code maxcnt + 1} counts) passed; the framework keeps it so (see setOne).
     */
    static long elapsed(long count, long saved, long maxcnt) {
        return count >= saved ? count - saved : count + (maxcnt - saved) + 1;
    }

    /** What MDEPX's {@code get_elapsed} computes (since Dec 2023), for tests and documentation. */
    static long elapsedMdepx(long count, long saved, long maxcnt) {
        if (count == saved) {
            return 0;
        }
        return count > saved ? count - saved : maxcnt - saved + count;
    }

    /** Resets this CPU for a newly registered timer: READY, baseline 0 (the list is empty). */
    @GuardedBy("lock")
    void reset() {
        assert lock.isHeldByCurrentThread();
        assert first() == null : "registering with callouts queued on CPU " + id;
        state = MI_TIMER_STATE_READY;
        countSaved = 0;
    }

    /**
     * {@code mdx_callout_set_one}: queues {@code c0}, inactive and unlinked, for {@code ticks > 0}
     * counts from now, sets it ACTIVE, and programs the timer if the new entry is the first to
     * expire. Called with {@link #lock} held.
     */
    @GuardedBy("lock")
    void setOne(MdxTimer t, MdxCallout c0, long ticks) {
        assert lock.isHeldByCurrentThread();
        assert ticks > 0 && c0.unlinked() && !c0.active();
        final boolean fresh;
        switch (state) {
            case MI_TIMER_STATE_READY:
                assert first() == null : "CPU " + id + " READY with callouts queued";
                fresh = true;
                break;
            case MI_TIMER_STATE_RUNNING:
                // Deviation (decision 8, exact elapsed): with an empty list, after a cancel removed the
                // last entry, MDEPX stays RUNNING and measures from the old baseline, which can be more
                // than a counter period old by now. MDEPX then fires late; with the clamp below the
                // result would be exact but reached in two interrupts (the old baseline behaves as if
                // shifted by whole periods). An empty list has no deltas to keep consistent, so take a
                // fresh baseline instead: one interrupt, and start() gets MDEPX's argument (the ticks).
                fresh = first() == null;
                break;
            case MI_TIMER_STATE_EXCEPTION:
                fresh = false;
                break;
            default:
                throw new IllegalStateException("CPU " + id + ": bad mi_timer state " + state);
        }
        final long e;
        if (fresh) {
            countSaved = t.readCount();
            state = MI_TIMER_STATE_RUNNING;
            e = 0;
        } else {
            // RUNNING: as MDEPX, measure the new entry from the baseline (which stays unchanged).
            // EXCEPTION (set from a handler): deviation (decision 8, true deadline). MDEPX adds
            // nothing here, so an entry armed from a handler is measured from the batch's baseline
            // while the time spent in the batch so far is ignored; here the list is relative to the
            // batch's baseline too (callback rebases the head before the first handler runs), so
            // adding the counts elapsed since then gives the callout exactly its requested delay.
            e = elapsed(t.readCount(), countSaved, t.maxcnt);
        }
        c0.ticks = ticks + e;
        insert(c0);
        // MDEPX sets ACTIVE after set_one returns; nothing can observe the difference, except that a
        // driver whose start() throws leaves a queued callout ACTIVE here (cancellable), not orphaned.
        c0.setFlagsRelease(c0.flagsAcquire() | CALLOUT_FLAG_ACTIVE);
        if (fresh) {
            t.start(c0.ticks);
        } else if (state == MI_TIMER_STATE_RUNNING && first() == c0) {
            // MDEPX calls start(c0->ticks - elapsed), i.e. start(ticks), clamped to maxcnt from *now*.
            // Deviation (decision 8, exact elapsed): an interrupt more than maxcnt counts after the
            // baseline would make the next callback's elapsed count lose a whole counter period (a
            // long delay armed late in the interval). So the interrupt is placed no later than
            // baseline + maxcnt; a delay beyond that is reached in further steps, as any delay longer
            // than maxcnt is. Equal to MDEPX whenever ticks + e <= maxcnt.
            long room = t.maxcnt - e;
            if (room > 0) {
                t.start(Math.min(ticks, room));
            }
            // else e == maxcnt: the compare programmed for baseline + maxcnt matches at this very count,
            // its interrupt is pending, and the callback will re-arm for the new head.
        }
        // EXCEPTION: no start from inside the batch; the callback starts the timer once at its end.
    }

    /** Links {@code c0}, whose ticks is its delay after the baseline, at its place (FIFO on ties). */
    @GuardedBy("lock")
    private void insert(MdxCallout c0) {
        for (MdxCallout c = first(); c != null; c = next(c)) {
            if (c.ticks > c0.ticks) {
                c.ticks -= c0.ticks;
                c.linkBefore(c0);
                return;
            }
            c0.ticks -= c.ticks;
        }
        list.linkBefore(c0); // append
    }

    /**
     * {@code mdx_callout_cancel_locked} for an ACTIVE callout queued here: gives its delta to the next
     * entry, unlinks it and clears ACTIVE. Never reprograms the timer: if {@code c} was the head,
     * the interrupt still comes at the old compare match and the callback finds nothing due.
     */
    @GuardedBy("lock")
    int cancelLocked(MdxCallout c) {
        assert lock.isHeldByCurrentThread();
        assert c.active() && c.cpuidAcquire() == id && !c.unlinked();
        MdxCallout n = next(c);
        if (n != null) {
            n.ticks += c.ticks;
        }
        c.unlink();
        c.setFlagsRelease(c.flagsAcquire() & ~CALLOUT_FLAG_ACTIVE);
        return MDX_OK;
    }

    /**
     * The body of {@code mdx_callout_callback}, with {@link #lock} held by the caller for the whole
     * batch: fires every due entry in order and programs the timer once at the end.
     */
    @GuardedBy("lock")
    int callback(MdxTimer t, MdxCallouts owner) {
        assert lock.isHeldByCurrentThread();
        MdxCallout c = first();
        if (c == null) {
            // Step 1: nothing queued (a cancel emptied the list): no stop(), no state change.
            return MDX_OK;
        }
        // Step 2: elapsed since the baseline; the current count becomes the new baseline.
        long now = t.readCount();
        long e = elapsed(now, countSaved, t.maxcnt);
        countSaved = now;
        state = MI_TIMER_STATE_EXCEPTION;
        // Step 3. MDEPX walks the list with the remaining elapsed count in a local, subtracting each
        // fired delta and, at the first entry not due, subtracting the rest from it; a handler that
        // arms a callout meanwhile inserts against deltas not yet adjusted and can fire E ticks
        // early. Deviation (decision 8, true deadline): the head is made relative to the new
        // baseline first (delta <= 0 means due); when a due entry is unlinked its non-positive delta
        // is carried into the next entry, which is then relative to the new baseline in turn. The
        // list is thus exact before every handler runs and an insert from a handler lands exactly.
        // Without inserts this fires the same entries with the same resulting deltas as MDEPX.
        c.ticks -= e;
        while ((c = first()) != null && c.ticks <= 0) {
            MdxCallout n = next(c);
            if (n != null) {
                n.ticks += c.ticks;
            }
            c.unlink();
            // Copy the handler before clearing ACTIVE: from then on another CPU may re-arm c.
            CalloutFunc<?> func = c.func;
            Object arg = c.arg;
            c.ticks = 0;
            c.setStateRelease(CALLOUT_STATE_FIRED);
            c.setFlagsRelease(c.flagsAcquire() & ~CALLOUT_FLAG_ACTIVE);
            if (func != null) {
                owner.invoke(c, func, arg); // with lock held and state EXCEPTION, as in MDEPX
            }
        }
        // Step 4: exactly one start() or one stop() per batch.
        assert state == MI_TIMER_STATE_EXCEPTION : "CPU " + id + " left EXCEPTION inside its batch";
        c = first();
        if (c != null) {
            // Deviation (decision 8, true deadline): MDEPX calls start(head->ticks) with the baseline
            // taken at entry, ignoring the counts that passed while handlers ran. Rebase to the current
            // count so the interrupt comes at the head's true deadline, and so it is never more than
            // maxcnt after the baseline. An entry already overdue gets the earliest interrupt (1 count).
            long end = t.readCount();
            long spent = elapsed(end, countSaved, t.maxcnt);
            if (spent != 0) {
                countSaved = end;
                c.ticks -= spent;
            }
            state = MI_TIMER_STATE_RUNNING;
            t.start(c.ticks);
        } else {
            state = MI_TIMER_STATE_READY;
            t.mt.stop();
        }
        return MDX_OK;
    }

    /**
     * Ticks until {@code c} fires (for {@code mdx_callout_ticks}): the sum of the deltas up to and
     * including {@code c}, less the counts elapsed since the baseline; 0 if inactive or due.
     */
    @GuardedBy("lock")
    long remaining(MdxTimer t, MdxCallout c) {
        assert lock.isHeldByCurrentThread();
        if (!c.active() || c.cpuidAcquire() != id) {
            return 0;
        }
        long sum = 0;
        for (MdxCallout x = first(); x != null; x = next(x)) {
            sum += x.ticks;
            if (x == c) {
                if (state != MI_TIMER_STATE_READY) {
                    sum -= elapsed(t.readCount(), countSaved, t.maxcnt);
                }
                return Math.max(0, sum);
            }
        }
        throw new AssertionError("active callout not on its CPU's list: " + c);
    }
}
