package org.kcallout.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.kcallout.Profile;
import org.kcallout.legacy.LegacyRig.Recorder;

/**
 * The misuse matrix of the module's public API ({@link TimeoutPool} and its builder,
 * {@link LegacyTimeout}, {@link CalloutHandle}; {@code TimeoutEntry} is package-private): every
 * public method with null, out-of-range and overflowing values, a handle of another pool, a stale
 * handle and a closed system. A rejected call throws {@link IllegalArgumentException} (bad argument)
 * or {@link IllegalStateException} (misuse), exactly that class, with a message naming the C
 * function (or {@code timeout pool} / {@code setPool} where C has none), the rule and the offending
 * value; where {@code timeout(9)} defines the outcome (ticks {@code <= 0} mean 1, a stale or empty
 * handle makes {@code untimeout} do nothing) that is what happens. Either way nothing else changes:
 * a victim timeout armed before the call still fires exactly once, and the free count is as it was.
 * No public method takes a {@code long}, so there is no {@code Long.MAX_VALUE} case.
 */
final class TimeoutMisuseTest {
    /* Implementation notes: every case runs on the virtual clock of a LegacyRig (hz = 1000, MODERN),
     * whose pool is also installed as LegacyTimeout's default for the facade's cases. rejected() and
     * accepted() arm the victim, run the call, and check the rest of the state; a NullPointerException,
     * ArrayIndexOutOfBoundsException, ClassCastException or AssertionError fails them as an
     * exception of the wrong type. Nothing here blocks. */

    private static final int N = 8;
    /** The victim's delay: longer than any call below advances the clock, so it is still pending after the call. */
    private static final int VICTIM_TICKS = 5000;
    /** The delay of a timeout that must stay pending through several victims: 1000 s. */
    private static final int FAR = 1_000_000;

    private LegacyRig rig;
    private TimeoutPool previousDefault;

    @BeforeEach
    void setUp() {
        rig = new LegacyRig(N);
        previousDefault = LegacyTimeout.replacePool(rig.pool);
    }

    @AfterEach
    void tearDown() {
        LegacyTimeout.replacePool(previousDefault);
        rig.close();
    }

    /**
     * Arms a victim, runs {@code call}, which must throw exactly {@code type} with every fragment in
     * its message, and checks that nothing changed: same free count, victim fires exactly once.
     */
    private <T extends RuntimeException> T rejected(Class<T> type, Executable call, String... fragments) {
        Recorder victim = new Recorder(rig.sys);
        CalloutHandle vh = rig.pool.timeout(Recorder.FUNC, victim, VICTIM_TICKS);
        int free = rig.pool.available();

        T e = assertThrows(type, call);
        assertSame(type, e.getClass(), () -> "wrong exception class: " + e);
        String m = String.valueOf(e.getMessage());
        for (String f : fragments) {
            assertTrue(m.contains(f), () -> "message lacks \"" + f + "\": " + m);
        }
        victimUnharmed(victim, vh, free);
        return e;
    }

    /** As {@link #rejected}, for a call that timeout(9) defines as accepted: it must not throw. */
    private void accepted(Executable call) throws Throwable {
        Recorder victim = new Recorder(rig.sys);
        CalloutHandle vh = rig.pool.timeout(Recorder.FUNC, victim, VICTIM_TICKS);
        int free = rig.pool.available();
        call.execute();
        victimUnharmed(victim, vh, free);
    }

