package org.kcallout.wheel.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
import static org.kcallout.et.EventTimer.ET_FLAGS_POW2DIV;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kcallout.et.EventTimer;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * {@code round_freq}, the default {@code singlemul} and the rate block of
 * {@code cpu_initclocks_bsp} (SPEC §8.3 "Rates"), on timers described like real hardware (i8254,
 * RTC, HPET), and their effect on the {@code hz} a callout system ends up with.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class ClockRatesTest {

    private static final VirtualTimebase TB = new VirtualTimebase();

    private static EventTimer timer(int flags, long frequency, long minPeriod, long maxPeriod) {
        return new VirtualTimerDriver(TB, "t", flags, 0, frequency, minPeriod, maxPeriod);
    }

    private static EventTimer timer(long frequency) {
        return timer(BOTH, frequency, 0, SBT_MAX);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* round_freq                                                                                */

    @Test
    void roundFreq_unknownFrequency_keepsTheRequest() {
        assertEquals(1000, ClockRates.roundFreq(timer(0), 1000));
        assertEquals(127, ClockRates.roundFreq(timer(0), 127));
    }

    /** i8254 at 1193182 Hz: the nearest integer divider. */
    @ParameterizedTest(name = "{1} Hz -> divider {2} -> {3} Hz")
    @CsvSource({
        "1193182, 1000, 1193, 1000",
        "1193182, 2000, 597, 1999",
        "1193182, 127, 9395, 127",
        "1193182, 8128, 147, 8117",
        "1193182, 3000000, 1, 1193182",
    })
    void roundFreq_knownFrequency_nearestDivider(long base, int want, long div, int expected) {
        assertEquals(div, Math.max((base + want / 2) / want, 1), "divider");
        assertEquals(expected, ClockRates.roundFreq(timer(base), want));
    }

    /**
     * POW2DIV (the RTC at 32768 Hz): the divider becomes {@code 1 << (fls(div + div/2) - 1)}, i.e.
     * rounds up to the next power of two from 3/4 of it (div 42 -> 32, div 43 -> 64).
     */
    @ParameterizedTest(name = "{1} Hz on 32768 Hz POW2DIV -> {2} Hz")
    @CsvSource({
        "32768, 128, 128",     // div 256 exactly
        "32768, 1000, 1024",   // div 33 -> 32
        "32768, 2000, 2048",   // div 16 -> 16
        "32768, 780, 1024",    // div 42 -> 32 (42 + 21 = 63: fls 6)
        "32768, 762, 512",     // div 43 -> 64 (43 + 21 = 64: fls 7)
        "32768, 100, 128",     // div 328 -> 256
        "32768, 127, 128",     // div 258 -> 256
        "32768, 8128, 8192",   // div 4 -> 4
        "32768, 40000, 32768", // div 1
    })
    void roundFreq_pow2div_nearestPowerOfTwoDivider(long base, int want, int expected) {
        assertEquals(expected, ClockRates.roundFreq(timer(BOTH | ET_FLAGS_POW2DIV, base, 0, SBT_MAX), want));
    }

    @Test
    void roundFreq_pow2div_withoutTheFlag_usesAnyDivider() {
        assertEquals(993, ClockRates.roundFreq(timer(32768), 1000), "div 33 as is (POW2DIV would give 32: 1024 Hz)");
        assertEquals(32768 / 43, ClockRates.roundFreq(timer(32768), 762));
    }

    @Test
    void roundFreq_minPeriod_capsTheFrequency() {
        EventTimer t = timer(BOTH, 0, SBT_1S / 500, SBT_MAX);
        assertEquals(500, ClockRates.roundFreq(t, 1000), "no faster than 1 / et_min_period");
        assertEquals(400, ClockRates.roundFreq(t, 400));
    }

    @Test
    void roundFreq_maxPeriodBelowOneSecond_raisesTheFrequency() {
        EventTimer t = timer(BOTH, 0, 0, SBT_1S / 100);
        assertEquals(100, ClockRates.roundFreq(t, 10), "no slower than 1 / et_max_period");
        assertEquals(1000, ClockRates.roundFreq(t, 1000));
        assertEquals(10, ClockRates.roundFreq(timer(BOTH, 0, 0, SBT_1S), 10), "a max period of 1 s or more limits nothing");
    }

    @Test
    void roundFreq_minPeriodAboveOneSecond_isRefused() {
        EventTimer t = timer(BOTH, 0, 2 * SBT_1S, 4 * SBT_1S);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClockRates.roundFreq(t, 100));
        assertTrue(e.getMessage().contains("sub-second"), e.getMessage());
    }

    @Test
    void sbt2freq_roundsToNearest() {
        assertEquals(1000, ClockRates.sbt2freq(SBT_1S / 1000));
        assertEquals(3, ClockRates.sbt2freq(SBT_1S / 3));
        assertEquals(1, ClockRates.sbt2freq(SBT_1S));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* singlemul and the rate block                                                              */

    @ParameterizedTest(name = "hz {0} -> singlemul {1}")
    @CsvSource({"1500, 1", "2000, 1", "1024, 1", "128, 1", "256, 1", "1000, 2", "750, 2", "749, 4", "100, 4"})
    void defaultSinglemul_followsHz(int hz, int expected) {
        assertEquals(expected, ClockRates.defaultSinglemul(0, hz));
        assertEquals(expected, ClockRates.defaultSinglemul(21, hz), "out of 1..20 counts as unset");
        assertEquals(3, ClockRates.defaultSinglemul(3, hz), "a set value is kept");
    }

    @Test
    void initialRates_periodicExactTimer_hz1000() {
        ClockRates.Rates r = ClockRates.initialRates(timer(0), 1000, 0, true);
        // base 2000; stathz: div 15 (not a multiple of 2) -> 133; profhz: 61 * 133 = 8113
        assertEquals(new ClockRates.Rates(1000, 133, 8113, 2), r);
    }

    @Test
    void initialRates_periodicDividerMultipleOfSinglemul_isBumped() {
        ClockRates.Rates r = ClockRates.initialRates(timer(0), 1024, 2, true);
        // base 2048, div 16 is a multiple of singlemul 2 -> 17: stathz 120; profhz 68 * 120 = 8160
        assertEquals(new ClockRates.Rates(1024, 120, 8160, 2), r);
    }

    @Test
    void initialRates_periodicLowHz_stathzIsTheBase() {
        ClockRates.Rates r = ClockRates.initialRates(timer(0), 25, 0, true);
        assertEquals(new ClockRates.Rates(25, 100, 8100, 4), r); // base 100 <= 128
    }

    @Test
    void initialRates_periodicRtc_hzBecomes1024() {
        EventTimer rtc = timer(ET_FLAGS_PERIODIC | ET_FLAGS_POW2DIV, 32768, 0, SBT_MAX);
        ClockRates.Rates r = ClockRates.initialRates(rtc, 1000, 0, true);
        // base = round_freq(2000) = 2048; singlemul 2; hz 1024; stathz 2048 / 17 = 120;
        // profhz = round_freq(8160): div 4 -> 8192
        assertEquals(new ClockRates.Rates(1024, 120, 8192, 2), r);
    }

    @Test
    void initialRates_oneShot_eachRateRounded() {
        assertEquals(new ClockRates.Rates(1000, 127, 8128, 2), ClockRates.initialRates(timer(0), 1000, 0, false));
        EventTimer i8254 = timer(ET_FLAGS_ONESHOT, 1193182, 0, SBT_MAX);
        ClockRates.Rates r = ClockRates.initialRates(i8254, 1000, 0, false);
        assertEquals(1000, r.hz());
        assertEquals(127, r.stathz());
        assertEquals(ClockRates.roundFreq(i8254, 127 * 64), r.profhz());
    }

    @Test
    void timerFrequency_raisedInStepsOfHzToStathz() {
        ClockRates.Rates r = new ClockRates.Rates(100, 128, 8192, 1);
        assertEquals(200, ClockRates.timerFrequency(timer(0), r, false), "100 -> 200 >= 128");
        assertEquals(8200, ClockRates.timerFrequency(timer(0), r, true), "profiling: up to profhz");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The effective rates of a running system                                                   */

    @Test
    void system_onRtcLikePeriodicTimer_runsAtRoundedHz() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver rtc = new VirtualTimerDriver(tb, "RTC", ET_FLAGS_PERIODIC | ET_FLAGS_POW2DIV, 0, 32768, 0,
                SBT_MAX);
        EventTimerClock clock = clockOn(registryOf(rtc), tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
            assertEquals(1024, sys.hz(), "configureHz returns round_freq's hz");
            assertEquals(SBT_1S / 1024, sys.tickSbt());
            assertEquals(SBT_1S / 1024, clock.tickSbt());
            assertEquals(SBT_1S / 2048, clock.timerperiod());
            assertEquals(120, clock.stathz());
            tb.advance(SBT_1S);
            assertEquals(1024, sys.ticks(), "one second of hardclock at 1024 Hz");
        }
    }

    @Test
    void system_hzOutOfRange_buildFailsAndReleasesTheTimer() {
        VirtualTimebase tb = new VirtualTimebase();
        // A timer that cannot run slower than 2 MHz forces hz above the wheel's limit.
        VirtualTimerDriver fast = new VirtualTimerDriver(tb, "fast", ET_FLAGS_ONESHOT, 0, 0, 0, SBT_1S / 2_000_000);
        var ets = registryOf(fast);
        EventTimerClock clock = clockOn(ets, tb).build();
        assertThrows(IllegalStateException.class, () -> CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build());
        assertTrue(!fast.active(), "released");
        assertEquals(null, ets.clockSource());
    }
}
