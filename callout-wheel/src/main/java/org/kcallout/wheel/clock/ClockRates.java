package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_1S;

import org.kcallout.et.EventTimer;

/**
 * The rate arithmetic of {@code kern_clocksource.c} (SPEC §8.3, "Rates" and {@code round_freq}):
 * pure functions of a timer's description and the requested rates, kept apart so that they can be
 * tested exhaustively without a running clock.
 */
final class ClockRates {
    /* Implementation notes: ports round_freq, the singlemul default and the rate block of
     * cpu_initclocks_bsp, and setuptimer's choice of the timer frequency. Frequencies are ints as in
     * C; intermediate products that C computes in uint64_t are longs here. */

    /** stathz is kept near this rate (cpu_initclocks_bsp's "neighborhood of 128hz"). */
    static final int STATHZ_TARGET = 128;
    /** profhz does not exceed this: 128 * 64. */
    static final int PROFHZ_LIMIT = 128 * 64;
    /** The largest singlemul (kern.eventtimer.singlemul); 0 or anything out of 1..20 means "choose". */
    static final int SINGLEMUL_MAX = 20;

    private ClockRates() {
    }

    /**
     * The rates a clock source runs at: {@code hz} (hardclock), {@code stathz}, {@code profhz} and
     * the periodic multiplier {@code singlemul}.
     *
     * @param hz        hardclock rate
     * @param stathz    statclock rate
     * @param profhz    profclock rate
     * @param singlemul timer interrupts per hardclock in periodic mode
     */
    record Rates(int hz, int stathz, int profhz, int singlemul) {
    }

    /**
     * {@code SBT2FREQ(sbt)}: the frequency whose period is {@code sbt}, rounded to nearest.
     *
     * @param sbt a period, {@code > 0}
     * @return Hz
     */
    static long sbt2freq(long sbt) {
        return (SBT_1S + (sbt >> 1)) / sbt;
    }

    /**
     * {@code round_freq(et, freq)}: the frequency nearest to {@code freq} that {@code et} can
     * produce. With a known base frequency, the nearest integer divider of it is taken (the nearest
     * power of two under {@link EventTimer#ET_FLAGS_POW2DIV}, in FreeBSD's sense:
     * {@code 1 << (fls(div + div/2) - 1)}); then the result is lowered to what the minimum period
     * allows and raised to what the maximum period requires.
     *
     * @param et   the timer
     * @param freq the wanted frequency, Hz, {@code >= 1}
     * @return the frequency the timer will run at
     * @throws IllegalStateException if the timer's minimum period exceeds one second (FreeBSD:
     *                               panic "doesn't support sub-second periods")
     */
    static int roundFreq(EventTimer et, int freq) {
        assert freq >= 1 : "round_freq: freq " + freq;
        long f = freq;
        long base = et.frequency();
        if (base != 0) {
            // As C's uint64_t: base + div/2 may pass Long.MAX_VALUE for a huge base, and is exact
            // unsigned (below 2^64); so are x and a power-of-two div of 2^63.
            long div = Math.max(Long.divideUnsigned(base + f / 2, f), 1);
            if ((et.flags() & EventTimer.ET_FLAGS_POW2DIV) != 0) {
                long x = div + div / 2;
                div = 1L << (63 - Long.numberOfLeadingZeros(x)); // 1 << (flsl(x) - 1)
            }
            f = Long.divideUnsigned(base + (div >>> 1), div);
        }
        long min = et.minPeriod();
        long max = et.maxPeriod();
        if (min > SBT_1S) {
            throw new IllegalStateException("round_freq: event timer \"" + et.name()
                    + "\" doesn't support sub-second periods (et_min_period " + min + " sbt > 1 s)");
        } else if (min != 0) {
            f = Math.min(f, sbt2freq(min));
        }
        if (max < SBT_1S && max != 0) {
            f = Math.max(f, sbt2freq(max));
        }
        return (int) Math.min(f, Integer.MAX_VALUE);
    }

    /**
     * The default {@code singlemul} for {@code hz} when the tunable is unset or out of 1..20:
     * 1 if {@code hz >= 1500} or a multiple of 128, 2 if {@code hz >= 750}, else 4.
     *
     * @param singlemul the configured value (0 = unset)
     * @param hz        the requested hardclock rate
     * @return the multiplier to use
     */
    static int defaultSinglemul(int singlemul, int hz) {
        if (singlemul > 0 && singlemul <= SINGLEMUL_MAX) {
            return singlemul;
        }
        if (hz >= 1500 || hz % 128 == 0) {
            return 1;
        }
        return hz >= 750 ? 2 : 4;
    }

    /**
     * The rate block of {@code cpu_initclocks_bsp}: what {@code hz}, {@code stathz},
     * {@code profhz} and {@code singlemul} become on {@code et} in the given mode.
     *
     * <p>Periodic: {@code base = round_freq(hz * singlemul)}; {@code singlemul} and {@code hz} are
     * re-derived from {@code base}; {@code stathz} is {@code base} divided down to about 128 Hz by a
     * divider that is not a multiple of {@code singlemul} (so statclock does not beat with
     * hardclock); {@code profhz} is the largest multiple of {@code stathz} up to 8192, rounded.
     * One-shot: each rate is just rounded ({@code stathz} from 127, {@code profhz} from
     * {@code stathz * 64}).
     *
     * @param et        the timer
     * @param hz        the requested hardclock rate, {@code >= 1}
     * @param singlemul the configured multiplier (0 = choose)
     * @param periodic  periodic mode
     * @return the rates
     */
    static Rates initialRates(EventTimer et, int hz, int singlemul, boolean periodic) {
        int mul = defaultSinglemul(singlemul, hz);
        int stathz;
        int profhz;
        if (periodic) {
            int base = roundFreq(et, Math.multiplyExact(hz, mul));
            // In long: base may be near Integer.MAX_VALUE for a timer forced to a high rate.
            mul = (int) Math.max((base + (long) hz / 2) / hz, 1);
            hz = (int) ((base + (long) mul / 2) / mul);
            if (base <= STATHZ_TARGET) {
                stathz = base;
            } else {
                int div = base / STATHZ_TARGET;
                if (div >= mul && div % mul == 0) {
                    div++;
                }
                stathz = base / div;
            }
            profhz = stathz;
            while (profhz + stathz <= PROFHZ_LIMIT) {
                profhz += stathz;
            }
            profhz = roundFreq(et, profhz);
        } else {
            hz = roundFreq(et, hz);
            stathz = roundFreq(et, 127);
            profhz = roundFreq(et, (int) Math.min((long) stathz * 64, Integer.MAX_VALUE));
        }
        return new Rates(hz, stathz, profhz, mul);
    }

    /**
     * {@code setuptimer}'s frequency: {@code hz * singlemul}, raised in steps of {@code hz} until
     * it reaches {@code stathz} ({@code profhz} while profiling), then rounded for the timer. The
     * caller turns it into {@code timerperiod = SBT_1S / freq}.
     *
     * @param et        the timer
     * @param rates     the running rates
     * @param profiling whether profiling is on
     * @return the timer frequency, Hz
     */
    static int timerFrequency(EventTimer et, Rates rates, boolean profiling) {
        int mul = Math.min(Math.max(rates.singlemul(), 1), SINGLEMUL_MAX);
        long freq = (long) rates.hz() * mul; // long: the loop must not wrap below a floor near 2^31
        int floor = profiling ? rates.profhz() : rates.stathz();
        while (freq < floor) {
            freq += rates.hz();
        }
        return roundFreq(et, (int) Math.min(freq, Integer.MAX_VALUE));
    }
}