    private void victimUnharmed(Recorder victim, CalloutHandle vh, int free) {
        assertEquals(free, rig.pool.available(), "the call changed the free count");
        assertTrue(vh.callout().pending(), "the victim is no longer pending");
        rig.vt.advanceTicks(VICTIM_TICKS + VICTIM_TICKS / 8 + 2); // past the precision allowance (1/16)
        assertEquals(1, victim.count(), "the victim did not fire exactly once");
        assertEquals(free + 1, rig.pool.available(), "the victim's entry did not come back");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* TimeoutPool.create, builder, TimeoutPoolBuilder.ncallout, .build                              */

    @Test
    void create_nullSystem_illegalArgument() {
        rejected(IllegalArgumentException.class, () -> TimeoutPool.create(null, 4),
                "timeout pool", "callout system", "null");
        rejected(IllegalArgumentException.class, () -> TimeoutPool.builder(null),
                "timeout pool", "callout system", "null");
    }

    @Test
    void create_ncalloutZeroNegativeOrMinValue_illegalArgumentNamingTheValue() {
        for (int n : new int[] {0, -1, Integer.MIN_VALUE}) {
            rejected(IllegalArgumentException.class, () -> TimeoutPool.create(rig.sys, n),
                    "timeout pool", "ncallout", "got " + n);
        }
    }

    @Test
    void create_ncalloutMaxValueOrAboveTheCap_illegalArgumentNotOutOfMemory() {
        for (int n : new int[] {Integer.MAX_VALUE, TimeoutPool.NCALLOUT_MAX + 1}) {
            rejected(IllegalArgumentException.class, () -> TimeoutPool.create(rig.sys, n),
                    "timeout pool", "ncallout", "got " + n, String.valueOf(TimeoutPool.NCALLOUT_MAX));
        }
    }

    @Test
    void builderNcallout_rejectedValue_builderKeepsTheLastGoodOne() throws Throwable {
        TimeoutPoolBuilder b = TimeoutPool.builder(rig.sys).ncallout(3);
        rejected(IllegalArgumentException.class, () -> b.ncallout(Integer.MIN_VALUE), "got " + Integer.MIN_VALUE);
        rejected(IllegalArgumentException.class, () -> b.ncallout(Integer.MAX_VALUE), "got " + Integer.MAX_VALUE);
        accepted(() -> assertEquals(3, b.build().ncallout()));
    }

    @Test
    void create_closedSystem_illegalState() {
        try (LegacyRig dead = new LegacyRig(1)) {
            dead.sys.close();
            rejected(IllegalStateException.class, () -> TimeoutPool.create(dead.sys, 4), "timeout pool", "closed");
            TimeoutPoolBuilder b = TimeoutPool.builder(dead.sys);
            rejected(IllegalStateException.class, b::build, "timeout pool", "closed");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* TimeoutPool.timeout                                                                        */

    @Test
    void timeout_nullFunc_illegalArgument() {
        Recorder a = new Recorder(rig.sys);
        CalloutHandle h = new CalloutHandle();
        rejected(IllegalArgumentException.class, () -> rig.pool.timeout(null, a, 1), "timeout", "func", "null");
        rejected(IllegalArgumentException.class, () -> rig.pool.timeout(null, a, 1, h), "timeout", "func", "null");
        assertNull(h.callout(), "a rejected timeout filled in the handle");
    }

    @Test
    void timeout_nullHandle_illegalArgument() {
        rejected(IllegalArgumentException.class, () -> rig.pool.timeout(Recorder.FUNC, null, 1, null),
                "timeout", "handle", "null");
    }

    @Test
    void timeout_ticksZeroNegativeOrMinValue_firesAfterOneTickAsC() throws Throwable {
        for (int ticks : new int[] {0, -1, Integer.MIN_VALUE}) {
            Recorder a = new Recorder(rig.sys);
            accepted(() -> {
                rig.pool.timeout(Recorder.FUNC, a, ticks);
                rig.vt.advanceTicks(2); // one tick from the last hardclock, plus the precision allowance
                assertEquals(1, a.count(), "ticks = " + ticks + " did not mean 1");
            });
        }
    }

    @Test
    void timeout_ticksMaxValue_pendingAndUntimeoutCancelsIt() throws Throwable {
        Recorder a = new Recorder(rig.sys);
        accepted(() -> {
            CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, Integer.MAX_VALUE);
            assertTrue(h.callout().pending());
            rig.vt.advanceTicks(1000);
            assertEquals(0, a.count(), "ran about 24 days early");
            assertTrue(rig.pool.untimeout(Recorder.FUNC, a, h));
        });
    }

    @Test
    void timeout_poolFull_illegalStateTimeoutTableFullNamingNcallout() {
        Recorder victim = new Recorder(rig.sys);
        CalloutHandle vh = rig.pool.timeout(Recorder.FUNC, victim, VICTIM_TICKS);
        Recorder filler = new Recorder(rig.sys);
        for (int i = 1; i < N; i++) {
            rig.pool.timeout(Recorder.FUNC, filler, 2 * VICTIM_TICKS); // still pending when the victim fires
        }
        CalloutHandle h = new CalloutHandle();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> rig.pool.timeout(Recorder.FUNC, filler, 1, h));
        assertSame(IllegalStateException.class, e.getClass());
        assertTrue(e.getMessage().startsWith("timeout table full") && e.getMessage().contains("ncallout = " + N),
                e.getMessage());
        assertNull(h.callout());
        victimUnharmed(victim, vh, 0);
    }

    @Test
    void timeout_closedSystem_illegalStateAndFreeCountUnchanged() {
        try (LegacyRig dead = new LegacyRig(4)) {
            Recorder a = new Recorder(dead.sys);
            dead.pool.timeout(Recorder.FUNC, a, 10);
            dead.sys.close();
            rejected(IllegalStateException.class, () -> dead.pool.timeout(Recorder.FUNC, a, 1), "timeout", "closed");
            rejected(IllegalStateException.class, () -> dead.pool.timeout(Recorder.FUNC, a, 1, new CalloutHandle()),
                    "timeout", "closed");
            assertEquals(3, dead.pool.available());
        }
    }

    @Test
    void timeout_intoHandleOfAnotherPoolsLiveTimeout_overwritesTheHandleAndThatTimeoutStillFires()
            throws Throwable {
        TimeoutPool other = TimeoutPool.create(rig.sys, 2);
        Recorder a = new Recorder(rig.sys);
        Recorder b = new Recorder(rig.sys);
        CalloutHandle h = other.timeout(Recorder.FUNC, a, 2);
        accepted(() -> {
            rig.pool.timeout(Recorder.FUNC, b, 2, h); // C: h = timeout(...) forgets what h named
            assertEquals(1, other.available(), "the other pool's timeout was cancelled");
            assertTrue(rig.pool.untimeout(Recorder.FUNC, b, h));
            rig.vt.advanceTicks(3);
            assertEquals(1, a.count(), "the other pool's timeout did not fire");
            assertEquals(0, b.count());
            assertEquals(2, other.available());
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* TimeoutPool.untimeout                                                                      */

    @Test
    void untimeout_nullFuncOrHandle_illegalArgument() {
        CalloutHandle h = rig.pool.timeout(Recorder.FUNC, null, FAR);
        rejected(IllegalArgumentException.class, () -> rig.pool.untimeout(null, null, h), "untimeout", "func", "null");
        rejected(IllegalArgumentException.class, () -> rig.pool.untimeout(Recorder.FUNC, null, null),
                "untimeout", "handle", "null");
        assertTrue(h.callout().pending(), "a rejected untimeout cancelled the timeout");
    }

    @Test
    void untimeout_handleOfAnotherPool_illegalArgumentNamingTheEntry() {
        TimeoutPool other = TimeoutPool.create(rig.sys, 2);
        Recorder a = new Recorder(rig.sys);
        CalloutHandle h = other.timeout(Recorder.FUNC, a, FAR);
        rejected(IllegalArgumentException.class, () -> rig.pool.untimeout(Recorder.FUNC, a, h),
                "untimeout", "another timeout pool", "entry #1", "ncallout=2");
        assertTrue(h.callout().pending(), "a rejected untimeout cancelled the other pool's timeout");
        assertEquals(1, other.available());
    }

    @Test
    void untimeout_handleOfAPoolOnAnotherClosedSystem_illegalArgument() {
        try (LegacyRig dead = new LegacyRig(2)) {
            Recorder a = new Recorder(dead.sys);
            CalloutHandle h = dead.pool.timeout(Recorder.FUNC, a, 50);
            dead.sys.close();
            rejected(IllegalArgumentException.class, () -> rig.pool.untimeout(Recorder.FUNC, a, h),
                    "untimeout", "another timeout pool");
        }
    }

    @Test
    void untimeout_staleHandleOtherArgOrEmptyHandle_doesNothingAsC() throws Throwable {
        Recorder a = new Recorder(rig.sys);
        CalloutHandle stale = rig.pool.timeout(Recorder.FUNC, a, 1);
        rig.vt.advanceTicks(2);
        accepted(() -> {
            // The victim took the stale handle's entry (LIFO): other argument, so no match.
            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, stale));
            assertFalse(rig.pool.untimeout(Recorder.OTHER, a, stale));
            assertFalse(rig.pool.untimeout(Recorder.FUNC, a, new CalloutHandle()));
        });
    }

    @Test
    void untimeout_staleHandleSameFuncAndArgGenerationChecked_doesNothing() throws Throwable {
        try (LegacyRig checked = new LegacyRig(Profile.MODERN, 2, true)) {
            Recorder a = new Recorder(checked.sys);
            CalloutHandle stale = checked.pool.timeout(Recorder.FUNC, a, 1);
            checked.vt.advanceTicks(2);
            CalloutHandle fresh = checked.pool.timeout(Recorder.FUNC, a, 5);
            assertSame(stale.callout(), fresh.callout());
            accepted(() -> assertFalse(checked.pool.untimeout(Recorder.FUNC, a, stale)));
            checked.vt.advanceTicks(6);
            assertEquals(2, a.count(), "the stale handle cancelled the newer timeout");
        }
    }

    @Test
    void untimeout_closedSystem_worksAndReturnsTheEntry() {
        try (LegacyRig dead = new LegacyRig(2)) {
            Recorder a = new Recorder(dead.sys);
            CalloutHandle h = dead.pool.timeout(Recorder.FUNC, a, 50);
            dead.sys.close();
            if (h.callout().pending()) {
                dead.sys.stop(h.callout()); // close's step 2, for an engine that predates it
            }
            assertFalse(dead.pool.untimeout(Recorder.FUNC, a, h), "close had cancelled it");
            assertFalse(dead.pool.untimeout(Recorder.FUNC, a, new CalloutHandle()));
            assertEquals(2, dead.pool.available());
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* LegacyTimeout                                                                              */

    @Test
    void setPool_nullOrPoolOnClosedSystem_illegalArgumentAndDefaultUnchanged() {
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.setPool(null), "setPool", "null");
        try (LegacyRig dead = new LegacyRig(1)) {
            dead.sys.close();
            rejected(IllegalArgumentException.class, () -> LegacyTimeout.setPool(dead.pool), "setPool", "closed");
        }
        assertSame(rig.pool, LegacyTimeout.pool());
    }

    @Test
    void legacyTimeout_nullFuncOrHandle_illegalArgument() {
        CalloutHandle h = LegacyTimeout.CALLOUT_HANDLE_INITIALIZER();
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.timeout(null, null, 1), "timeout", "func", "null");
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.timeout(null, null, 1, h),
                "timeout", "func", "null");
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.timeout(Recorder.FUNC, null, 1, null),
                "timeout", "handle", "null");
        assertNull(h.callout());
    }

