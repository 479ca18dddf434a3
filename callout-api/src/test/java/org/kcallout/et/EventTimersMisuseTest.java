package org.kcallout.et;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EtTestTimers.BOTH;
import static org.kcallout.et.EtTestTimers.MAX;
import static org.kcallout.et.EtTestTimers.MIN;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;
import static org.kcallout.et.EventTimer.NOCPU;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.kcallout.Sbt;
import org.kcallout.internal.CpuRef;

/**
 * The misuse matrix of the event-timer registry: every public method of {@link EventTimers},
 * {@link KernEt} and the driver-facing part of {@link EventTimer} with null, out-of-range and
 * overflowing values, unknown flag bits, bad CPUs, a timer of another registry, and timers that
 * are not registered, deregistered, not claimed, or started twice. Each rejection is checked for
 * its type (or its C return code where {@code kern_et.c} defines one), for a message naming the
 * C function, the rule and the offending value, and for leaving everything as it was: the same
 * list, the same per-timer state, no driver call, and the started timers still delivering.
 */
final class EventTimersMisuseTest {

    /** A driver that records its start and stop calls and raises events on demand. */
    private static final class Rec extends EventTimer {
        final List<String> calls = new ArrayList<>();

        Rec(String name, int flags, int quality) {
            this(name, flags, quality, 0, MIN, MAX);
        }

        Rec(String name, int flags, int quality, long frequency, long min, long max) {
            super(name, flags, quality, frequency, min, max);
        }

        @Override
        protected int start(int cpu, long first, long period) {
            calls.add("start " + cpu + " " + first + " " + period);
            return 0;
        }

        @Override
        protected int stop(int cpu) {
            calls.add("stop " + cpu);
            return 0;
        }

        boolean interrupt(int cpu) {
            return fire(cpu);
        }
    }

    /** What a rejected call must leave as it was. */
    private record Snapshot(List<EventTimer> timers, String choice, List<String> perTimer) {
    }

    private final EventTimers ets = new EventTimers();
    /** The C names, with their errno results, on {@link #ets}. */
    private final KernEt.Bound kern = KernEt.on(ets);
    private final EventTimers other = new EventTimers();
    private final List<String> events = new ArrayList<>();
    private final EtEventCb<List<String>> record = (et, cpu, l) -> l.add(et.name() + "@" + cpu);

    /** Claimed and started, global. */
    private final Rec hpet = new Rec("hpet", BOTH, 500);
    /** Claimed and started on CPU 1, per-CPU. */
    private final Rec lapic = new Rec("lapic", BOTH | ET_FLAGS_PERCPU, 600);
    /** Registered, not claimed, one-shot only. */
    private final Rec spare = new Rec("spare", ET_FLAGS_ONESHOT, 100);
    /** Registered with {@link #other}. */
    private final Rec foreign = new Rec("foreign", BOTH, 700);
    /** Never registered. */
    private final Rec loose = new Rec("loose", BOTH, 50);
    private final List<Rec> all = List.of(hpet, lapic, spare, foreign, loose);

    EventTimersMisuseTest() {
        ets.register(hpet);
        ets.register(lapic);
        ets.register(spare);
        other.register(foreign);
        ets.init(hpet, record, null, events);
        ets.init(lapic, record, null, events);
        assertEquals(0, kern.et_start(hpet, MIN * 3, 0));
        assertEquals(0, kern.et_start(lapic, 1, 0, MIN * 4));
    }

    private Snapshot snapshot() {
        List<String> per = new ArrayList<>();
        for (Rec et : all) {
            EventTimer.Binding b = et.binding();
            per.add(et.name() + " flags=" + et.flags() + " active=" + et.active() + " freq=" + et.frequency()
                    + " min=" + et.minPeriod() + " max=" + et.maxPeriod()
                    + " binding=" + (b == null ? "none" : System.identityHashCode(b))
                    + " registry=" + (et.registry() == null ? "none" : System.identityHashCode(et.registry()))
                    + " calls=" + et.calls);
        }
        return new Snapshot(ets.timers(), ets.choice(), per);
    }

