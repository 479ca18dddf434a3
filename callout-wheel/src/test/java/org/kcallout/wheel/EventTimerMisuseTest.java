package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.kcallout.Callout;
import org.kcallout.et.EtEventCb;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.RealTimeTimerDriver;
import org.kcallout.wheel.driver.ReloadTimerDriver;
import org.kcallout.wheel.driver.ReloadTimerHardware;
import org.kcallout.wheel.driver.SimulatedReloadTimer;
import org.kcallout.wheel.driver.VirtualTimerDriver;
import org.kcallout.wheel.driver.DriverTestAccess;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * The misuse matrix of the public event-timer clock and drivers: {@link EventTimerClock} and its
 * builder, {@link VirtualTimerDriver}, {@link RealTimeTimerDriver}, {@link ReloadTimerDriver},
 * {@link SimulatedReloadTimer} and {@link VirtualTimebase}, with null, out-of-range and
 * overflowing values, CPUs out of range, timers of another registry or consumer, and use before
 * attach and after close. Each rejection is checked for its type (or the documented C code), for a
 * message naming the function, the rule and the value, and for leaving the clock as it was: the
 * same timer, mode, registry and driver state, and a victim callout armed before the call fires
 * exactly once when virtual time advances.
 *
 * <p>Every test runs bounded ({@link #bounded}): a hang fails with a dump of all threads.
 */
final class EventTimerMisuseTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** Runs {@code body} on a bounded thread; on timeout the failure carries every thread's stack. */
    private static void bounded(Executable body) {
        assertTimeoutPreemptively(LIMIT, body, EventTimerMisuseTest::threadDump);
    }

    private static String threadDump() {
        StringBuilder sb = new StringBuilder("timed out after ").append(LIMIT).append("; threads:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            sb.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("    at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }

    private static <X extends Throwable> X throwsNaming(Class<X> type, Executable call, String... fragments) {
        X e = assertThrowsExactly(type, call);
        String msg = e.getMessage();
        assertNotNull(msg, "the message names the rule");
        for (String f : fragments) {
            assertTrue(msg.contains(f), () -> "message \"" + msg + "\" should contain \"" + f + "\"");
        }
        return e;
    }

    /** A running two-CPU system on a one-shot virtual driver, with a spare timer in the registry. */
    private static final class Rig implements AutoCloseable {
        final VirtualTimebase tb = new VirtualTimebase();
        final VirtualTimerDriver drv;
        final VirtualTimerDriver spare = new VirtualTimerDriver(tb, "spare", BOTH, 50);
        final EventTimers ets;
        final EventTimerClock clock;
        final CalloutWheel sys;

        Rig() {
            this(BOTH);
        }

        /** With {@code flags} for the timer in use, e.g. per-CPU. */
        Rig(int flags) {
            drv = new VirtualTimerDriver(tb, "virt", flags, 100);
            ets = registryOf(drv, spare);
            clock = clockOn(ets, tb).build();
            sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build();
        }

        /** Everything a rejected call must leave alone. */
        List<Object> snapshot() {
            List<Object> s = new ArrayList<>();
            s.add(clock.timer());
            s.add(clock.periodic());
            s.add(clock.hz());
            s.add(clock.profiling());
            s.add(clock.deepSleepDisabled());
            s.add(clock.nexttick());
            s.add(ets.timers());
            s.add(ets.clockSource());
            s.add(tb.now());
            for (VirtualTimerDriver d : List.of(drv, spare)) {
                s.add(d.active());
                s.add(d.flags());
                s.add(d.frequency());
                s.add(d.armed());
                s.add(d.programmedTime());
                s.add(d.starts());
                s.add(d.stops());
            }
            for (int cpu = 0; cpu < 2; cpu++) {
                s.add(clock.state(cpu));
            }
            return s;
        }

        /** Arms a victim callout on each CPU, runs {@code check}, then both fire exactly once. */
        void unchangedBy(Executable check) throws Throwable {
            AtomicInteger[] fired = {new AtomicInteger(), new AtomicInteger()};
            Callout[] victims = {new Callout(), new Callout()};
            for (int cpu = 0; cpu < 2; cpu++) {
                sys.init(victims[cpu], true);
                sys.resetOn(victims[cpu], 5, AtomicInteger::incrementAndGet, fired[cpu], cpu);
            }
            List<Object> before = snapshot();
            check.execute();
            assertEquals(before, snapshot(), "a rejected call changes nothing");
            tb.advanceTicks(10);
            assertEquals(1, fired[0].get(), "the victim on CPU 0 fires once");
            assertEquals(1, fired[1].get(), "the victim on CPU 1 fires once");
            tb.advanceTicks(10);
            assertEquals(1, fired[0].get(), "and never again");
            assertEquals(1, fired[1].get(), "and never again");
        }

        <X extends Throwable> void rejects(Class<X> type, Executable call, String... fragments) throws Throwable {
            unchangedBy(() -> throwsNaming(type, call, fragments));
        }

        @Override
        public void close() {
            sys.close();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* EventTimerClock.Builder                                                                   */

    @Test
    void builder_nullArguments_throwIllegalArgumentAndKeepTheBuilder() {
        bounded(() -> {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
            EventTimers ets = registryOf(drv);
            EventTimerClock.Builder b = clockOn(ets, tb);
            throwsNaming(IllegalArgumentException.class, () -> b.registry(null), "registry", "must not be null");
            throwsNaming(IllegalArgumentException.class, () -> b.timecounter((LongSupplier) null), "timecounter",
                    "must not be null");
            throwsNaming(IllegalArgumentException.class, () -> b.timecounter((VirtualTimebase) null), "timecounter",
                    "must not be null");
            throwsNaming(IllegalArgumentException.class, () -> b.hooks(null), "hooks", "must not be null");
            // The builder still has its registry and time base: the system runs on drv in virtual time.
            EventTimerClock clock = b.build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
                assertSame(drv, clock.timer());
                AtomicInteger n = new AtomicInteger();
                Callout c = new Callout();
                sys.init(c, true);
                sys.reset(c, 3, AtomicInteger::incrementAndGet, n);
                tb.advanceTicks(10);
                assertEquals(1, n.get());
            }
        });
    }

    @Test
    void builder_outOfRangeTunables_throwNamingThem() {
        EventTimerClock.Builder b = EventTimerClock.builder();
        for (int n : new int[] {-1, ClockTestAccess.SINGLEMUL_MAX + 1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> b.singlemul(n), "kern.eventtimer.singlemul",
                    Integer.toString(n));
        }
        for (int hz : new int[] {0, -1, Integer.MIN_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> b.tcMinTicktockFreq(hz), "tc_min_ticktock_freq",
                    Integer.toString(hz));
        }
    }

    @Test
    void build_secondClockOnALiveTimebase_throwsAndTheFirstKeepsRunning() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.rejects(IllegalStateException.class, () -> clockOn(registryOf(), r.tb).build(), "VirtualTimebase",
                        "already the timecounter");
            }
        });
    }

    @Test
    void build_clockAlreadyDrivingASystem_throwsAndTheFirstKeepsRunning() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.rejects(IllegalStateException.class,
                        () -> CalloutWheel.builder().ncpus(1).clock(r.clock).build(), "already drives");
            }
        });
    }

    @Test
    void build_registryServingAnotherClock_throwsAndTheFirstKeepsRunning() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                EventTimerClock second = EventTimerClock.builder().registry(r.ets)
                        .timecounter((LongSupplier) r.tb).inlineSoftclock(true).build();
                r.rejects(IllegalStateException.class,
                        () -> CalloutWheel.builder().ncpus(1).clock(second).build(), "cpu_initclocks",
                        "already serves another clock source");
                assertEquals(List.of(r.drv, r.spare), r.ets.timers());
            }
        });
    }

    @Test
    void build_noUsableTimer_throwsAndClaimsNothing() {
        bounded(() -> {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver banned = new VirtualTimerDriver(tb, "banned", BOTH, 100);
            VirtualTimerDriver byNameOnly = new VirtualTimerDriver(tb, "slow", BOTH, -5);
            EventTimers ets = registryOf(banned, byNameOnly);
            ets.ban(banned);
            throwsNaming(IllegalStateException.class,
                    () -> CalloutWheel.builder().ncpus(1).clock(clockOn(ets, tb).build()).build(), "cpu_initclocks",
                    "no usable event timer");
            throwsNaming(IllegalStateException.class,
                    () -> CalloutWheel.builder().ncpus(1).clock(clockOn(ets, tb).timer("BANNED").build()).build(),
                    "banned", "neither periodic nor one-shot");
            assertFalse(banned.active());
            assertFalse(byNameOnly.active());
            assertNull(ets.clockSource());
            assertEquals(List.of(banned, byNameOnly), ets.timers());
        });
    }

    /** A timer whose description is legal but extreme: rates computed from it overflow an int. */
    private static final class ExtremeTimer extends EventTimer {
        ExtremeTimer(String name, long frequency, long minPeriod, long maxPeriod) {
            super(name, BOTH, 100, frequency, minPeriod, maxPeriod);
        }

        @Override
        protected int start(int cpu, long first, long period) {
            return 0;
        }
    }

    /**
     * A max period of 100 sbt (23 ns) forces every rate above 40 MHz; so does a range of one sbt on
     * a base frequency near Long.MAX_VALUE. In one-shot mode hz itself is rounded up out of range:
     * the build fails (it used to fail with an AssertionError from an int overflow in the rate
     * arithmetic, leaving the timer claimed). In periodic mode FreeBSD's arithmetic absorbs the
     * rate into singlemul and keeps hz.
     */
    @Test
    void build_timerForcedAboveMaxHz_oneShotThrowsAndReleasesIt_periodicKeepsHz() {
        bounded(() -> {
            for (EventTimer et : List.of(new ExtremeTimer("fast", 0, 0, 100),
                    new ExtremeTimer("edge", Long.MAX_VALUE - 1, 1, 1))) {
                VirtualTimebase tb = new VirtualTimebase();
                EventTimers ets = registryOf(et);
                EventTimerClock oneShot = clockOn(ets, tb).build();
                IllegalStateException e = throwsNaming(IllegalStateException.class,
                        () -> CalloutWheel.builder().ncpus(1).hz(1000).clock(oneShot).build(), "cpu_initclocks",
                        et.name(), "hz must be in [1, 1000000]");
                assertFalse(et.active(), et.name() + ": released after the failed build: " + e.getMessage());
                assertNull(ets.clockSource(), et.name() + ": the clock-source slot is free again");
                assertEquals(List.of(et), ets.timers());

                EventTimerClock periodic = clockOn(ets, tb).periodic(true).build();
                try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(periodic).build()) {
                    assertSame(et, periodic.timer());
                    assertEquals(1000, periodic.hz());
                    assertTrue(periodic.timerperiod() >= 1, "timerperiod " + periodic.timerperiod());
                }
                assertFalse(et.active());
            }
        });
    }

    @Test
    void build_timerWithHugeBaseFrequency_runsAtTheRequestedHz() {
        bounded(() -> {
            for (boolean periodic : new boolean[] {false, true}) {
                for (long base : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Integer.MAX_VALUE}) {
                    VirtualTimebase tb = new VirtualTimebase();
                    VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
                    EventTimer huge = new ExtremeTimer("huge", base, 0, SBT_MAX);
                    EventTimers ets = registryOf(drv, huge);
                    EventTimerClock clock = clockOn(ets, tb).periodic(periodic).timer("huge").build();
                    try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
                        assertSame(huge, clock.timer());
                        assertEquals(1000, clock.hz(), "base " + base + ": a divider near base / 1000 exists");
                        assertTrue(clock.stathz() >= 1 && clock.profhz() >= clock.stathz(),
                                "stathz " + clock.stathz() + ", profhz " + clock.profhz());
                    }
                    assertFalse(huge.active());
                }
            }
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* EventTimerClock: CPUs, sysctls, profiling, frequency                                      */

    @Test
    void clock_cpuOutOfRange_throwsNamingFunctionAndValue() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                for (int cpu : new int[] {-1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, CpuRef.MAXCPU}) {
                    String got = "cpu must be in [0, 2), got " + cpu;
                    r.rejects(IllegalArgumentException.class, () -> r.clock.cpuIdleclock(cpu), "cpu_idleclock", got);
                    r.rejects(IllegalArgumentException.class, () -> r.clock.cpuActiveclock(cpu), "cpu_activeclock",
                            got);
                    r.rejects(IllegalArgumentException.class, () -> r.clock.state(cpu), "state", got);
                    r.rejects(IllegalArgumentException.class, () -> r.clock.nextcall(cpu), "nextcall", got);
                    r.rejects(IllegalArgumentException.class, () -> r.clock.nextcallopt(cpu), "nextcallopt", got);
                    r.rejects(IllegalArgumentException.class, () -> r.clock.hardclocktime(cpu), "hardclocktime",
                            got);
                }
            }
        });
    }

    @Test
    void setTimer_badNames_throwOrEnoentAndKeepTheTimer() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.rejects(IllegalArgumentException.class, () -> r.clock.setTimer(null), "kern.eventtimer.timer",
                        "null");
                r.rejects(IllegalArgumentException.class, () -> r.clock.setTimer(""), "kern.eventtimer.timer",
                        "\"\"");
                r.unchangedBy(() -> assertEquals(KernEt.ENOENT, r.clock.setTimer("no-such-timer")));
                EventTimers other = registryOf(new VirtualTimerDriver(new VirtualTimebase(), "elsewhere", BOTH, 1));
                assertEquals(1, other.timers().size());
                r.unchangedBy(() -> assertEquals(KernEt.ENOENT, r.clock.setTimer("elsewhere")));
                r.unchangedBy(() -> assertEquals(0, r.clock.setTimer("VIRT")));
                r.ets.ban(r.spare);
                r.rejects(IllegalStateException.class, () -> r.clock.setTimer("spare"), "spare",
                        "neither periodic nor one-shot");
            }
        });
    }

    @Test
    void setTimer_timerWithoutSubSecondPeriods_refusedBeforeTheSwitch() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                VirtualTimerDriver slow = new VirtualTimerDriver(r.tb, "slow", BOTH, -1, 0, 2 * SBT_1S, SBT_MAX);
                r.ets.register(slow);
                r.rejects(IllegalStateException.class, () -> r.clock.setTimer("slow"), "kern.eventtimer.timer", "slow",
                        "sub-second periods");
                assertFalse(slow.active());
            }
        });
    }

    @Test
    void deregister_successorWithoutSubSecondPeriods_ebusyAndTheClockKeepsItsTimer() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.ets.deregister(r.spare);
                VirtualTimerDriver slow = new VirtualTimerDriver(r.tb, "slow", BOTH, 10, 0, 2 * SBT_1S, SBT_MAX);
                r.ets.register(slow);
                r.unchangedBy(() -> assertEquals(KernEt.EBUSY, KernEt.on(r.ets).et_deregister(r.drv)));
                assertFalse(slow.active());
                assertTrue(r.ets.timers().contains(r.drv));
            }
        });
    }

    @Test
    void stopprofclock_notProfiling_throwsAndCountStaysZero() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.rejects(IllegalStateException.class, r.clock::cpuStopprofclock, "cpu_stopprofclock",
                        "profiling is not on");
                assertEquals(0, r.clock.profiling());
            }
        });
    }

    @Test
    void frequencyCallbacks_calledDirectly_refusedWithoutStoppingTheTimer() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.rejects(IllegalStateException.class, () -> r.clock.frequencyChanging(r.drv, 0, 1000),
                        "cpu_et_frequency", "ET_LOCK", "et_change_frequency");
                r.rejects(IllegalStateException.class, () -> r.clock.frequencyChanged(r.drv, 0, 1000),
                        "cpu_et_frequency", "ET_LOCK");
                r.rejects(IllegalStateException.class, () -> {
                    KernEt.on(r.ets).ET_LOCK();
                    try {
                        r.clock.frequencyChanged(r.drv, 0, 0); // without frequencyChanging first
                    } finally {
                        KernEt.on(r.ets).ET_UNLOCK();
                    }
                }, "cpu_et_frequency", "virt", "must follow frequencyChanging");
                // Another timer than the one in use: nothing to do, nothing refused.
                r.unchangedBy(() -> {
                    KernEt.on(r.ets).ET_LOCK();
                    try {
                        r.clock.frequencyChanging(r.spare, 0, 1000);
                        r.clock.frequencyChanged(r.spare, 0, 1000);
                        r.clock.frequencyChanged(null, 0, 1000);
                    } finally {
                        KernEt.on(r.ets).ET_UNLOCK();
                    }
                });
            }
        });
    }

    @Test
    void changeFrequency_badValuesOnTheTimerInUse_throwAndKeepItRunning() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                for (long hz : new long[] {-1, Long.MIN_VALUE, 1L << 31, Long.MAX_VALUE}) {
                    r.rejects(IllegalArgumentException.class, () -> r.drv.changeFrequency(r.ets, hz),
                            "et_change_frequency", "virt", Long.toString(hz));
                }
                r.rejects(IllegalArgumentException.class, () -> r.drv.changeFrequency(null, 1000),
                        "et_change_frequency", "virt", "registry must not be null");
                r.rejects(IllegalStateException.class, () -> r.drv.changeFrequency(registryOf(), 1000),
                        "et_change_frequency", "another registry");
                r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_change_frequency(r.drv, Long.MIN_VALUE),
                        "et_change_frequency", Long.toString(Long.MIN_VALUE));
            }
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The registry, on the timer a running clock holds                                          */

    @Test
    void registry_misuseOfTheClocksTimer_refusedAndTheClockKeepsIt() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                EtEventCb<Object> thief = (et, cpu, arg) -> {
                    throw new AssertionError("a second consumer must never get events");
                };
                r.unchangedBy(() -> assertEquals(KernEt.EBUSY, KernEt.on(r.ets).et_init(r.drv, thief, null, null)));
                r.rejects(IllegalStateException.class, () -> r.ets.init(r.drv, thief, null, null), "et_init", "virt",
                        "EBUSY");
                r.unchangedBy(() -> assertEquals(KernEt.EINVAL, KernEt.on(r.ets).et_init(r.drv, null, null, null)));
                for (int cpu : new int[] {-2, Integer.MIN_VALUE, CpuRef.MAXCPU, Integer.MAX_VALUE}) {
                    r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_start(r.drv, cpu, SBT_1MS, 0),
                            "et_start", "bad CPU " + cpu, "virt");
                    r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_stop(r.drv, cpu), "et_stop",
                            "bad CPU " + cpu);
                }
                r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_start(r.drv, SBT_1MS, Long.MIN_VALUE),
                        "et_start", "negative period", Long.toString(Long.MIN_VALUE));
                r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_find(null, 1 << 7, 0), "et_find", "0x80");
                r.rejects(IllegalStateException.class, () -> KernEt.on(r.ets).et_register(r.drv), "et_register", "virt",
                        "already registered");
                r.rejects(IllegalStateException.class, () -> KernEt.on(registryOf()).et_deregister(r.drv), "et_deregister",
                        "virt", "another registry");
                r.rejects(IllegalStateException.class, () -> KernEt.on(registryOf()).et_free(r.drv), "et_free", "virt",
                        "another registry");
                r.rejects(IllegalStateException.class, () -> KernEt.on(registryOf()).et_stop(r.drv), "et_stop",
                        "another registry");
            }
        });
    }

    @Test
    void registry_misuseOfThePerCpuTimerInUse_refusedAndEveryCpuKeepsItsEvents() {
        bounded(() -> {
            try (Rig r = new Rig(BOTH | ET_FLAGS_PERCPU)) {
                for (int cpu : new int[] {NOCPU, Integer.MIN_VALUE, CpuRef.MAXCPU, Integer.MAX_VALUE}) {
                    r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_start(r.drv, cpu, SBT_1MS, 0),
                            "et_start", "bad CPU " + cpu, "virt");
                    r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_stop(r.drv, cpu), "et_stop",
                            "bad CPU " + cpu);
                }
                r.rejects(IllegalArgumentException.class, () -> KernEt.on(r.ets).et_start(r.drv, SBT_1MS, 0), "et_start",
                        "per-CPU timer virt");
                r.rejects(IllegalArgumentException.class, () -> r.clock.cpuIdleclock(2), "cpu_idleclock",
                        "got 2");
                r.unchangedBy(() -> assertEquals(KernEt.EBUSY, KernEt.on(r.ets).et_init(r.drv, (EtEventCb<Object>)
                        (et, cpu, arg) -> { }, null, null)));
            }
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Lifecycle: before attach, after close                                                     */

    @Test
    void clock_beforeAttach_controlsThrowAndObserversAreEmpty() {
        bounded(() -> {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver drv = new VirtualTimerDriver(tb, "virt", BOTH, 100);
            EventTimers ets = registryOf(drv);
            EventTimerClock clock = clockOn(ets, tb).build();
            throwsNaming(IllegalStateException.class, () -> clock.setTimer("virt"), "kern.eventtimer.timer",
                    "not attached yet");
            throwsNaming(IllegalStateException.class, () -> clock.setPeriodic(true), "kern.eventtimer.periodic",
                    "not attached yet");
            throwsNaming(IllegalStateException.class, clock::cpuStartprofclock, "cpu_startprofclock");
            throwsNaming(IllegalStateException.class, clock::cpuStopprofclock, "cpu_stopprofclock");
            throwsNaming(IllegalStateException.class, () -> clock.cpuIdleclock(0), "cpu_idleclock",
                    "drives no callout system yet");
            throwsNaming(IllegalStateException.class, () -> clock.cpuActiveclock(0), "cpu_activeclock");
            throwsNaming(IllegalStateException.class, () -> clock.state(0), "state");
            throwsNaming(IllegalStateException.class, () -> clock.nextcall(0), "nextcall");
            assertNull(clock.timer());
            assertEquals(0, clock.hz());
            assertEquals(0, clock.tickSbt());
            assertFalse(drv.active(), "nothing claimed before the system is built");
            assertNull(ets.clockSource());
            tb.advance(SBT_1MS); // a time base with an unattached clock just moves
            // And the clock is still good for one system.
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
                assertSame(drv, clock.timer());
            }
        });
    }

    @Test
    void clock_afterClose_controlsThrowAndTheTimerIsFree() {
        bounded(() -> {
            Rig r = new Rig();
            AtomicInteger n = new AtomicInteger();
            Callout c = new Callout();
            r.sys.init(c, true);
            r.sys.reset(c, 5, AtomicInteger::incrementAndGet, n);
            r.close();
            throwsNaming(IllegalStateException.class, () -> r.clock.setTimer("spare"), "kern.eventtimer.timer",
                    "stopped");
            throwsNaming(IllegalStateException.class, () -> r.clock.setPeriodic(true), "kern.eventtimer.periodic",
                    "stopped");
            throwsNaming(IllegalStateException.class, r.clock::cpuStartprofclock, "cpu_startprofclock", "stopped");
            assertEquals(-1, r.clock.cpuIdleclock(0), "stopped: ticks may not be skipped (documented -1)");
            r.clock.cpuActiveclock(1); // not idle any more: nothing to do
            assertNull(r.clock.currentTimer());
            assertFalse(r.drv.active(), "released on close");
            assertNull(r.ets.clockSource());
            assertSame(r.drv, KernEt.on(r.ets).et_find(null, 0, 0), "free for another consumer");
            long interrupts = r.clock.interrupts();
            r.tb.advance(100 * SBT_1MS);
            assertEquals(interrupts, r.clock.interrupts(), "a closed clock takes no interrupts");
            assertEquals(0, n.get(), "a closed system runs nothing");
            throwsNaming(IllegalStateException.class,
                    () -> CalloutWheel.builder().ncpus(1).clock(r.clock).build(), "already drives");
            // A new clock on the same time base and registry takes over.
            EventTimerClock next = clockOn(r.ets, r.tb).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(next).build()) {
                Callout fresh = new Callout();
                sys.init(fresh, true);
                sys.reset(fresh, 5, AtomicInteger::incrementAndGet, n);
                r.tb.advanceTicks(10);
                assertEquals(1, n.get());
            }
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* VirtualTimerDriver                                                                        */

    @Test
    void virtualDriver_badConstructorArguments_throwNamingThem() {
        VirtualTimebase tb = new VirtualTimebase();
        throwsNaming(IllegalArgumentException.class, () -> new VirtualTimerDriver(null, "v", BOTH, 0),
                "VirtualTimerDriver v", "time base must not be null");
        throwsNaming(IllegalArgumentException.class, () -> new VirtualTimerDriver(null, null, BOTH, 0),
                "time base must not be null");
        throwsNaming(IllegalArgumentException.class, () -> new VirtualTimerDriver(tb, null, BOTH, 0), "et_name");
        throwsNaming(IllegalArgumentException.class, () -> new VirtualTimerDriver(tb, "v", Integer.MIN_VALUE, 0),
                "et_flags", "0x80000000");
        for (long f : new long[] {-1, Long.MIN_VALUE, 1L << 31, Long.MAX_VALUE}) {
            throwsNaming(IllegalArgumentException.class,
                    () -> new VirtualTimerDriver(tb, "v", BOTH, 0, f, 0, SBT_MAX), "VirtualTimerDriver v",
                    "frequency", Long.toString(f));
        }
        throwsNaming(IllegalArgumentException.class, () -> new VirtualTimerDriver(tb, "v", BOTH, 0, 0, -1, SBT_MAX),
                "et_min_period", "-1");
        throwsNaming(IllegalArgumentException.class,
                () -> new VirtualTimerDriver(tb, "v", BOTH, 0, 0, Long.MAX_VALUE, 1), "et_max_period");
    }

    @Test
    void virtualDriver_badFaults_throwAndKeepTheSchedule() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                for (long by : new long[] {0, -1, Long.MIN_VALUE}) {
                    r.rejects(IllegalArgumentException.class, () -> r.drv.lateNextInterrupt(by), "lateNextInterrupt",
                            Long.toString(by));
                    r.rejects(IllegalArgumentException.class, () -> r.drv.earlyNextInterrupt(by),
                            "earlyNextInterrupt", Long.toString(by));
                }
            }
        });
    }

    @Test
    void virtualDriver_extremeFaults_areAcceptedAndSaturate() {
        bounded(() -> {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", BOTH, 0);
            EventTimers ets = registryOf(drv);
            List<Long> at = new ArrayList<>();
            ets.init(drv, (EtEventCb<List<Long>>) (et, cpu, l) -> l.add(tb.now()), null, at);
            ets.start(drv, NOCPU, SBT_1MS, 0);
            drv.earlyNextInterrupt(Long.MAX_VALUE); // "before the present": now
            tb.advance(0);
            assertEquals(List.of(0L), at);
            ets.start(drv, NOCPU, SBT_1MS, 0);
            drv.lateNextInterrupt(Long.MAX_VALUE); // saturates: never, until reprogrammed
            assertEquals(SBT_MAX, drv.nextEventTime());
            tb.advance(SBT_1MS * 1000);
            assertEquals(1, at.size());
            ets.start(drv, NOCPU, SBT_1MS, 0); // the fault was consumed by nothing: still pending
            tb.advance(SBT_1MS * 1000);
            assertEquals(1, at.size(), "the late fault applies to the next event, whatever it is");
            ets.stop(drv, NOCPU);
        });
    }

    @Test
    void virtualDriver_perCpuCpuOutOfRange_throwsBeforeJoiningOrArming() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 0);
        EventTimers ets = registryOf(drv);
        ets.init(drv, (EtEventCb<Object>) (et, cpu, arg) -> { }, null, null);
        for (int cpu : new int[] {CpuRef.MAXCPU, Integer.MAX_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> KernEt.on(ets).et_start(drv, cpu, SBT_1MS, 0), "et_start",
                    "bad CPU " + cpu, "MAXCPU");
            // The driver defends itself too, when called as a driver is (through start).
            throwsNaming(IllegalArgumentException.class, () -> DriverTestAccess.start(drv, cpu, SBT_1MS, 0), "VirtualTimerDriver lapic",
                    "CPU in [0, " + CpuRef.MAXCPU + ")", Integer.toString(cpu));
            throwsNaming(IllegalArgumentException.class, () -> DriverTestAccess.stop(drv, cpu), "VirtualTimerDriver lapic",
                    Integer.toString(cpu));
        }
        throwsNaming(IllegalArgumentException.class, () -> DriverTestAccess.start(drv, Integer.MIN_VALUE, SBT_1MS, 0),
                "VirtualTimerDriver lapic", Integer.toString(Integer.MIN_VALUE));
        assertEquals(0, drv.starts());
        assertEquals(0, drv.stops());
        assertFalse(drv.armed());
        assertFalse(drv.armed(Integer.MAX_VALUE));
        assertEquals(SBT_MAX, drv.programmedTime(Integer.MIN_VALUE));
        assertEquals(0, drv.programmedPeriod(Integer.MAX_VALUE));
        // The last valid CPU works.
        assertEquals(0, KernEt.on(ets).et_start(drv, CpuRef.MAXCPU - 1, SBT_1MS, 0));
        assertTrue(drv.armed(CpuRef.MAXCPU - 1));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* RealTimeTimerDriver (no event is awaited: only arguments and states)                      */

    @Test
    void realTimeDriver_badArguments_throwWithoutStartingAThread() {
        bounded(() -> {
            throwsNaming(IllegalArgumentException.class, () -> new RealTimeTimerDriver(null, BOTH, 0), "et_name");
            throwsNaming(IllegalArgumentException.class, () -> new RealTimeTimerDriver("rt", -1, 0), "et_flags",
                    "0xffffffe0");
            RealTimeTimerDriver drv = new RealTimeTimerDriver("rt-misuse", BOTH | ET_FLAGS_PERCPU, 0);
            EventTimers ets = registryOf(drv);
            ets.init(drv, (EtEventCb<Object>) (et, cpu, arg) -> { }, null, null);
            for (int cpu : new int[] {-1, Integer.MIN_VALUE, CpuRef.MAXCPU, Integer.MAX_VALUE}) {
                throwsNaming(IllegalArgumentException.class, () -> KernEt.on(ets).et_start(drv, cpu, SBT_1MS, 0), "et_start",
                        "bad CPU " + cpu);
                throwsNaming(IllegalArgumentException.class, () -> DriverTestAccess.start(drv, cpu, SBT_1MS, 0),
                        "RealTimeTimerDriver rt-misuse", Integer.toString(cpu));
                throwsNaming(IllegalArgumentException.class, () -> DriverTestAccess.stop(drv, cpu), "RealTimeTimerDriver rt-misuse",
                        Integer.toString(cpu));
                assertFalse(drv.armed(cpu));
            }
            assertFalse(drv.armed());
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("kcallout-et-rt-misuse")), "no thread was started");
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* ReloadTimerDriver, SimulatedReloadTimer                                                   */

    /** Hardware that reports what a test wants and counts nothing. */
    private record FakeHardware(long frequency, long maxCount, long timerValue) implements ReloadTimerHardware {
        FakeHardware(long frequency, long maxCount) {
            this(frequency, maxCount, 0);
        }

        @Override
        public void timerLoad(long period) {
            throw new AssertionError("not loaded by a constructor");
        }

        @Override
        public void timerReload() {
            throw new AssertionError("not reloaded by a constructor");
        }

        @Override
        public void setInterruptHandler(Runnable handler) {
            throw new AssertionError("not connected by a constructor");
        }
    }

    @Test
    void reloadDriver_badConstructorArguments_throwNamingThem() {
        throwsNaming(IllegalArgumentException.class, () -> new ReloadTimerDriver("qnx", 0, null),
                "ReloadTimerDriver qnx",
                "hardware must not be null");
        throwsNaming(IllegalArgumentException.class, () -> new ReloadTimerDriver(null, 0, null),
                "hardware must not be null");
        throwsNaming(IllegalArgumentException.class, () -> new ReloadTimerDriver("qnx", BOTH | ET_FLAGS_PERCPU, 0,
                new FakeHardware(1000, 10)), "ReloadTimerDriver qnx", "per-CPU");
        throwsNaming(IllegalArgumentException.class, () -> new ReloadTimerDriver("qnx", 1 << 9, 0,
                new FakeHardware(1000, 10)), "et_flags", "0x200");
        for (long f : new long[] {0, -1, Long.MIN_VALUE, 1L << 31, Long.MAX_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> new ReloadTimerDriver("qnx", 0, new FakeHardware(f, 10)),
                    "ReloadTimerDriver", "frequency", Long.toString(f));
        }
        for (long max : new long[] {0, -1, Long.MIN_VALUE}) {
            throwsNaming(IllegalArgumentException.class,
                    () -> new ReloadTimerDriver("qnx", 0, new FakeHardware(1000, max)), "ReloadTimerDriver",
                    "maxCount", Long.toString(max));
        }
        ReloadTimerDriver wide = new ReloadTimerDriver("wide", 0, new FakeHardware(1, Long.MAX_VALUE));
        assertEquals(SBT_MAX, wide.maxPeriod(), "an enormous counter saturates the range");
    }

    @Test
    void reloadDriver_hardwareReportingNegativeCount_throwsIllegalState() {
        for (long v : new long[] {-1, Long.MIN_VALUE}) {
            ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, new FakeHardware(1000, 10, v));
            throwsNaming(IllegalStateException.class, drv::elapsedSinceInterrupt, "timer_value", "qnx",
                    Long.toString(v), ">= 0");
        }
        ReloadTimerDriver huge = new ReloadTimerDriver("qnx", 0, new FakeHardware(1, 10, Long.MAX_VALUE));
        assertEquals(SBT_MAX, huge.elapsedSinceInterrupt(), "saturates");
    }

    @Test
    void simulatedReloadTimer_badArguments_throwAndKeepItsState() {
        VirtualTimebase tb = new VirtualTimebase();
        throwsNaming(IllegalArgumentException.class, () -> new SimulatedReloadTimer(null, 1000, 10),
                "SimulatedReloadTimer", "time base must not be null");
        for (long f : new long[] {0, -1, Long.MIN_VALUE, 1L << 31, Long.MAX_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> new SimulatedReloadTimer(tb, f, 10),
                    "SimulatedReloadTimer", "frequency", Long.toString(f));
        }
        for (long max : new long[] {0, -1, Long.MIN_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> new SimulatedReloadTimer(tb, 1000, max),
                    "SimulatedReloadTimer", "maxCount", Long.toString(max));
        }
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1000, 100);
        throwsNaming(IllegalStateException.class, hw::timerReload, "timer_reload", "timer_load first");
        assertEquals(0, hw.reloads());
        hw.timerLoad(10);
        long next = hw.nextEventTime();
        for (long p : new long[] {0, -1, Long.MIN_VALUE, 101, Long.MAX_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> hw.timerLoad(p), "timer_load", "[1, 100]",
                    Long.toString(p));
        }
        assertEquals(1, hw.loads());
        assertEquals(10, hw.period());
        assertEquals(next, hw.nextEventTime());
        assertTrue(hw.enabled());
    }

    @Test
    void reloadDriver_onARunningSystem_misuseRefusedAndTheTickGoesOn() {
        bounded(() -> {
            VirtualTimebase tb = new VirtualTimebase();
            SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);
            ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 0, hw);
            EventTimers ets = registryOf(drv);
            EventTimerClock clock = clockOn(ets, tb).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).hz(1000).clock(clock).build()) {
                AtomicInteger n = new AtomicInteger();
                Callout c = new Callout();
                sys.init(c, true);
                sys.reset(c, 5, AtomicInteger::incrementAndGet, n);
                long loads = hw.loads();
                throwsNaming(IllegalArgumentException.class, () -> hw.timerLoad(0x10000), "timer_load", "65536");
                throwsNaming(IllegalArgumentException.class, () -> KernEt.on(ets).et_start(drv, Integer.MAX_VALUE, 1, 0),
                        "et_start", "bad CPU " + Integer.MAX_VALUE);
                throwsNaming(IllegalArgumentException.class, () -> KernEt.on(ets).et_start(drv, 1, Long.MIN_VALUE),
                        "et_start", "negative period");
                assertEquals(loads, hw.loads());
                tb.advanceTicks(10);
                assertEquals(1, n.get());
                tb.advanceTicks(10);
                assertEquals(1, n.get());
            }
        });
    }

    /* ---------------------------------------------------------------------------------------- */
    /* VirtualTimebase                                                                           */

    @Test
    void timebase_badArguments_throwNamingThem() {
        for (long start : new long[] {-1, Long.MIN_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> new VirtualTimebase(start), "VirtualTimebase",
                    ">= 0", Long.toString(start));
        }
        VirtualTimebase tb = new VirtualTimebase(SBT_1MS);
        for (long d : new long[] {-1, Long.MIN_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> tb.advance(d), "advance", Long.toString(d));
        }
        throwsNaming(IllegalArgumentException.class, () -> tb.advanceTo(SBT_1MS - 1), "advanceTo", "before now");
        throwsNaming(IllegalArgumentException.class, () -> tb.advanceTo(Long.MIN_VALUE), "advanceTo", "before now");
        for (int n : new int[] {-1, Integer.MIN_VALUE}) {
            throwsNaming(IllegalArgumentException.class, () -> tb.advanceTicks(n), "advanceTicks",
                    Integer.toString(n));
        }
        throwsNaming(IllegalStateException.class, () -> tb.advanceTicks(1), "advanceTicks", "no callout system");
        assertEquals(SBT_1MS, tb.now());
        assertEquals(0, tb.interrupts());
    }

    @Test
    void timebase_badArgumentsOnARunningSystem_changeNothing() {
        bounded(() -> {
            try (Rig r = new Rig()) {
                r.rejects(IllegalArgumentException.class, () -> r.tb.advance(Long.MIN_VALUE), "advance",
                        Long.toString(Long.MIN_VALUE));
                r.rejects(IllegalArgumentException.class, () -> r.tb.advanceTo(-1), "advanceTo", "before now");
                r.rejects(IllegalArgumentException.class, () -> r.tb.advanceTicks(Integer.MIN_VALUE), "advanceTicks",
                        Integer.toString(Integer.MIN_VALUE));
            }
        });
    }

    @Test
    void timebase_overflowingAdvance_saturatesAtSbtMax() {
        bounded(() -> {
            VirtualTimebase tb = new VirtualTimebase(SBT_1MS);
            VirtualTimerDriver drv = new VirtualTimerDriver(tb, "v", ET_FLAGS_ONESHOT, 0);
            EventTimers ets = registryOf(drv);
            AtomicInteger n = new AtomicInteger();
            ets.init(drv, (EtEventCb<AtomicInteger>) (et, cpu, a) -> a.incrementAndGet(), null, n);
            ets.start(drv, NOCPU, SBT_1MS, 0);
            tb.advance(Long.MAX_VALUE);
            assertEquals(SBT_MAX, tb.now());
            assertEquals(1, n.get(), "the one event on the way is delivered once");
            tb.advance(Long.MAX_VALUE);
            tb.advanceTo(SBT_MAX);
            assertEquals(SBT_MAX, tb.now());
            assertEquals(1, n.get());
        });
    }
}
