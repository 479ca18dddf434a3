package org.kcallout.wheel.driver;

import static org.kcallout.Sbt.SBT_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.Sbt;
import org.kcallout.wheel.clock.VirtualTimebase;

/**
 * A QNX-style reload timer ({@link ReloadTimerHardware}) in virtual time: it counts on a
 * {@link VirtualTimebase} and raises its interrupt, on the thread advancing that time base, when
 * the count reaches the loaded period. Put a {@link ReloadTimerDriver} on it to run a callout
 * system on QNX-style hardware in tests.
 *
 * <p>Counting is exact: the count is {@code floor((now - load time) * frequency)} and the
 * interrupt comes at the first instant the count reaches the period (so the period is never
 * shortened by rounding).
 */
public final class SimulatedReloadTimer implements ReloadTimerHardware, VirtualTimebase.Device {
    /* Implementation notes: the state is guarded by this object's monitor, which is not held while
     * the interrupt handler runs (the handler calls timerReload or timerLoad). Time is kept in
     * counts since the last load (loadTime, periodStart), so long periodic runs do not drift. */

    private final VirtualTimebase timebase;
    private final long frequency;
    private final long maxCount;

    @GuardedBy("this")
    private boolean joined;        // guarded by this
    @GuardedBy("this")
    private boolean enabled;       // guarded by this
    @GuardedBy("this")
    private long period;           // guarded by this; counts, 0 = never loaded
    @GuardedBy("this")
    private long loadTime;         // guarded by this; sbintime of the last load
    @GuardedBy("this")
    private long periodStart;      // guarded by this; counts since loadTime at the last interrupt or load
    @GuardedBy("this")
    private Runnable handler;      // guarded by this
    @GuardedBy("this")
    private long loads;            // guarded by this
    @GuardedBy("this")
    private long reloads;          // guarded by this
    @GuardedBy("this")
    private long interrupts;       // guarded by this

    /**
     * A timer counting at {@code frequency} Hz up to {@code maxCount}.
     *
     * @param timebase  the time it counts on
     * @param frequency Hz, in [1, 2^31)
     * @param maxCount  the largest loadable period, counts, {@code >= 1}
     * @throws IllegalArgumentException for a null time base, a frequency out of [1, 2^31) Hz or a
     *                                  {@code maxCount} below 1
     */
    public SimulatedReloadTimer(VirtualTimebase timebase, long frequency, long maxCount) {
        if (timebase == null) {
            throw new IllegalArgumentException("SimulatedReloadTimer: the time base must not be null");
        }
        this.timebase = timebase;
        this.frequency = TimerCounts.checkFrequency("SimulatedReloadTimer", frequency);
        if (maxCount < 1) {
            throw new IllegalArgumentException("SimulatedReloadTimer: maxCount must be >= 1, got " + maxCount);
        }
        this.maxCount = maxCount;
    }

    @Override
    public long frequency() {
        return frequency;
    }

    @Override
    public long maxCount() {
        return maxCount;
    }

    @Override
    public synchronized void timerLoad(long p) {
        if (p < 1 || p > maxCount) {
            throw new IllegalArgumentException("timer_load: period must be in [1, " + maxCount + "] counts, got " + p);
        }
        if (!joined) {
            timebase.attach(this);
            joined = true;
        }
        period = p;
        loadTime = timebase.now();
        periodStart = 0;
        enabled = true;
        loads++;
    }

    @Override
    public synchronized void timerReload() {
        if (period == 0) {
            throw new IllegalStateException("timer_reload: no period was ever loaded (call timer_load first)");
        }
        enabled = true;
        reloads++;
    }

    @Override
    public synchronized long timerValue() {
        if (period == 0) {
            return 0;
        }
        long sinceLoad = TimerCounts.sbtToCountsFloor(timebase.now() - loadTime, frequency);
        return Math.max(sinceLoad - periodStart, 0);
    }

    @Override
    public synchronized void setInterruptHandler(Runnable h) {
        handler = h;
    }

    @Override
    public synchronized long nextEventTime() {
        if (!enabled) {
            return SBT_MAX;
        }
        return Sbt.add(loadTime, TimerCounts.countsToSbtCeil(periodStart + period, frequency));
    }

    @Override
    public boolean expire(long now) {
        Runnable h;
        synchronized (this) {
            if (!enabled || nextEventTime() > now) {
                return false;
            }
            enabled = false;           // idle until reloaded
            periodStart += period;     // the count restarts at the interrupt
            interrupts++;
            h = handler;
        }
        if (h == null) {
            return false;
        }
        h.run();
        return true;
    }

    /** {@return true while counting toward an interrupt} */
    public synchronized boolean enabled() {
        return enabled;
    }

    /** {@return the period last loaded, counts (0 if never)} */
    public synchronized long period() {
        return period;
    }

    /** {@return the number of timer_load calls} */
    public synchronized long loads() {
        return loads;
    }

    /** {@return the number of timer_reload calls} */
    public synchronized long reloads() {
        return reloads;
    }

    /** {@return the number of interrupts raised} */
    public synchronized long interrupts() {
        return interrupts;
    }
}
