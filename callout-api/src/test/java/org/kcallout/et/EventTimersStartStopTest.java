package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EtTestTimers.BOTH;
import static org.kcallout.et.EtTestTimers.MAX;
import static org.kcallout.et.EtTestTimers.MIN;
import static org.kcallout.et.EtTestTimers.driver;
import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;
import org.kcallout.Sbt;

/** {@code et_init}, {@code et_start} (checks and clamping), {@code et_stop}, {@code et_ban}, {@code et_free}. */
final class EventTimersStartStopTest {

    private static final EtEventCb<Object> CB = (et, cpu, arg) -> { };

    private final EventTimers ets = new EventTimers();
    /** The C names, with their errno results, on {@link #ets}. */
    private final KernEt.Bound kern = KernEt.on(ets);

    private EventTimer active(int flags) {
        EventTimer et = driver("t", flags, 100);
        ets.register(et);
        ets.init(et, CB, null, null);
        return et;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_init                                                                                   */

    @Test
    void spec73_inactiveTimer_initNullEinval_initCbZero_secondInitEbusy() {
        EventTimer et = driver("t", BOTH, 100);
        ets.register(et);

        assertEquals(KernEt.EINVAL, kern.et_init(et, null, null, null));
        assertFalse(et.active(), "EINVAL claims nothing");
        assertEquals(0, kern.et_init(et, CB, null, null));
        assertTrue(et.active());
        assertEquals(KernEt.EBUSY, kern.et_init(et, CB, null, null));
    }

    @Test
    void init_nullEventOnActiveTimer_einvalComesFirst() {
        EventTimer et = active(BOTH);
        assertEquals(KernEt.EINVAL, kern.et_init(et, null, null, null));
    }

    @Test
    void init_doesNotCallTheDriver() {
        EventTimer et = active(BOTH);
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
        verify(et, never()).stop(anyInt());
    }

    @Test
    void init_javaStyle_nullEvent_throwsIllegalArgument() {
        EventTimer et = driver("t", BOTH, 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ets.init(et, null, null, null));
        assertEquals("et_init: timer t: the event callback must not be null (EINVAL)", e.getMessage());
        assertFalse(et.active());
    }

    @Test
    void init_javaStyle_active_throwsIllegalState() {
        EventTimer et = active(BOTH);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ets.init(et, CB, null, null));
        assertEquals("et_init: timer t is already active, claimed by another consumer (EBUSY)", e.getMessage());
    }

