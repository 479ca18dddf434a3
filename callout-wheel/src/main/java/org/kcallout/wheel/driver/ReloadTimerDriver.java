package org.kcallout.wheel.driver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.et.EventTimer;

/**
 * An eventtimers(9) timer on QNX-style reload-timer hardware ({@link ReloadTimerHardware}):
 * periodic natively ({@code timer_load} once, {@code timer_reload} on every interrupt), one-shot by
 * loading the next interval and not reloading it.
 *
 * <pre>{@code
 * SimulatedReloadTimer hw = new SimulatedReloadTimer(tb, 1_000_000, 0xFFFF);   // 1 MHz, 16-bit
 * ets.register(new ReloadTimerDriver("qnx", 300, hw));
 * }</pre>
 *
 * <p>Its frequency is the hardware's; its programmable range is one count to {@code maxCount}
 * counts (the clock source reaches longer delays in steps). Delays are rounded up to whole counts,
 * so events never come early.
 *
 * <p>Pitfall: the hardware has no stop. {@code stop} only makes the driver stop re-arming it; an
 * interrupt already counting still arrives, and the driver swallows it (counted by
 * {@link #spuriousInterrupts()}).
 */
public final class ReloadTimerDriver extends EventTimer {
    /* Implementation notes: mode, periodCounts, cpu and the counters are guarded by this object's
     * monitor, which is held while the hardware is programmed (monitor, then the hardware's own
     * lock) but not while the consumer's callback runs. The interrupt handler is installed on the
     * first start (so a Mockito spy installs itself).
     *
     * mode transitions:
     *   STOPPED        -> PERIODIC, PERIODIC_FIRST, ONESHOT   start
     *   PERIODIC       -> PERIODIC (interrupt: reload)        any -> STOPPED   stop
     *   PERIODIC_FIRST -> PERIODIC (interrupt: load period)   any -> (start's mode)   start
     *   ONESHOT        -> STOPPED  (interrupt: no reload)
     *   STOPPED        -> STOPPED  (interrupt: swallowed, no reload) */

    private static final int STOPPED = 0;
    /** Periodic, the hardware loaded with the period. */
    private static final int PERIODIC = 1;
    /** Periodic whose first event differs from the period: loaded with the first delay. */
    private static final int PERIODIC_FIRST = 2;
    private static final int ONESHOT = 3;

    private final ReloadTimerHardware hw;
    private final long freq;

    @GuardedBy("this")
    private int mode = STOPPED;      // guarded by this
    @GuardedBy("this")
    private long periodCounts;       // guarded by this
    @GuardedBy("this")
    private int cpu = NOCPU;         // guarded by this
    @GuardedBy("this")
    private boolean installed;       // guarded by this
    @GuardedBy("this")
    private long delivered;          // guarded by this
    @GuardedBy("this")
    private long spurious;           // guarded by this

    /**
     * A one-shot and periodic timer on {@code hw}.
     *
     * @param name    its name
     * @param quality its quality
     * @param hw      the hardware
     * @throws IllegalArgumentException for null hardware, hardware with a frequency out of
     *                                  [1, 2^31) Hz or a {@code maxCount} below 1, and as
     *                                  {@link EventTimer}'s constructor
     */
    public ReloadTimerDriver(String name, int quality, ReloadTimerHardware hw) {
        this(name, ET_FLAGS_PERIODIC | ET_FLAGS_ONESHOT, quality, hw);
    }

    /**
     * A timer on {@code hw} offering the capabilities in {@code flags}.
     *
     * @param name    its name
     * @param flags   PERIODIC and/or ONESHOT, optionally C3STOP or POW2DIV; never PERCPU (one
     *                hardware timer)
     * @param quality its quality
     * @param hw      the hardware
     * @throws IllegalArgumentException for {@code ET_FLAGS_PERCPU}, null hardware, hardware with a
     *                                  frequency out of [1, 2^31) Hz or a {@code maxCount} below 1,
     *                                  and as {@link EventTimer}'s constructor
     */
    public ReloadTimerDriver(String name, int flags, int quality, ReloadTimerHardware hw) {
        super(name, checkFlags(name, flags, hw), quality, frequencyOf(hw), minPeriodOf(hw), maxPeriodOf(hw));
        this.hw = hw;
        this.freq = hw.frequency();
    }

