package org.kcallout.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;
import org.kcallout.legacy.LegacyRig.Helper;
import org.kcallout.legacy.LegacyRig.Recorder;

/**
 * {@link TimeoutPool} and {@link CalloutSystem#close()}: a closed pool refuses {@code timeout()}
 * before it takes an entry, cannot be built, and gets every entry back through {@code untimeout()};
 * a refused arm never costs an entry. Runs on the engine's virtual clock, and on a mock system
 * where the engine's behaviour must be forced.
 */
final class TimeoutCloseTest {
    /* Implementation notes: CalloutSystem.close() stops every pending callout (step 2 of its
     * contract). The engine in this tree predates that step and leaves them pending (its closed
     * clock never runs them); closeAsContracted() does what step 2 does, callout_stop on each entry
     * still pending, so the tests check the pool against the contract on either engine. Every wait
     * is bounded and fails with a thread dump (LegacyRig). */

    /** Closes the rig's system and stops what close leaves pending, as the close contract says it does. */
    private static void closeAsContracted(LegacyRig rig, List<CalloutHandle> handles) {
        rig.sys.close();
        for (CalloutHandle h : handles) {
            Callout c = h.callout();
            assertFalse(c != null && c.pending(), "close() stops every pending callout");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* timeout() after close                                                                      */

    @ParameterizedTest
    @EnumSource(Profile.class)
    void timeout_systemClosed_throwsNamingTimeoutAndFreeCountUnchanged(Profile profile) {
        try (LegacyRig rig = new LegacyRig(profile, 8, false)) {
            Recorder a = new Recorder(rig.sys);
            rig.sys.close();
            int before = rig.pool.available();

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> rig.pool.timeout(Recorder.FUNC, a, 10));
            assertTrue(e.getMessage().startsWith("timeout: ") && e.getMessage().contains("closed"), e.getMessage());
            CalloutHandle h = new CalloutHandle();
            assertThrows(IllegalStateException.class, () -> rig.pool.timeout(Recorder.FUNC, a, 10, h));
            assertNull(h.callout(), "a refused timeout filled in the handle");

            assertEquals(8, before);
            assertEquals(before, rig.pool.available(), "a refused timeout used up an entry");
        }
    }

    @Test
    void timeout_systemClosedButEngineWouldAcceptTheArm_refusedWithoutAskingTheEngine() {
        CalloutSystem sys = mock(CalloutSystem.class);
        when(sys.profile()).thenReturn(Profile.MODERN);
        TimeoutPool pool = TimeoutPool.create(sys, 2);
        when(sys.isClosed()).thenReturn(true);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> pool.timeout(Recorder.FUNC, null, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        verify(sys, never()).reset(any(Callout.class), anyInt(), any(), any());
        assertEquals(2, pool.available());
    }

    @Test
    void timeout_closedAndFull_reportsClosedNotTableFull() {
        try (LegacyRig rig = new LegacyRig(1)) {
            rig.pool.timeout(Recorder.FUNC, new Recorder(rig.sys), 10);
            rig.sys.close();

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> rig.pool.timeout(Recorder.FUNC, null, 1));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertFalse(e.getMessage().contains("table full"), e.getMessage());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* A refused arm                                                                              */

    @Test
    void timeout_engineArmThrowsAnyRuntimeException_entryStaysAtTheFreeListHead() {
        CalloutSystem sys = mock(CalloutSystem.class);
        when(sys.profile()).thenReturn(Profile.MODERN);
        when(sys.reset(any(Callout.class), anyInt(), any(), any()))
                .thenThrow(new UnsupportedOperationException("refused"))
                .thenThrow(new IllegalArgumentException("refused"))
                .thenThrow(new ConcurrentModificationException("refused"))
                .thenReturn(0);
        TimeoutPool pool = TimeoutPool.create(sys, 2);
        CalloutHandle h = new CalloutHandle();

        assertThrows(UnsupportedOperationException.class, () -> pool.timeout(Recorder.FUNC, null, 1, h));
        assertThrows(IllegalArgumentException.class, () -> pool.timeout(Recorder.FUNC, null, 1, h));
        assertThrows(ConcurrentModificationException.class, () -> pool.timeout(Recorder.FUNC, null, 1, h));
        assertNull(h.callout(), "a refused timeout filled in the handle");
        assertEquals(2, pool.available());

        // The free list is as it was: the next timeout gets its head, entry #1, in its first use.
        assertEquals("CalloutHandle[entry #1, generation 1]", pool.timeout(Recorder.FUNC, null, 1).toString());
        assertEquals(1, pool.available());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Building a pool                                                                            */

    @Test
    void create_closedSystem_throwsIllegalStateException() {
        try (LegacyRig rig = new LegacyRig(1)) {
            rig.sys.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TimeoutPool.create(rig.sys, 4));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            TimeoutPoolBuilder b = TimeoutPool.builder(rig.sys).ncallout(4);
            assertThrows(IllegalStateException.class, b::build);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* untimeout() after close: entries come back                                                 */

    @ParameterizedTest
    @EnumSource(Profile.class)
    void untimeout_afterClose_findsNothingToCancelAndReturnsEveryEntry(Profile profile) {
        try (LegacyRig rig = new LegacyRig(profile, 8, false)) {
            List<Recorder> rs = new ArrayList<>();
            List<CalloutHandle> hs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Recorder r = new Recorder(rig.sys);
                rs.add(r);
                hs.add(rig.pool.timeout(Recorder.FUNC, r, 10 + i));
            }
            assertEquals(5, rig.pool.available());
            closeAsContracted(rig, hs);
            assertEquals(5, rig.pool.available(), "close alone returns nothing: nobody is told");

            for (int i = 0; i < 3; i++) {
                assertFalse(hs.get(i).callout().pending());
                assertFalse(rig.pool.untimeout(Recorder.FUNC, rs.get(i), hs.get(i)), "close had cancelled it already");
            }
            assertEquals(8, rig.pool.available(), "an entry whose timeout close discarded did not come back");
            assertFalse(rig.pool.untimeout(Recorder.FUNC, rs.get(0), hs.get(0)), "second untimeout");
            assertEquals(8, rig.pool.available(), "an entry came back twice");

            assertThrows(IllegalStateException.class, () -> rig.vt.advanceTicks(20), "time stops with the system");
            for (Recorder r : rs) {
                assertEquals(0, r.count(), "a timeout ran after close");
            }
        }
    }

    @Test
    void untimeout_afterCloseWithOtherFuncOrArg_doesNotReturnTheEntry() {
        try (LegacyRig rig = new LegacyRig(Profile.MODERN, 4, true)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            closeAsContracted(rig, List.of(h));

            assertFalse(rig.pool.untimeout(Recorder.OTHER, a, h));
            assertFalse(rig.pool.untimeout(Recorder.FUNC, new Recorder(rig.sys), h));
            assertEquals(3, rig.pool.available(), "untimeout of another timeout returned the entry");
            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h));
            assertEquals(4, rig.pool.available());
        }
    }

    @Test
    void untimeout_afterCloseOnAnEngineThatLeftItPending_cancelsItAndReturnsTheEntry() {
        try (LegacyRig rig = new LegacyRig(4)) {
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 10);
            rig.sys.close();
            boolean leftPending = h.callout().pending();

            // On an engine without close's step 2 the stop removes it now; with it, close did.
            assertEquals(leftPending, rig.pool.untimeout(Recorder.FUNC, a, h));
            assertEquals(4, rig.pool.available());
            assertFalse(h.callout().pending());
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void untimeout_afterCloseWhileDispatcherWaitsForGiant_handlerNeverRunsAndEntryComesBack(Profile profile)
            throws Exception {
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
            assertTrue(held.await(LegacyRig.SAFETY.toMillis(), TimeUnit.MILLISECONDS), LegacyRig.threadDump());
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 1);
            Helper advance = LegacyRig.helper("advance", () -> rig.vt.advanceTicks(3));
            assertTrue(rig.awaitLockWait());

            // The closer does not hold Giant: close cancels the invocation waiting for it (the
            // dispatcher reads the cancel once it has Giant, which the holder keeps until close has
            // cleared ACTIVE and set the cancel, under one hold of the CPU lock), then waits for it
            // on its helper thread.
            Helper closer = LegacyRig.helper("closer", rig.sys::close);
            LegacyRig.awaitTrue("close() step 2", () -> rig.sys.isClosed() && !h.callout().active());
            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h), "cancelled without owning Giant");
            assertEquals(3, rig.pool.available(), "returned while the dispatcher still holds it");
            release.countDown();
            holder.joinChecked();
            advance.joinChecked();
            closer.joinChecked();

            assertEquals(0, a.count(), "close() cancelled the invocation before it had Giant");
            assertEquals(4, rig.pool.available(), "the entry did not come back after the skipped dispatch");
            assertTrue(rig.failures.isEmpty(), rig.failures.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void untimeout_afterCloseByGiantOwnerWhileDispatcherWaitsForGiant_handlerNeverRunsAndEntryComesBack(
            Profile profile) throws Exception {
        try (LegacyRig rig = new LegacyRig(profile, 4, false)) {
            Recorder a = new Recorder(rig.sys);
            CalloutLock giant = rig.sys.giant();
            Helper advance;
            giant.lock();
            try {
                CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 1);
                advance = LegacyRig.helper("advance", () -> rig.vt.advanceTicks(3));
                assertTrue(rig.awaitLockWait());

                // The closer holds Giant: close cancels the waiting invocation (an engine without
                // close's step 2 leaves that to the untimeout below, which then returns true).
                rig.sys.close();
                rig.pool.untimeout(Recorder.FUNC, a, h);
                assertEquals(3, rig.pool.available(), "returned while the dispatcher still holds it");
                assertFalse(rig.pool.untimeout(Recorder.FUNC, a, h), "cancelled twice");
            } finally {
                giant.unlock();
            }
            advance.joinChecked();

            assertEquals(0, a.count(), "a cancelled timeout ran");
            assertEquals(4, rig.pool.available(), "the entry did not come back after the skip");
            assertTrue(rig.failures.isEmpty(), rig.failures.toString());
        }
    }

    @Test
    void untimeout_afterClose_onClosedMockSystemWhereStopFindsNothing_returnsTheEntryAtOnce() {
        CalloutSystem sys = mock(CalloutSystem.class);
        CalloutLock giant = mock(CalloutLock.class);
        when(sys.profile()).thenReturn(Profile.CLASSIC);
        when(sys.giant()).thenReturn(giant);
        TimeoutPool pool = TimeoutPool.create(sys, 2);
        CalloutHandle h = pool.timeout(Recorder.FUNC, null, 5);
        when(sys.isClosed()).thenReturn(true);
        when(sys.stop(h.callout())).thenReturn(0); // CLASSIC: nothing was pending, close stopped it
        when(sys.drainAsync(h.callout())).thenReturn(CompletableFuture.completedFuture(null));

        assertFalse(pool.untimeout(Recorder.FUNC, null, h));
        assertEquals(2, pool.available());
        when(sys.isClosed()).thenReturn(false); // only to read the free-list head
        assertSame(h.callout(), pool.timeout(Recorder.FUNC, null, 5).callout(), "the entry is not the free-list head");
    }
}
