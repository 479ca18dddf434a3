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

/**
 * The scan's use of {@link Bucket#sorted} and its refusal to nest: a bucket armed in time order ends
 * its part of {@code callout_process} early, and every way a bucket can stop being in order makes
 * the scan read all of it again, so what expires and when is the same as with FreeBSD's full scans.
 * {@link WheelModelPropertyTest} checks the same against a model over random arms.
 */
final class SortedBucketScanTest {
    /** Width of one bucket: 2^24 sbt. */
    private static final long BUCKET = 1L << CalloutCpu.HASH_SHIFT;

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
        VirtualEventTimer vt = new VirtualEventTimer();
        Log log = new Log();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).build()) {
            log.sys = sys;
            CalloutCpu cc = sys.cpu(0);
            long t0 = nextBucketStart(vt.now());
            Bucket b = cc.callwheel[cc.bucket(t0)];
            armAt(sys, t0 + SBT_1MS, log.func(), "c1", 0);
            armAt(sys, t0 + 2 * SBT_1MS, log.func(), "c2", 0);
            armAt(sys, t0 + 2 * SBT_1MS, log.func(), "c2b", 0); // equal times keep the order
            armAt(sys, t0 + 3 * SBT_1MS, log.func(), "c3", 0);
            assertTrue(b.sorted, "arms in time order");

            vt.advanceTo(t0 + SBT_1MS);
            assertEquals(List.of("c1"), log.names);
            assertEquals(t0 + 2 * SBT_1MS, sys.clock().nextcall(0), "the early stop still found the next event");

            armAt(sys, t0 + SBT_1MS + SBT_1MS / 2, log.func(), "c0", 0); // before the tail c3
            assertFalse(b.sorted, "an arm before the tail's time");
            vt.advanceTo(t0 + 3 * SBT_1MS);
            assertEquals(List.of("c1", "c0", "c2", "c2b", "c3"), log.names);
            assertEquals(List.of(t0 + SBT_1MS, t0 + SBT_1MS + SBT_1MS / 2, t0 + 2 * SBT_1MS, t0 + 2 * SBT_1MS,
                    t0 + 3 * SBT_1MS), log.times);

            armAt(sys, t0 + 3 * SBT_1MS + 10, log.func(), "again", 0); // the bucket is empty again
            assertTrue(b.sorted, "an empty bucket starts sorted");
        }
    }

    @Test
    void directHandlerArmingDueCalloutBehindTheStopPoint_isStillExpiredInTheSameScan() {
        VirtualEventTimer vt = new VirtualEventTimer();
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

            assertTrue(sys.calloutProcess(0, t0 + SBT_1MS), "X waits in the expire queue");
            assertEquals(List.of("D"), log.names);
            assertTrue(x.pending());
            assertTrue((x.iflags() & CALLOUT_PROCESSED) != 0, "X was moved by the scan that ran D");
            assertEquals(1, sys.softclock(0));
            assertEquals(List.of("D", "X"), log.names);
        }
    }

    @Test
    void calloutProcessFromADirectHandler_returnsWithoutScanningAgain() {
        VirtualEventTimer vt = new VirtualEventTimer();
        Log log = new Log();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(1).build()) {
            log.sys = sys;
            long t0 = nextBucketStart(vt.now());
            CalloutFunc<String> f = log.func();
            boolean[] nested = new boolean[1];
            CalloutFunc<String> d = name -> {
                log.names.add(name);
                nested[0] = sys.calloutProcess(0, sys.sbinuptime());
            };
            armAt(sys, t0 + SBT_1MS, f, "N1", 0);
            armAt(sys, t0 + SBT_1MS, d, "D", C_DIRECT_EXEC);
            armAt(sys, t0 + SBT_1MS, f, "N2", 0);

            vt.advanceTo(t0 + SBT_1MS);
            assertEquals(List.of("D", "N1", "N2"), log.names, "each ran once: the nested call scanned nothing");
            assertTrue(nested[0], "N1 was already in the expire queue when D asked");
        }
    }
}
