package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;

import java.util.Objects;
import org.kcallout.Sbt;
import org.kcallout.mdx.CounterCompareTimer;
import org.kcallout.mdx.MiTimer;
import org.kcallout.mdx.SimulatedMiTimer;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.TimerCounts;

/**
 * A test bridge: a stand-alone {@link SimulatedMiTimer} (callout-mdx) whose counter moves with a
 * {@link VirtualTimebase}, so that a {@link CounterCompareTimer} on it can drive an
 * {@link EventTimerClock} in virtual time ({@link Clocks#MDX_COUNTER_ONESHOT}).
 *
 * <pre>{@code
 * MiTimerOnTimebase hw = new MiTimerOnTimebase(tb, 0xffff, 1_000_000, 0xff00);
 * CounterCompareTimer et = new CounterCompareTimer("mdx", 100, hw);
 * hw.connect(et);                            // compare matches reach et.interrupt()
 * }</pre>
 *
 * <p>The counter reads {@code floor((now - origin) * frequency)} counts after its initial count,
 * {@code now} being the time base's time, modulo {@code maxcnt + 1}. A compare match of the
 * simulated timer is delivered by the time base, as a device event, at the first instant the
 * counter reaches it; the driver's interrupt entry then runs on the advancing thread.
 */
final class MiTimerOnTimebase implements MiTimer, VirtualTimebase.Device {
    /* Implementation notes: the simulated timer moves only when told (advance), so this bridge
     * catches it up to the time base before every read or programming, and at every device
     * event. Everything touching the simulated timer happens under this object's monitor, which
     * is never held while the driver's interrupt entry runs: a compare match met while catching up
     * is only counted (matches), and expire delivers it after releasing the monitor. Lock order:
     * the driver's monitor (which calls count/start/stop), then this monitor, then the simulated
     * timer's own locks; the time base's advance lock comes before all of them on the advancing
     * thread, and the arm path never takes it. So a thread arming the clock source while another
     * moves time cannot deadlock with it. */

    private final VirtualTimebase tb;
    private final SimulatedMiTimer hw;
    private final long origin;
    private final long frequency;
    private CounterCompareTimer driver; // guarded by this; set once by connect
    private int matches;                // guarded by this; compare matches not yet delivered

    /**
     * A counter on {@code tb}, counting from {@code initialCount} at the time base's current time.
     *
     * @param tb           the time base
     * @param maxcnt       the counter's largest value
     * @param frequency    counts per second, in [1, 2^31)
     * @param initialCount the count now
     */
    MiTimerOnTimebase(VirtualTimebase tb, long maxcnt, long frequency, long initialCount) {
        this.tb = Objects.requireNonNull(tb, "timebase");
        this.frequency = TimerCounts.checkFrequency("MiTimerOnTimebase", frequency);
        this.hw = new SimulatedMiTimer(maxcnt, frequency, initialCount);
        this.origin = tb.now();
        hw.setInterruptHandler(cpu -> matches++); // runs inside hw.advance, under this monitor
    }

    /**
     * Connects the compare interrupt to {@code drv}'s interrupt entry and joins the time base.
     *
     * @param drv the driver on this counter
     */
    synchronized void connect(CounterCompareTimer drv) {
        if (driver != null) {
            throw new IllegalStateException("MiTimerOnTimebase: already connected to " + driver);
        }
        driver = Objects.requireNonNull(drv, "driver");
        tb.attach(this);
    }

    /** {@return the simulated timer (for its counters and recorded operations)} */
    SimulatedMiTimer hardware() {
        return hw;
    }

    /** Moves the simulated counter to the time base's {@code now}. Under this monitor. */
    private void catchUp(long now) {
        assert Thread.holdsLock(this);
        long target = TimerCounts.sbtToCountsFloor(Math.max(now - origin, 0), frequency);
        long behind = target - hw.time();
        if (behind > 0) {
            hw.advance(behind);
        }
    }

    /* ---- MiTimer ----------------------------------------------------------------------------- */

    @Override
    public synchronized void start(long ticks) {
        catchUp(tb.now());
        hw.start(ticks);
    }

    @Override
    public synchronized void stop() {
        catchUp(tb.now());
        hw.stop();
        matches = 0; // stop drops a latched interrupt, as on the simulated timer
    }

    @Override
    public synchronized long count() {
        catchUp(tb.now());
        return hw.count();
    }

    @Override
    public long maxcnt() {
        return hw.maxcnt();
    }

    @Override
    public long frequency() {
        return frequency;
    }

    /* ---- VirtualTimebase.Device -------------------------------------------------------------- */

    @Override
    public synchronized long nextEventTime() {
        if (matches > 0) {
            return tb.now(); // met while catching up on another thread: deliver now
        }
        long until = hw.untilMatch(0);
        if (until < 0) {
            return SBT_MAX;
        }
        return Sbt.add(origin, TimerCounts.countsToSbtCeil(hw.time() + until, frequency));
    }

    @Override
    public boolean expire(long now) {
        int n;
        CounterCompareTimer drv;
        synchronized (this) {
            catchUp(now);
            n = matches;
            matches = 0;
            drv = driver;
        }
        boolean raised = false;
        for (int i = 0; i < n && drv != null; i++) {
            raised |= drv.interrupt(); // no lock held: the consumer's callback re-arms through start
        }
        return raised;
    }
}
