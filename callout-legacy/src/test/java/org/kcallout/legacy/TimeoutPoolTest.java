package org.kcallout.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;
import org.kcallout.legacy.LegacyRig.Helper;
import org.kcallout.legacy.LegacyRig.Recorder;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/**
 * {@link TimeoutPool} beyond the SPEC cases: exhaustion, the free list, the recycling caveat both
 * ways, generation-checked handles, when entries come back, Giant and in-flight cancellation, and
 * argument checks. Tests that depend on the engine's completion hook run on both profiles.
 */
final class TimeoutPoolTest {

    /* ---------------------------------------------------------------------------------------- */
    /* Exhaustion                                                                                 */

    @ParameterizedTest
    @EnumSource(Profile.class)
    void timeout_poolExhausted_throwsAndEverythingScheduledStillFires(Profile profile) {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            List<Recorder> rs = new ArrayList<>();
            List<CalloutHandle> hs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Recorder r = new Recorder(rig.sys);
                rs.add(r);
                hs.add(rig.pool.timeout(Recorder.FUNC, r, 3 + i));
            }
            CalloutHandle spare = new CalloutHandle();
            assertThrows(IllegalStateException.class, () -> rig.pool.timeout(Recorder.FUNC, rs.get(0), 1, spare));
            assertNull(spare.callout(), "a refused timeout filled in the handle");
            assertEquals(0, rig.pool.available());
            for (CalloutHandle h : hs) {
                assertTrue(h.callout().pending());
            }

