package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_1US;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.mdx.CounterCompareTimer.MIN_COUNTS;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kcallout.et.EtEventCb;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;

/**
 * The counter-compare adapter on a stand-alone {@link SimulatedMiTimer}, driven through a registry
 * as a consumer would: conversions, long delays in steps, counter wraps, never an early event.
 */
final class CounterCompareTimerTest {
    private static final long MHZ = 1_000_000;
    private static final long BIT16 = 0xffff;
    /** The longest compare on a 16-bit counter: three quarters of its period. */
    private static final long COMPARE16 = CounterCompareTimer.maxCompareCounts(BIT16);
    private static final BigInteger TWO_32 = BigInteger.ONE.shiftLeft(32);

    /** A timer, its hardware, its registry, and the counter time of every event it raised. */
    private static final class Rig {
        final SimulatedMiTimer hw;
        final CounterCompareTimer et;
        final EventTimers ets = new EventTimers();
        final List<Long> events = new ArrayList<>();

        static final EtEventCb<Rig> RECORD = (et, cpu, rig) -> rig.events.add(rig.hw.time());

        Rig(long maxcnt, long frequency, long initialCount, long maxPeriod) {
            hw = new SimulatedMiTimer(maxcnt, frequency, initialCount);
            et = maxPeriod == 0 ? new CounterCompareTimer("mdx", 100, hw)
                    : new CounterCompareTimer("mdx", 100, hw, maxPeriod);
            hw.setInterruptHandler(cpu -> et.interrupt());
            ets.register(et);
            ets.init(et, RECORD, null, this);
        }

        void start(long first) {
            ets.start(et, EventTimer.NOCPU, first, 0);
        }
    }

    /* ---- conversions ------------------------------------------------------------------------- */

    @Test
    void sbtToCountsCeil_knownValues() {
        assertEquals(1, CounterCompareTimer.sbtToCountsCeil(SBT_1US, MHZ)); // 4294 sbt is 0.99999 us
        assertEquals(MHZ, CounterCompareTimer.sbtToCountsCeil(SBT_1S, MHZ));
        assertEquals(MHZ + 1, CounterCompareTimer.sbtToCountsCeil(SBT_1S + 1, MHZ));
        assertEquals(33, CounterCompareTimer.sbtToCountsCeil(SBT_1MS, 32768)); // 32.768 counts
        assertEquals(0, CounterCompareTimer.sbtToCountsCeil(0, MHZ));
    }

