package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.KernClock.*;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KernClock}: the default system (set, replaced, created from a provider, none found), and
 * each kernel variable makes exactly one call to the {@link CalloutSystem} method of the same
 * meaning; the {@code sys/time.h} constants and conversions are {@link Sbt}'s and touch no system.
 */
final class KernClockTest {

    private CalloutSystem sys;
    private CalloutSystem previous;

    @BeforeEach
    void installMock() {
        sys = mock(CalloutSystem.class);
        previous = setSystem(sys);
    }

    @AfterEach
    void restorePrevious() {
        setSystem(previous);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The default system                                                                        */

    @Test
    void system_afterSetSystem_returnsIt() {
        assertSame(sys, system());
    }

    @Test
    void setSystem_replacingASystem_returnsThePreviousOne() {
        CalloutSystem other = mock(CalloutSystem.class);
        assertSame(sys, setSystem(other));
        assertSame(other, system());
        assertSame(other, setSystem(sys));
        verifyNoInteractions(sys, other);   // replacing never closes or otherwise touches a system
    }

    @Test
    void setSystem_null_returnsTheFacadeToItsInitialState() {
        assertSame(sys, setSystem(null));
        // The next use looks for a provider again; callout-api's own tests have none.
        assertThrows(IllegalStateException.class, KernClock::system);
        assertNull(setSystem(sys));
        verifyNoInteractions(sys);
    }

    @Test
    void system_installedSystemClosed_staysTheDefault() {
        when(sys.isClosed()).thenReturn(true);
        assertSame(sys, system()); // only a default the facade created itself is replaced
    }

    @Test
    void setSystem_beforeAnyDefaultExists_returnsNull() {
        setSystem(null);
        assertNull(setSystem(sys));
    }

    /** callout-api's own tests have no engine on the class path, so there is no provider. */
    @Test
    void system_noProviderAndNoneSet_throwsNamingTheFixes() {
        setSystem(null);
        IllegalStateException e = assertThrows(IllegalStateException.class, KernClock::system);
        assertTrue(e.getMessage().contains("callout-wheel") && e.getMessage().contains("setSystem"),
                e.getMessage());
        // A failed lookup leaves nothing behind: the next call looks again.
        assertThrows(IllegalStateException.class, KernClock::system);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Kernel variables                                                                          */

    @Test
    void hz_delegatesToHz() {
        when(sys.hz()).thenReturn(1000);
        assertEquals(1000, hz());
    }

    @Test
    void tickSbt_delegatesToTickSbt() {
        when(sys.tickSbt()).thenReturn(4294967L);
        assertEquals(4294967L, tick_sbt());
    }

    @Test
    void ticks_delegatesToTicks() {
        when(sys.ticks()).thenReturn(Integer.MIN_VALUE + 2);
        assertEquals(Integer.MIN_VALUE + 2, ticks());
    }

    @Test
    void sbinuptime_delegatesToSbinuptime() {
        when(sys.sbinuptime()).thenReturn(123L * SBT_1S);
        assertEquals(123L * SBT_1S, sbinuptime());
    }

    @Test
    void getsbinuptime_readsHardclocktimeOfCurrentCpu() {
        when(sys.curcpu()).thenReturn(1);
        when(sys.hardclocktime(1)).thenReturn(777L);
        assertEquals(777L, getsbinuptime());
        verify(sys).curcpu();
        verify(sys).hardclocktime(1);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void curcpu_delegatesToCurcpu() {
        when(sys.curcpu()).thenReturn(3);
        assertEquals(3, curcpu());
    }

    @Test
    void giant_delegatesToGiant() {
        CalloutLock giant = CalloutLock.of(new ReentrantLock());
        when(sys.giant()).thenReturn(giant);
        assertSame(giant, Giant());
        verify(sys).giant();
        verifyNoMoreInteractions(sys);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Constants and conversions: same values as Sbt, no system                                  */

    @Test
    void sbtConstants_reexported_haveSameValues() {
        assertEquals(Sbt.SBT_1S, SBT_1S);
        assertEquals(Sbt.SBT_1M, SBT_1M);
        assertEquals(Sbt.SBT_1MS, SBT_1MS);
        assertEquals(Sbt.SBT_1US, SBT_1US);
        assertEquals(Sbt.SBT_1NS, SBT_1NS);
        assertEquals(Sbt.SBT_MAX, SBT_MAX);
    }


    @Test
    void sbtConversions_reexported_matchSbt() {
        for (long v : new long[] {0, 1, 999, 1_000, 999_999, 1_000_000, 999_999_999, 1_000_000_000,
                                  1_000_000_000_000L}) {
            assertEquals(Sbt.ustosbt(v), ustosbt(v));
            assertEquals(Sbt.mstosbt(v), mstosbt(v));
            assertEquals(Sbt.nstosbt(v), nstosbt(v));
            assertEquals(Sbt.sbttous(v), sbttous(v));
            assertEquals(Sbt.sbttoms(v), sbttoms(v));
            assertEquals(Sbt.sbttons(v), sbttons(v));
        }
        assertThrows(IllegalArgumentException.class, () -> ustosbt(-1));
        verifyNoInteractions(sys);
    }
}
