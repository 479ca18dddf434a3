package org.kcallout.mdx;

import static org.kcallout.mdx.MdxCputime.UINT32_MAX;
import static org.kcallout.mdx.MdxCputime.checkUint32;

/**
 * A registered {@link MiTimer} and what {@link MdxCallouts#register(MiTimer)} read from it once:
 * MDEPX's global {@code mi_tmr}, without the per-CPU arrays (those are in {@link MdxCpu}), with the
 * checks of {@code mdx_callout_register} and the conversions of
 * {@code mdx_callout_usec_to_ticks}/{@code mdx_callout_ticks_to_usec}. Immutable; published
 * through a volatile field.
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

    /**
     * What {@code mdx_callout_register(mt)} records: {@code mt}'s limits and converters, with a
     * built-in microseconds-to-ticks converter if the driver gives none ({@link MdxCputime}: the
     * identity at 1 MHz, with its inverse; the generic truncating one otherwise, with no inverse).
     *
     * @return the timer, or null where MDEPX returns {@code MDX_ERROR} ({@code maxcnt} or
     *         {@code frequency} 0, or a {@link MiTimer.Struct} missing a function)
     * @throws IllegalArgumentException if {@code maxcnt} or {@code frequency} is not a uint32_t
     */
    static MdxTimer of(MiTimer mt) {
        // A Java MiTimer always has its three methods; only the C-shaped struct can lack one.
        if (mt instanceof MiTimer.Struct<?> && ((MiTimer.Struct<?>) mt).missingFunction()) {
            return null;
        }
        long maxcnt = mt.maxcnt();
        long frequency = mt.frequency();
        if (maxcnt == 0 || frequency == 0) {
            return null;
        }
        checkUint32("mdx_callout_register: maxcnt", maxcnt);
        checkUint32("mdx_callout_register: frequency", frequency);
        MiTimer.Converter u2t = mt.usecToTicks();
        MiTimer.Converter t2u = mt.ticksToUsec();
        if (u2t == null) {
            if (frequency == MdxCputime.USEC_PER_SEC) {
                u2t = MdxCputime::usecToTicks1mhz;
                if (t2u == null) {
                    t2u = MdxCputime::ticksToUsec1mhz;
                }
            } else {
                u2t = MdxCputime::usecToTicks;
            }
        }
        return new MdxTimer(mt, maxcnt, frequency, u2t, t2u);
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

    /**
     * The microseconds-to-ticks converter, for the function {@code fn} the user called: an overflow
     * is reported as that function's bad argument.
     */
    long convertUsec(String fn, long usec) {
        long v;
        try {
            v = usecToTicks.convert(frequency, usec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(fn + ": usec " + usec + " does not convert to ticks at " + frequency
                    + " Hz (" + e.getMessage() + ")", e);
        }
        return checkResult(fn, "usec_to_ticks", v);
    }

    /** The ticks-to-microseconds converter, for the function {@code fn}. */
    long convertTicks(String fn, long ticks) {
        checkTicksToUsec(fn);
        return checkResult(fn, "ticks_to_usec", ticksToUsec.convert(frequency, ticks));
    }

    /** Refuses, for the function {@code fn}, a timer without a ticks-to-microseconds converter. */
    void checkTicksToUsec(String fn) {
        if (ticksToUsec == null) {
            throw new IllegalStateException(fn + ": the timer (" + frequency + " Hz) has no ticks_to_usec "
                    + "converter");
        }
    }

    private static long checkResult(String fn, String converter, long v) {
        if (v < 0 || v > UINT32_MAX) {
            throw new IllegalStateException(fn + ": the timer's " + converter + " returned " + v
                    + ", not a uint32_t");
        }
        return v;
    }
}
