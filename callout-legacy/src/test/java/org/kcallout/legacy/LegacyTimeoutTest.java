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
