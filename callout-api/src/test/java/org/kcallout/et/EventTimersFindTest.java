package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.kcallout.et.EtTestTimers.BOTH;
import static org.kcallout.et.EtTestTimers.driver;
import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code et_find}: quality order, activity, names, negative qualities and {@code (flags & check) == want}. */
final class EventTimersFindTest {

    private static final EtEventCb<Object> CB = (et, cpu, arg) -> { };

    private final EventTimers ets = new EventTimers();
    /** The C names, with their errno results, on {@link #ets}. */
    private final KernEt.Bound kern = KernEt.on(ets);

    @Test
    void spec72_bestActive_findNullOneshot_returnsNextBestInactiveOneshotNonNegative() {
        EventTimer best = driver("LAPIC", BOTH, 600);
        EventTimer periodicOnly = driver("i8254", ET_FLAGS_PERIODIC, 500);
        EventTimer hpet = driver("hpet", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, -10);
        EventTimer rtcOneshot = driver("RTC", ET_FLAGS_ONESHOT, 0);
        for (EventTimer et : new EventTimer[] {best, periodicOnly, hpet, rtcOneshot}) {
            ets.register(et);
        }
        ets.init(best, CB, null, null);

        assertSame(rtcOneshot, kern.et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));

        assertSame(hpet, kern.et_find("HPET", 0, 0), "by name, despite its negative quality");
        ets.init(hpet, CB, null, null);
        assertNull(kern.et_find("HPET", 0, 0), "active timers are never found");
    }

    @Test
    void find_noMatch_returnsNullAndEmpty() {
        ets.register(driver("a", ET_FLAGS_PERIODIC, 1));
        assertNull(kern.et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
        assertEquals(Optional.empty(), ets.find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
        assertNull(kern.et_find("b", 0, 0));
    }

    @Test
    void find_emptyRegistry_returnsNull() {
        assertNull(kern.et_find(null, 0, 0));
    }

    @Test
    void find_checkZeroWantZero_returnsBestRegardlessOfFlags() {
        EventTimer none = driver("none", 0, 10);
        ets.register(driver("worse", BOTH, 5));
        ets.register(none);
        assertSame(none, kern.et_find(null, 0, 0));
    }

    @Test
    void find_wantZeroForCheckedBit_returnsTimerWithoutIt() {
        EventTimer c3 = driver("c3", BOTH | ET_FLAGS_C3STOP, 100);
        EventTimer steady = driver("steady", BOTH, 50);
        ets.register(c3);
        ets.register(steady);
        assertSame(steady, kern.et_find(null, ET_FLAGS_C3STOP, 0));
    }

    @Test
    void find_twoBitsCheckedOneWanted_returnsExactCombination() {
        EventTimer both = driver("both", BOTH, 100);
        EventTimer periodicOnly = driver("periodic", ET_FLAGS_PERIODIC, 50);
        ets.register(both);
        ets.register(periodicOnly);
        assertSame(periodicOnly, kern.et_find(null, BOTH, ET_FLAGS_PERIODIC));
        assertSame(both, kern.et_find(null, BOTH, BOTH));
        assertSame(both, kern.et_find(null, ET_FLAGS_PERIODIC, ET_FLAGS_PERIODIC));
    }

    @Test
    void find_wantBitOutsideCheck_neverMatches() {
        ets.register(driver("both", BOTH, 100));
        assertNull(kern.et_find(null, ET_FLAGS_PERIODIC, BOTH));
    }

    @Test
    void find_uncheckedBits_areIgnored() {
        EventTimer percpu = driver("percpu", BOTH | ET_FLAGS_PERCPU | ET_FLAGS_C3STOP, 100);
        ets.register(percpu);
        assertSame(percpu, kern.et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
    }

    @Test
    void find_negativeQuality_foundOnlyByName() {
        EventTimer neg = driver("slow", BOTH, -1);
        ets.register(neg);
        assertNull(kern.et_find(null, 0, 0));
        assertNull(kern.et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
        assertSame(neg, kern.et_find("slow", 0, 0));
        assertSame(neg, kern.et_find("slow", ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
    }

    @Test
    void find_qualityZero_isAutoSelectable() {
        EventTimer zero = driver("zero", BOTH, 0);
        ets.register(zero);
        assertSame(zero, kern.et_find(null, 0, 0));
    }

    @Test
    void find_byName_ignoresCaseAndStillChecksFlags() {
        EventTimer hpet = driver("HPET1", ET_FLAGS_PERIODIC, 10);
        ets.register(hpet);
        assertSame(hpet, kern.et_find("hpet1", 0, 0));
        assertSame(hpet, kern.et_find("hPeT1", ET_FLAGS_PERIODIC, ET_FLAGS_PERIODIC));
        assertNull(kern.et_find("hpet1", ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
        assertNull(kern.et_find("hpet", 0, 0), "the whole name must match");
    }

    @Test
    void find_byName_returnsBestQualityOfEqualNames() {
        EventTimer low = driver("dup", BOTH, 1);
        EventTimer high = driver("DUP", BOTH, 2);
        ets.register(low);
        ets.register(high);
        assertSame(high, kern.et_find("dup", 0, 0));
    }

    @Test
    void find_afterFree_findsTimerAgain() {
        EventTimer et = driver("a", BOTH, 1);
        ets.register(et);
        ets.init(et, CB, null, null);
        assertNull(kern.et_find(null, 0, 0));
        ets.free(et);
        assertSame(et, kern.et_find(null, 0, 0));
    }

    @Test
    void find_afterBan_notFoundByCapabilityButByName() {
        EventTimer broken = driver("broken", BOTH, 100);
        EventTimer fallback = driver("fallback", ET_FLAGS_ONESHOT, 10);
        ets.register(broken);
        ets.register(fallback);
        ets.ban(broken);
        assertSame(fallback, kern.et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT));
        assertSame(broken, kern.et_find("broken", 0, 0));
    }

    @Test
    void find_javaStyle_wrapsResult() {
        EventTimer et = driver("a", BOTH, 1);
        ets.register(et);
        assertEquals(Optional.of(et), ets.find("A", BOTH, BOTH));
    }
}
