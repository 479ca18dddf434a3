package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.CALLOUT_PROCESSED;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.kern.KernTestAccess;

/**
 * How the scan reads less than FreeBSD's without changing its results: a bucket armed in time order
 * ends its part of {@code callout_process} early (and every way a bucket can stop being in order
 * makes the scan read all of it again), a scan expires at most {@code scanBatch} callouts per hold
 * of the CPU lock, and {@code callout_process} refuses to nest. {@link WheelModelPropertyTest}
 * checks the same against a model over random arms.
 */
final class SortedBucketScanTest {
    /** Width of one bucket: 2^24 sbt. */
    private static final long BUCKET = 1L << KernTestAccess.HASH_SHIFT;

    /** Records which callout ran, and at what virtual time. */
    private static final class Log {
        final List<String> names = new CopyOnWriteArrayList<>();
        final List<Long> times = new CopyOnWriteArrayList<>();
        CalloutWheel sys;

        CalloutFunc<String> func() {
            return name -> {
                names.add(name);
                times.add(sys.sbinuptime());
            };
        }
    }

    private static Callout armAt(CalloutWheel sys, long time, CalloutFunc<String> f, String name, int flags) {
        Callout c = new Callout();
        sys.init(c, true);
        sys.resetSbt(c, time, 0, f, name, C_ABSOLUTE | flags);
        return c;
    }

    /** The start of the bucket after the one holding {@code now}: three 1 ms steps stay in it. */
    private static long nextBucketStart(long now) {
        return (now & -BUCKET) + BUCKET;
    }

