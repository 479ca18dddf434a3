package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EtTestTimers.BOTH;
import static org.kcallout.et.EtTestTimers.MAX;
import static org.kcallout.et.EtTestTimers.MIN;
import static org.kcallout.et.EtTestTimers.driver;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** {@code et_change_frequency}: the clock source reprograms only the timer it is using. */
final class EventTimersChangeFrequencyTest {

    private static final EtEventCb<Object> CB = (et, cpu, arg) -> { };

    private final EventTimers ets = new EventTimers();
    /** The C names, with their errno results, on {@link #ets}. */
    private final KernEt.Bound kern = KernEt.on(ets);
    private final EventTimerConsumer cs = mock(EventTimerConsumer.class);
    private final EventTimer et = driver("t", BOTH, 100, 1_000_000, MIN, MAX);

    EventTimersChangeFrequencyTest() {
        ets.register(et);
        ets.setClockSource(cs);
    }

    @Test
    void changeFrequency_inactiveTimer_storesWithoutNotifying() {
        when(cs.currentTimer()).thenReturn(et); // even a confused consumer is not asked
        kern.et_change_frequency(et, 2_000_000);
        assertEquals(2_000_000, et.frequency());
        verify(cs, never()).frequencyChanging(any(), anyLong(), anyLong());
        verify(cs, never()).frequencyChanged(any(), anyLong(), anyLong());
    }

    @Test
    void changeFrequency_activeTimerInUse_stopsStoresRestartsInOrder() {
        ets.init(et, CB, null, null);
        when(cs.currentTimer()).thenReturn(et);
        long[] seen = new long[2];
        doAnswer(inv -> {
            seen[0] = et.frequency();
            return kern.et_stop(et);
        }).when(cs).frequencyChanging(et, 1_000_000, 3_000_000);
        doAnswer(inv -> {
            seen[1] = et.frequency();
            return kern.et_start(et, MIN, 0);
        }).when(cs).frequencyChanged(et, 1_000_000, 3_000_000);

        ets.changeFrequency(et, 3_000_000);

        InOrder order = inOrder(cs, et);
        order.verify(cs).frequencyChanging(et, 1_000_000, 3_000_000);
        order.verify(et).stop(NOCPU);
        order.verify(cs).frequencyChanged(et, 1_000_000, 3_000_000);
        order.verify(et).start(NOCPU, MIN, 0);
        assertEquals(1_000_000, seen[0], "stopped while the old frequency is still stored");
        assertEquals(3_000_000, seen[1], "restarted with the new one");
        assertEquals(3_000_000, et.frequency());
    }

    @Test
    void changeFrequency_hooksRunUnderEtLock() {
        ets.init(et, CB, null, null);
        when(cs.currentTimer()).thenReturn(et);
        boolean[] held = new boolean[1];
        doAnswer(inv -> held[0] = ets.etLock().owned()).when(cs).frequencyChanged(any(), anyLong(), anyLong());
        kern.et_change_frequency(et, 5);
        assertTrue(held[0]);
    }

    @Test
    void changeFrequency_activeTimerNotTheConsumersCurrent_justStores() {
        EventTimer other = driver("other", BOTH, 50);
        ets.register(other);
        ets.init(et, CB, null, null);
        ets.init(other, CB, null, null);
        when(cs.currentTimer()).thenReturn(other);

        kern.et_change_frequency(et, 7);

        assertEquals(7, et.frequency());
        verify(cs, never()).frequencyChanging(any(), anyLong(), anyLong());
        verify(cs, never()).frequencyChanged(any(), anyLong(), anyLong());
    }

    @Test
    void changeFrequency_noClockSource_justStores() {
        assertSame(cs, ets.setClockSource(null));
        assertNull(ets.clockSource());
        ets.init(et, CB, null, null);
        kern.et_change_frequency(et, 0);
        assertEquals(0, et.frequency());
    }

    @Test
    void changeFrequency_stoppingHookThrows_frequencyUnchanged() {
        ets.init(et, CB, null, null);
        when(cs.currentTimer()).thenReturn(et);
        doAnswer(inv -> {
            throw new IllegalStateException("boom");
        }).when(cs).frequencyChanging(any(), anyLong(), anyLong());
        assertThrows(IllegalStateException.class, () -> kern.et_change_frequency(et, 9));
        assertEquals(1_000_000, et.frequency());
        assertFalse(ets.etLock().owned(), "the lock is released");
    }

    @Test
    void changeFrequency_negative_throwsAndChangesNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kern.et_change_frequency(et, -1));
        assertEquals("et_change_frequency: timer t: frequency must be >= 0 Hz, got -1", e.getMessage());
        assertEquals(1_000_000, et.frequency());
    }
}
