package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link Sbt}: constants (SPEC §1), decimal conversions, saturating addition, formatting. */
final class SbtTest {

    /** Seconds that still fit in an sbintime: 2^31 - 1 (about 68 years). */
    private static final long MAX_SECONDS = Integer.MAX_VALUE;
    /** Random values per conversion in the seeded round-trip tests. */
    private static final int RANDOM_VALUES = 100_000;
    private static final long SEED = Long.getLong("kcallout.seed", System.nanoTime());

    /* ---------------------------------------------------------------------------------------- */
    /* Constants                                                                                 */

    @Test
    void constants_spec1_haveExactValues() {
        assertEquals(4294967296L, Sbt.SBT_1S);
        assertEquals(60L * 4294967296L, Sbt.SBT_1M);
        assertEquals(4294967L, Sbt.SBT_1MS);
        assertEquals(4294L, Sbt.SBT_1US);
        assertEquals(4L, Sbt.SBT_1NS);
        assertEquals(0x7fffffffffffffffL, Sbt.SBT_MAX);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Round trips                                                                               */

    @Test
    void ustosbt_edgeValues_roundTrip() {
        for (long us : edgeValues(1_000_000L)) {
            assertEquals(us, Sbt.sbttous(Sbt.ustosbt(us)), "us=" + us);
        }
    }

    @Test
    void mstosbt_edgeValues_roundTrip() {
        for (long ms : edgeValues(1_000L)) {
            assertEquals(ms, Sbt.sbttoms(Sbt.mstosbt(ms)), "ms=" + ms);
        }
    }

    @Test
    void nstosbt_edgeValues_roundTrip() {
        for (long ns : edgeValues(1_000_000_000L)) {
            assertEquals(ns, Sbt.sbttons(Sbt.nstosbt(ns)), "ns=" + ns);
        }
    }

    @Test
    void ustosbt_randomValues_roundTrip() {
        randomRoundTrip("us", 1_000_000L, Sbt::ustosbt, Sbt::sbttous);
    }

    @Test
    void mstosbt_randomValues_roundTrip() {
        randomRoundTrip("ms", 1_000L, Sbt::mstosbt, Sbt::sbttoms);
    }

    @Test
    void nstosbt_randomValues_roundTrip() {
        randomRoundTrip("ns", 1_000_000_000L, Sbt::nstosbt, Sbt::sbttons);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Rounding                                                                                  */

    @Test
    void ustosbt_one_roundsUp() {
        // 2^32 / 10^6 = 4294.967...
        assertEquals(4295L, Sbt.ustosbt(1));
    }

    @Test
    void mstosbt_one_roundsUp() {
        // 2^32 / 10^3 = 4294967.296
        assertEquals(4294968L, Sbt.mstosbt(1));
    }

    @Test
    void nstosbt_one_roundsUp() {
        // 2^32 / 10^9 = 4.29...
        assertEquals(5L, Sbt.nstosbt(1));
    }

    @Test
    void toSbt_wholeSeconds_areExact() {
        assertEquals(Sbt.SBT_1S, Sbt.ustosbt(1_000_000L));
        assertEquals(Sbt.SBT_1S, Sbt.mstosbt(1_000L));
        assertEquals(Sbt.SBT_1S, Sbt.nstosbt(1_000_000_000L));
        assertEquals(MAX_SECONDS * Sbt.SBT_1S, Sbt.nstosbt(MAX_SECONDS * 1_000_000_000L));
    }

    /**
     * FreeBSD's ceil constants never round down, and overshoot the exact ceiling by at most one
     * unit (the +2^31-1 bias is an approximation); the round trip holds either way.
     */
    @Test
    void toSbt_randomValues_neverBelowExactValueAndAtMostOneAboveCeiling() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < RANDOM_VALUES; i++) {
            long us = rnd.nextLong(MAX_SECONDS * 1_000_000L);
            long ms = rnd.nextLong(MAX_SECONDS * 1_000L);
            long ns = rnd.nextLong(MAX_SECONDS * 1_000_000_000L);
            assertCeil("ustosbt", us, 1_000_000L, Sbt.ustosbt(us));
            assertCeil("mstosbt", ms, 1_000L, Sbt.mstosbt(ms));
            assertCeil("nstosbt", ns, 1_000_000_000L, Sbt.nstosbt(ns));
        }
    }

