package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EtTestTimers.MIN;
import static org.kcallout.et.EtTestTimers.driver;
import static org.kcallout.et.KernEt.*;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.verify;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KernEt}: the C names act on the default registry and return the C results. Timers get
 * names no other test uses and are deregistered afterwards, as the default registry is shared.
 */
final class KernEtTest {

    private static final EtEventCb<Object> CB = (et, cpu, arg) -> { };

    private final List<EventTimer> registered = new ArrayList<>();

    private EventTimer reg(String name, int flags, int quality) {
        EventTimer et = driver("KernEtTest-" + name, flags, quality);
        assertEquals(0, et_register(et));
        registered.add(et);
        return et;
    }

    @AfterEach
    void cleanUp() {
        for (EventTimer et : registered) {
            et_free(et);
            if (et.registry() != null) {
                assertEquals(0, et_deregister(et));
            }
        }
    }

    @Test
    void errnoConstants_haveFreeBsdValues() {
        assertEquals(22, EINVAL);
        assertEquals(16, EBUSY);
        assertEquals(6, ENXIO);
        assertEquals(2, ENOENT);
        assertEquals(-1, NOCPU);
        assertEquals(1, ET_FLAGS_PERIODIC);
        assertEquals(2, ET_FLAGS_ONESHOT);
        assertEquals(4, ET_FLAGS_PERCPU);
        assertEquals(8, ET_FLAGS_C3STOP);
        assertEquals(16, ET_FLAGS_POW2DIV);
    }

    @Test
    void registry_isTheDefault() {
        assertSame(EventTimers.defaultRegistry(), registry());
    }

    @Test
    void facade_lifecycle_returnsCCodes() {
        EventTimer et = reg("a", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, -1000);
        assertSame(et, et_find("kernettest-A", 0, 0));

        assertEquals(ENXIO, et_start(et, MIN, 0));
        assertEquals(ENXIO, et_stop(et));
        assertEquals(ENXIO, et_free(et));
        assertEquals(EINVAL, et_init(et, null, null, null));
        assertEquals(0, et_init(et, CB, null, null));
        assertEquals(EBUSY, et_init(et, CB, null, null));
        assertNull(et_find("kernettest-a", 0, 0));

        doReturn(0).when(et).start(NOCPU, MIN * 2, 0);
        assertEquals(0, et_start(et, MIN * 2, 0));
        verify(et).start(NOCPU, MIN * 2, 0);
        assertEquals(0, et_start(et, 1, 0, MIN * 3));
        verify(et).start(1, 0, MIN * 3);
        assertEquals(0, et_stop(et));
        assertEquals(0, et_stop(et, 1));
        verify(et).stop(1);

        assertEquals(0, et_free(et));
        assertEquals(ENXIO, et_free(et));
    }

    @Test
    void facade_banAndChangeFrequency() {
        EventTimer et = reg("b", ET_FLAGS_ONESHOT | ET_FLAGS_C3STOP, -1000);
        assertEquals(0, et_ban(et));
        assertEquals(ET_FLAGS_C3STOP, et.flags());
        et_change_frequency(et, 32768);
        assertEquals(32768, et.frequency());
    }

    @Test
    void facade_deregisterRefused_returnsConsumerResult() {
        EventTimer et = reg("c", ET_FLAGS_ONESHOT, -1000);
        assertEquals(0, et_init(et, CB, (t, arg) -> EBUSY, null));
        assertEquals(EBUSY, et_deregister(et));
        assertTrue(registry().timers().contains(et));
        assertEquals(0, et_free(et));
        assertEquals(0, et_deregister(et));
        assertFalse(registry().timers().contains(et));
    }

    @Test
    void facade_etLock_isRecursiveAroundFindAndInit() {
        EventTimer et = reg("d", ET_FLAGS_ONESHOT, -1000);
        ET_LOCK();
        try {
            assertTrue(registry().etLock().owned());
            EventTimer found = et_find("KERNETTEST-D", ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT);
            assertSame(et, found);
            assertEquals(0, et_init(found, CB, null, null));
        } finally {
            ET_UNLOCK();
        }
        assertFalse(registry().etLock().owned());
    }

    /** {@code KernEt.on(ets)}: the registry's own view, the same object every time (no allocation). */
    @Test
    void on_returnsTheRegistrysOneView() {
        EventTimers ets = new EventTimers();
        KernEt.Bound kern = KernEt.on(ets);
        assertSame(kern, KernEt.on(ets));
        assertSame(ets, kern.registry());
        assertSame(registry(), KernEt.on(registry()).registry());
        assertThrows(IllegalArgumentException.class, () -> KernEt.on(null));
    }

    /** The view returns the errno results for its own registry and leaves the default one alone. */
    @Test
    void on_otherRegistry_returnsErrnosThere() {
        EventTimers ets = new EventTimers();
        KernEt.Bound kern = KernEt.on(ets);
        EventTimer et = driver("KernEtTest-bound", ET_FLAGS_ONESHOT, 10);
        assertEquals(0, kern.et_register(et));
        assertSame(ets, et.registry());
        assertNull(et_find("KernEtTest-bound", 0, 0));            // not in the default registry
        assertSame(et, kern.et_find("kernettest-BOUND", 0, 0));
        assertEquals(EINVAL, kern.et_init(et, null, null, null));
        assertEquals(ENXIO, kern.et_start(et, MIN, 0));
        assertEquals(ENXIO, kern.et_stop(et));
        assertEquals(ENXIO, kern.et_free(et));
        assertEquals(0, kern.et_init(et, CB, null, null));
        assertEquals(EBUSY, kern.et_init(et, CB, null, null));
        assertEquals(0, kern.et_start(et, MIN, 0));
        assertEquals(0, kern.et_stop(et));
        assertEquals(0, kern.et_free(et));
        assertEquals(0, kern.et_deregister(et));
        assertNull(et.registry());
    }
}