            rig.vt.advanceTicks(10);
            for (Recorder r : rs) {
                assertEquals(1, r.count());
            }
            assertEquals(4, rig.pool.available());
            Recorder late = new Recorder(rig.sys);
            rig.pool.timeout(Recorder.FUNC, late, 1);
            rig.vt.advanceTicks(2);
            assertEquals(1, late.count());
        }
    }

    @Test
    void timeout_systemRefusesTheArm_changesNothing() {
        CalloutSystem sys = mock(CalloutSystem.class);
        when(sys.profile()).thenReturn(Profile.MODERN);
        doThrow(new IllegalStateException("closed")).when(sys)
                .reset(any(Callout.class), anyInt(), any(), any());
        TimeoutPool pool = TimeoutPool.create(sys, 2);
        CalloutHandle h = new CalloutHandle();

        assertThrows(IllegalStateException.class, () -> pool.timeout(Recorder.FUNC, null, 1, h));
        assertNull(h.callout());
        assertEquals(2, pool.available());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The free list                                                                              */

    @Test
    void freeList_isLifo_mostRecentlyFreedEntryIsHandedOutFirst() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h1 = rig.pool.timeout(Recorder.FUNC, a, 10);
            CalloutHandle h2 = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertNotSame(h1.callout(), h2.callout());
            rig.pool.untimeout(Recorder.FUNC, a, h1);
            rig.pool.untimeout(Recorder.FUNC, a, h2);

            assertSame(h2.callout(), rig.pool.timeout(Recorder.FUNC, a, 10).callout());
            assertSame(h1.callout(), rig.pool.timeout(Recorder.FUNC, a, 10).callout());
        }
    }

    @Test
    void freeList_initialOrder_handsOutTheLastEntryFirstAsFreeBsdDoes() {
        try (LegacyRig rig = new LegacyRig(3)) {
            Recorder a = new Recorder(rig.sys);
            assertEquals("CalloutHandle[entry #2, generation 1]", rig.pool.timeout(Recorder.FUNC, a, 1).toString());
            assertEquals("CalloutHandle[entry #1, generation 1]", rig.pool.timeout(Recorder.FUNC, a, 1).toString());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The recycling caveat                                                                       */

    @Test
    void untimeout_staleHandleSameFuncAndArgAfterCancel_cancelsTheNewerTimeout() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, stale));
            CalloutHandle fresh = rig.pool.timeout(Recorder.FUNC, a, 20);
            assertSame(stale.callout(), fresh.callout(), "LIFO free list: the freed entry comes back first");

            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, stale), "FreeBSD's caveat: the stale handle matches");
            rig.vt.advanceTicks(30);
            assertEquals(0, a.count(), "the newer timeout was not cancelled");
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void untimeout_staleHandleSameFuncAndArgAfterFiring_cancelsTheNewerTimeout() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 1);
            rig.vt.advanceTicks(2);
            assertEquals(1, a.count());
            CalloutHandle fresh = rig.pool.timeout(Recorder.FUNC, a, 5);
            assertSame(stale.callout(), fresh.callout());

            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, stale));
            rig.vt.advanceTicks(10);
            assertEquals(1, a.count(), "the newer timeout ran");
        }
    }

    @Test
    void untimeout_staleHandleDifferentArg_isNoOpAndNewerTimeoutRuns() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            Recorder b = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 10);
            rig.pool.untimeout(Recorder.FUNC, a, stale);
            CalloutHandle fresh = rig.pool.timeout(Recorder.FUNC, b, 20);
            assertSame(stale.callout(), fresh.callout());

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, stale));
            rig.vt.advanceTicks(30);
            assertEquals(1, b.count());
            assertEquals(0, a.count());
        }
    }

    @Test
    void untimeout_staleHandleDifferentFunc_isNoOpAndNewerTimeoutRuns() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 10);
            rig.pool.untimeout(Recorder.FUNC, a, stale);
            CalloutHandle fresh = rig.pool.timeout(Recorder.OTHER, a, 20);
            assertSame(stale.callout(), fresh.callout());

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, stale));
            rig.vt.advanceTicks(30);
            assertEquals(1, a.count());
        }
    }

    @Test
    void untimeout_staleHandleOfFreeEntry_isNoOp() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 1);
            rig.vt.advanceTicks(2);

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void untimeout_calledTwice_secondIsNoOp() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, h));
            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void untimeout_nullArgument_matchesANullArgument() {
        try (LegacyRig rig = new LegacyRig(8)) {
            List<Object> seen = new ArrayList<>();
            CalloutFunc<Object> f = seen::add;
            CalloutHandle h = rig.pool.timeout(f, null, 10);
            assertTrue(rig.pool.untimeout(f, null, h));
            rig.vt.advanceTicks(20);
            assertTrue(seen.isEmpty());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Generation-checked handles                                                                 */

    @Test
    void generationChecked_staleHandleSameFuncAndArg_isNoOpAndNewerTimeoutRuns() {
        try (LegacyRig rig = new LegacyRig(Profile.MODERN, 8, true)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, stale));
            CalloutHandle fresh = rig.pool.timeout(Recorder.FUNC, a, 20);
            assertSame(stale.callout(), fresh.callout());

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, stale));
            assertTrue(fresh.callout().pending());
            rig.vt.advanceTicks(30);
            assertEquals(1, a.count());
        }
    }

    @Test
    void generationChecked_staleHandleAfterFiring_isNoOp() {
        try (LegacyRig rig = new LegacyRig(Profile.MODERN, 8, true)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 1);
            rig.vt.advanceTicks(2);
            rig.pool.timeout(Recorder.FUNC, a, 5);

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, stale));
            rig.vt.advanceTicks(10);
            assertEquals(2, a.count());
        }
    }

    @Test
    void generationChecked_currentHandle_cancels() {
        try (LegacyRig rig = new LegacyRig(Profile.MODERN, 8, true)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 10);
            rig.pool.untimeout(Recorder.FUNC, a, stale);
            CalloutHandle fresh = rig.pool.timeout(Recorder.FUNC, a, 20);

            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, fresh));
            rig.vt.advanceTicks(30);
            assertEquals(0, a.count());
            assertTrue(rig.pool.generationChecked());
        }
    }

    @Test
    void generationChecked_stillChecksFuncAndArg() {
        try (LegacyRig rig = new LegacyRig(Profile.MODERN, 8, true)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            assertFalse(rig.pool.untimeout(Recorder.OTHER, a, h));
            assertFalse(rig.pool.untimeout(Recorder.FUNC, new Recorder(rig.sys), h));
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* When entries come back                                                                     */

    /** The state a probe handler saw while it ran. */
    static final class Probe {
        static final CalloutFunc<Probe> FUNC = Probe::run;
        static final CalloutFunc<Probe> NOOP = p -> { };

        final TimeoutPool pool;
        int availableInside = -1;
        CalloutHandle own;
        CalloutHandle inner;
        boolean ownUntimeout = true;

        Probe(TimeoutPool pool) {
            this.pool = pool;
        }

        private static void run(Probe p) {
            p.availableInside = p.pool.available();
            p.ownUntimeout = p.pool.untimeout(FUNC, p, p.own);
            p.inner = p.pool.timeout(NOOP, p, 5);
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void entry_whileItsHandlerRuns_isNotFreeAndNotReused(Profile profile) {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            Probe p = new Probe(rig.pool);
            p.own = rig.pool.timeout(Probe.FUNC, p, 1);
            rig.vt.advanceTicks(2);

            assertEquals(3, p.availableInside, "the running entry was already free");
            assertFalse(p.ownUntimeout, "untimeout of a running timeout cancelled something");
            assertNotSame(p.own.callout(), p.inner.callout(), "a handler's timeout reused the handler's entry");
            assertEquals(3, rig.pool.available(), "inner is pending, the handler's entry is back");
            assertSame(p.own.callout(), rig.pool.timeout(Probe.NOOP, p, 1).callout(),
                    "the entry freed after the handler is not the free-list head");
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void entry_handlerThrows_failureReportedAndEntryReturned(Profile profile) {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            RuntimeException boom = new RuntimeException("boom");
            CalloutFunc<RuntimeException> thrower = x -> {
                throw x;
            };
            CalloutHandle h = rig.pool.timeout(thrower, boom, 1);
            rig.vt.advanceTicks(2);

            assertEquals(List.of(boom), rig.failures);
            assertEquals(4, rig.pool.available());
            assertFalse(rig.sys.giant().owned());
            assertSame(h.callout(), rig.pool.timeout(thrower, boom, 1).callout());
        }
    }

    @Test
    void entries_liveOnTheDefaultCpuAndNeverMigrate() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).defaultCpu(1).clock(vt).build()) {
            TimeoutPool pool = TimeoutPool.create(sys, 2);
            Recorder a = new Recorder(sys);
            assertEquals(1, pool.cpu());
            CalloutHandle h = pool.timeout(Recorder.FUNC, a, 1);
            assertEquals(1, h.callout().cpu());
            vt.advanceTicks(2);
            assertEquals(1, a.count());
            assertEquals(1, pool.timeout(Recorder.FUNC, a, 1).callout().cpu());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Giant and the in-flight invocation (SPEC §7: untimeout calls callout_stop)                 */

    @ParameterizedTest
    @EnumSource(Profile.class)
    void untimeout_byGiantOwnerWhileDispatcherWaitsForGiant_cancelsAndReturnsEntryAfterSkip(Profile profile)
            throws Exception {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            Recorder a = new Recorder(rig.sys);
            CalloutLock giant = rig.sys.giant();
            Helper advance;
            CalloutHandle h;
            giant.lock();
            try {
                h = rig.pool.timeout(Recorder.FUNC, a, 1);
                advance = LegacyRig.helper("advance", () -> rig.vt.advanceTicks(3));
                assertTrue(rig.awaitLockWait());

                assertTrue(rig.pool.untimeout(Recorder.FUNC, a, h));
                assertEquals(3, rig.pool.available(), "returned while the dispatcher still holds it");
                assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h), "cancelled twice");
            } finally {
                giant.unlock();
            }
            advance.joinChecked();

            assertEquals(0, a.count());
            assertEquals(4, rig.pool.available());
            assertSame(h.callout(), rig.pool.timeout(Recorder.FUNC, a, 1).callout());
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void untimeout_byNonOwnerWhileDispatcherWaitsForGiant_doesNotCancel(Profile profile) throws Exception {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            Recorder a = new Recorder(rig.sys);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Helper holder = LegacyRig.helper("giant-holder", () -> {
                rig.sys.giant().lock();
                try {
                    held.countDown();
                    release.await();
                } finally {
                    rig.sys.giant().unlock();
                }
            });
            assertTrue(held.await(LegacyRig.SAFETY.toMillis(), TimeUnit.MILLISECONDS));
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 1);
            Helper advance = LegacyRig.helper("advance", () -> rig.vt.advanceTicks(3));
            assertTrue(rig.awaitLockWait());

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            release.countDown();
            holder.joinChecked();
            advance.joinChecked();

            assertEquals(1, a.count());
            assertEquals(4, rig.pool.available());
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void untimeout_byGiantOwnerOfPendingTimeout_removesItAndReturnsEntryAtOnce(Profile profile) {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            rig.sys.giant().lock();
            try {
                assertTrue(rig.pool.untimeout(Recorder.FUNC, a, h));
                assertEquals(4, rig.pool.available());
            } finally {
                rig.sys.giant().unlock();
            }
            rig.vt.advanceTicks(20);
            assertEquals(0, a.count());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Handles and arguments                                                                      */

    @Test
    void timeout_intoHandle_fillsItInAndReturnsIt() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = new CalloutHandle();
            assertSame(h, rig.pool.timeout(Recorder.FUNC, a, 10, h));
            assertTrue(h.callout().pending());
            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, h));
        }
    }

    @Test
    void clear_handleOfPendingTimeout_untimeoutIsNoOpAndTimeoutStillFires() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            h.clear();
            assertNull(h.callout());

            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
        }
    }

    @Test
    void arguments_nullFuncOrHandle_rejected() {
        try (LegacyRig rig = new LegacyRig(8)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = new CalloutHandle();
            assertThrows(IllegalArgumentException.class, () -> rig.pool.timeout(null, a, 1));
            assertThrows(IllegalArgumentException.class, () -> rig.pool.timeout(null, a, 1, h));
            assertThrows(IllegalArgumentException.class, () -> rig.pool.timeout(Recorder.FUNC, a, 1, null));
            assertThrows(IllegalArgumentException.class, () -> rig.pool.untimeout(null, a, h));
            assertThrows(IllegalArgumentException.class, () -> rig.pool.untimeout(Recorder.FUNC, a, null));
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void untimeout_handleOfAnotherPool_rejected() {
        try (LegacyRig rig = new LegacyRig(8)) {
            TimeoutPool other = TimeoutPool.create(rig.sys, 2);
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = other.timeout(Recorder.FUNC, a, 10);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rig.pool.untimeout(Recorder.FUNC, a, h));
            assertTrue(e.getMessage().contains("another timeout pool"), e.getMessage());
            assertTrue(h.callout().pending());
        }
    }

    @Test
    void builder_badArguments_rejectedNamingTheValue() {
        try (LegacyRig rig = new LegacyRig(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TimeoutPool.create(rig.sys, 0));
            assertTrue(e.getMessage().contains("got 0"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TimeoutPool.create(null, 4));
            assertEquals(TimeoutPool.NCALLOUT_DEFAULT, TimeoutPool.builder(rig.sys).build().ncallout());
        }
    }
}
