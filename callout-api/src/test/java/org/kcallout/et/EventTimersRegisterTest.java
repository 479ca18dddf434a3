package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EtTestTimers.BOTH;
import static org.kcallout.et.EtTestTimers.driver;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code et_register} and {@code et_deregister}: the list order and the consumer's veto. */
final class EventTimersRegisterTest {

    private static final EtEventCb<Object> CB = (et, cpu, arg) -> { };

    private final EventTimers ets = new EventTimers();
    /** The C names, with their errno results, on {@link #ets}. */
    private final KernEt.Bound kern = KernEt.on(ets);

    @Test
    void spec71_qualities100_500_500b_300_listOrder500_500b_300_100() {
        EventTimer q100 = driver("q100", BOTH, 100);
        EventTimer q500 = driver("q500", BOTH, 500);
        EventTimer q500b = driver("q500b", BOTH, 500);
        EventTimer q300 = driver("q300", BOTH, 300);

        assertEquals(0, kern.et_register(q100));
        assertEquals(0, kern.et_register(q500));
        assertEquals(0, kern.et_register(q500b));
        assertEquals(0, kern.et_register(q300));

        assertEquals(List.of(q500, q500b, q300, q100), ets.timers());
        assertEquals("q500(500) q500b(500) q300(300) q100(100)", ets.choice());
    }

    @Test
    void register_equalQualities_keepRegistrationOrder() {
        EventTimer a = driver("a", BOTH, 7);
        EventTimer b = driver("b", BOTH, 7);
        EventTimer c = driver("c", BOTH, 7);
        EventTimer d = driver("d", BOTH, 7);
        for (EventTimer et : List.of(a, b, c, d)) {
            ets.register(et);
        }
        assertEquals(List.of(a, b, c, d), ets.timers());
    }

    @Test
    void register_equalToHeadAmongOthers_goesAfterLastEqual() {
        EventTimer first = driver("first", BOTH, 500);
        EventTimer low = driver("low", BOTH, 100);
        EventTimer second = driver("second", BOTH, 500);
        ets.register(first);
        ets.register(low);
        ets.register(second);
        assertEquals(List.of(first, second, low), ets.timers());
    }

    @Test
    void register_strictlyBetterThanHead_becomesHead() {
        EventTimer old = driver("old", BOTH, 10);
        EventTimer best = driver("best", BOTH, 11);
        ets.register(old);
        ets.register(best);
        assertSame(best, ets.timers().get(0));
    }

    @Test
    void register_negativeQualities_sortBelowNonNegative() {
        EventTimer neg = driver("neg", BOTH, -100);
        EventTimer zero = driver("zero", BOTH, 0);
        EventTimer lower = driver("lower", BOTH, -200);
        ets.register(neg);
        ets.register(zero);
        ets.register(lower);
        assertEquals(List.of(zero, neg, lower), ets.timers());
    }

    @Test
    void register_twice_throwsAndChangesNothing() {
        EventTimer et = driver("hpet", BOTH, 1);
        ets.register(et);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> kern.et_register(et));
        assertEquals("et_register: timer hpet is already registered", e.getMessage());
        assertEquals(List.of(et), ets.timers());
    }

    @Test
    void register_timerOfAnotherRegistry_throws() {
        EventTimer et = driver("hpet", BOTH, 1);
        new EventTimers().register(et);
        assertThrows(IllegalStateException.class, () -> ets.register(et));
        assertEquals(List.of(), ets.timers());
    }

    @Test
    void register_null_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> kern.et_register(null));
    }

    @Test
    void spec77_deregisterCallbackReturnsEbusy_deregisterReturnsEbusyAndTimerStays() {
        EventTimer et = driver("hpet", BOTH, 100);
        ets.register(et);
        assertEquals(0, kern.et_init(et, CB, (t, arg) -> KernEt.EBUSY, null));

        assertEquals(KernEt.EBUSY, kern.et_deregister(et));

        assertEquals(List.of(et), ets.timers());
        assertTrue(et.active(), "the consumer keeps the timer it refused to give up");
    }

    @Test
    void deregister_callbackResult_isReturnedUnchanged() {
        EventTimer et = driver("hpet", BOTH, 100);
        ets.register(et);
        ets.init(et, CB, (t, arg) -> 12345, null);
        assertEquals(12345, ets.deregister(et));
        assertEquals(List.of(et), ets.timers());
    }

    @Test
    void deregister_callbackGetsTimerAndArg_andZeroRemovesTimer() {
        EventTimer et = driver("hpet", BOTH, 100);
        EventTimer other = driver("other", BOTH, 50);
        ets.register(et);
        ets.register(other);
        @SuppressWarnings("unchecked")
        EtDeregisterCb<String> dereg = mock(EtDeregisterCb.class);
        when(dereg.deregister(any(), any())).thenReturn(0);
        ets.init(et, CB, dereg, "state");

        assertEquals(0, kern.et_deregister(et));

        verify(dereg).deregister(et, "state");
        assertEquals(List.of(other), ets.timers());
    }

    @Test
    void deregister_withoutCallback_removesEvenIfActive() {
        EventTimer et = driver("hpet", BOTH, 100);
        ets.register(et);
        ets.init(et, CB, null, null);
        assertEquals(0, kern.et_deregister(et));
        assertEquals(List.of(), ets.timers());
    }

    @Test
    void deregister_thenRegisterAgain_isAccepted() {
        EventTimer et = driver("hpet", BOTH, 100);
        ets.register(et);
        ets.deregister(et);
        ets.register(et);
        assertEquals(List.of(et), ets.timers());
    }

    @Test
    void deregister_afterConsumerFreedTimer_doesNotAskThatConsumer() {
        EventTimer et = driver("hpet", BOTH, 100);
        ets.register(et);
        @SuppressWarnings("unchecked")
        EtDeregisterCb<Object> dereg = mock(EtDeregisterCb.class);
        when(dereg.deregister(any(), any())).thenReturn(KernEt.EBUSY);
        ets.init(et, CB, dereg, null);
        ets.free(et);

        assertEquals(0, kern.et_deregister(et));
        verify(dereg, never()).deregister(any(), any());
    }

    @Test
    void deregister_notRegistered_throwsWithoutCallingTheDriver() {
        EventTimer et = driver("hpet", BOTH, 100);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> kern.et_deregister(et));
        assertEquals("et_deregister: timer hpet is not registered", e.getMessage());
        verify(et, never()).stop(anyInt());
    }

    /** The idiom of {@link EtDeregisterCb}: find the successor first, then stop and free, then claim. */
    @Test
    void deregister_callbackMayFreeAndClaimAnotherTimer_underEtLock() {
        EventTimer et = driver("hpet", BOTH, 100);
        EventTimer next = driver("next", BOTH, 50);
        ets.register(et);
        ets.register(next);
        EventTimer[] current = {et};
        EtDeregisterCb<Object> moveAway = (t, arg) -> {
            kern.ET_LOCK();
            try {
                // Find the successor while still holding t: once freed, t (still listed) would match.
                EventTimer successor = kern.et_find(null, EventTimer.ET_FLAGS_ONESHOT, EventTimer.ET_FLAGS_ONESHOT);
                kern.et_stop(t);
                kern.et_free(t);
                current[0] = successor;
                return kern.et_init(successor, CB, null, null);
            } finally {
                kern.ET_UNLOCK();
            }
        };
        ets.init(et, CB, moveAway, null);

        assertEquals(0, kern.et_deregister(et));

        assertSame(next, current[0]);
        assertEquals(List.of(next), ets.timers());
        assertNull(kern.et_find(null, 0, 0), "next is active, hpet is gone");
    }
}
