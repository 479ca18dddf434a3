package org.kcallout.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.KernTimeout.*;
import static org.kcallout.legacy.LegacyTimeout.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kcallout.CalloutSystem;
import org.kcallout.KernTimeout;
import org.kcallout.legacy.LegacyRig.Recorder;

/**
 * {@link LegacyTimeout}: the C-named functions on the default pool, used beside
 * {@code import static org.kcallout.KernTimeout.*} (this class compiles with both on-demand imports,
 * which shows the names do not clash).
 */
final class LegacyTimeoutTest {

    private TimeoutPool previous;

    @BeforeEach
    void clearDefaultPool() {
        previous = LegacyTimeout.replacePool(null);
    }

    @AfterEach
    void restoreDefaultPool() {
        LegacyTimeout.replacePool(previous);
    }

    @Test
    void timeoutUntimeout_onTheInstalledPool_behaveAsTheCFunctions() {
        try (LegacyRig rig = new LegacyRig(8)) {
            assertNull(setPool(rig.pool));
            assertSame(rig.pool, pool());
            Recorder a = new Recorder(rig.sys);
            Recorder b = new Recorder(rig.sys);

            CalloutHandle ha = timeout(Recorder.FUNC, a, 10);
            CalloutHandle hb = timeout(Recorder.FUNC, b, 10);
            untimeout(Recorder.FUNC, a, ha);
            untimeout(Recorder.FUNC, a, hb); // wrong argument: no-op
            rig.vt.advanceTicks(11);

            assertEquals(0, a.count());
            assertEquals(1, b.count());
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void timeout_intoHandle_usesTheCallersHandle() {
        try (LegacyRig rig = new LegacyRig(8)) {
            setPool(rig.pool);
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = CALLOUT_HANDLE_INITIALIZER();
            assertSame(h, timeout(Recorder.FUNC, a, 10, h));
            untimeout(Recorder.FUNC, a, h);
            rig.vt.advanceTicks(11);
            assertEquals(0, a.count());
        }
    }

    @Test
    void untimeout_afterSetPool_reachesThePoolThatIssuedTheHandle() {
        try (LegacyRig rig = new LegacyRig(8)) {
            setPool(rig.pool);
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = timeout(Recorder.FUNC, a, 10);
            TimeoutPool other = TimeoutPool.create(rig.sys, 2);
            assertSame(rig.pool, setPool(other));

            untimeout(Recorder.FUNC, a, h);
            rig.vt.advanceTicks(11);
            assertEquals(0, a.count());
            assertEquals(8, rig.pool.available());
        }
    }

    @Test
    void untimeout_emptyHandle_returnsWithoutCreatingTheDefaultPool() {
        CalloutHandle h = CALLOUT_HANDLE_INITIALIZER();
        untimeout(Recorder.FUNC, null, h);
        callout_handle_init(h);
        untimeout(Recorder.FUNC, null, h);
        assertNull(LegacyTimeout.replacePool(null), "a no-op created the default pool");
    }

    @Test
    void calloutHandleInit_handleOfPendingTimeout_untimeoutBecomesNoOp() {
        try (LegacyRig rig = new LegacyRig(8)) {
            setPool(rig.pool);
            Recorder a = new Recorder(rig.sys);
            CalloutHandle h = timeout(Recorder.FUNC, a, 10);
            callout_handle_init(h);
            assertNull(h.callout());

            untimeout(Recorder.FUNC, a, h);
            rig.vt.advanceTicks(11);
            assertEquals(1, a.count());
        }
    }

    @Test
    void calloutHandleInitializer_returnsAFreshEmptyHandleEachTime() {
        CalloutHandle h1 = CALLOUT_HANDLE_INITIALIZER();
        CalloutHandle h2 = CALLOUT_HANDLE_INITIALIZER();
        assertNotSame(h1, h2);
        assertNull(h1.callout());
        assertEquals("CalloutHandle[null]", h1.toString());
    }

    @Test
    void pool_firstUse_createsTheDefaultSizeOnKernTimeoutSystem() {
        try (LegacyRig rig = new LegacyRig(1)) {
            // KernTimeout's default cannot be put back to "none" from outside its package; the
            // previous one is restored if there was one, and no test here relies on it otherwise.
            CalloutSystem before = KernTimeout.setSystem(rig.sys);
            try {
                TimeoutPool p = pool();
                assertSame(rig.sys, p.system());
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT, p.ncallout());
                assertSame(p, pool());

                Recorder a = new Recorder(rig.sys);
                timeout(Recorder.FUNC, a, hz() / 100); // ten ticks at hz = 1000, via KernTimeout's hz()
                rig.vt.advanceTicks(11);
                assertEquals(1, a.count());
            } finally {
                if (before != null) {
                    KernTimeout.setSystem(before);
                }
            }
        }
    }

    /** Runs {@code body} with {@code s} as KernTimeout's default system; restores the previous one if there was one. */
    private static void withKernTimeoutSystem(CalloutSystem s, Runnable body) {
        // KernTimeout's default cannot be put back to "none" from outside its package; see
        // pool_firstUse_createsTheDefaultSizeOnKernTimeoutSystem.
        CalloutSystem before = KernTimeout.setSystem(s);
        try {
            body.run();
        } finally {
            if (before != null) {
                KernTimeout.setSystem(before);
            }
        }
    }

    @Test
    void pool_afterKernTimeoutSetSystem_followsTheNewSystemAndOldHandlesStillReachTheirPool() {
        try (LegacyRig r1 = new LegacyRig(1); LegacyRig r2 = new LegacyRig(1)) {
            withKernTimeoutSystem(r1.sys, () -> {
                TimeoutPool p1 = pool();
                assertSame(r1.sys, p1.system());
                Recorder a = new Recorder(r1.sys);
                Recorder b = new Recorder(r1.sys);
                CalloutHandle ha = timeout(Recorder.FUNC, a, 10);
                CalloutHandle hb = timeout(Recorder.FUNC, b, 10);

                KernTimeout.setSystem(r2.sys);
                TimeoutPool p2 = pool();
                assertNotSame(p1, p2);
                assertSame(r2.sys, p2.system());
                assertSame(p2, pool(), "the new default pool is not kept");
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT, p2.ncallout());
                Recorder c = new Recorder(r2.sys);
                timeout(Recorder.FUNC, c, 10);
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT - 1, p2.available());

                untimeout(Recorder.FUNC, a, ha); // through p1, which issued it
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT - 1, p1.available());
                r1.vt.advanceTicks(11);
                r2.vt.advanceTicks(11);
                assertEquals(0, a.count());
                assertEquals(1, b.count(), "the old pool's timeout did not fire on the old system");
                assertEquals(1, c.count());
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT, p1.available());
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT, p2.available());
            });
        }
    }

    @Test
    void pool_installedWithSetPool_staysAfterKernTimeoutSetSystem() {
        try (LegacyRig r1 = new LegacyRig(4); LegacyRig r2 = new LegacyRig(1)) {
            withKernTimeoutSystem(r2.sys, () -> {
                setPool(r1.pool);
                KernTimeout.setSystem(r1.sys);
                KernTimeout.setSystem(r2.sys);
                assertSame(r1.pool, pool());
                Recorder a = new Recorder(r1.sys);
                timeout(Recorder.FUNC, a, 1);
                r1.vt.advanceTicks(2);
                assertEquals(1, a.count());
            });
        }
    }

    @Test
    void pool_followingPoolNewKernTimeoutSystemClosed_throwsAndKeepsTheOldPool() {
        try (LegacyRig r1 = new LegacyRig(1); LegacyRig r2 = new LegacyRig(1)) {
            withKernTimeoutSystem(r1.sys, () -> {
                TimeoutPool p1 = pool();
                r2.sys.close();
                KernTimeout.setSystem(r2.sys);

                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> timeout(Recorder.FUNC, null, 1));
                assertTrue(e.getMessage().startsWith("timeout: ") && e.getMessage().contains("closed"), e.getMessage());
                assertThrows(IllegalStateException.class, LegacyTimeout::pool);
                KernTimeout.setSystem(r1.sys);
                assertSame(p1, pool(), "a refused call replaced the default pool");
            });
        }
    }

    /** The regression: each timeout after close used up one entry of the default pool for good. */
    @Test
    void timeout_defaultPoolSystemClosed_throwsAndFreeCountUnchanged() {
        try (LegacyRig rig = new LegacyRig(1)) {
            withKernTimeoutSystem(rig.sys, () -> {
                TimeoutPool p = pool();
                rig.sys.close();
                int before = p.available();

                for (int i = 0; i < 3; i++) {
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> timeout(Recorder.FUNC, null, 1));
                    assertTrue(e.getMessage().startsWith("timeout: ") && e.getMessage().contains("closed"),
                            e.getMessage());
                    assertThrows(IllegalStateException.class,
                            () -> timeout(Recorder.FUNC, null, 1, CALLOUT_HANDLE_INITIALIZER()));
                }
                assertEquals(TimeoutPool.NCALLOUT_DEFAULT, before);
                assertEquals(before, p.available(), "a refused timeout used up an entry");
                assertSame(p, pool(), "KernTimeout still returns the closed system: the pool stays");
            });
        }
    }

    @Test
    void timeout_noDefaultPoolYetAndKernTimeoutSystemClosed_throwsWithoutCreatingOne() {
        try (LegacyRig rig = new LegacyRig(1)) {
            rig.sys.close();
            withKernTimeoutSystem(rig.sys, () -> {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> timeout(Recorder.FUNC, null, 1));
                assertTrue(e.getMessage().startsWith("timeout: ") && e.getMessage().contains("closed"), e.getMessage());
                assertNull(LegacyTimeout.replacePool(null), "a refused timeout created the default pool");
            });
        }
    }

    @Test
    void setPool_poolOnClosedSystem_rejectedAndDefaultUnchanged() {
        try (LegacyRig live = new LegacyRig(1); LegacyRig dead = new LegacyRig(1)) {
            setPool(live.pool);
            dead.sys.close();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> setPool(dead.pool));
            assertTrue(e.getMessage().startsWith("setPool: ") && e.getMessage().contains("closed"), e.getMessage());
            assertSame(live.pool, pool());
        }
    }

    @Test
    void timeout_badArguments_rejectedWithoutCreatingTheDefaultPool() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> timeout(null, null, 1));
        assertTrue(e.getMessage().startsWith("timeout: func"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> timeout(null, null, 1, CALLOUT_HANDLE_INITIALIZER()));
        e = assertThrows(IllegalArgumentException.class, () -> timeout(Recorder.FUNC, null, 1, null));
        assertTrue(e.getMessage().startsWith("timeout: handle"), e.getMessage());
        assertNull(LegacyTimeout.replacePool(null), "a rejected call created the default pool");
    }

    @Test
    void arguments_null_rejected() {
        CalloutHandle h = CALLOUT_HANDLE_INITIALIZER();
        assertThrows(IllegalArgumentException.class, () -> setPool(null));
        assertThrows(IllegalArgumentException.class, () -> callout_handle_init(null));
        assertThrows(IllegalArgumentException.class, () -> untimeout(null, null, h));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> untimeout(Recorder.FUNC, null, null));
        assertTrue(e.getMessage().contains("CALLOUT_HANDLE_INITIALIZER"), e.getMessage());
    }
}