    @Test
    void fromSbt_subUnitRemainder_truncates() {
        assertEquals(0L, Sbt.sbttous(Sbt.SBT_1US));      // 4294 < 2^32 / 10^6
        assertEquals(0L, Sbt.sbttoms(Sbt.SBT_1MS));      // 4294967 < 2^32 / 10^3
        assertEquals(0L, Sbt.sbttons(Sbt.SBT_1NS));      // 4 < 2^32 / 10^9
        assertEquals(1L, Sbt.sbttons(5));
        assertEquals(999L, Sbt.sbttoms(Sbt.SBT_1S - 1));
        assertEquals(1L, Sbt.sbttous(Sbt.ustosbt(1)));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Negative arguments                                                                        */

    @Test
    void conversions_negativeArgument_throwNamingValue() {
        assertNegativeRejected("ustosbt", Sbt::ustosbt);
        assertNegativeRejected("mstosbt", Sbt::mstosbt);
        assertNegativeRejected("nstosbt", Sbt::nstosbt);
        assertNegativeRejected("sbttous", Sbt::sbttous);
        assertNegativeRejected("sbttoms", Sbt::sbttoms);
        assertNegativeRejected("sbttons", Sbt::sbttons);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* add                                                                                       */

    @Test
    void add_overflowPastMax_saturatesAtSbtMax() {
        assertEquals(Sbt.SBT_MAX, Sbt.add(Sbt.SBT_MAX, 1));
        assertEquals(Sbt.SBT_MAX, Sbt.add(Sbt.SBT_MAX - 5, 10));
        assertEquals(Sbt.SBT_MAX, Sbt.add(Sbt.SBT_MAX, Sbt.SBT_MAX));
        assertEquals(Sbt.SBT_MAX, Sbt.add(1, Sbt.SBT_MAX));
    }

    @Test
    void add_overflowPastMin_saturatesAtLongMinValue() {
        assertEquals(Long.MIN_VALUE, Sbt.add(Long.MIN_VALUE, -1));
        assertEquals(Long.MIN_VALUE, Sbt.add(Long.MIN_VALUE + 5, -10));
        assertEquals(Long.MIN_VALUE, Sbt.add(Long.MIN_VALUE, Long.MIN_VALUE));
    }

    @Test
    void add_justAtTheLimits_isExact() {
        assertEquals(Sbt.SBT_MAX, Sbt.add(Sbt.SBT_MAX - 1, 1));
        assertEquals(Sbt.SBT_MAX - 1, Sbt.add(Sbt.SBT_MAX, -1));
        assertEquals(Long.MIN_VALUE, Sbt.add(Long.MIN_VALUE + 1, -1));
        assertEquals(Long.MIN_VALUE + 1, Sbt.add(Long.MIN_VALUE, 1));
        assertEquals(-1L, Sbt.add(Long.MIN_VALUE, Sbt.SBT_MAX));
        assertEquals(0L, Sbt.add(0, 0));
    }

    @Test
    void add_randomOperands_matchesClampedExactSum() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        BigInteger max = BigInteger.valueOf(Long.MAX_VALUE);
        BigInteger min = BigInteger.valueOf(Long.MIN_VALUE);
        for (int i = 0; i < RANDOM_VALUES; i++) {
            // Mix full-range operands (overflow likely) with small intervals (overflow rare).
            long a = rnd.nextLong();
            long b = (i & 1) == 0 ? rnd.nextLong() : rnd.nextLong(-Sbt.SBT_1M, Sbt.SBT_1M);
            BigInteger exact = BigInteger.valueOf(a).add(BigInteger.valueOf(b));
            long expected = exact.max(min).min(max).longValue();
            assertEquals(expected, Sbt.add(a, b), "seed=" + SEED + " a=" + a + " b=" + b);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* format                                                                                    */

    @Test
    void format_values_showSecondsWithNineDecimals() {
        assertEquals("0.000000000s", Sbt.format(0));
        assertEquals("1.000000000s", Sbt.format(Sbt.SBT_1S));
        assertEquals("1.500000000s", Sbt.format(Sbt.SBT_1S + Sbt.SBT_1S / 2));
        assertEquals("60.000000000s", Sbt.format(Sbt.SBT_1M));
        assertEquals("0.000999999s", Sbt.format(Sbt.SBT_1MS));   // SBT_1MS is truncated
        assertEquals("-1.000000000s", Sbt.format(-Sbt.SBT_1S));
        assertEquals("-0.500000000s", Sbt.format(-Sbt.SBT_1S / 2));
    }

    @Test
    void format_extremes_useSymbolicNames() {
        assertEquals("SBT_MAX", Sbt.format(Sbt.SBT_MAX));
        assertEquals("SBT_MIN", Sbt.format(Long.MIN_VALUE));
        assertEquals("-2147483647.999999999s", Sbt.format(Long.MIN_VALUE + 1));
    }

    @Test
    void format_localeWithNativeDigits_printsAsciiDigits() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("th-TH-u-nu-thai"));
            assertEquals("1.500000000s", Sbt.format(Sbt.SBT_1S + Sbt.SBT_1S / 2));
        } finally {
            Locale.setDefault(saved);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Helpers                                                                                   */

    /** 0, 1, the values around each decade boundary up to one second, and large values. */
    private static long[] edgeValues(long perSecond) {
        return new long[] {
            0, 1, 2, 9, 10, 99, 100, 999, 1_000, 1_001, 999_999, 1_000_000, 1_000_001,
            999_999_999, 1_000_000_000, 1_000_000_001,
            perSecond - 1, perSecond, perSecond + 1, 2 * perSecond - 1,
            1_000_000_000_000L,
            Math.min(1_000_000_000_000_000L, MAX_SECONDS * perSecond),
            MAX_SECONDS * perSecond - 1, MAX_SECONDS * perSecond, MAX_SECONDS * perSecond + perSecond - 1,
        };
    }

    private static void randomRoundTrip(String unit, long perSecond, LongUnaryOperator toSbt,
                                        LongUnaryOperator fromSbt) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < RANDOM_VALUES; i++) {
            // Alternate between any representable value and a sub-second one, so the fraction
            // arithmetic is exercised densely as well as the whole-second part.
            long v = (i & 1) == 0 ? rnd.nextLong(MAX_SECONDS * perSecond) : rnd.nextLong(perSecond);
            long back = fromSbt.applyAsLong(toSbt.applyAsLong(v));
            if (back != v) {
                assertEquals(v, back, "seed=" + SEED + " (-Dkcallout.seed to replay) " + unit + "=" + v);
            }
        }
    }

