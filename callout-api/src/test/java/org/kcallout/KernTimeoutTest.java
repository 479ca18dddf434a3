package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.KernTimeout.*;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kcallout.internal.CalloutAccess;
import org.mockito.ArgumentCaptor;

/**
 * {@link KernTimeout}: each C-named function makes exactly one call, with the same arguments, to the
 * {@link CalloutSystem} method of the same meaning, and passes its result back; the macros read the
 * callout only. The default system and the time helpers it inherits are {@link KernClockTest}'s.
 */
final class KernTimeoutTest {

    private static final CalloutFunc<Object> FUNC = arg -> { };
    private static final Object ARG = "arg";

    private CalloutSystem sys;
    private CalloutSystem previous;
    private final Callout c = new Callout();

    @BeforeEach
    void installMock() {
        sys = mock(CalloutSystem.class);
        previous = KernTimeout.setSystem(sys);
    }

    @AfterEach
    void restorePrevious() {
        KernTimeout.setSystem(previous);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Init                                                                                      */

    @Test
    void calloutInit_mpsafeNonZero_initsMpsafe() {
        callout_init(c, 1);
        callout_init(c, 2);
        callout_init(c, -1);
        verify(sys, times(3)).init(c, true);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutInit_mpsafeZero_initsWithGiant() {
        callout_init(c, 0);
        verify(sys).init(c, false);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutInitMtx_calloutLock_delegatesAsIs() {
        KMutex m = new KMutex("m");
        callout_init_mtx(c, m, CALLOUT_RETURNUNLOCKED);
        verify(sys).initLock(c, m, CALLOUT_RETURNUNLOCKED);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutInitMtx_reentrantLock_delegatesAnAdapterOfThatLock() {
        ReentrantLock rl = new ReentrantLock();
        callout_init_mtx(c, rl, 0);
        ArgumentCaptor<CalloutLock> lock = ArgumentCaptor.forClass(CalloutLock.class);
        verify(sys).initLock(eq(c), lock.capture(), eq(0));
        verifyNoMoreInteractions(sys);
        assertEquals(CalloutLock.of(rl), lock.getValue());
        assertEquals(CalloutLock.Kind.SLEEP_MUTEX, lock.getValue().kind());
    }

    @Test
    void calloutInitMtx_nullReentrantLock_passesNullForTheSystemToReject() {
        callout_init_mtx(c, (ReentrantLock) null, 0);
        verify(sys).initLock(eq(c), isNull(), eq(0));
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutInitRw_calloutLock_delegatesAsIs() {
        CalloutLock rw = CalloutLock.of(new ReentrantReadWriteLock());
        callout_init_rw(c, rw, CALLOUT_SHAREDLOCK);
        verify(sys).initLock(c, rw, CALLOUT_SHAREDLOCK);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutInitRw_reentrantReadWriteLock_delegatesAnRwAdapterOfThatLock() {
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        callout_init_rw(c, rw, CALLOUT_SHAREDLOCK);
        ArgumentCaptor<CalloutLock> lock = ArgumentCaptor.forClass(CalloutLock.class);
        verify(sys).initLock(eq(c), lock.capture(), eq(CALLOUT_SHAREDLOCK));
        verifyNoMoreInteractions(sys);
        assertEquals(CalloutLock.of(rw), lock.getValue());
        assertEquals(CalloutLock.Kind.RW, lock.getValue().kind());
    }

    @Test
    void calloutInitRw_nullReadWriteLock_passesNullForTheSystemToReject() {
        callout_init_rw(c, (ReentrantReadWriteLock) null, 0);
        verify(sys).initLock(eq(c), isNull(), eq(0));
        verifyNoMoreInteractions(sys);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Arm                                                                                       */

    @Test
    void calloutReset_delegatesToReset() {
        when(sys.reset(c, 10, FUNC, ARG)).thenReturn(1);
        assertEquals(1, callout_reset(c, 10, FUNC, ARG));
        verify(sys).reset(c, 10, FUNC, ARG);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutResetOn_delegatesToResetOn() {
        when(sys.resetOn(c, 10, FUNC, ARG, 1)).thenReturn(1);
        assertEquals(1, callout_reset_on(c, 10, FUNC, ARG, 1));
        verify(sys).resetOn(c, 10, FUNC, ARG, 1);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutResetCurcpu_delegatesToResetCurcpu() {
        when(sys.resetCurcpu(c, -5, FUNC, ARG)).thenReturn(1);
        assertEquals(1, callout_reset_curcpu(c, -5, FUNC, ARG));
        verify(sys).resetCurcpu(c, -5, FUNC, ARG);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutResetSbt_delegatesToResetSbt() {
        int flags = C_PREL(2) | C_DIRECT_EXEC;
        when(sys.resetSbt(c, 8 * SBT_1MS, SBT_1MS, FUNC, ARG, flags)).thenReturn(1);
        assertEquals(1, callout_reset_sbt(c, 8 * SBT_1MS, SBT_1MS, FUNC, ARG, flags));
        verify(sys).resetSbt(c, 8 * SBT_1MS, SBT_1MS, FUNC, ARG, flags);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutResetSbtOn_delegatesToResetSbtOn() {
        when(sys.resetSbtOn(c, SBT_MAX, 7L, FUNC, ARG, 3, C_ABSOLUTE)).thenReturn(1);
        assertEquals(1, callout_reset_sbt_on(c, SBT_MAX, 7L, FUNC, ARG, 3, C_ABSOLUTE));
        verify(sys).resetSbtOn(c, SBT_MAX, 7L, FUNC, ARG, 3, C_ABSOLUTE);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutResetSbtCurcpu_delegatesToResetSbtCurcpu() {
        when(sys.resetSbtCurcpu(c, SBT_1S, 0L, FUNC, ARG, C_HARDCLOCK)).thenReturn(1);
        assertEquals(1, callout_reset_sbt_curcpu(c, SBT_1S, 0L, FUNC, ARG, C_HARDCLOCK));
        verify(sys).resetSbtCurcpu(c, SBT_1S, 0L, FUNC, ARG, C_HARDCLOCK);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutSchedule_delegatesToSchedule() {
        when(sys.schedule(c, 7)).thenReturn(1);
        assertEquals(1, callout_schedule(c, 7));
        verify(sys).schedule(c, 7);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutScheduleOn_delegatesToScheduleOn() {
        when(sys.scheduleOn(c, 7, 1)).thenReturn(1);
        assertEquals(1, callout_schedule_on(c, 7, 1));
        verify(sys).scheduleOn(c, 7, 1);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutScheduleCurcpu_delegatesToScheduleCurcpu() {
        when(sys.scheduleCurcpu(c, 7)).thenReturn(1);
        assertEquals(1, callout_schedule_curcpu(c, 7));
        verify(sys).scheduleCurcpu(c, 7);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutScheduleSbt_delegatesToScheduleSbt() {
        when(sys.scheduleSbt(c, SBT_1S, 2L, C_PRECALC)).thenReturn(1);
        assertEquals(1, callout_schedule_sbt(c, SBT_1S, 2L, C_PRECALC));
        verify(sys).scheduleSbt(c, SBT_1S, 2L, C_PRECALC);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutScheduleSbtOn_delegatesToScheduleSbtOn() {
        when(sys.scheduleSbtOn(c, SBT_1S, 2L, 1, 0)).thenReturn(1);
        assertEquals(1, callout_schedule_sbt_on(c, SBT_1S, 2L, 1, 0));
        verify(sys).scheduleSbtOn(c, SBT_1S, 2L, 1, 0);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutScheduleSbtCurcpu_delegatesToScheduleSbtCurcpu() {
        when(sys.scheduleSbtCurcpu(c, SBT_1S, 2L, C_CATCH)).thenReturn(1);
        assertEquals(1, callout_schedule_sbt_curcpu(c, SBT_1S, 2L, C_CATCH));
        verify(sys).scheduleSbtCurcpu(c, SBT_1S, 2L, C_CATCH);
        verifyNoMoreInteractions(sys);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* callout_when                                                                              */

    @Test
    void calloutWhen_arrayForm_writesTimeThenPrecision() {
        when(sys.when(5L, 6L, C_HARDCLOCK)).thenReturn(new When(100L, 7L));
        long[] r = {-1, -1, 42};
        callout_when(5L, 6L, C_HARDCLOCK, r);
        assertArrayEquals(new long[] {100L, 7L, 42}, r);
        verify(sys).when(5L, 6L, C_HARDCLOCK);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutWhen_nullArray_throwsWithoutComputing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> callout_when(5L, 6L, 0, null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        verifyNoInteractions(sys);
    }

    @Test
    void calloutWhen_shortArray_throwsNamingLengthAndWritesNothing() {
        long[] r = {-1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> callout_when(5L, 6L, 0, r));
        assertTrue(e.getMessage().contains("length 1"), e.getMessage());
        assertArrayEquals(new long[] {-1}, r);
        verifyNoInteractions(sys);
        assertThrows(IllegalArgumentException.class, () -> callout_when(5L, 6L, 0, new long[0]));
    }

    @Test
    void calloutWhen_recordForm_returnsSystemResult() {
        When w = new When(100L, 7L);
        when(sys.when(5L, 6L, C_PREL(1))).thenReturn(w);
        assertSame(w, callout_when(5L, 6L, C_PREL(1)));
        verify(sys).when(5L, 6L, C_PREL(1));
        verifyNoMoreInteractions(sys);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Cancel                                                                                    */

    @Test
    void calloutStop_delegatesToStop() {
        when(sys.stop(c)).thenReturn(-1);
        assertEquals(-1, callout_stop(c));
        verify(sys).stop(c);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutDrain_delegatesToDrain() {
        when(sys.drain(c)).thenReturn(-1);
        assertEquals(-1, callout_drain(c));
        verify(sys).drain(c);
        verifyNoMoreInteractions(sys);
    }

    @Test
    void calloutAsyncDrain_delegatesToAsyncDrain() {
        when(sys.asyncDrain(c, FUNC)).thenReturn(0);
        assertEquals(0, callout_async_drain(c, FUNC));
        verify(sys).asyncDrain(c, FUNC);
        verifyNoMoreInteractions(sys);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Macros: read the callout, never the system                                                */

    @Test
    void calloutPending_pendingBitSet_isTrueWithoutTouchingTheSystem() {
        assertFalse(callout_pending(c));
        CalloutAccess.setIflagsRelease(c, CALLOUT_PENDING);
        assertTrue(callout_pending(c));
        verifyNoInteractions(sys);
    }

    @Test
    void calloutActive_activeBitSet_isTrueWithoutTouchingTheSystem() {
        assertFalse(callout_active(c));
        CalloutAccess.setFlagsRelease(c, CALLOUT_ACTIVE);
        assertTrue(callout_active(c));
        verifyNoInteractions(sys);
    }

    @Test
    void calloutDeactivate_active_clearsOnlyActive() {
        CalloutAccess.setFlagsRelease(c, CALLOUT_ACTIVE);
        CalloutAccess.setIflagsRelease(c, CALLOUT_PENDING | CALLOUT_RETURNUNLOCKED);
        callout_deactivate(c);
        assertFalse(callout_active(c));
        assertTrue(callout_pending(c));
        assertEquals(CALLOUT_PENDING | CALLOUT_RETURNUNLOCKED, c.iflags());
        verifyNoInteractions(sys);
    }

    @Test
    void macros_noDefaultSystem_stillWork() {
        KernTimeout.setSystem(null);
        CalloutAccess.setFlagsRelease(c, CALLOUT_ACTIVE);
        assertFalse(callout_pending(c));
        assertTrue(callout_active(c));
        callout_deactivate(c);
        assertFalse(callout_active(c));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Constants and helpers: same values, no system                                             */

    @Test
    void calloutConstants_reexported_haveSameValues() {
        assertEquals(0x0010, CALLOUT_RETURNUNLOCKED);
        assertEquals(0x0020, CALLOUT_SHAREDLOCK);
        assertEquals(0x0008, CALLOUT_MPSAFE);
        assertEquals(0x0002, CALLOUT_ACTIVE);
        assertEquals(0x0004, CALLOUT_PENDING);
        assertEquals(0x0100, CALLOUT_DIRECT);
        assertEquals(0x0080, CALLOUT_PROCESSED);
        assertEquals(0x0040, CALLOUT_DFRMIGRATION);
        assertEquals(0x0001, CALLOUT_LOCAL_ALLOC);
        assertEquals(0x0001, C_DIRECT_EXEC);
        assertEquals(0x0100, C_HARDCLOCK);
        assertEquals(0x0200, C_ABSOLUTE);
        assertEquals(0x0400, C_PRECALC);
        assertEquals(0x0800, C_CATCH);
        assertEquals(CalloutFlags.C_PRELBITS, C_PRELBITS);
        assertEquals(CalloutFlags.C_PRELRANGE, C_PRELRANGE);
        verifyNoInteractions(sys);
    }

    @Test
    void cPrel_reexported_matchesCalloutFlags() {
        for (int x = 0; x < C_PRELRANGE; x++) {
            assertEquals(CalloutFlags.C_PREL(x), C_PREL(x));
            assertEquals(x, C_PRELGET(C_PREL(x) | C_HARDCLOCK));
        }
        assertEquals(-1, C_PRELGET(0));
        assertThrows(IllegalArgumentException.class, () -> C_PREL(C_PRELRANGE));
    }

    /**
     * {@code import static KernTimeout.*} sees the names {@link KernClock} declares (static members
     * are inherited for name lookup): the port of a driver needs that one import. They are the
     * same members, so they touch the same default system.
     */
    @Test
    void staticImport_seesKernClockNames() {
        when(sys.hz()).thenReturn(100);
        assertEquals(100, hz());
        assertSame(sys, system());
        assertEquals(Sbt.SBT_1S, SBT_1S);
        assertEquals(Sbt.mstosbt(3), mstosbt(3));
        assertSame(sys, KernClock.system());
    }

    /** The arguments reach the system unchanged whatever their type parameter. */
    @Test
    void calloutReset_typedHandler_passesHandlerAndArgumentThrough() {
        CalloutFunc<CharSequence> typed = s -> { };
        callout_reset(c, 1, typed, "x");
        verify(sys).reset(eq(c), eq(1), eq(typed), any());
        verifyNoMoreInteractions(sys);
    }
}
