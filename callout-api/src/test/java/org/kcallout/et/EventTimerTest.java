package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EtTestTimers.BOTH;
import static org.kcallout.et.EtTestTimers.MAX;
import static org.kcallout.et.EtTestTimers.MIN;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;
import org.kcallout.Sbt;

/** {@link EventTimer}: the driver's description, its checks, and event delivery through {@code fire}. */
final class EventTimerTest {

    private final EventTimers ets = new EventTimers();

    private static EventTimer make(String name, int flags, long frequency, long min, long max) {
        return new Plain(name, flags, frequency, min, max);
    }

    private static final class Plain extends EventTimer {
        Plain(String name, int flags, long frequency, long min, long max) {
            super(name, flags, 5, frequency, min, max);
        }

        @Override
        protected int start(int cpu, long first, long period) {
            return 0;
        }
    }

    @Test
    void constructor_storesDescription() {
        EventTimer et = new Plain("HPET", BOTH | EventTimer.ET_FLAGS_POW2DIV, 14_318_180, MIN, MAX);
        assertEquals("HPET", et.name());
        assertEquals(BOTH | EventTimer.ET_FLAGS_POW2DIV, et.flags());
        assertEquals(5, et.quality());
        assertEquals(14_318_180, et.frequency());
        assertEquals(MIN, et.minPeriod());
        assertEquals(MAX, et.maxPeriod());
        assertFalse(et.active());
        assertFalse(et.perCpu());
        assertEquals("HPET(5)", et.toString());
    }

    @Test
    void flagConstants_haveFreeBsdValues() {
        assertEquals(1, EventTimer.ET_FLAGS_PERIODIC);
        assertEquals(2, EventTimer.ET_FLAGS_ONESHOT);
        assertEquals(4, EventTimer.ET_FLAGS_PERCPU);
        assertEquals(8, EventTimer.ET_FLAGS_C3STOP);
        assertEquals(16, EventTimer.ET_FLAGS_POW2DIV);
        assertEquals(-1, EventTimer.NOCPU);
    }

    @Test
    void constructor_unknownFlag_throwsNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> make("x", 32 | BOTH, 0, MIN, MAX));
        assertEquals("eventtimer x: unknown et_flags bits 0x20 in 0x23", e.getMessage());
    }

    @Test
    void constructor_badNameFrequencyOrRange_throws() {
        assertThrows(IllegalArgumentException.class, () -> make(null, BOTH, 0, MIN, MAX));
        assertThrows(IllegalArgumentException.class, () -> make("", BOTH, 0, MIN, MAX));
        assertThrows(IllegalArgumentException.class, () -> make("x", BOTH, -1, MIN, MAX));
        assertThrows(IllegalArgumentException.class, () -> make("x", BOTH, 0, -1, MAX));
        assertThrows(IllegalArgumentException.class, () -> make("x", BOTH, 0, MAX, MIN));
        assertThrows(IllegalArgumentException.class, () -> make("x", BOTH, 0, 0, 0));
    }

    @Test
    void constructor_fullRange_isAccepted() {
        EventTimer et = make("x", BOTH, 0, 0, Sbt.SBT_MAX);
        assertEquals(Sbt.SBT_MAX, et.maxPeriod());
    }

    @Test
    void setPeriodRange_bad_throwsAndKeepsOld() {
        EventTimer et = make("x", BOTH, 0, MIN, MAX);
        assertThrows(IllegalArgumentException.class, () -> et.setPeriodRange(MAX, MIN));
        assertEquals(MIN, et.minPeriod());
        assertEquals(MAX, et.maxPeriod());
    }

    @Test
    void fire_afterInit_runsCallbackWithTimerCpuAndArg() {
        EtTestTimers.NoStopTimer et = new EtTestTimers.NoStopTimer("t", BOTH, 1);
        ets.register(et);
        @SuppressWarnings("unchecked")
        EtEventCb<String> cb = mock(EtEventCb.class);
        ets.init(et, cb, null, "state");

        assertTrue(et.interrupt(1));

        verify(cb).event(et, 1, "state");
    }

    @Test
    void fire_neverInitialised_dropsEvent() {
        EtTestTimers.NoStopTimer et = new EtTestTimers.NoStopTimer("t", BOTH, 1);
        assertFalse(et.interrupt(EventTimer.NOCPU));
    }

    @Test
    void fire_afterFree_dropsEvent() {
        EtTestTimers.NoStopTimer et = new EtTestTimers.NoStopTimer("t", BOTH, 1);
        ets.register(et);
        @SuppressWarnings("unchecked")
        EtEventCb<Object> cb = mock(EtEventCb.class);
        ets.init(et, cb, null, null);
        ets.free(et);

        assertFalse(et.interrupt(0));
        verify(cb, never()).event(any(), anyInt(), any());
    }

    @Test
    void fire_afterReinitByAnotherConsumer_reachesTheNewOne() {
        EtTestTimers.NoStopTimer et = new EtTestTimers.NoStopTimer("t", BOTH, 1);
        ets.register(et);
        @SuppressWarnings("unchecked")
        EtEventCb<String> first = mock(EtEventCb.class);
        @SuppressWarnings("unchecked")
        EtEventCb<String> second = mock(EtEventCb.class);
        ets.init(et, first, null, "a");
        ets.free(et);
        ets.init(et, second, null, "b");

        et.interrupt(0);

        verify(first, never()).event(any(), anyInt(), any());
        verify(second).event(et, 0, "b");
    }

    @Test
    void fire_callbackThrows_propagatesToDriver() {
        EtTestTimers.NoStopTimer et = new EtTestTimers.NoStopTimer("t", BOTH, 1);
        ets.register(et);
        ets.init(et, (t, cpu, arg) -> {
            throw new IllegalStateException("consumer failed");
        }, null, null);
        assertThrows(IllegalStateException.class, () -> et.interrupt(0));
    }
}
