package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.CALLOUT_DIRECT;
import static org.kcallout.CalloutFlags.CALLOUT_PROCESSED;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.HandlerFailureHook;
import org.kcallout.KMutex;
import org.kcallout.wheel.SpecSupport.Rig;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.kern.KernTestAccess;

/**
 * SPEC §11 single-CPU cases of "Wheel, ordering, direct execution" (52, 53, 55, 56, 58, 59, 61), plus
 * the ordering promise of SPEC decision 4 (FIFO for equal deadlines, bucket by bucket within a scan),
 * the direct-scan consistency of SPEC §5.9, and the failure handling of SPEC decision 5.
 *
 * <p>Cases whose outcome does not depend on the clock run on each deterministic clock
 * ({@link Clocks}), driven by moving virtual time. Where a case speaks of one {@code callout_process}
 * call and of {@code cpu_new_callout}, the test drives {@link CalloutWheel#calloutProcess(int, long)}
 * and {@link CalloutWheel#softclock(int)} by hand on a {@link VirtualTicklessClock} that is never
 * advanced, and observes {@code cpu_new_callout} through what it leaves behind: the clock's
 * {@link ClockSource#nextcall(int)} and {@link ClockSource#nextcallopt(int)} and the wheel's
 * {@link CalloutWheel#firstevent(int)}; each such test says on its {@code @Test} line why it stays
 * on that clock, and where the behaviour behind it shows when time moves, a test on every clock
 * follows it. Times are absolute ({@code C_ABSOLUTE}) so that they do not depend on the clock.
 */
final class SpecWheelTest {
    /* Implementation notes: cpu_new_callout always stores bt_opt in nextcallopt, even when bt does
     * not lower nextcall, so "no call happened" is visible as an unchanged nextcallopt provided the
     * second callout's start differs from the first's. The tests arrange that. */

    /** Width of one callwheel bucket: 2^24 sbt (CC_HASH_SHIFT = 8). */
    private static final long BUCKET = 1L << 24;

    /** Appends its argument to the shared event list of the test. */
    private static final class Recorder {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CalloutFunc<String> func = events::add;
    }

    private static CalloutWheel newWheel(VirtualTicklessClock vt) {
        return CalloutWheel.builder().clock(vt).build();
    }

