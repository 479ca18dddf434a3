package org.kcallout.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.Profile;
import org.kcallout.legacy.LegacyRig.Recorder;

/**
 * SPEC §11 "Legacy timeout(9)", cases 63 to 70, on the engine's virtual clock (hz = 1000, MODERN,
 * default CPU 0).
 */
final class TimeoutSpecTest {

    @Test
    void spec63_timeout_returnsEntryAndRunsAboutTenTicksLaterWithGiantHeld() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            int t0 = rig.sys.ticks();
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertNotNull(h.callout());
            assertTrue(h.callout().pending());

            rig.vt.advanceTicks(9);
            assertEquals(0, a.count(), "ran before its tenth tick");
            rig.vt.advanceTicks(2);
            assertEquals(1, a.count());
            LegacyRig.Call call = a.calls.get(0);
            assertSame(a, call.arg);
            assertTrue(call.giantHeld, "handler ran without Giant");
            assertEquals(10, call.ticks - t0, "ran in the wrong hardclock slot");
            assertFalse(rig.sys.giant().owned(), "Giant still held after the handler");
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void spec63_entry_isGiantLockedOnTheDefaultCpu() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Callout c = rig.pool.timeout(Recorder.FUNC, new Recorder(rig.sys), 10).callout();
            assertSame(rig.sys.giant(), c.lock());
            assertEquals(rig.sys.defaultCpu(), c.cpu());
            assertEquals(0, c.iflags() & CalloutFlags.CALLOUT_RETURNUNLOCKED, "entry is MP-safe");
        }
    }

    @Test
    void spec64_untimeoutBeforeExpiry_handlerNeverRunsAndEntryReturnsToFreeListHead() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertEquals(7, rig.pool.available());

            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, h));
            assertFalse(h.callout().pending());
            assertEquals(8, rig.pool.available());
            rig.vt.advanceTicks(30);
            assertEquals(0, a.count());

            // Seven other entries are free, yet the next timeout gets this one: it is the head.
            CalloutHandle next = rig.pool.timeout(Recorder.FUNC, new Recorder(rig.sys), 5);
            assertSame(h.callout(), next.callout());
        }
    }

    @Test
    void spec65_untimeoutWithOtherFunc_doesNothingAndTimeoutStillRuns() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);

            assertFalse(rig.pool.untimeout(Recorder.OTHER, a, h));
            assertTrue(h.callout().pending());
            assertEquals(7, rig.pool.available());
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
        }
    }

    @Test
    void spec65_untimeoutWithOtherArg_doesNothingAndTimeoutStillRuns() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            Recorder b = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);

            assertFalse(rig.pool.untimeout(Recorder.FUNC, b, h));
            assertTrue(h.callout().pending());
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
            assertEquals(0, b.count());
        }
    }

    @Test
    void spec67_untimeoutWithCalloutHandleInit_isNoOp() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            rig.pool.timeout(Recorder.FUNC, a, 10);
            CalloutHandle h = new CalloutHandle();
            LegacyTimeout.callout_handle_init(h);

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            assertEquals(7, rig.pool.available());
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
        }
    }

    @Test
    void spec67_untimeoutWithCalloutHandleInitializer_isNoOp() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            rig.pool.timeout(Recorder.FUNC, a, 10);
            CalloutHandle h = LegacyTimeout.CALLOUT_HANDLE_INITIALIZER();

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
        }
    }

    @Test
    void spec68_allEntriesOutstanding_timeoutThrowsTimeoutTableFull() {
        try (LegacyRig rig = new LegacyRig(4)) {
            Recorder a = new Recorder(rig.sys);
            for (int i = 0; i < 4; i++) {
                rig.pool.timeout(Recorder.FUNC, a, 10 + i);
            }
            assertEquals(0, rig.pool.available());

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> rig.pool.timeout(Recorder.FUNC, a, 10));
            assertTrue(e.getMessage().startsWith("timeout table full"), e.getMessage());
            assertTrue(e.getMessage().contains("ncallout = 4"), e.getMessage());
        }
    }

    @Test
    void spec69_zeroOrNegativeTicks_fireAfterOneTick() {
        try (LegacyRig rig = new LegacyRig(8)) {
            long slot = rig.sys.hardclocktime(0);
            long oneTick = slot + rig.sys.tickSbt();
            Recorder a = new Recorder(rig.sys);
            CalloutHandle zero = rig.pool.timeout(Recorder.FUNC, a, 0);
            CalloutHandle negative = rig.pool.timeout(Recorder.FUNC, a, -5);
            CalloutHandle one = rig.pool.timeout(Recorder.FUNC, a, 1);
            assertEquals(oneTick, one.callout().time());
            assertEquals(oneTick, zero.callout().time());
            assertEquals(oneTick, negative.callout().time());
            assertEquals(one.callout().precision(), zero.callout().precision());

            rig.vt.advanceTo(oneTick - 1);
            assertEquals(0, a.count(), "ran before one tick");
            rig.vt.advanceTicks(2);
            assertEquals(3, a.count());
        }
    }

    /**
     * V9 keys callouts on the {@code int} tick counter: with {@code ticks == INT_MAX - 2},
     * {@code callout_reset(c, 5, ...)} stores {@code c_time == INT_MIN + 2} and softclock runs it when
     * {@code ticks} reaches that value. kcallout keys on sbintime instead: {@code c_time} is the last
     * hardclock slot plus {@code 5 * tick_sbt}, and {@code ticks} counts hardclock slots, so "ticks
     * reaches {@code INT_MIN + 2}" is "the fifth hardclock slot after the arm has begun", which is
     * where the callout's window starts. The case therefore reads: armed at tick {@code INT_MAX - 2},
     * the handler runs exactly when {@code ticks} has advanced by 5 (to {@code INT_MIN + 2}, across the
     * wrap), not one tick earlier.
     */
    @Test
    void spec70_ticksNearIntMax_firesWhenTicksAdvancedByFiveAcrossTheWrap() {
        try (LegacyRig rig = new LegacyRig(Profile.MODERN, 8, false, LegacyRig.START, Integer.MAX_VALUE - 2)) {
            int t0 = rig.sys.ticks();
            assertEquals(Integer.MAX_VALUE - 2, t0);
            long slot = rig.sys.hardclocktime(0);
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 5);
            assertEquals(slot + 5 * rig.sys.tickSbt(), h.callout().time());

            rig.vt.advanceTicks(4);
            assertEquals(Integer.MIN_VALUE + 1, rig.sys.ticks());
            assertEquals(0, a.count(), "ran before ticks advanced by 5");
            rig.vt.advanceTicks(2);
            assertEquals(1, a.count());
            int fired = a.calls.get(0).ticks;
            assertEquals(Integer.MIN_VALUE + 2, fired);
            assertEquals(5, fired - t0);
        }
    }
}
