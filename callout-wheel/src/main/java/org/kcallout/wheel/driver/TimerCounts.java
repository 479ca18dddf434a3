package org.kcallout.wheel.driver;

import static org.kcallout.Sbt.SBT_MAX;

/**
 * Conversions between sbintime and counts of a timer oscillator of {@code f} Hz, exact (no
 * floating point) for {@code 1 <= f < 2^31} and {@code 0 <= sbt}. Rounding is named in each method:
 * a delay programmed into hardware is rounded up, so that an event never comes early.
 */
public final class TimerCounts {
    /* Implementation notes: sbintime is 32.32 fixed point, so sbt * f / 2^32 splits into whole
     * seconds (sbt >>> 32, below 2^31) times f plus the fraction (below 2^32) times f shifted
     * down; with f below 2^31 neither product reaches 2^63. The other way, counts / f whole seconds
     * and the remainder (below f) times 2^32 over f, likewise below 2^63. */

    /** The largest frequency these conversions accept (exclusive). */
    public static final long MAX_FREQUENCY = 1L << 31;

    private TimerCounts() {
    }

    /**
     * Checks a frequency for these conversions.
     *
     * @param what for the message
     * @param f    Hz
     * @return {@code f}
     * @throws IllegalArgumentException unless {@code 1 <= f < 2^31}
     */
    public static long checkFrequency(String what, long f) {
        if (f < 1 || f >= MAX_FREQUENCY) {
            throw new IllegalArgumentException(what + ": frequency must be in [1, 2^31) Hz, got " + f);
        }
        return f;
    }

    /** {@return {@code ceil(sbt * f / 2^32)}: the counts needed to wait at least {@code sbt}} */
    public static long sbtToCountsCeil(long sbt, long f) {
        assert sbt >= 0 && f >= 1 && f < MAX_FREQUENCY : "sbt " + sbt + ", f " + f;
        long whole = (sbt >>> 32) * f;
        long frac = ((sbt & 0xffffffffL) * f + 0xffffffffL) >>> 32;
        return whole + frac;
    }

    /** {@return {@code floor(sbt * f / 2^32)}: the counts that have fully elapsed in {@code sbt}} */
    public static long sbtToCountsFloor(long sbt, long f) {
        assert sbt >= 0 && f >= 1 && f < MAX_FREQUENCY : "sbt " + sbt + ", f " + f;
        return (sbt >>> 32) * f + (((sbt & 0xffffffffL) * f) >>> 32);
    }

    /** {@return {@code ceil(counts * 2^32 / f)}, saturating at SBT_MAX: when {@code counts} have elapsed} */
    public static long countsToSbtCeil(long counts, long f) {
        assert counts >= 0 && f >= 1 && f < MAX_FREQUENCY : "counts " + counts + ", f " + f;
        long secs = counts / f;
        if (secs >= (1L << 31)) {
            return SBT_MAX;
        }
        long rem = counts % f;
        return (secs << 32) + ((rem << 32) + f - 1) / f;
    }

    /** {@return {@code floor(counts * 2^32 / f)}, saturating at SBT_MAX} */
    public static long countsToSbtFloor(long counts, long f) {
        assert counts >= 0 && f >= 1 && f < MAX_FREQUENCY : "counts " + counts + ", f " + f;
        long secs = counts / f;
        if (secs >= (1L << 31)) {
            return SBT_MAX;
        }
        long rem = counts % f;
        return (secs << 32) + (rem << 32) / f;
    }
}
