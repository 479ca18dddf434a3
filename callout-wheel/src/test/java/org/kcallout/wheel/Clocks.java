package org.kcallout.wheel;

import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.function.Consumer;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;

/**
 * Every deterministic clock this package offers, in each mode, for tests parameterised over
 * clocks: {@code @ParameterizedTest @EnumSource(Clocks.class)}. {@link #create()} returns a
 * {@link Setup}: the {@link VirtualClock} a test advances and the {@link ClockSource} it passes to
 * {@link CalloutWheel.Builder#clock}; {@link Setup#build(Consumer)} builds the system in one step.
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
 */
enum Clocks {
    /** The tickless {@link VirtualEventTimer}: interrupts exactly at each callout deadline. */
    VIRTUAL_EVENT_TIMER {
        @Override
        Setup create() {
            VirtualEventTimer vt = new VirtualEventTimer();
            return new Setup(vt, vt, null, null);
        }
    },
    /** {@link VirtualTimerDriver} under an {@link EventTimerClock} in one-shot mode, CPUs idling. */
    VIRTUAL_DRIVER_ONESHOT {
        @Override
        Setup create() {
            return virtualDriver(false, true);
        }
    },
    /** The same with CPUs always active: an interrupt at every hardclock and statclock tick. */
    VIRTUAL_DRIVER_ONESHOT_ACTIVE {
        @Override
        Setup create() {
            return virtualDriver(false, false);
        }
    },
    /** {@link VirtualTimerDriver} in periodic mode. */
    VIRTUAL_DRIVER_PERIODIC {
        @Override
        Setup create() {
            return virtualDriver(true, true);
        }
    },
    /** {@link ReloadTimerDriver} on a {@link SimulatedReloadTimer} (1 MHz, 16 bits) in one-shot mode. */
    QNX_ONESHOT {
        @Override
        Setup create() {
            return qnx(false);
        }
    },
    /** {@link ReloadTimerDriver} on a {@link SimulatedReloadTimer} in periodic mode. */
    QNX_PERIODIC {
        @Override
        Setup create() {
            return qnx(true);
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
     * @param source   the clock source for {@link CalloutWheel.Builder#clock}
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
        CalloutWheel build(Consumer<CalloutWheel.Builder> configure) {
            CalloutWheel.Builder b = CalloutWheel.builder().clock(source);
            if (configure != null) {
                configure.accept(b);
            }
            return b.build();
        }
    }

    /** {@return a fresh clock of this kind, not yet driving a system} */
    abstract Setup create();

    /** {@return true if this clock runs under an {@link EventTimerClock}} */
    boolean eventTimers() {
        return this != VIRTUAL_EVENT_TIMER;
    }

    /** A virtual driver (one-shot and periodic capable, exact) in its own registry. */
    static Setup virtualDriver(boolean periodic, boolean autoIdle) {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimers ets = new EventTimers();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, DRIVER_NAME, ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 100);
        ets.register(drv);
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).periodic(periodic)
                .autoIdle(autoIdle).build();
        return new Setup(tb, clock, clock, drv);
    }

    /** A QNX-style reload timer (1 MHz, 16-bit) in its own registry. */
    static Setup qnx(boolean periodic) {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimers ets = new EventTimers();
        SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, QNX_FREQUENCY, QNX_MAX_COUNT);
        ReloadTimerDriver drv = new ReloadTimerDriver("qnx", 100, hw);
        ets.register(drv);
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).periodic(periodic).build();
        return new Setup(tb, clock, clock, drv);
    }
}