    @Test
    void legacyTimeout_ticksExtremes_acceptedAsTheDefaultPoolAcceptsThem() throws Throwable {
        Recorder a = new Recorder(rig.sys);
        accepted(() -> {
            LegacyTimeout.timeout(Recorder.FUNC, a, Integer.MIN_VALUE);
            CalloutHandle far = LegacyTimeout.timeout(Recorder.FUNC, a, Integer.MAX_VALUE);
            rig.vt.advanceTicks(2);
            assertEquals(1, a.count());
            LegacyTimeout.untimeout(Recorder.FUNC, a, far);
        });
    }

    @Test
    void legacyTimeout_installedPoolsSystemClosed_illegalStateNamingTimeout() {
        try (LegacyRig dead = new LegacyRig(2)) {
            LegacyTimeout.setPool(dead.pool);
            dead.sys.close();
            rejected(IllegalStateException.class, () -> LegacyTimeout.timeout(Recorder.FUNC, null, 1),
                    "timeout", "closed");
            assertEquals(2, dead.pool.available());
        } finally {
            LegacyTimeout.replacePool(rig.pool);
        }
    }

    @Test
    void legacyUntimeout_nullFuncOrHandle_illegalArgument() {
        CalloutHandle h = rig.pool.timeout(Recorder.FUNC, null, FAR);
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.untimeout(null, null, h),
                "untimeout", "func", "null");
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.untimeout(Recorder.FUNC, null, null),
                "untimeout", "handle", "null");
        assertTrue(h.callout().pending());
    }

    @Test
    void legacyUntimeout_handleOfANonDefaultPool_cancelsThroughThatPool() throws Throwable {
        TimeoutPool other = TimeoutPool.create(rig.sys, 2);
        Recorder a = new Recorder(rig.sys);
        CalloutHandle h = other.timeout(Recorder.FUNC, a, 2);
        accepted(() -> {
            LegacyTimeout.untimeout(Recorder.FUNC, a, h);
            assertEquals(2, other.available());
        });
        assertEquals(0, a.count());
    }

    @Test
    void calloutHandleInit_null_illegalArgument() {
        rejected(IllegalArgumentException.class, () -> LegacyTimeout.callout_handle_init(null),
                "callout_handle_init", "handle", "null");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* CalloutHandle                                                                              */

    @Test
    void calloutHandle_emptyOrOfAClosedPool_clearCalloutAndToStringNeverThrow() throws Throwable {
        try (LegacyRig dead = new LegacyRig(2)) {
            CalloutHandle ofDead = dead.pool.timeout(Recorder.FUNC, null, 50);
            dead.sys.close();
            CalloutHandle empty = CalloutHandle.initializer();
            accepted(() -> {
                empty.clear();
                assertNull(empty.callout());
                assertEquals("CalloutHandle[null]", empty.toString());
                assertTrue(ofDead.toString().startsWith("CalloutHandle[entry #1"), ofDead.toString());
                ofDead.clear();
                LegacyTimeout.callout_handle_init(ofDead);
                assertNull(ofDead.callout());
            });
        }
    }

    @Test
    void calloutHandle_entryReArmedDirectlyThroughTheSystemAfterItFired_reportedAndPoolUnchanged() {
        Recorder a = new Recorder(rig.sys);
        CalloutHandle h = rig.pool.timeout(Recorder.FUNC, a, 1);
        Recorder victim = new Recorder(rig.sys);
        CalloutHandle vh = rig.pool.timeout(Recorder.FUNC, victim, VICTIM_TICKS);
        rig.vt.advanceTicks(2);
        assertEquals(1, a.count());
        int free = rig.pool.available();

        // Forbidden by CalloutHandle.callout(): callout_schedule re-arms the pool's trampoline on an
        // entry that is back on the free list.
        rig.sys.schedule(h.callout(), 1);
        rig.vt.advanceTicks(2);

        assertEquals(1, a.count(), "the freed entry's old timeout ran again");
        assertEquals(List.of(IllegalStateException.class), rig.failures.stream().map(Object::getClass).toList());
        String m = rig.failures.get(0).getMessage();
        assertTrue(m.startsWith("timeout: ") && m.contains("did not arm") && m.contains("entry #" + (N - 1)), m);
        victimUnharmed(victim, vh, free);
        // The free list is as it would be without the misuse: the victim's entry, then h's.
        assertSame(vh.callout(), rig.pool.timeout(Recorder.FUNC, a, 1).callout(), "the free list changed");
        assertSame(h.callout(), rig.pool.timeout(Recorder.FUNC, a, 1).callout(), "the free list changed");
    }
}