    /** Both directions against BigInteger, over the whole frequency range and sbintime range. */
    @Test
    void conversions_random_matchExactFormulas() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int i = 0; i < 50_000; i++) {
            long f = 1 + rnd.nextLong(0xffff_ffffL);
            long sbt = i % 2 == 0 ? rnd.nextLong(SBT_MAX) : rnd.nextLong(1L << 40);
            BigInteger prod = BigInteger.valueOf(sbt).multiply(BigInteger.valueOf(f));
            BigInteger[] qr = prod.divideAndRemainder(TWO_32);
            long ceil = qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1);
            assertEquals(ceil, CounterCompareTimer.sbtToCountsCeil(sbt, f), sbt + " sbt at " + f + " Hz");

            long counts = rnd.nextLong(1L << 40);
            BigInteger[] back = BigInteger.valueOf(counts).shiftLeft(32).divideAndRemainder(BigInteger.valueOf(f));
            BigInteger floorSbt = back[0];
            BigInteger ceilSbt = back[0].add(back[1].signum() == 0 ? BigInteger.ZERO : BigInteger.ONE);
            long expectFloor = floorSbt.bitLength() < 63 ? floorSbt.longValueExact() : SBT_MAX;
            long expectCeil = ceilSbt.bitLength() < 63 ? ceilSbt.longValueExact() : SBT_MAX;
            if (counts / f < (1L << 31)) {
                assertEquals(expectFloor, CounterCompareTimer.countsToSbtFloor(counts, f), counts + " at " + f);
                assertEquals(expectCeil, CounterCompareTimer.countsToSbtCeil(counts, f), counts + " at " + f);
            } else {
                assertEquals(SBT_MAX, CounterCompareTimer.countsToSbtCeil(counts, f), counts + " at " + f);
            }
        }
    }

    @Test
    void countsFor_roundsUpAddsTheGuardCount_andKeepsTheMinimum() {
        assertEquals(5 + 1, CounterCompareTimer.countsFor(5 * SBT_1US, MHZ)); // 4.9989 us: 5 counts, plus the guard
        assertEquals(1000 + 1, CounterCompareTimer.countsFor(SBT_1MS, MHZ)); // SBT_1MS is 999.99997 us
        assertEquals(1001 + 1, CounterCompareTimer.countsFor(SBT_1MS + 1, MHZ));
        assertEquals(MIN_COUNTS, CounterCompareTimer.countsFor(0, MHZ));
        assertEquals(MIN_COUNTS, CounterCompareTimer.countsFor(1, MHZ));
    }

    @Test
    void maxCompareCounts_leavesAQuarterPeriod_butAtLeastMinCounts() {
        assertEquals(0xffff_ffffL - 0x3fff_ffffL, CounterCompareTimer.maxCompareCounts(0xffff_ffffL));
        assertEquals(750, CounterCompareTimer.maxCompareCounts(999));
        assertEquals(MIN_COUNTS, CounterCompareTimer.maxCompareCounts(MIN_COUNTS));
        assertEquals(MIN_COUNTS, CounterCompareTimer.maxCompareCounts(MIN_COUNTS + 1));
    }

    @Test
    void nextStep_oneCompareIfItReaches_elseNoShortLastStep() {
        assertEquals(40, CounterCompareTimer.nextStep(40, 50));
        assertEquals(50, CounterCompareTimer.nextStep(50, 50));
        assertEquals(50, CounterCompareTimer.nextStep(200, 50));
        assertEquals(52 - MIN_COUNTS, CounterCompareTimer.nextStep(52, 50), "leaves MIN_COUNTS for the last step");
        assertEquals(MIN_COUNTS, CounterCompareTimer.nextStep(1, 50), "never below MIN_COUNTS");
    }

    /** SPEC decision 8: across the wrap the distance is exact; MDEPX's formula is one short. */
    @Test
    void elapsed_acrossWrap_isExact() {
        assertEquals(6, CounterCompareTimer.elapsed(BIT16 - 2, 3, BIT16)); // 0xfffd..0xffff, 0..3
        assertEquals(BIT16, CounterCompareTimer.elapsed(1, 0, BIT16));
        assertEquals(0, CounterCompareTimer.elapsed(77, 77, BIT16));
        assertEquals(11, CounterCompareTimer.elapsed(990, 1, 999)); // 990..999, 0, 1: maxcnt not 2^n - 1
        assertEquals(0xffff_ffffL, CounterCompareTimer.elapsed(1, 0, 0xffff_ffffL));
    }

    /* ---- description --------------------------------------------------------------------------- */

    @Test
    void description_oneShotOnly_counterFrequency_rangeInCounts() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        assertEquals(EventTimer.ET_FLAGS_ONESHOT, r.et.flags());
        assertEquals(MHZ, r.et.frequency());
        assertEquals(CounterCompareTimer.countsToSbtFloor(MIN_COUNTS - 1, MHZ), r.et.minPeriod());
        assertEquals(49152, COMPARE16);
        assertEquals(CounterCompareTimer.countsToSbtFloor(COMPARE16 - 1, MHZ), r.et.maxPeriod());
        assertEquals(COMPARE16, CounterCompareTimer.countsFor(r.et.maxPeriod(), MHZ), "the longest delay is one compare");
        assertEquals(MIN_COUNTS, CounterCompareTimer.countsFor(r.et.minPeriod(), MHZ));
    }

    @Test
    void start_periodic_isRefusedByTheRegistry() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> r.ets.start(r.et, EventTimer.NOCPU, 0, SBT_1MS));
        assertTrue(r.hw.ops().isEmpty(), "nothing programmed");
    }

    @Test
    void constructor_badHardware_throws() {
        assertThrows(IllegalArgumentException.class,
                () -> new CounterCompareTimer("x", 0, new SimulatedMiTimer(MIN_COUNTS - 1, MHZ, 0)));
        assertThrows(IllegalArgumentException.class,
                () -> new CounterCompareTimer("x", 0, new SimulatedMiTimer(BIT16, MHZ, 0), SBT_1US));
        assertThrows(IllegalArgumentException.class, () -> new CounterCompareTimer("x", 0, null));
    }

    /* ---- events ---------------------------------------------------------------------------------- */

    @Test
    void start_oneMillisecond_programsRoundedCountsPlusGuard_andFiresOnce() {
        Rig r = new Rig(BIT16, MHZ, 100, 0);
        r.start(SBT_1MS); // 999.9998 us: 1000 counts, plus the guard
        assertEquals(List.of(new SimulatedMiTimer.Op(SimulatedMiTimer.OpKind.START, 0, 1001, 0)), r.hw.ops());
        r.hw.advance(1000);
        assertTrue(r.events.isEmpty());
        r.hw.advance(1);
        assertEquals(List.of(1001L), r.events);
        r.hw.advance(5 * (BIT16 + 1));
        assertEquals(1, r.events.size(), "one-shot: the compare is disarmed after the event");
        assertEquals(-1, r.hw.untilMatch(0));
        assertEquals(0, r.et.spuriousInterrupts());
    }

    @Test
    void start_registryClampsToMinimum_programsMinCounts() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        r.start(1);
        assertEquals(MIN_COUNTS, r.et.programmedCounts());
        r.hw.advance(MIN_COUNTS);
        assertEquals(List.of(MIN_COUNTS), r.events);
    }

    /** A delay across the counter wrap fires after exactly the programmed counts. */
    @Test
    void start_acrossWrap_firesAtExactCount() {
        Rig r = new Rig(BIT16, MHZ, BIT16 - 10, 0);
        r.start(CounterCompareTimer.countsToSbtFloor(99, MHZ));
        r.hw.advance(1000);
        assertEquals(List.of(100L), r.events);
    }

    /**
     * A delay of many counter periods (declared maximum 1 s on a 16-bit counter) is reached in
     * steps of at most maxcnt counts, starting just before a wrap; the consumer sees one event,
     * at the exact count.
     */
    @Test
    void start_longerThanMaxcnt_reachedInStepsWithoutEvents() {
        Rig r = new Rig(BIT16, MHZ, BIT16 - 5, SBT_1S);
        assertEquals(SBT_1S, r.et.maxPeriod());
        long first = SBT_1S / 2;
        long counts = CounterCompareTimer.countsFor(first, MHZ);
        r.start(first);
        r.hw.advance(counts - 1);
        assertTrue(r.events.isEmpty(), "no event before the deadline");
        long expectedSteps = 0;
        for (long left = counts; left > COMPARE16; left -= CounterCompareTimer.nextStep(left, COMPARE16)) {
            expectedSteps++;
        }
        assertEquals(10, expectedSteps);
        assertEquals(expectedSteps, r.et.steps());
        r.hw.advance(1);
        assertEquals(List.of(counts), r.events);
        for (SimulatedMiTimer.Op op : r.hw.ops()) {
            assertTrue(op.kind() == SimulatedMiTimer.OpKind.STOP || op.ticks() <= COMPARE16, op.toString());
        }
    }

    /**
     * An intermediate step's interrupt arrives late (masked across the wrap), by almost the quarter
     * period the driver leaves for latency: the elapsed counts are measured exactly, so the event
     * still comes at the deadline, not one count early per wrap as MDEPX's arithmetic would make it.
     */
    @Test
    void lateIntermediateInterrupt_acrossWrap_eventStillAtExactDeadline() {
        Rig r = new Rig(BIT16, MHZ, BIT16 - 3, SBT_1S);
        long first = 3 * BIT16 * SBT_1US + SBT_1MS; // about 3.2 periods
        long counts = CounterCompareTimer.countsFor(first, MHZ);
        long latency = BIT16 - COMPARE16; // the first count at which the elapsed time would be ambiguous
        r.start(first);
        r.hw.maskInterrupts();
        r.hw.advance(COMPARE16 + latency); // the first step's match is latched
        r.hw.unmaskInterrupts();            // and delivered late
        assertEquals(1, r.et.steps());
        r.hw.advance(counts - r.hw.time() - 1);
        assertTrue(r.events.isEmpty(), "no event before the deadline");
        r.hw.advance(1);
        assertEquals(List.of(counts), r.events);
    }

    /** Random delays from random counts: every event at or after its time, and at most two counts late. */
    @Test
    void randomDelays_neverEarly_atMostTwoCountsLate() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (long maxcnt : new long[] {0xfff, 999, BIT16}) {
            for (long f : new long[] {32768, MHZ, 3_579_545}) {
                Rig r = new Rig(maxcnt, f, rnd.nextLong(maxcnt + 1), 4 * SBT_1S);
                for (int i = 0; i < 200; i++) {
                    long first = r.et.minPeriod() + rnd.nextLong(r.et.maxPeriod() / (1 + rnd.nextInt(1000)));
                    long t0 = r.hw.time();
                    r.start(first);
                    r.hw.advance(CounterCompareTimer.countsFor(first, f) + 1 + rnd.nextLong(maxcnt));
                    String ctx = "maxcnt " + maxcnt + ", " + f + " Hz, delay " + first + " sbt, #" + i;
                    assertEquals(i + 1, r.events.size(), ctx);
                    // counts * 2^32 / f >= first exactly when its ceiling is, first being whole
                    long delay = CounterCompareTimer.countsToSbtCeil(r.events.get(i) - t0, f);
                    long late = delay - first;
                    assertAll(ctx,
                            () -> assertTrue(delay >= first, "early: " + delay + " < " + first),
                            () -> assertTrue(late <= CounterCompareTimer.countsToSbtCeil(2, f), "late by " + late));
                }
            }
        }
    }

    /** A match that comes before the deadline (a stale or early compare) only re-arms for the rest. */
    @Test
    void earlyMatch_reArmsForTheRest_eventNotEarly() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        r.start(CounterCompareTimer.countsToSbtFloor(999, MHZ)); // 1000 counts
        r.hw.advance(10);
        assertFalse(r.et.interrupt(), "an early match is a step");
        assertEquals(990, r.et.programmedCounts());
        r.hw.advance(989);
        assertTrue(r.events.isEmpty());
        r.hw.advance(1);
        assertEquals(List.of(1000L), r.events);
    }

    @Test
    void stop_beforeTheMatch_noEvent_andLaterMatchesAreSwallowed() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        r.start(SBT_1MS);
        r.ets.stop(r.et, EventTimer.NOCPU);
        assertFalse(r.et.armed());
        r.hw.advance(3 * (BIT16 + 1));
        assertTrue(r.events.isEmpty());
        assertFalse(r.et.interrupt(), "a match while stopped is swallowed");
        assertEquals(1, r.et.spuriousInterrupts());
    }

    @Test
    void restart_whileArmed_replacesTheDeadline() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        r.start(10 * SBT_1MS);
        r.hw.advance(100);
        r.start(SBT_1MS);
        r.hw.advance(50_000);
        assertEquals(List.of(100L + 1001), r.events);
    }

    /** A consumer that re-arms from its callback (as the clock source does) keeps the compare armed. */
    @Test
    void callbackReArms_compareNotStopped() {
        SimulatedMiTimer hw = new SimulatedMiTimer(BIT16, MHZ, 0);
        CounterCompareTimer et = new CounterCompareTimer("mdx", 100, hw);
        hw.setInterruptHandler(cpu -> et.interrupt());
        EventTimers ets = new EventTimers();
        ets.register(et);
        List<Long> at = new ArrayList<>();
        EtEventCb<EventTimers> rearm = (t, cpu, reg) -> {
            at.add(hw.time());
            if (at.size() < 3) {
                reg.start(t, cpu, SBT_1MS, 0);
            }
        };
        ets.init(et, rearm, null, ets);
        ets.start(et, EventTimer.NOCPU, SBT_1MS, 0);
        hw.advance(10_000);
        assertEquals(List.of(1001L, 2002L, 3003L), at);
        List<SimulatedMiTimer.Op> ops = hw.ops();
        assertEquals(4, ops.size(), ops.toString()); // three starts, one stop after the last event
        assertEquals(SimulatedMiTimer.OpKind.STOP, ops.get(3).kind());
    }

    /** et_change_frequency: the next start converts with the new frequency and range. */
    @Test
    void changeFrequency_nextStartUsesIt() {
        Rig r = new Rig(BIT16, MHZ, 0, 0);
        r.ets.changeFrequency(r.et, 2 * MHZ);
        r.start(SBT_1MS);
        assertEquals(2001, r.et.programmedCounts());
        assertEquals(CounterCompareTimer.countsToSbtFloor(COMPARE16 - 1, 2 * MHZ), r.et.maxPeriod());
    }
}