    @Test
    void init_timerOfAnotherRegistry_throwsIllegalState() {
        EventTimer et = driver("t", BOTH, 100);
        new EventTimers().register(et);
        assertThrows(IllegalStateException.class, () -> kern.et_init(et, CB, null, null));
        assertFalse(et.active());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Inactive timers                                                                           */

    @Test
    void spec74_inactiveTimer_startStopFreeEnxio_banZeroClearsCapabilities() {
        EventTimer et = driver("t", BOTH | ET_FLAGS_PERCPU | ET_FLAGS_C3STOP, 100);
        ets.register(et);

        assertEquals(KernEt.ENXIO, kern.et_start(et, 0, MIN, 0));
        assertEquals(KernEt.ENXIO, kern.et_stop(et, 0));
        assertEquals(KernEt.ENXIO, kern.et_free(et));
        assertEquals(0, kern.et_ban(et));

        assertEquals(ET_FLAGS_PERCPU | ET_FLAGS_C3STOP, et.flags());
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
        verify(et, never()).stop(anyInt());
    }

    @Test
    void start_inactiveWithBadArguments_returnsEnxioBeforeAsserting() {
        EventTimer et = driver("t", ET_FLAGS_ONESHOT, 100);
        assertEquals(KernEt.ENXIO, kern.et_start(et, 0, -5));
    }

    @Test
    void ban_activeTimer_clearsCapabilitiesWithoutStopping() {
        EventTimer et = active(BOTH);
        assertEquals(0, kern.et_ban(et));
        assertEquals(0, et.flags());
        assertTrue(et.active());
        verify(et, never()).stop(anyInt());
    }

    @Test
    void javaStyle_inactive_startStopFreeThrowIllegalState() {
        EventTimer et = driver("t", BOTH, 100);
        ets.register(et);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ets.start(et, NOCPU, MIN, 0));
        assertEquals("et_start: timer t is not active; claim it with et_init first (ENXIO)", e.getMessage());
        assertThrows(IllegalStateException.class, () -> ets.stop(et, NOCPU));
        assertThrows(IllegalStateException.class, () -> ets.free(et));
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_stop, et_free                                                                          */

    @Test
    void spec76_activeTimerWithoutStopMethod_stopReturnsZero() {
        EtTestTimers.NoStopTimer et = new EtTestTimers.NoStopTimer("nostop", BOTH, 1);
        ets.register(et);
        ets.init(et, CB, null, null);
        assertEquals(0, kern.et_stop(et));
        assertEquals(0, et.starts);
    }

    @Test
    void stop_active_returnsDriverResultForThatCpu() {
        EventTimer et = active(BOTH);
        doReturn(KernEt.EBUSY).when(et).stop(NOCPU);
        assertEquals(KernEt.EBUSY, kern.et_stop(et));
        verify(et).stop(NOCPU);
    }

    @Test
    void stop_javaStyle_returnsDriverResult() {
        EventTimer et = active(BOTH);
        doReturn(3).when(et).stop(NOCPU);
        assertEquals(3, ets.stop(et, NOCPU));
    }

    @Test
    void free_active_zeroThenEnxio() {
        EventTimer et = active(BOTH);
        assertEquals(0, kern.et_free(et));
        assertFalse(et.active());
        assertEquals(KernEt.ENXIO, kern.et_free(et));
        verify(et, never()).stop(anyInt());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_start: result, asserts                                                                 */

    @Test
    void start_returnsDriverResultUnchanged() {
        EventTimer et = active(BOTH);
        doReturn(KernEt.ENXIO).when(et).start(NOCPU, MIN * 3, 0);
        assertEquals(KernEt.ENXIO, kern.et_start(et, MIN * 3, 0));
        assertEquals(KernEt.ENXIO, ets.start(et, NOCPU, MIN * 3, 0), "Java style does not translate it");
    }

    @Test
    void start_negativePeriod_throwsAndDriverNotCalled() {
        EventTimer et = active(BOTH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kern.et_start(et, MIN, -1));
        assertEquals("et_start: negative period -1 for timer t", e.getMessage());
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
    }

    @Test
    void start_periodOnOneshotOnlyTimer_throws() {
        EventTimer et = active(ET_FLAGS_ONESHOT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kern.et_start(et, 0, MIN));
        assertTrue(e.getMessage().contains("not periodic-capable"), e.getMessage());
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
    }

    @Test
    void start_noPeriodOnPeriodicOnlyTimer_throws() {
        EventTimer et = active(ET_FLAGS_PERIODIC);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kern.et_start(et, MIN, 0));
        assertTrue(e.getMessage().contains("not oneshot-capable"), e.getMessage());
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
    }

    @Test
    void start_bannedTimer_throwsInEitherMode() {
        EventTimer et = active(BOTH);
        ets.ban(et);
        assertThrows(IllegalArgumentException.class, () -> kern.et_start(et, MIN, 0));
        assertThrows(IllegalArgumentException.class, () -> kern.et_start(et, 0, MIN));
    }

    @Test
    void start_periodicOnlyTimer_acceptsPeriod() {
        EventTimer et = active(ET_FLAGS_PERIODIC);
        assertEquals(0, kern.et_start(et, 0, MIN * 2));
        verify(et).start(NOCPU, 0, MIN * 2);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_start: clamping                                                                        */

    @Test
    void start_oneshotFirstBelowMin_raisedToMin() {
        EventTimer et = active(BOTH);
        kern.et_start(et, MIN - 1, 0);
        verify(et).start(NOCPU, MIN, 0);
    }

    @Test
    void start_oneshotFirstAboveMax_loweredToMax() {
        EventTimer et = active(BOTH);
        kern.et_start(et, MAX + 1, 0);
        verify(et).start(NOCPU, MAX, 0);
    }

    @Test
    void start_oneshotFirstInRange_passedUnchanged() {
        EventTimer et = active(BOTH);
        kern.et_start(et, MIN + 1, 0);
        verify(et).start(NOCPU, MIN + 1, 0);
    }

    @Test
    void start_oneshotFirstZero_raisedToMin() {
        EventTimer et = active(BOTH);
        kern.et_start(et, 0, 0);
        verify(et).start(NOCPU, MIN, 0);
    }

    @Test
    void start_oneshotFirstNegative_raisedToMin() {
        EventTimer et = active(BOTH);
        kern.et_start(et, Long.MIN_VALUE, 0);
        verify(et).start(NOCPU, MIN, 0);
    }

    @Test
    void start_oneshotFirstSbtMax_loweredToMax() {
        EventTimer et = active(BOTH);
        kern.et_start(et, Sbt.SBT_MAX, 0);
        verify(et).start(NOCPU, MAX, 0);
    }

    @Test
    void start_periodBelowMin_raisedToMin() {
        EventTimer et = active(BOTH);
        kern.et_start(et, MIN * 5, 1);
        verify(et).start(NOCPU, MIN * 5, MIN);
    }

    @Test
    void start_periodAboveMax_loweredToMax() {
        EventTimer et = active(BOTH);
        kern.et_start(et, MIN * 5, Sbt.SBT_MAX);
        verify(et).start(NOCPU, MIN * 5, MAX);
    }

    @Test
    void start_periodicFirstZero_passedThroughAsZero() {
        EventTimer et = active(BOTH);
        kern.et_start(et, 0, MIN * 5);
        verify(et).start(NOCPU, 0, MIN * 5);
    }

    @Test
    void start_periodicFirstNonZero_clampedLikePeriod() {
        EventTimer et = active(BOTH);
        kern.et_start(et, 1, MAX + 1);
        verify(et).start(NOCPU, MIN, MAX);
    }

    @Test
    void start_periodicFirstAboveMax_loweredToMax() {
        EventTimer et = active(BOTH);
        kern.et_start(et, MAX * 2, MIN * 5);
        verify(et).start(NOCPU, MAX, MIN * 5);
    }

    @Test
    void start_afterDriverChangedRange_clampsToNewRange() {
        EventTimer et = active(BOTH);
        et.setPeriodRange(MIN * 2, MIN * 4);
        kern.et_start(et, MIN, MAX);
        verify(et).start(NOCPU, MIN * 2, MIN * 4);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* CPUs                                                                                      */

    @Test
    void start_perCpuTimer_passesCpuToDriver() {
        EventTimer et = active(BOTH | ET_FLAGS_PERCPU);
        assertEquals(0, kern.et_start(et, 1, MIN * 2, MIN * 3));
        verify(et).start(1, MIN * 2, MIN * 3);
    }

    @Test
    void stop_perCpuTimer_passesCpuToDriver() {
        EventTimer et = active(BOTH | ET_FLAGS_PERCPU);
        kern.et_stop(et, 1);
        verify(et).stop(1);
    }

    @Test
    void start_perCpuTimerWithoutCpu_throws() {
        EventTimer et = active(BOTH | ET_FLAGS_PERCPU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kern.et_start(et, MIN, 0));
        assertEquals("et_start: bad CPU -1 for per-CPU timer t (needs a CPU >= 0)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> kern.et_stop(et));
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
        verify(et, never()).stop(anyInt());
    }

    @Test
    void start_globalTimerWithCpu_passesItOn() {
        EventTimer et = active(BOTH);
        kern.et_start(et, 3, MIN, 0);
        verify(et).start(3, MIN, 0);
    }

    @Test
    void start_globalTimerCpuBelowNocpu_throws() {
        EventTimer et = active(BOTH);
        assertThrows(IllegalArgumentException.class, () -> kern.et_start(et, -2, MIN, 0));
        verify(et, never()).start(anyInt(), anyLong(), anyLong());
    }
}
