package org.kcallout.mdx;

import static org.kcallout.mdx.MdxCputime.UINT32_MAX;

/**
 * A registered {@link MiTimer} and what {@link MdxCallouts#register(MiTimer)} read from it once:
 * MDEPX's global {@code mi_tmr}, without the per-CPU arrays (those are in {@link MdxCpu}).
 * Immutable; published through a volatile field.
 */
final class MdxTimer {
    final MiTimer mt;
    final long maxcnt;
    final long frequency;
    final MiTimer.Converter usecToTicks;
    final MiTimer.Converter ticksToUsec; // null when there is none

    MdxTimer(MiTimer mt, long maxcnt, long frequency, MiTimer.Converter usecToTicks,
            MiTimer.Converter ticksToUsec) {
        this.mt = mt;
        this.maxcnt = maxcnt;
        this.frequency = frequency;
        this.usecToTicks = usecToTicks;
        this.ticksToUsec = ticksToUsec;
    }

    /** {@code mt->count(mt->arg)}, as a uint32_t, checked against maxcnt. */
    long readCount() {
        long v = mt.count() & UINT32_MAX;
        if (v > maxcnt) {
            throw new IllegalStateException("MiTimer.count() returned " + v + ", above maxcnt " + maxcnt);
        }
        return v;
    }

    /**
     * {@code mi_tmr_start}: clamps to {@code maxcnt} (a longer delay is reached in several
     * interrupts) and, unlike MDEPX, to at least 1 (a head already overdue at the end of a batch
     * whose handlers ran long gets the earliest interrupt).
     */
    void start(long ticks) {
        mt.start(Math.max(1, Math.min(ticks, maxcnt)));
    }
}