    @Test
    void bucketArmedInTimeOrder_staysSorted_andAnEarlierArmUnsortsIt() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        Log log = new Log();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).build()) {
            log.sys = sys;
            long t0 = nextBucketStart(vt.now());
            armAt(sys, t0 + SBT_1MS, log.func(), "c1", 0);
            armAt(sys, t0 + 2 * SBT_1MS, log.func(), "c2", 0);
            armAt(sys, t0 + 2 * SBT_1MS, log.func(), "c2b", 0); // equal times keep the order
            armAt(sys, t0 + 3 * SBT_1MS, log.func(), "c3", 0);
            assertTrue(KernTestAccess.bucketSorted(sys.engine, 0, t0), "arms in time order");

            vt.advanceTo(t0 + SBT_1MS);
            assertEquals(List.of("c1"), log.names);
            assertEquals(t0 + 2 * SBT_1MS, sys.clock().nextcall(0), "the early stop still found the next event");

            armAt(sys, t0 + SBT_1MS + SBT_1MS / 2, log.func(), "c0", 0); // before the tail c3
            assertFalse(KernTestAccess.bucketSorted(sys.engine, 0, t0), "an arm before the tail's time");
            vt.advanceTo(t0 + 3 * SBT_1MS);
            assertEquals(List.of("c1", "c0", "c2", "c2b", "c3"), log.names);
            assertEquals(List.of(t0 + SBT_1MS, t0 + SBT_1MS + SBT_1MS / 2, t0 + 2 * SBT_1MS, t0 + 2 * SBT_1MS,
                    t0 + 3 * SBT_1MS), log.times);

            armAt(sys, t0 + 3 * SBT_1MS + 10, log.func(), "again", 0); // the bucket is empty again
            assertTrue(KernTestAccess.bucketSorted(sys.engine, 0, t0), "an empty bucket starts sorted");
        }
    }

    @Test
    void directHandlerArmingDueCalloutBehindTheStopPoint_isStillExpiredInTheSameScan() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        Log log = new Log();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).build()) {
            log.sys = sys;
            long t0 = nextBucketStart(vt.now());
            Callout x = new Callout();
            sys.init(x, true);
            CalloutFunc<String> f = log.func();
            // D runs inside callout_process and arms X "now"; X is appended behind Y, so the bucket
            // is no longer in order and the scan must not stop at Y (which is not mergeable: W's
            // window ends first).
            CalloutFunc<String> d = name -> {
                log.names.add(name);
                log.times.add(sys.sbinuptime());
                sys.resetSbt(x, 0, 0, f, "X", 0);
            };
            armAt(sys, t0 + SBT_1MS, d, "D", C_DIRECT_EXEC);
            armAt(sys, t0 + SBT_1MS + 100, f, "W", 0);
            armAt(sys, t0 + 3 * SBT_1MS, f, "Y", 0);

            assertTrue(WheelProbe.of(sys).calloutProcess(0, t0 + SBT_1MS), "X waits in the expire queue");
            assertEquals(List.of("D"), log.names);
            assertTrue(x.pending());
            assertTrue((x.iflags() & CALLOUT_PROCESSED) != 0, "X was moved by the scan that ran D");
            assertEquals(1, WheelProbe.of(sys).softclock(0));
            assertEquals(List.of("D", "X"), log.names);
        }
    }

    @Test
    void calloutProcessFromADirectHandler_returnsWithoutScanningAgain() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        Log log = new Log();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).build()) {
            log.sys = sys;
            long t0 = nextBucketStart(vt.now());
            CalloutFunc<String> f = log.func();
            boolean[] nested = new boolean[1];
            CalloutFunc<String> d = name -> {
                log.names.add(name);
                nested[0] = WheelProbe.of(sys).calloutProcess(0, sys.sbinuptime());
            };
            armAt(sys, t0 + SBT_1MS, f, "N1", 0);
            armAt(sys, t0 + SBT_1MS, d, "D", C_DIRECT_EXEC);
            armAt(sys, t0 + SBT_1MS, f, "N2", 0);

            vt.advanceTo(t0 + SBT_1MS);
            assertEquals(List.of("D", "N1", "N2"), log.names, "each ran once: the nested call scanned nothing");
            assertTrue(nested[0], "N1 was already in the expire queue when D asked");
        }
    }

    /**
     * Arms twelve callouts, three of them direct, in two buckets: bucket A ({@code t0}) holds
     * c0, c3, c6, c9 and bucket B ({@code t0 + BUCKET}) the rest, each bucket out of time order; all
     * are due at {@code t0 + BUCKET + 2 ms}. A thirteenth, later one gives the scan a next event.
     */
    private static List<Callout> armTwelve(CalloutWheel sys, long t0, CalloutFunc<String> f) {
        List<Callout> cs = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long bucketStart = i % 3 == 0 ? t0 : t0 + BUCKET;
            long time = bucketStart + (i % 2 == 0 ? SBT_1MS : 2 * SBT_1MS) - i * 7L;
            cs.add(armAt(sys, time, f, "c" + i, i % 4 == 1 ? C_DIRECT_EXEC : 0));
        }
        cs.add(armAt(sys, t0 + 2 * BUCKET + SBT_1MS, f, "late", 0));
        return cs;
    }

    @Test
    void scanBatch_calloutProcessExpiresEverythingDue_sameOrderAndNextEventAsOneUnboundedScan() {
        List<List<String>> orders = new java.util.ArrayList<>();
        List<Long> nextcalls = new java.util.ArrayList<>();
        for (int batch : new int[] {Integer.MAX_VALUE, 5, 1}) {
            VirtualTicklessClock vt = new VirtualTicklessClock();
            Log log = new Log();
            try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).scanBatch(batch).build()) {
                assertEquals(batch, sys.scanBatch());
                log.sys = sys;
                long t0 = nextBucketStart(vt.now());
                List<Callout> cs = armTwelve(sys, t0, log.func());
                long now = t0 + BUCKET + 2 * SBT_1MS;
                assertTrue(WheelProbe.of(sys).calloutProcess(0, now));
                assertEquals(List.of("c9", "c1", "c5"), log.names, "direct callouts run inside callout_process, batch " + batch);
                for (Callout c : cs.subList(0, 12)) {
                    assertTrue(!c.pending() || (c.iflags() & CALLOUT_PROCESSED) != 0, "a due callout left on the wheel, batch " + batch);
                }
                assertEquals(now, WheelProbe.of(sys).lastscan(0));
                assertTrue(cs.get(12).pending() && (cs.get(12).iflags() & CALLOUT_PROCESSED) == 0, "the late one stays");
                nextcalls.add(sys.clock().nextcall(0));
                assertEquals(9, WheelProbe.of(sys).softclock(0));
                orders.add(List.copyOf(log.names));
            }
        }
        assertEquals(orders.get(0), orders.get(1), "batch 5 against an unbounded scan");
        assertEquals(orders.get(0), orders.get(2), "batch 1 against an unbounded scan");
        assertEquals(nextcalls.get(0), nextcalls.get(1));
        assertEquals(nextcalls.get(0), nextcalls.get(2));
    }

    @Test
    void scanBatch_oneBatch_stopsAtTheFirstCalloutLeft_andAsksForAnEventAtOnce() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        Log log = new Log();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).scanBatch(3).build()) {
            log.sys = sys;
            long t0 = nextBucketStart(vt.now());
            List<Callout> cs = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                cs.add(armAt(sys, t0 + SBT_1MS + i, log.func(), "c" + i, 0));
            }
            long now = t0 + 2 * SBT_1MS;
            sys.engine.calloutProcess(0, now, true);
            for (int i = 0; i < 5; i++) {
                assertEquals(i < 3, (cs.get(i).iflags() & CALLOUT_PROCESSED) != 0, "c" + i + " moved by the first batch");
            }
            assertEquals(cs.get(3).time(), WheelProbe.of(sys).lastscan(0), "the next scan starts at the first callout left");
            assertTrue(sys.clock().nextcall(0) <= now, "and is due at once");
            assertEquals(now, WheelProbe.of(sys).firstevent(0));
            assertEquals(3, WheelProbe.of(sys).softclock(0));
            sys.engine.calloutProcess(0, now, true);
            assertEquals(2, WheelProbe.of(sys).softclock(0));
            assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), log.names);
            assertEquals(now, WheelProbe.of(sys).lastscan(0), "a batch that holds everything due ends like FreeBSD's scan");
        }
    }

    @Test
    void scanBatch_belowOne_isRejected() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CalloutWheel.builder().scanBatch(0));
        assertTrue(e.getMessage().contains("scanBatch") && e.getMessage().contains("0"), e.getMessage());
        try (CalloutWheel sys = CalloutWheel.builder().clock(new VirtualTicklessClock()).build()) {
            assertEquals(CalloutWheel.DEFAULT_SCAN_BATCH, sys.scanBatch());
        }
    }
}
