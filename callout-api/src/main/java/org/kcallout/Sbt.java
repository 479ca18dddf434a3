package org.kcallout;

import java.util.Locale;

/**
 * {@code sbintime_t}: signed 64-bit, 32.32 fixed-point seconds, as a {@code long}.
 *
 * <p>Conversions to sbintime round up (FreeBSD 13+ {@code ustosbt}, {@code mstosbt},
 * {@code nstosbt}), so that converting back, which truncates, gives the original value:
 * {@code sbttous(ustosbt(u)) == u}. Negative arguments are rejected, as FreeBSD asserts.
 * Additions that may overflow use {@link #add(long, long)}, which saturates at {@link #SBT_MAX};
 * conversions of values of 2^31 seconds or more saturate at {@link #SBT_MAX} too (FreeBSD wraps).
 * Compare two times by subtraction ({@code a - b < 0}), never with {@code <} on raw values that may
 * have wrapped (SPEC decision 9).
 */
public final class Sbt {
    private Sbt() {
    }

    /** One second. */
    public static final long SBT_1S = 1L << 32;
    /** One minute. */
    public static final long SBT_1M = SBT_1S * 60;
    /** One millisecond (truncated). */
    public static final long SBT_1MS = SBT_1S / 1000;
    /** One microsecond (truncated). */
    public static final long SBT_1US = SBT_1S / 1000000;
    /** One nanosecond (truncated, inexact: 4). */
    public static final long SBT_1NS = SBT_1S / 1000000000;
    /** The largest sbintime; "never". */
    public static final long SBT_MAX = 0x7fffffffffffffffL;

    /* ceil(2^63 / 10^k): multiply the sub-second part, add 2^31 - 1, shift right by 31. */
    private static final long CEIL_2_63_BY_1E3 = 9223372036854776L;
    private static final long CEIL_2_63_BY_1E6 = 9223372036855L;
    private static final long CEIL_2_63_BY_1E9 = 9223372037L;
    private static final long BIAS = 0x7fffffffL;
    /** Whole seconds that fit in an sbintime: 2^31 - 1. */
    private static final long MAX_WHOLE_SECONDS = Integer.MAX_VALUE;

    /**
     * Microseconds to sbintime, rounding up ({@code ustosbt}).
     *
     * @param us microseconds, {@code >= 0}
     * @return sbintime
     */
    public static long ustosbt(long us) {
        requireNonNegative("ustosbt", us);
        long sec = us / 1000000;
        if (sec > MAX_WHOLE_SECONDS) {
            return SBT_MAX; // FreeBSD wraps here; we saturate
        }
        return Sbt.add(sec * SBT_1S, (((us % 1000000) * CEIL_2_63_BY_1E6 + BIAS) >>> 31));
    }

    /**
     * Milliseconds to sbintime, rounding up ({@code mstosbt}).
     *
     * @param ms milliseconds, {@code >= 0}
     * @return sbintime
     */
    public static long mstosbt(long ms) {
        requireNonNegative("mstosbt", ms);
        long sec = ms / 1000;
        if (sec > MAX_WHOLE_SECONDS) {
            return SBT_MAX; // FreeBSD wraps here; we saturate
        }
        return Sbt.add(sec * SBT_1S, (((ms % 1000) * CEIL_2_63_BY_1E3 + BIAS) >>> 31));
    }

    /**
     * Nanoseconds to sbintime, rounding up ({@code nstosbt}).
     *
     * @param ns nanoseconds, {@code >= 0}
     * @return sbintime
     */
    public static long nstosbt(long ns) {
        requireNonNegative("nstosbt", ns);
        long sec = ns / 1000000000;
        if (sec > MAX_WHOLE_SECONDS) {
            return SBT_MAX; // FreeBSD wraps here; we saturate
        }
        return Sbt.add(sec * SBT_1S, (((ns % 1000000000) * CEIL_2_63_BY_1E9 + BIAS) >>> 31));
    }

    /**
     * sbintime to microseconds, truncating ({@code sbttous}).
     *
     * @param sbt sbintime, {@code >= 0}
     * @return microseconds
     */
    public static long sbttous(long sbt) {
        requireNonNegative("sbttous", sbt);
        return (sbt >>> 32) * 1000000 + (((sbt & 0xffffffffL) * 1000000) >>> 32);
    }

    /**
     * sbintime to milliseconds, truncating ({@code sbttoms}).
     *
     * @param sbt sbintime, {@code >= 0}
     * @return milliseconds
     */
    public static long sbttoms(long sbt) {
        requireNonNegative("sbttoms", sbt);
        return (sbt >>> 32) * 1000 + (((sbt & 0xffffffffL) * 1000) >>> 32);
    }

    /**
     * sbintime to nanoseconds, truncating ({@code sbttons}).
     *
     * @param sbt sbintime, {@code >= 0}
     * @return nanoseconds
     */
    public static long sbttons(long sbt) {
        requireNonNegative("sbttons", sbt);
        // frac < 2^32, so frac * 10^9 < 2^62: no overflow.
        return (sbt >>> 32) * 1000000000L + (((sbt & 0xffffffffL) * 1000000000L) >>> 32);
    }

    /**
     * {@code a + b}, saturating at {@link #SBT_MAX} (and at {@link Long#MIN_VALUE} below).
     *
     * @param a a time or interval
     * @param b an interval
     * @return the saturated sum
     */
    public static long add(long a, long b) {
        long r = a + b;
        // Overflow iff both operands have the sign opposite to the result's.
        if (((a ^ r) & (b ^ r)) < 0) {
            return r < 0 ? SBT_MAX : Long.MIN_VALUE;
        }
        return r;
    }

    /**
     * Formats an sbintime as seconds with nine decimals, for messages.
     *
     * @param sbt sbintime
     * @return for example {@code "1.500000000s"}
     */
    public static String format(long sbt) {
        if (sbt == SBT_MAX) {
            return "SBT_MAX";
        }
        String sign = sbt < 0 ? "-" : "";
        long v = sbt < 0 ? -sbt : sbt;
        if (v < 0) {
            return "SBT_MIN";
        }
        long ns = sbttons(v & 0xffffffffL);
        // Locale.ROOT: the default locale may format digits in another script (th-TH-u-nu-thai).
        return sign + (v >>> 32) + "." + String.format(Locale.ROOT, "%09d", ns) + "s";
    }

    private static void requireNonNegative(String fn, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(fn + ": argument must be >= 0, got " + v);
        }
    }
}