    private static void assertCeil(String fn, long v, long perSecond, long sbt) {
        BigInteger[] qr = BigInteger.valueOf(v).shiftLeft(32).divideAndRemainder(BigInteger.valueOf(perSecond));
        long ceil = qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
        assertTrue(sbt == ceil || sbt == ceil + 1,
                () -> "seed=" + SEED + " " + fn + "(" + v + ") = " + sbt + ", exact ceiling " + ceil);
    }

    private static void assertNegativeRejected(String fn, LongUnaryOperator op) {
        for (long v : new long[] {-1, -1_000_000, Long.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> op.applyAsLong(v),
                    fn + "(" + v + ")");
            assertTrue(e.getMessage().contains(fn) && e.getMessage().contains(Long.toString(v)),
                    () -> "message should name " + fn + " and " + v + ": " + e.getMessage());
        }
    }

    @Test
    void conversions_beyondTwoToThe31Seconds_saturateAtSbtMax() {
        assertEquals(Sbt.SBT_MAX, Sbt.mstosbt(1_000L * (1L << 31)));
        assertEquals(Sbt.SBT_MAX, Sbt.ustosbt(1_000_000L * (1L << 31)));
        assertEquals(Sbt.SBT_MAX, Sbt.nstosbt(Long.MAX_VALUE));
        assertEquals(Sbt.SBT_MAX, Sbt.mstosbt(Long.MAX_VALUE));
        long justBelow = 1_000L * Integer.MAX_VALUE + 999;
        assertTrue(Sbt.mstosbt(justBelow) > 0, "2^31 - 1 s + 999 ms still converts");
    }
}
