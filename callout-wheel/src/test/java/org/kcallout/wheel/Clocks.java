package org.kcallout.wheel;

import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.kcallout.Callout;
import org.kcallout.Profile;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.clock.ConcurrentVirtualClock;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.ReloadTimerDriver;
import org.kcallout.wheel.driver.SimulatedReloadTimer;
import org.kcallout.wheel.driver.TimerCounts;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * Every deterministic clock this package offers, in each mode, for tests parameterised over
 * clocks: {@code @ParameterizedTest @EnumSource(Clocks.class)}. {@link #create()} returns a
 * {@link Setup}: the {@link VirtualClock} a test advances and the {@link ClockSource} it passes to
 * {@link CalloutWheelBuilder#clock}; {@link Setup#build(Consumer)} builds the system in one step.
 *
 * <pre>{@code
 * @ParameterizedTest
 * @EnumSource(Clocks.class)
 * void something(Clocks clocks) {
 *     Clocks.Setup s = clocks.create();
 *     try (CalloutWheel sys = s.build(b -> b.ncpus(2))) {
 *         ...
 *         s.time().advanceTicks(20);
 *     }
 * }
 * }</pre>
 *
 * <p>{@link OnEveryClock} and {@link OnEveryClockAndProfile} are the usual annotations for such a
 * test. To add a clock, add a constant whose {@link #create(long)} builds it; everything else
 * (lateness, the argument streams) follows from the {@link Setup} it returns.
 */
enum Clocks {
    /** The tickless {@link VirtualTicklessClock}: interrupts exactly at each callout deadline. */
    VIRTUAL_EVENT_TIMER {
        @Override
        Setup create(long start) {
            VirtualTicklessClock vt = new VirtualTicklessClock(start, 0);
            return new Setup(vt, vt, null, null);
        }
    },
    /** {@link ConcurrentVirtualClock}: the same interrupts, each CPU on threads of its own. */
    CONCURRENT {
        @Override
        Setup create(long start) {
            ConcurrentVirtualClock vt = new ConcurrentVirtualClock(start, 0, ConcurrentVirtualClock.DEFAULT_SETTLE_TIMEOUT);
            return new Setup(vt, vt, null, null);
        }
    },
    /** {@link VirtualTimerDriver} under an {@link EventTimerClock} in one-shot mode, CPUs idling. */
    VIRTUAL_DRIVER_ONESHOT {
        @Override
        Setup create(long start) {
            return virtualDriver(false, true, start);
        }
    },
    /** The same with CPUs always active: an interrupt at every hardclock and statclock tick. */
    VIRTUAL_DRIVER_ONESHOT_ACTIVE {
        @Override
        Setup create(long start) {
            return virtualDriver(false, false, start);
        }
    },
    /** {@link VirtualTimerDriver} in periodic mode. */
    VIRTUAL_DRIVER_PERIODIC {
        @Override
        Setup create(long start) {
            return virtualDriver(true, true, start);
        }
    },
    /** {@link ReloadTimerDriver} on a {@link SimulatedReloadTimer} (1 MHz, 16 bits) in one-shot mode. */
    QNX_ONESHOT {
        @Override
        Setup create(long start) {
            return qnx(false, start);
        }
    },
    /** {@link ReloadTimerDriver} on a {@link SimulatedReloadTimer} in periodic mode. */
    QNX_PERIODIC {
        @Override
        Setup create(long start) {
            return qnx(true, start);
        }
    },
    /**
     * The MDEPX counter-compare adapter ({@code CounterCompareTimer}, callout-mdx) on a
     * {@code SimulatedMiTimer} counting on the time base (1 MHz, 16 bits, starting just before a
     * wrap), one-shot only; it reaches delays up to 1 s by itself in steps of at most 3/4 of a
     * counter period. Its events come up to two counts (2 us) after the programmed time, never
     * before: a driver of a free-running counter cannot know how much of the current count is gone.
     */
    MDX_COUNTER_ONESHOT {
        @Override
        Setup create(long start) {
            return mdxCounter(start);
        }
    },
    /**
     * {@link VirtualTimerDriver} as a per-CPU timer ({@code ET_FLAGS_PERCPU}: one instance per CPU)
     * in one-shot mode, CPUs idling: callouts for another CPU than the arming thread's reach it by
     * IPI, delivered before time moves on.
     */
    VIRTUAL_DRIVER_PERCPU_ONESHOT {
        @Override
        Setup create(long start) {
            return virtualPerCpuDriver(false, start);
        }
    },
    /** The per-CPU {@link VirtualTimerDriver} in periodic mode: every CPU takes every tick (no idling). */
    VIRTUAL_DRIVER_PERCPU_PERIODIC {
        @Override
        Setup create(long start) {
            return virtualPerCpuDriver(true, start);
        }
    };

    /** Name of the driver in the registry of the event-timer setups. */
    static final String DRIVER_NAME = "virt";
    /** Frequency of the simulated QNX timer, Hz. */
    static final long QNX_FREQUENCY = 1_000_000;
    /** Its counter width: 16 bits, so long delays are reached in steps of about 65 ms. */
    static final long QNX_MAX_COUNT = 0xFFFF;

    /**
     * What a test needs to run a callout system on one clock.
     *
     * @param time     the virtual time the test moves
     * @param source   the clock source for {@link CalloutWheelBuilder#clock}
     * @param etClock  the {@link EventTimerClock}, or null for {@link #VIRTUAL_EVENT_TIMER}
     * @param driver   the event timer in use, or null for {@link #VIRTUAL_EVENT_TIMER}
     */
    record Setup(VirtualClock time, ClockSource source, EventTimerClock etClock, EventTimer driver) {
        /**
         * Builds a callout system on this clock.
         *
         * @param configure further builder settings (profile, CPUs, observer), or null
         * @return the started system
         */
        CalloutWheel build(Consumer<CalloutWheelBuilder> configure) {
            CalloutWheelBuilder b = CalloutWheel.builder().clock(source);
            if (configure != null) {
                configure.accept(b);
            }
            return b.build();
        }

        /**
         * How late after the end of a callout's window ({@code c_time + c_precision}) this clock may
         * deliver the interrupt that runs it; valid once the system is built. 0 for the exact
         * one-shot clocks: the timer is programmed for {@code nextcall}, the window's end. In
         * periodic mode callouts are processed only at the periodic interrupts (SPEC §8.3), so up
         * to one timer period. A timer with an oscillator adds up to two counts: each delay is
         * rounded up to whole counts, and on a free-running counter the part of the current count
         * already gone is unknown (plus one sbt for rounding counts to sbintime).
         *
         * @return sbintime, {@code >= 0}
         */
        long maxLateness() {
            if (etClock == null) {
                return 0;
            }
            long late = etClock.periodic() ? etClock.timerperiod() : 0;
            long f = driver.frequency();
            if (f != 0) {
                late += TimerCounts.countsToSbtCeil(2, f) + 1;
            }
            return late;
        }

        /**
         * The time by which a callout armed just now must have run on this clock: the end of its
         * window ({@code c_time + c_precision}), but not before the earliest event the timer can be
         * programmed for from now ({@code now + et_min_period}: {@code et_start} clamps to it),
         * plus {@link #maxLateness()}. Call it right after arming.
         *
         * @param c a pending callout
         * @return sbintime
         */
        long windowEnd(Callout c) {
            long soonest = driver == null ? time.now() : Sbt.add(time.now(), driver.minPeriod());
            long end = Math.max(Sbt.add(c.time(), c.precision()), soonest);
            return Sbt.add(end, maxLateness());
        }
    }

    /**
     * A fresh clock of this kind starting at {@code start}, not yet driving a system.
     *
     * @param start the initial virtual time, sbintime, {@code >= 0}
     * @return the set-up
     */
    abstract Setup create(long start);

    /** {@return a fresh clock of this kind starting at time 0, not yet driving a system} */
    Setup create() {
        return create(0);
    }

    /**
     * Every clock with each of {@code values}: the arguments of a test parameterised over clocks
     * and one more parameter ({@code @MethodSource}).
     *
     * @param values the second parameter's values
     * @return (clock, value) for every pair, clock-major
     */
    static Stream<Arguments> withEach(Object... values) {
        return Arrays.stream(values()).flatMap(c -> Arrays.stream(values).map(v -> Arguments.of(c, v)));
    }

    /** {@return every clock with each {@link Profile}; the source of {@link OnEveryClockAndProfile}} */
    static Stream<Arguments> withProfiles() {
        return withEach((Object[]) Profile.values());
    }

    /** {@return true if this clock runs under an {@link EventTimerClock}} */
    boolean eventTimers() {
        return this != VIRTUAL_EVENT_TIMER;
    }

    /** A virtual driver (one-shot and periodic capable, exact) in its own registry. */
    static Setup virtualDriver(boolean periodic, boolean autoIdle, long start) {
        VirtualTimebase tb = new VirtualTimebase(start);
        EventTimers ets = new EventTimers();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, DRIVER_NAME, ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 100);
        ets.register(drv);
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).periodic(periodic)
                .autoIdle(autoIdle).build();
        return new Setup(tb, clock, clock, drv);
    }

    /** A per-CPU virtual driver (one-shot and periodic capable, exact) in its own registry. */
    static Setup virtualPerCpuDriver(boolean periodic, long start) {
        VirtualTimebase tb = new VirtualTimebase(start);
        EventTimers ets = new EventTimers();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, DRIVER_NAME,
                ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC | EventTimer.ET_FLAGS_PERCPU, 100);
        ets.register(drv);
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).periodic(periodic).build();
        return new Setup(tb, clock, clock, drv);
    }

    /** A QNX-style reload timer (1 MHz, 16-bit) in its own registry. */
    static Setup qnx(boolean periodic, long start) {
        VirtualTimebase tb = new VirtualTimebase(start);
        EventTimers ets = new EventTimers();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, QNX_FREQUENCY, QNX_MAX_COUNT);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 100, hw);
        ets.register(drv);
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).periodic(periodic).build();
        return new Setup(tb, clock, clock, drv);
    }

    /** Frequency of the simulated MDEPX counter, Hz. */
    static final long MDX_FREQUENCY = 1_000_000;
    /** Its {@code maxcnt}: 16 bits, a wrap every 65.5 ms. */
    static final long MDX_MAXCNT = 0xFFFF;
    /** Where it starts: 100 counts before its first wrap. */
    static final long MDX_INITIAL_COUNT = MDX_MAXCNT - 100;

    /** The MDEPX counter-compare adapter on a simulated 16-bit, 1 MHz counter, in its own registry. */
    static Setup mdxCounter(long start) {
        VirtualTimebase tb = new VirtualTimebase(start);
        EventTimers ets = new EventTimers();
        MiTimerOnTimebase hw = new MiTimerOnTimebase(tb, MDX_MAXCNT, MDX_FREQUENCY, MDX_INITIAL_COUNT);
        org.kcallout.mdx.CounterCompareTimer drv =
                new org.kcallout.mdx.CounterCompareTimer("mdx", 100, hw, org.kcallout.Sbt.SBT_1S);
        hw.connect(drv);
        ets.register(drv);
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).build();
        return new Setup(tb, clock, clock, drv);
    }
}