    /** The two started timers still reach their consumer, on the CPU they were started for. */
    private void assertStillDelivers() {
        int n = events.size();
        assertTrue(hpet.interrupt(NOCPU), "hpet still claimed");
        assertTrue(lapic.interrupt(1), "lapic still claimed");
        assertEquals(List.of("hpet@-1", "lapic@1"), events.subList(n, events.size()));
    }

    /** {@code call} throws exactly {@code type}, whose message has every fragment, and changes nothing. */
    private <X extends Throwable> X rejects(Class<X> type, Executable call, String... fragments) {
        Snapshot before = snapshot();
        X e = assertThrowsExactly(type, call);
        String msg = e.getMessage();
        assertNotNull(msg, "the message names the rule");
        for (String f : fragments) {
            assertTrue(msg.contains(f), () -> "message \"" + msg + "\" should contain \"" + f + "\"");
        }
        assertEquals(before, snapshot(), "a rejected call changes nothing");
        assertStillDelivers();
        return e;
    }

    /** {@code call} returns the C error {@code code} and changes nothing. */
    private void returnsError(int code, IntSupplier call) {
        Snapshot before = snapshot();
        assertEquals(code, call.getAsInt());
        assertEquals(before, snapshot(), "a refused call changes nothing");
        assertStillDelivers();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_register, et_deregister                                                                */

    @Test
    void register_nullTwiceOrForeign_throwAndChangeNothing() {
        rejects(IllegalArgumentException.class, () -> kern.et_register(null), "et_register", "must not be null");
        rejects(IllegalArgumentException.class, () -> ets.register(null), "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_register(hpet), "et_register", "hpet",
                "already registered");
        rejects(IllegalStateException.class, () -> kern.et_register(foreign), "et_register", "foreign",
                "another registry");
    }

    @Test
    void deregister_nullUnregisteredOrForeign_throwWithoutAskingTheConsumer() {
        rejects(IllegalArgumentException.class, () -> kern.et_deregister(null), "et_deregister", "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_deregister(loose), "et_deregister", "loose",
                "not registered");
        rejects(IllegalStateException.class, () -> ets.deregister(foreign), "foreign", "another registry");
    }

    @Test
    void deregister_twice_secondThrowsAndListStays() {
        assertEquals(0, kern.et_deregister(spare));
        rejects(IllegalStateException.class, () -> kern.et_deregister(spare), "et_deregister", "spare",
                "not registered");
        assertEquals(List.of(lapic, hpet), ets.timers());
    }

    @Test
    void deregister_consumerCallbackThrows_propagatesAndTimerStays() {
        ets.free(hpet);
        ets.init(hpet, record, (et, l) -> {
            throw new IllegalStateException("consumer refuses loudly");
        }, events);
        rejects(IllegalStateException.class, () -> kern.et_deregister(hpet), "consumer refuses loudly");
        assertTrue(ets.timers().contains(hpet));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_change_frequency                                                                       */

    @Test
    void changeFrequency_negativeNullOrForeign_throwAndKeepFrequency() {
        for (long f : new long[] {-1, Long.MIN_VALUE, Integer.MIN_VALUE}) {
            rejects(IllegalArgumentException.class, () -> kern.et_change_frequency(hpet, f), "et_change_frequency",
                    "hpet", ">= 0", Long.toString(f));
            rejects(IllegalArgumentException.class, () -> ets.changeFrequency(hpet, f), "et_change_frequency",
                    Long.toString(f));
        }
        rejects(IllegalArgumentException.class, () -> kern.et_change_frequency(null, 1), "et_change_frequency",
                "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_change_frequency(foreign, 1), "et_change_frequency",
                "foreign", "another registry");
    }

    @Test
    void changeFrequency_longMaxValue_isStored() {
        kern.et_change_frequency(hpet, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, hpet.frequency());
        assertStillDelivers();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_find                                                                                   */

    @Test
    void find_unknownFlagBits_throwNamingThem() {
        rejects(IllegalArgumentException.class, () -> kern.et_find(null, 32, 0), "et_find", "unknown et_flags bits",
                "0x20");
        rejects(IllegalArgumentException.class, () -> kern.et_find(null, 0, 64), "et_find", "0x40");
        rejects(IllegalArgumentException.class, () -> kern.et_find("spare", Integer.MIN_VALUE, 0), "et_find",
                "0x80000000");
        rejects(IllegalArgumentException.class, () -> kern.et_find(null, -1, -1), "et_find", "0xffffffe0");
        rejects(IllegalArgumentException.class, () -> ets.find(null, Integer.MAX_VALUE, 0), "find",
                "unknown et_flags bits");
    }

    @Test
    void find_oddButKnownQueries_answerWithoutThrowing() {
        assertSame(spare, kern.et_find(null, 0, 0), "hpet and lapic are claimed");
        assertSame(spare, kern.et_find("SPARE", 0, 0));
        assertNull(kern.et_find("", 0, 0));
        assertNull(kern.et_find("foreign", 0, 0), "another registry's timer is not listed here");
        assertNull(kern.et_find(null, ET_FLAGS_PERIODIC, BOTH), "want outside check never matches (documented)");
        assertNull(kern.et_find("hpet", 0, 0), "claimed timers are never found");
        assertStillDelivers();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_init                                                                                   */

    @Test
    void init_nullTimer_throwsIllegalArgument() {
        rejects(IllegalArgumentException.class, () -> kern.et_init(null, record, null, events), "et_init",
                "must not be null");
        rejects(IllegalArgumentException.class, () -> ets.init(null, record, null, events), "init",
                "must not be null");
    }

    @Test
    void init_nullEvent_einvalOrIllegalArgument() {
        returnsError(KernEt.EINVAL, () -> kern.et_init(spare, null, null, null));
        returnsError(KernEt.EINVAL, () -> kern.et_init(hpet, null, null, null));
        rejects(IllegalArgumentException.class, () -> ets.init(spare, null, null, null), "et_init", "spare",
                "EINVAL");
    }

    @Test
    void init_claimedTwice_ebusyAndTheFirstConsumerKeepsTheEvents() {
        List<String> thief = new ArrayList<>();
        returnsError(KernEt.EBUSY, () -> kern.et_init(hpet, record, null, thief));
        rejects(IllegalStateException.class, () -> ets.init(lapic, record, null, thief), "et_init", "lapic",
                "already active", "EBUSY");
        assertEquals(List.of(), thief);
    }

    @Test
    void init_foreignNeverRegisteredOrDeregistered_throwIllegalState() {
        rejects(IllegalStateException.class, () -> kern.et_init(foreign, record, null, events), "et_init", "foreign",
                "another registry");
        rejects(IllegalStateException.class, () -> kern.et_init(loose, record, null, events), "et_init", "loose",
                "not registered");
        rejects(IllegalStateException.class, () -> ets.init(loose, record, null, events), "et_init", "loose",
                "not registered");
        assertEquals(0, kern.et_deregister(spare));
        rejects(IllegalStateException.class, () -> kern.et_init(spare, record, null, events), "et_init", "spare",
                "not registered");
        assertFalse(spare.interrupt(NOCPU), "an unclaimed timer's events reach no one");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_start                                                                                  */

    @Test
    void start_nullOrForeign_throw() {
        rejects(IllegalArgumentException.class, () -> kern.et_start(null, MIN, 0), "et_start", "must not be null");
        rejects(IllegalArgumentException.class, () -> kern.et_start(null, 0, MIN, 0), "et_start", "must not be null");
        rejects(IllegalArgumentException.class, () -> ets.start(null, 0, MIN, 0), "start", "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_start(foreign, MIN, 0), "et_start", "foreign",
                "another registry");
        rejects(IllegalStateException.class, () -> ets.start(foreign, NOCPU, MIN, 0), "start", "another registry");
    }

    @Test
    void start_notClaimed_enxioOrIllegalStateEvenWithBadArguments() {
        for (Rec et : List.of(spare, loose)) {
            returnsError(KernEt.ENXIO, () -> kern.et_start(et, MIN, 0));
            returnsError(KernEt.ENXIO, () -> kern.et_start(et, Integer.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE));
            rejects(IllegalStateException.class, () -> ets.start(et, NOCPU, MIN, 0), "et_start", et.name(),
                    "not active", "ENXIO");
        }
    }

    @Test
    void start_negativePeriod_throwsNamingIt() {
        for (long p : new long[] {-1, Long.MIN_VALUE, Integer.MIN_VALUE}) {
            rejects(IllegalArgumentException.class, () -> kern.et_start(hpet, MIN, p), "et_start", "negative period",
                    Long.toString(p), "hpet");
            rejects(IllegalArgumentException.class, () -> ets.start(lapic, 0, MIN, p), "et_start", Long.toString(p));
        }
    }

    @Test
    void start_modeTheTimerLacks_throws() {
        ets.init(spare, record, null, events);
        rejects(IllegalArgumentException.class, () -> kern.et_start(spare, 0, MIN), "et_start", "spare",
                "not periodic-capable", Long.toString(MIN));
        ets.ban(hpet);
        rejects(IllegalArgumentException.class, () -> kern.et_start(hpet, MIN, 0), "et_start", "hpet",
                "not oneshot-capable");
        rejects(IllegalArgumentException.class, () -> kern.et_start(hpet, 0, Sbt.SBT_MAX), "et_start",
                "not periodic-capable");
    }

    @Test
    void start_badCpuOnPerCpuTimer_throwsNamingIt() {
        for (int cpu : new int[] {NOCPU, -2, Integer.MIN_VALUE}) {
            rejects(IllegalArgumentException.class, () -> kern.et_start(lapic, cpu, MIN, 0), "et_start",
                    "bad CPU " + cpu, "lapic", ">= 0");
        }
        rejects(IllegalArgumentException.class, () -> kern.et_start(lapic, MIN, 0), "et_start", "bad CPU -1");
        for (int cpu : new int[] {CpuRef.MAXCPU, Integer.MAX_VALUE}) {
            rejects(IllegalArgumentException.class, () -> kern.et_start(lapic, cpu, MIN, 0), "et_start",
                    "bad CPU " + cpu, "lapic", "MAXCPU");
            rejects(IllegalArgumentException.class, () -> ets.start(lapic, cpu, MIN, 0), "et_start",
                    "bad CPU " + cpu);
        }
    }

    @Test
    void start_badCpuOnGlobalTimer_throwsNamingIt() {
        for (int cpu : new int[] {-2, Integer.MIN_VALUE, CpuRef.MAXCPU, Integer.MAX_VALUE}) {
            rejects(IllegalArgumentException.class, () -> kern.et_start(hpet, cpu, MIN, 0), "et_start",
                    "bad CPU " + cpu, "hpet");
        }
    }

    @Test
    void start_extremeDelays_areClampedNotRejected() {
        long[] extremes = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE, Sbt.SBT_MAX, Integer.MAX_VALUE};
        for (long first : extremes) {
            assertEquals(0, kern.et_start(hpet, first, 0));
            long f = Long.parseLong(hpet.calls.get(hpet.calls.size() - 1).split(" ")[2]);
            assertTrue(f >= MIN && f <= MAX, "first " + first + " reached the driver as " + f);
        }
        assertEquals(0, kern.et_start(lapic, CpuRef.MAXCPU - 1, Long.MAX_VALUE, Long.MAX_VALUE));
        assertEquals("start " + (CpuRef.MAXCPU - 1) + " " + MAX + " " + MAX, lapic.calls.get(lapic.calls.size() - 1));
        assertStillDelivers();
    }

    @Test
    void start_twice_reprogramsAsInC() {
        int before = hpet.calls.size();
        assertEquals(0, kern.et_start(hpet, MIN * 2, 0));
        assertEquals(0, kern.et_start(hpet, MIN * 2, 0));
        assertEquals(List.of("start -1 " + MIN * 2 + " 0", "start -1 " + MIN * 2 + " 0"),
                hpet.calls.subList(before, hpet.calls.size()));
        assertStillDelivers();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_stop, et_ban, et_free                                                                  */

    @Test
    void stop_nullForeignBadCpu_throw() {
        rejects(IllegalArgumentException.class, () -> kern.et_stop(null), "et_stop", "must not be null");
        rejects(IllegalArgumentException.class, () -> ets.stop(null, 0), "stop", "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_stop(foreign), "et_stop", "another registry");
        rejects(IllegalArgumentException.class, () -> kern.et_stop(lapic), "et_stop", "bad CPU -1", "lapic");
        for (int cpu : new int[] {Integer.MIN_VALUE, CpuRef.MAXCPU, Integer.MAX_VALUE}) {
            rejects(IllegalArgumentException.class, () -> kern.et_stop(lapic, cpu), "et_stop", "bad CPU " + cpu);
            rejects(IllegalArgumentException.class, () -> ets.stop(hpet, cpu), "et_stop", "bad CPU " + cpu);
        }
    }

    @Test
    void stop_notClaimed_enxioOrIllegalState() {
        returnsError(KernEt.ENXIO, () -> kern.et_stop(spare));
        returnsError(KernEt.ENXIO, () -> kern.et_stop(loose, Integer.MIN_VALUE));
        rejects(IllegalStateException.class, () -> ets.stop(spare, NOCPU), "et_stop", "spare", "not active");
    }

    @Test
    void ban_nullOrForeign_throw() {
        rejects(IllegalArgumentException.class, () -> kern.et_ban(null), "et_ban", "must not be null");
        rejects(IllegalArgumentException.class, () -> ets.ban(null), "et_ban", "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_ban(foreign), "et_ban", "foreign", "another registry");
        assertEquals(BOTH, foreign.flags());
    }

    @Test
    void free_nullForeignOrUnclaimed_throwOrEnxio() {
        rejects(IllegalArgumentException.class, () -> kern.et_free(null), "et_free", "must not be null");
        rejects(IllegalArgumentException.class, () -> ets.free(null), "free", "must not be null");
        rejects(IllegalStateException.class, () -> kern.et_free(foreign), "et_free", "another registry");
        returnsError(KernEt.ENXIO, () -> kern.et_free(spare));
        returnsError(KernEt.ENXIO, () -> kern.et_free(loose));
        rejects(IllegalStateException.class, () -> ets.free(spare), "et_free", "spare", "not active", "ENXIO");
    }

    @Test
    void free_twice_secondIsEnxioAndDropsNothingElse() {
        assertEquals(0, kern.et_free(hpet));
        assertEquals(KernEt.ENXIO, kern.et_free(hpet));
        assertThrowsExactly(IllegalStateException.class, () -> ets.free(hpet));
        assertFalse(hpet.interrupt(NOCPU), "freed: events reach no one");
        assertTrue(lapic.interrupt(1), "the other consumer's timer is untouched");
        assertEquals(List.of(lapic, hpet, spare), ets.timers());
    }

    @Test
    void useAfterDeregisterWhileClaimed_consumerCanStillStopAndFree() {
        // The driver withdrew the timer with no deregister callback to ask: the consumer keeps it
        // until it lets go, as in C.
        assertEquals(0, kern.et_deregister(hpet));
        assertEquals(0, kern.et_stop(hpet));
        assertEquals(0, kern.et_free(hpet));
        assertEquals(List.of(lapic, spare), ets.timers());
        assertThrowsExactly(IllegalStateException.class, () -> ets.init(hpet, record, null, events),
                "claiming it again needs a new registration");
    }

    /* ---------------------------------------------------------------------------------------- */
    /* KernEt: the same checks through the C names (default registry; nothing is registered)    */

    @Test
    void kernEt_misuse_sameChecksOnTheDefaultRegistry() {
        List<EventTimer> before = KernEt.registry().timers();
        rejects(IllegalArgumentException.class, () -> KernEt.et_register(null), "et_register", "must not be null");
        rejects(IllegalArgumentException.class, () -> KernEt.et_find(null, 1 << 5, 0), "et_find", "0x20");
        rejects(IllegalStateException.class, () -> KernEt.et_init(loose, record, null, events), "et_init", "loose",
                "not registered");
        rejects(IllegalStateException.class, () -> KernEt.et_init(hpet, record, null, events), "et_init", "hpet",
                "another registry");
        rejects(IllegalStateException.class, () -> KernEt.et_deregister(loose), "et_deregister", "not registered");
        rejects(IllegalArgumentException.class, () -> KernEt.et_change_frequency(loose, Long.MIN_VALUE),
                "et_change_frequency", Long.toString(Long.MIN_VALUE));
        rejects(IllegalStateException.class, () -> KernEt.et_start(hpet, 0, MIN, 0), "et_start", "another registry");
        rejects(IllegalStateException.class, () -> KernEt.et_stop(lapic, 0), "et_stop", "another registry");
        rejects(IllegalStateException.class, () -> KernEt.et_free(hpet), "et_free", "another registry");
        rejects(IllegalStateException.class, () -> KernEt.et_ban(hpet), "et_ban", "another registry");
        returnsError(KernEt.ENXIO, () -> KernEt.et_start(loose, Integer.MAX_VALUE, Long.MIN_VALUE, -1));
        returnsError(KernEt.ENXIO, () -> KernEt.et_stop(loose));
        returnsError(KernEt.ENXIO, () -> KernEt.et_free(loose));
        returnsError(KernEt.EINVAL, () -> KernEt.et_init(loose, null, null, null));
        assertEquals(before, KernEt.registry().timers());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* ET_LOCK, clock source slot                                                                */

    @Test
    void etUnlock_notHeld_throwsIllegalState() {
        rejects(IllegalStateException.class, kern::ET_UNLOCK);
        rejects(IllegalStateException.class, ets.etLock()::unlock);
    }

    @Test
    void setClockSource_null_clearsTheSlot() {
        EventTimerConsumer cs = new EventTimerConsumer() {
            @Override
            public EventTimer currentTimer() {
                return null;
            }

            @Override
            public void frequencyChanged(EventTimer et, long oldFrequency, long newFrequency) {
            }
        };
        assertNull(ets.setClockSource(cs));
        assertSame(cs, ets.setClockSource(null));
        assertNull(ets.clockSource());
        assertDoesNotThrow(() -> kern.et_change_frequency(hpet, 5));
        assertEquals(5, hpet.frequency());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* EventTimer: the driver's description                                                      */

    private static Rec make(String name, int flags, long frequency, long min, long max) {
        return new Rec(name, flags, 0, frequency, min, max);
    }

    @Test
    void constructor_badValues_throwNamingThem() {
        assertMessage(() -> make(null, BOTH, 0, MIN, MAX), "et_name", "null");
        assertMessage(() -> make("", BOTH, 0, MIN, MAX), "et_name", "\"\"");
        assertMessage(() -> make("x", Integer.MIN_VALUE, 0, MIN, MAX), "et_flags", "0x80000000");
        assertMessage(() -> make("x", -1, 0, MIN, MAX), "et_flags", "0xffffffe0");
        assertMessage(() -> make("x", BOTH, Long.MIN_VALUE, MIN, MAX), "et_frequency", Long.toString(Long.MIN_VALUE));
        assertMessage(() -> make("x", BOTH, 0, Long.MIN_VALUE, MAX), "et_min_period", Long.toString(Long.MIN_VALUE));
        assertMessage(() -> make("x", BOTH, 0, 0, Long.MIN_VALUE), "et_max_period", Long.toString(Long.MIN_VALUE));
        assertMessage(() -> make("x", BOTH, 0, Long.MAX_VALUE, MAX), "et_min_period", Long.toString(Long.MAX_VALUE));
    }

    private static void assertMessage(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrowsExactly(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f),
                    () -> "message \"" + e.getMessage() + "\" should contain \"" + f + "\"");
        }
    }

    @Test
    void constructor_extremeButValidValues_areAccepted() {
        EventTimer et = new Rec("x", 0, Integer.MIN_VALUE, Long.MAX_VALUE, Sbt.SBT_MAX, Sbt.SBT_MAX);
        assertEquals(Integer.MIN_VALUE, et.quality());
        assertEquals(Long.MAX_VALUE, et.frequency());
        assertEquals(Sbt.SBT_MAX, et.minPeriod());
        ets.register(et);
        assertEquals("lapic(600) hpet(500) spare(100) x(" + Integer.MIN_VALUE + ")", ets.choice());
        assertSame(spare, kern.et_find(null, 0, 0), "negative quality: found only by name");
        assertSame(et, kern.et_find("X", 0, 0));
    }

    @Test
    void setPeriodRange_badValues_throwAndKeepTheRange() {
        for (long[] r : new long[][] {{-1, MAX}, {MIN, 0}, {MAX, MIN}, {Long.MIN_VALUE, Long.MIN_VALUE},
                {Long.MAX_VALUE, 1}}) {
            rejects(IllegalArgumentException.class, () -> hpet.setPeriodRange(r[0], r[1]), "hpet",
                    "et_min_period", Long.toString(r[0]));
        }
        assertEquals(MIN, hpet.minPeriod());
        assertEquals(MAX, hpet.maxPeriod());
    }
}
