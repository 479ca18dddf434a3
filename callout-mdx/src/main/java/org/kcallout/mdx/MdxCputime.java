package org.kcallout.mdx;

/**
 * MDEPX's built-in conversions between microseconds and timer ticks ({@code mdx_cputime_*}), used
 * by {@link MdxCallouts#register(MiTimer)} when the driver gives none.
 *
 * <p>All arguments and results are C {@code uint32_t}s carried in {@code long}s.
 */
public final class MdxCputime {
    /* Implementation notes: ports mdx_cputime_usec_to_ticks and its 1 MHz variants. The generic
     * conversion multiplies by a 32.32 fixed-point "ticks per microsecond" factor and truncates, so
     * short delays at low frequencies become 0 ticks; a callout armed for 0 ticks never fires
     * (MdxCallouts.setTicksLocked). MDEPX panics when the 64-bit product overflows; here that is an
     * IllegalArgumentException (SPEC decision 3). */

    /** The largest {@code uint32_t}. */
    static final long UINT32_MAX = 0xffff_ffffL;

    /** Microseconds per second. */
    public static final long USEC_PER_SEC = 1_000_000L;

    private MdxCputime() {
    }

    /**
     * {@code mdx_cputime_usec_to_ticks(freq, usec)}: {@code floor(((freq << 32) / 10^6) * usec >> 32)}
     * in unsigned 64-bit arithmetic. Truncates: at 32768 Hz, 30 µs is 0 ticks and 31 µs is 1.
     *
     * @param freq timer frequency in Hz, in {@code [0, 0xffffffff]}
     * @param usec microseconds, in {@code [0, 0xffffffff]}
     * @return ticks, in {@code [0, 0xffffffff]}
     * @throws IllegalArgumentException if an argument is out of range, or if the product overflows
     *                                  64 bits (MDEPX panics)
     */
    public static long usecToTicks(long freq, long usec) {
        checkUint32("mdx_cputime_usec_to_ticks: freq", freq);
        checkUint32("mdx_cputime_usec_to_ticks: usec", usec);
        // freq < 2^32, so freq << 32 < 2^64 is exact as an unsigned 64-bit value.
        long ticksPerUsec = Long.divideUnsigned(freq << 32, USEC_PER_SEC);
        // Both factors are below 2^63, so a non-zero high word is exactly an unsigned overflow.
        if (Math.multiplyHigh(ticksPerUsec, usec) != 0) {
            throw new IllegalArgumentException("mdx_cputime_usec_to_ticks: " + usec + " us at " + freq
                    + " Hz overflows the 64-bit product (MDEPX panics)");
        }
        // The product is below 2^64, so its high 32 bits fit in a uint32_t.
        return (ticksPerUsec * usec) >>> 32;
    }

    /**
     * {@code mdx_cputime_usec_to_ticks_1mhz}: the identity, for a 1 MHz timer.
     *
     * @param freq ignored, but a {@code uint32_t} in {@code [0, 0xffffffff]} as in C
     * @param usec microseconds, in {@code [0, 0xffffffff]}
     * @return {@code usec}
     * @throws IllegalArgumentException if {@code freq} or {@code usec} is out of range
     */
    public static long usecToTicks1mhz(long freq, long usec) {
        checkUint32("mdx_cputime_usec_to_ticks_1mhz: freq", freq);
        checkUint32("mdx_cputime_usec_to_ticks_1mhz: usec", usec);
        return usec;
    }

    /**
     * {@code mdx_cputime_ticks_to_usec_1mhz}: the identity, for a 1 MHz timer.
     *
     * @param freq  ignored, but a {@code uint32_t} in {@code [0, 0xffffffff]} as in C
     * @param ticks ticks, in {@code [0, 0xffffffff]}
     * @return {@code ticks}
     * @throws IllegalArgumentException if {@code freq} or {@code ticks} is out of range
     */
    public static long ticksToUsec1mhz(long freq, long ticks) {
        checkUint32("mdx_cputime_ticks_to_usec_1mhz: freq", freq);
        checkUint32("mdx_cputime_ticks_to_usec_1mhz: ticks", ticks);
        return ticks;
    }

    static void checkUint32(String what, long v) {
        if (v < 0 || v > UINT32_MAX) {
            throw new IllegalArgumentException(what + " must be a uint32_t in [0, 0xffffffff], got " + v);
        }
    }
}