    /** The first argument evaluated: checks the hardware too, so that nothing else runs on null. */
    private static int checkFlags(String name, int flags, ReloadTimerHardware hw) {
        if (hw == null) {
            throw new IllegalArgumentException("ReloadTimerDriver " + name + ": the hardware must not be null");
        }
        if ((flags & ET_FLAGS_PERCPU) != 0) {
            throw new IllegalArgumentException("ReloadTimerDriver " + name
                    + ": one reload timer cannot be per-CPU (flags 0x" + Integer.toHexString(flags) + ")");
        }
        return flags;
    }

    private static long frequencyOf(ReloadTimerHardware hw) {
        return TimerCounts.checkFrequency("ReloadTimerDriver", hw.frequency());
    }

    private static long minPeriodOf(ReloadTimerHardware hw) {
        return TimerCounts.countsToSbtCeil(1, hw.frequency());
    }

    private static long maxPeriodOf(ReloadTimerHardware hw) {
        if (hw.maxCount() < 1) {
            throw new IllegalArgumentException("ReloadTimerDriver: maxCount must be >= 1, got " + hw.maxCount());
        }
        return Math.max(TimerCounts.countsToSbtFloor(hw.maxCount(), hw.frequency()), minPeriodOf(hw));
    }

    /** A delay in whole counts, rounded up, within what the hardware can load. */
    private long counts(long sbt) {
        long c = sbt <= 0 ? 1 : TimerCounts.sbtToCountsCeil(sbt, freq);
        return Math.min(Math.max(c, 1), hw.maxCount());
    }

    @Override
    protected synchronized int start(int cpu, long first, long period) {
        if (!installed) {
            hw.setInterruptHandler(this::interrupt);
            installed = true;
        }
        this.cpu = cpu;
        if (period != 0) {
            long pc = counts(period);
            long fc = first == 0 ? pc : counts(first);
            periodCounts = pc;
            mode = fc == pc ? PERIODIC : PERIODIC_FIRST;
            hw.timerLoad(fc);
        } else {
            mode = ONESHOT; // one-shot by loading the next interval and not reloading it
            hw.timerLoad(counts(first));
        }
        return 0;
    }

    @Override
    protected synchronized int stop(int cpu) {
        mode = STOPPED; // no stop in hardware: the next interrupt is swallowed and not reloaded
        return 0;
    }

    /** The hardware's interrupt handler. */
    private void interrupt() {
        int target;
        synchronized (this) {
            switch (mode) {
                case PERIODIC:
                    hw.timerReload();
                    break;
                case PERIODIC_FIRST:
                    hw.timerLoad(periodCounts);
                    mode = PERIODIC;
                    break;
                case ONESHOT:
                    mode = STOPPED;
                    break;
                case STOPPED:
                    spurious++;
                    return;
                default:
                    throw new IllegalStateException("ReloadTimerDriver " + name() + ": bad mode " + mode);
            }
            delivered++;
            target = cpu;
        }
        fire(target);
    }

    /**
     * {@code timer_value} in sbintime: how long ago the last interrupt (or load) was.
     *
     * @return sbintime, rounded down to whole counts
     * @throws IllegalStateException if the hardware breaks its contract by reporting a negative
     *                               count
     */
    public long elapsedSinceInterrupt() {
        long counts = hw.timerValue();
        if (counts < 0) {
            throw new IllegalStateException("timer_value: hardware of ReloadTimerDriver " + name()
                    + " reported " + counts + " counts; must be >= 0");
        }
        return TimerCounts.countsToSbtFloor(counts, freq);
    }

    /** {@return the hardware} */
    public ReloadTimerHardware hardware() {
        return hw;
    }

    /** {@return the number of events delivered to the consumer} */
    public synchronized long interrupts() {
        return delivered;
    }

    /** {@return the number of interrupts swallowed because the timer was stopped} */
    public synchronized long spuriousInterrupts() {
        return spurious;
    }
}