    private static Callout mpsafe(CalloutWheel sys) {
        Callout c = new Callout();
        sys.init(c, true);
        return c;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Case 52, 53: size and hash                                                                 */

    /** Case 52: callwheelsize is the power of two strictly above ncallout. */
    @Test
    void spec52_callwheelSizeFor_isPowerOfTwoStrictlyAboveNcallout() {
        assertEquals(32768, CalloutWheel.callwheelSizeFor(18508));
        assertEquals(32768, CalloutWheel.callwheelSizeFor(16384));
    }

    /** Case 52 through the builder: kern.ncallout sizes each CPU's wheel. */
    @OnEveryClock
    void spec52_builderNcallout_sizesTheWheel(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, b -> b.ncallout(18508))) {
            assertEquals(32768, rig.sys.callwheelSize());
        }
    }

    /** Case 53: a callout with c_time T is linked in bucket (T >> 24) & (callwheelsize - 1). */
    @OnEveryClock
    void spec53_armedCallout_isLinkedInBucketOfItsTime(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, b -> b.ncallout(18508))) {
            CalloutWheel sys = rig.sys;
            int mask = sys.callwheelSize() - 1;
            // Within the first revolution, and 5 revolutions (of 128 s) later plus a bit: the mask wraps.
            long[] times = {5 * SBT_1S + 12345, 5 * 128 * SBT_1S + 77 * BUCKET + 3};
            for (long t : times) {
                Callout c = mpsafe(sys);
                sys.resetSbt(c, t, 0, new Recorder().func, "c", C_ABSOLUTE);
                int bucket = (int) ((t >> 24) & mask);

                assertEquals(t, c.time());
                assertTrue(WheelProbe.of(sys).inBucket(c, bucket), "bucket " + bucket + " of time " + t);
                assertFalse(WheelProbe.of(sys).inBucket(c, (bucket + 1) & mask), "only in its own bucket");
            }
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Case 55, 56: direct execution                                                              */

    /** Case 55: a direct callout runs inside callout_process; a non-direct one waits for softclock. */
    @Test // callout_process driven by hand to see what ran before it returned; every clock: below
    void spec55_directRunsInsideCalloutProcess_nonDirectOnlyInSoftclock() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            Recorder rec = new Recorder();
            Callout d = mpsafe(sys);
            Callout n = mpsafe(sys);
            sys.resetSbt(n, SBT_1MS, 0, rec.func, "N", C_ABSOLUTE);
            sys.resetSbt(d, SBT_1MS, 0, rec.func, "D", C_ABSOLUTE | C_DIRECT_EXEC);

            boolean queued = WheelProbe.of(sys).calloutProcess(0, 2 * SBT_1MS);

            assertEquals(List.of("D"), rec.events, "only D has run when callout_process returns");
            assertTrue(queued, "N waits in the expire queue");
            assertEquals(1, WheelProbe.of(sys).softclock(0));
            assertEquals(List.of("D", "N"), rec.events, "N runs on softclock");
        }
    }

    /**
     * Case 55 on every clock: N and D due in one scan (N armed first, for the same time): D runs
     * inside the scan while N, already moved to the expire queue, waits; N runs afterwards on
     * softclock.
     */
    @OnEveryClock
    void spec55_directAndNonDirectDueTogether_directRunsWhileNonDirectWaitsForSoftclock(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, null)) {
            CalloutWheel sys = rig.sys;
            Recorder rec = new Recorder();
            Callout d = mpsafe(sys);
            Callout n = mpsafe(sys);
            List<String> nSeenByD = new CopyOnWriteArrayList<>();
            CalloutFunc<String> direct = s -> {
                rec.events.add(s);
                nSeenByD.add("pending=" + n.pending() + ", processed=" + ((n.iflags() & CALLOUT_PROCESSED) != 0));
            };
            sys.resetSbt(n, 10 * SBT_1MS, 0, rec.func, "N", C_ABSOLUTE);
            sys.resetSbt(d, 10 * SBT_1MS, 0, direct, "D", C_ABSOLUTE | C_DIRECT_EXEC);

            rig.vt.advanceTo(rig.windowEnd(d));

            assertEquals(List.of("D", "N"), rec.events, "D inside the scan, then N on softclock");
            assertEquals(List.of("pending=true, processed=true"), nSeenByD, "N was in the expire queue while D ran");
        }
    }

    /** Case 56: CALLOUT_DIRECT is sticky: re-armed without C_DIRECT_EXEC it still runs from callout_process. */
    @Test // callout_process driven by hand to see the expire queue stay empty; every clock: below
    void spec56_directOnceReArmedWithoutFlag_stillRunsFromCalloutProcess() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            Recorder rec = new Recorder();
            Callout c = mpsafe(sys);
            sys.resetSbt(c, SBT_1MS, 0, rec.func, "direct", C_ABSOLUTE | C_DIRECT_EXEC);
            WheelProbe.of(sys).calloutProcess(0, 2 * SBT_1MS);
            assertEquals(List.of("direct"), rec.events);

            sys.resetSbt(c, 3 * SBT_1MS, 0, rec.func, "re-armed", C_ABSOLUTE);
            assertTrue((c.iflags() & CALLOUT_DIRECT) != 0, "CALLOUT_DIRECT survives an arm without C_DIRECT_EXEC");
            boolean queued = WheelProbe.of(sys).calloutProcess(0, 4 * SBT_1MS);

            assertEquals(List.of("direct", "re-armed"), rec.events, "ran inside callout_process");
            assertFalse(queued, "nothing went to the expire queue");
        }
    }

    /**
     * Case 56 on every clock: re-armed without C_DIRECT_EXEC for the time of a non-direct callout
     * armed before it, the once-direct callout still runs first, inside the scan.
     */
    @OnEveryClock
    void spec56_directOnceReArmedWithoutFlag_stillRunsBeforeSoftclockCallouts(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, null)) {
            CalloutWheel sys = rig.sys;
            Recorder rec = new Recorder();
            Callout c = mpsafe(sys);
            sys.resetSbt(c, 5 * SBT_1MS, 0, rec.func, "direct", C_ABSOLUTE | C_DIRECT_EXEC);
            rig.vt.advanceTo(rig.windowEnd(c));
            assertEquals(List.of("direct"), rec.events);

            long t = rig.vt.now() + 10 * SBT_1MS;
            sys.resetSbt(mpsafe(sys), t, 0, rec.func, "softclock", C_ABSOLUTE);
            sys.resetSbt(c, t, 0, rec.func, "re-armed", C_ABSOLUTE);
            rig.vt.advanceTo(rig.windowEnd(c));

            assertEquals(List.of("direct", "re-armed", "softclock"), rec.events,
                    "the re-armed callout ran inside the scan, before the one armed before it");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Case 58, 59: cpu_new_callout                                                               */

    /** Case 58: the first arm on an empty wheel reports (T+P, T) to the clock. */
    @Test // exact nextcall/nextcallopt: an EventTimerClock starts them at now + timerperiod (SPEC §8.3)
    void spec58_firstArmOnEmptyWheel_reportsWindowToClock() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            assertEquals(SBT_MAX, WheelProbe.of(sys).firstevent(0), "empty wheel");
            assertEquals(SBT_MAX, vt.nextcall(0), "nothing reported yet");
            long t = 50 * SBT_1MS;
            long p = SBT_1MS;

            sys.resetSbt(mpsafe(sys), t, p, new Recorder().func, "a", C_ABSOLUTE);

            assertEquals(t + p, vt.nextcall(0), "cpu_new_callout(cpu, T+P, T): bt");
            assertEquals(t, vt.nextcallopt(0), "cpu_new_callout(cpu, T+P, T): bt_opt");
            assertEquals(t + p, WheelProbe.of(sys).firstevent(0));
        }
    }

    /** Case 58: a second callout ending later (though starting earlier) triggers no cpu_new_callout. */
    @Test // exact nextcall/nextcallopt: an EventTimerClock starts them at now + timerperiod (SPEC §8.3)
    void spec58_secondCalloutEndingLater_triggersNoCall() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            long t = 50 * SBT_1MS;
            long p = SBT_1MS;
            sys.resetSbt(mpsafe(sys), t, p, new Recorder().func, "a", C_ABSOLUTE);

            // T2 < T but T2 + P2 > T + P: a call would have moved nextcallopt to T2.
            sys.resetSbt(mpsafe(sys), 40 * SBT_1MS, 20 * SBT_1MS, new Recorder().func, "b", C_ABSOLUTE);

            assertEquals(t, vt.nextcallopt(0), "no cpu_new_callout: bt_opt unchanged");
            assertEquals(t + p, vt.nextcall(0));
            assertEquals(t + p, WheelProbe.of(sys).firstevent(0));
        }
    }

    /** Case 58: a second callout ending exactly at T+P triggers no call either (the test is strict). */
    @Test // exact nextcall/nextcallopt: an EventTimerClock starts them at now + timerperiod (SPEC §8.3)
    void spec58_secondCalloutEndingAtSameDeadline_triggersNoCall() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            long t = 50 * SBT_1MS;
            long p = SBT_1MS;
            sys.resetSbt(mpsafe(sys), t, p, new Recorder().func, "a", C_ABSOLUTE);

            sys.resetSbt(mpsafe(sys), 45 * SBT_1MS, 6 * SBT_1MS, new Recorder().func, "b", C_ABSOLUTE);

            assertEquals(t, vt.nextcallopt(0), "no cpu_new_callout: bt_opt unchanged");
            assertEquals(t + p, vt.nextcall(0));
        }
    }

    /** Case 58, converse: a callout ending earlier than firstevent is reported. */
    @Test // exact nextcall/nextcallopt: an EventTimerClock starts them at now + timerperiod (SPEC §8.3)
    void spec58_secondCalloutEndingEarlier_reportsNewWindow() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            sys.resetSbt(mpsafe(sys), 50 * SBT_1MS, SBT_1MS, new Recorder().func, "a", C_ABSOLUTE);

            sys.resetSbt(mpsafe(sys), 30 * SBT_1MS, 2 * SBT_1MS, new Recorder().func, "b", C_ABSOLUTE);

            assertEquals(32 * SBT_1MS, vt.nextcall(0));
            assertEquals(30 * SBT_1MS, vt.nextcallopt(0));
            assertEquals(32 * SBT_1MS, WheelProbe.of(sys).firstevent(0));
        }
    }

    /**
     * Sets up case 59: lastscan (0) and {@code now} in bucket 0, exactly one callout on the wheel at
     * {@code now + offset} with precision 1 ms, and a firstevent already lower than anything the
     * scan can report (left by a callout that was armed and stopped), so that what the clock and
     * firstevent show afterwards comes from the scan and not from the arm.
     *
     * @return {@code now}
     */
    private static long scanWithOneCallout(CalloutWheel sys, long offset) {
        long now = 2 * SBT_1MS;
        assertEquals(0, KernTestAccess.hash(WheelProbe.of(sys).lastscan(0)));
        assertEquals(0, KernTestAccess.hash(now), "lastscan and now in the same bucket");
        Callout early = mpsafe(sys);
        sys.resetSbt(early, SBT_1MS, 0, new Recorder().func, "early", C_ABSOLUTE);
        sys.resetSbt(mpsafe(sys), now + offset, SBT_1MS, new Recorder().func, "b", C_ABSOLUTE);
        assertEquals(1, sys.stop(early));
        assertEquals(SBT_1MS, WheelProbe.of(sys).firstevent(0), "stop leaves firstevent where it was");

        assertFalse(WheelProbe.of(sys).calloutProcess(0, now), "nothing is due");
        return now;
    }

    /** Case 59: lookahead 1/16 s; the one nearby callout gives last = T + P = now + 21 ms. */
    @Test // one callout_process at a chosen now, driven by hand
    void spec59_sameBucketScan_reportsLastAsCalloutEnd() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            long now = scanWithOneCallout(sys, 20 * SBT_1MS);

            assertEquals(now + 21 * SBT_1MS, WheelProbe.of(sys).firstevent(0), "cc_firstevent = last");
        }
    }

    /** Case 59: the one nearby callout gives first = T = now + 20 ms (passed as bt_opt). */
    @Test // one callout_process at a chosen now, driven by hand, and the tickless model's exact nextcallopt
    void spec59_sameBucketScan_reportsFirstAsCalloutTime() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            long now = scanWithOneCallout(sys, 20 * SBT_1MS);

            assertEquals(now + 20 * SBT_1MS, vt.nextcallopt(0), "cpu_new_callout(cpu, last, first): first");
        }
    }

    /** SPEC §6 step 3: with lookahead 1/16 s, first starts at now + 1/32 s and only a nearer callout lowers it. */
    @Test // one callout_process at a chosen now, driven by hand, and the tickless model's exact nextcallopt
    void scan_sameBucket_firstIsCappedAtHalfLookahead() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            long now = scanWithOneCallout(sys, 40 * SBT_1MS);

            assertEquals(now + SBT_1S / 32, vt.nextcallopt(0), "first = now + lookahead / 2");
            assertEquals(now + 41 * SBT_1MS, WheelProbe.of(sys).firstevent(0), "last = T + P");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Case 61: arming in the past                                                                */

    /** Case 61: an absolute time before cc_lastscan is clamped to it and runs at the next callout_process. */
    @Test // callout_process driven by hand to show it is the very next scan; every clock: below
    void spec61_absoluteTimeBeforeLastscan_runsAtNextCalloutProcess() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            long lastscan = 100 * SBT_1MS;
            WheelProbe.of(sys).calloutProcess(0, lastscan);
            Recorder rec = new Recorder();
            Callout c = mpsafe(sys);

            sys.resetSbt(c, 50 * SBT_1MS, 0, rec.func, "late", C_ABSOLUTE);
            assertEquals(lastscan, c.time(), "clamped to cc_lastscan");
            boolean queued = WheelProbe.of(sys).calloutProcess(0, lastscan + 1);
            WheelProbe.of(sys).softclock(0);

            assertTrue(queued, "expired by the very next scan");
            assertEquals(List.of("late"), rec.events);
        }
    }

    /**
     * Case 61 on every clock: armed for an absolute time before cc_lastscan, a callout gets
     * c_time = cc_lastscan and runs at the next interrupt that scans (at once on a one-shot clock,
     * at the next period boundary in periodic mode).
     */
    @OnEveryClock
    void spec61_absoluteTimeBeforeLastscan_clampedAndRunsAtTheNextInterrupt(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, null)) {
            CalloutWheel sys = rig.sys;
            Recorder rec = new Recorder();
            Callout first = mpsafe(sys);
            sys.resetSbt(first, 100 * SBT_1MS, 0, rec.func, "first", C_ABSOLUTE);
            rig.vt.advanceTo(rig.windowEnd(first)); // a scan at or after 100 ms
            long lastscan = WheelProbe.of(sys).lastscan(0);
            assertTrue(lastscan >= 100 * SBT_1MS, "precondition: lastscan moved past 50 ms");
            Callout c = mpsafe(sys);

            sys.resetSbt(c, 50 * SBT_1MS, 0, rec.func, "late", C_ABSOLUTE);
            assertEquals(lastscan, c.time(), "clamped to cc_lastscan");
            rig.vt.advanceTo(rig.windowEnd(c));

            assertEquals(List.of("first", "late"), rec.events);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Ordering (SPEC decision 4)                                                                 */

    /** Decision 4: many callouts armed for the same absolute time run in arming order. */
    @OnEveryClock
    void ordering_equalDeadlines_runInArmingOrder(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, null)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Recorder rec = new Recorder();
            int n = 32;
            List<Callout> callouts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                callouts.add(mpsafe(sys));
            }
            // Arm in an order unrelated to creation, so that only the arming order can explain the result.
            List<Integer> order = IntStream.range(0, n).boxed().collect(Collectors.toCollection(ArrayList::new));
            long seed = 0x5eed_4L;
            Collections.shuffle(order, new Random(seed));
            long t = 10 * SBT_1MS;
            for (int i : order) {
                sys.resetSbt(callouts.get(i), t, 0, rec.func, Integer.toString(i), C_ABSOLUTE);
            }

            vt.advanceTo(20 * SBT_1MS);

            List<String> expected = order.stream().map(String::valueOf).collect(Collectors.toList());
            assertEquals(expected, rec.events, "FIFO for equal deadlines (shuffle seed " + seed + ")");
        }
    }

    /** Decision 4: re-arming is a new arming, so a re-armed callout goes behind those armed before it. */
    @OnEveryClock
    void ordering_reArmForSameDeadline_movesBehindEarlierArms(Clocks clocks) {
        try (Rig rig = new Rig(clocks, 0, null)) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Recorder rec = new Recorder();
            long t = 10 * SBT_1MS;
            Callout a = mpsafe(sys);
            Callout b = mpsafe(sys);
            Callout c = mpsafe(sys);
            sys.resetSbt(a, t, 0, rec.func, "a", C_ABSOLUTE);
            sys.resetSbt(b, t, 0, rec.func, "b", C_ABSOLUTE);
            sys.resetSbt(c, t, 0, rec.func, "c", C_ABSOLUTE);
            assertEquals(1, sys.resetSbt(a, t, 0, rec.func, "a", C_ABSOLUTE));

            vt.advanceTo(20 * SBT_1MS);

            assertEquals(List.of("b", "c", "a"), rec.events);
        }
    }

    /** Decision 4: within one scan, callouts run bucket by bucket in time order, whatever the arming order. */
    @Test // one scan over several buckets needs callout_process driven by hand: clocks scan at each deadline
    void ordering_oneScanOverSeveralBuckets_runsInBucketOrder() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            Recorder rec = new Recorder();
            for (int b = 5; b >= 1; b--) { // armed latest first
                sys.resetSbt(mpsafe(sys), b * BUCKET + 100, 0, rec.func, "bucket" + b, C_ABSOLUTE);
            }

            assertTrue(WheelProbe.of(sys).calloutProcess(0, 6 * BUCKET + 1));
            assertEquals(5, WheelProbe.of(sys).softclock(0));

            assertEquals(List.of("bucket1", "bucket2", "bucket3", "bucket4", "bucket5"), rec.events);
        }
    }

    /** Decision 4: within one bucket the order is the arming order (FIFO), not the exact time. */
    @Test // one scan over both times needs callout_process driven by hand: a tickless clock scans at each time
    void ordering_sameBucketDifferentTimes_runInArmingOrder() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            Recorder rec = new Recorder();
            long bucketStart = 3 * BUCKET;
            sys.resetSbt(mpsafe(sys), bucketStart + 2000, 0, rec.func, "later, armed first", C_ABSOLUTE);
            sys.resetSbt(mpsafe(sys), bucketStart + 1000, 0, rec.func, "earlier, armed second", C_ABSOLUTE);

            WheelProbe.of(sys).calloutProcess(0, 4 * BUCKET);
            WheelProbe.of(sys).softclock(0);

            assertEquals(List.of("later, armed first", "earlier, armed second"), rec.events);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Direct scan consistency (SPEC §5.9)                                                        */

    /**
     * A direct handler arms callout {@code e} at an absolute time in the past (clamped to lastscan =
     * now, so due, and in the bucket being scanned); optionally another direct callout follows the
     * arming handler in that bucket.
     */
    private static List<String> directHandlerArmsIntoScannedBucket(boolean followerInBucket, int eFlags,
                                                                   boolean[] queued, Callout[] eOut) {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = newWheel(vt)) {
            Recorder rec = new Recorder();
            Callout d = mpsafe(sys);
            Callout e = mpsafe(sys);
            eOut[0] = e;
            CalloutFunc<String> armsE = s -> {
                rec.events.add(s);
                sys.resetSbt(e, 0, 0, rec.func, "E", C_ABSOLUTE | eFlags);
            };
            long now = 2 * SBT_1MS;
            sys.resetSbt(d, SBT_1MS, 0, armsE, "D", C_ABSOLUTE | C_DIRECT_EXEC);
            if (followerInBucket) {
                sys.resetSbt(mpsafe(sys), SBT_1MS + 1, 0, rec.func, "F", C_ABSOLUTE | C_DIRECT_EXEC);
            }
            assertEquals(KernTestAccess.hash(SBT_1MS), KernTestAccess.hash(now), "D's bucket is now's bucket");

            queued[0] = WheelProbe.of(sys).calloutProcess(0, now);
            return List.copyOf(rec.events);
        }
    }

    /** SPEC §5.9: a direct callout armed by the last entry of the scanned bucket runs in the same scan. */
    @Test // "in the same scan" is visible only with callout_process driven by hand
    void directScan_handlerArmsDueDirectCalloutAtEndOfScannedBucket_runsInSameScan() {
        boolean[] queued = new boolean[1];
        Callout[] e = new Callout[1];
        assertEquals(List.of("D", "E"), directHandlerArmsIntoScannedBucket(false, C_DIRECT_EXEC, queued, e));
        assertFalse(e[0].pending());
    }

    /** SPEC §5.9: likewise when the scan has further entries in that bucket; E runs after them. */
    @Test // "in the same scan" is visible only with callout_process driven by hand
    void directScan_handlerArmsDueDirectCalloutBeforeEndOfScannedBucket_runsInSameScan() {
        boolean[] queued = new boolean[1];
        Callout[] e = new Callout[1];
        assertEquals(List.of("D", "F", "E"), directHandlerArmsIntoScannedBucket(true, C_DIRECT_EXEC, queued, e));
    }

    /** SPEC §5.9: a non-direct callout armed that way is expired by the same scan (queued for softclock). */
    @Test // "in the same scan" is visible only with callout_process driven by hand
    void directScan_handlerArmsDueNonDirectCallout_expiresInSameScan() {
        boolean[] queued = new boolean[1];
        Callout[] e = new Callout[1];
        assertEquals(List.of("D"), directHandlerArmsIntoScannedBucket(false, 0, queued, e));
        assertTrue(queued[0], "E went to the expire queue in this scan");
        assertTrue((e[0].iflags() & CALLOUT_PROCESSED) != 0, "E was processed by this scan");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Handlers that throw (SPEC decision 5)                                                      */

    /** Records what the failure hook receives. */
    private static final class FailureLog implements HandlerFailureHook {
        final List<Callout> callouts = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        @Override
        public void handlerFailed(Callout callout, Throwable failure) {
            callouts.add(callout);
            failures.add(failure);
        }
    }

    private static final RuntimeException BOOM = new IllegalStateException("boom (expected by the test)");
    private static final CalloutFunc<Object> THROWS = x -> {
        throw BOOM;
    };

    /** Decision 5: a throwing handler does not stop the others of the same scan. */
    @OnEveryClock
    void handlerThrows_othersInSameScanStillRun(Clocks clocks) {
        FailureLog log = new FailureLog();
        try (Rig rig = new Rig(clocks, 0, b -> b.failureHook(log))) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Recorder rec = new Recorder();
            long t = 10 * SBT_1MS;
            sys.resetSbt(mpsafe(sys), t, 0, rec.func, "before", C_ABSOLUTE);
            sys.resetSbt(mpsafe(sys), t, 0, THROWS, null, C_ABSOLUTE);
            sys.resetSbt(mpsafe(sys), t, 0, rec.func, "after", C_ABSOLUTE);

            vt.advanceTo(20 * SBT_1MS);

            assertEquals(List.of("before", "after"), rec.events);
        }
    }

    /** Decision 5: a throwing direct handler does not stop the rest of callout_process either. */
    @OnEveryClock
    void handlerThrows_directHandler_othersInSameScanStillRun(Clocks clocks) {
        FailureLog log = new FailureLog();
        try (Rig rig = new Rig(clocks, 0, b -> b.failureHook(log))) {
            CalloutWheel sys = rig.sys;
            Recorder rec = new Recorder();
            Callout last = mpsafe(sys);
            sys.resetSbt(mpsafe(sys), SBT_1MS, 0, THROWS, null, C_ABSOLUTE | C_DIRECT_EXEC);
            sys.resetSbt(mpsafe(sys), SBT_1MS, 0, rec.func, "direct after", C_ABSOLUTE | C_DIRECT_EXEC);
            sys.resetSbt(last, SBT_1MS, 0, rec.func, "softclock after", C_ABSOLUTE);

            rig.vt.advanceTo(rig.windowEnd(last));

            assertEquals(List.of("direct after", "softclock after"), rec.events);
            assertEquals(1, log.failures.size());
        }
    }

    /** Decision 5: after a throwing handler, the next scan still runs its callouts. */
    @OnEveryClock
    void handlerThrows_nextScanStillRuns(Clocks clocks) {
        FailureLog log = new FailureLog();
        try (Rig rig = new Rig(clocks, 0, b -> b.failureHook(log))) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Recorder rec = new Recorder();
            Callout thrower = mpsafe(sys);
            sys.resetSbt(thrower, 10 * SBT_1MS, 0, THROWS, null, C_ABSOLUTE);
            vt.advanceTo(20 * SBT_1MS);
            sys.resetSbt(mpsafe(sys), 30 * SBT_1MS, 0, rec.func, "next scan", C_ABSOLUTE);

            vt.advanceTo(40 * SBT_1MS);

            assertEquals(List.of("next scan"), rec.events);
            assertEquals(-1, sys.stop(thrower), "the failed invocation ended: the callout is idle");
        }
    }

    /** Decision 5: the failure hook receives the exception and the callout. */
    @OnEveryClock
    void handlerThrows_failureHookReceivesExceptionAndCallout(Clocks clocks) {
        FailureLog log = new FailureLog();
        try (Rig rig = new Rig(clocks, 0, b -> b.failureHook(log))) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            Callout thrower = mpsafe(sys);
            sys.resetSbt(mpsafe(sys), 10 * SBT_1MS, 0, new Recorder().func, "ok", C_ABSOLUTE);
            sys.resetSbt(thrower, 10 * SBT_1MS, 0, THROWS, null, C_ABSOLUTE);

            vt.advanceTo(20 * SBT_1MS);

            assertEquals(1, log.failures.size(), "exactly one failure reported");
            assertSame(BOOM, log.failures.get(0));
            assertSame(thrower, log.callouts.get(0));
        }
    }

    /** Decision 5: the associated lock is released when the handler throws while holding it. */
    @OnEveryClock
    void handlerThrows_associatedLockIsReleased(Clocks clocks) {
        FailureLog log = new FailureLog();
        try (Rig rig = new Rig(clocks, 0, b -> b.failureHook(log))) {
            CalloutWheel sys = rig.sys;
            VirtualClock vt = rig.vt;
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            AtomicInteger heldInHandler = new AtomicInteger();
            CalloutFunc<Object> throwsHolding = x -> {
                heldInHandler.set(m.owned() ? 1 : 0);
                throw BOOM;
            };
            m.lock();
            try {
                sys.resetSbt(c, 10 * SBT_1MS, 0, throwsHolding, null, C_ABSOLUTE);
            } finally {
                m.unlock();
            }

            vt.advanceTo(20 * SBT_1MS); // dispatch on this thread

            assertEquals(1, heldInHandler.get(), "the handler ran with m held");
            assertFalse(m.owned(), "m released after the failure");
            assertTrue(m.tryLock(), "m is free");
            m.unlock();
        }
    }
}
