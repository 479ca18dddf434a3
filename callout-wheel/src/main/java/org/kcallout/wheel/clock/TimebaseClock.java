package org.kcallout.wheel.clock;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.Sbt;

/**
 * A tickless clock on a virtual time base of its own: what {@link VirtualTicklessClock} and
 * {@link ConcurrentVirtualClock} share. The time base's one device is the clock itself: its next
 * event is the earliest CPU's {@code nextcall}, the hard deadline the callout layer reported, which
 * models a one-shot (tickless) event timer exactly; the event is {@link #deliver(long)}, which the
 * two clocks implement differently (on the advancing thread, or on each CPU's threads).
 */
abstract class TimebaseClock extends TicklessClock implements VirtualClock {
    /* Implementation notes: line (this clock's own time base; ClockSource.timebase names the same
     * object once bind has run), startTime and ticksBase are final; the time base's advance
     * lock is the only lock held while the device's event runs. */

    final VirtualTimebase line;
    private final long startTime;
    private final int ticksBase;

    /**
     * @param start        the initial sbintime, {@code >= 0}
     * @param ticksAtStart the value of {@code ticks} at {@code start}
     * @throws IllegalArgumentException if {@code start < 0}
     */
    TimebaseClock(long start, int ticksAtStart) {
        super(0); // no CPU is self-driven: every deadline is delivered when time reaches it
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0, got " + start);
        }
        this.line = new VirtualTimebase(start);
        this.ticksBase = ticksAtStart;
        this.startTime = start;
        line.attach(new VirtualTimebase.Device() {
            @Override
            public long nextEventTime() {
                synchronized (TimebaseClock.this) {
                    return earliestLocked();
                }
            }

            @Override
            public boolean expire(long now) {
                return deliver(now);
            }
        });
        line.bind(this);
    }

    /**
     * The device's event at {@code now}: runs, or hands out, {@code callout_process} for every CPU
     * whose window has opened. Called by the time base with its advance lock held.
     *
     * @param now the current time
     * @return true if an interrupt was delivered
     */
    abstract boolean deliver(long now);

    /** @return the current virtual time */
    @Override
    public long now() {
        return line.now();
    }

    @Override
    public long sbinuptime() {
        return line.now();
    }

    @Override
    public int ticks() {
        long tick = attached("ticks").tickSbt();
        long startSlot = startTime - Math.floorMod(startTime, tick);
        return ticksBase + (int) ((hardclocktime(0) - startSlot) / tick);
    }

    /** @return the number of interrupts delivered so far */
    @Override
    public long interrupts() {
        return line.interrupts();
    }

    /**
     * Moves time forward by {@code delta}, delivering every interrupt due up to the new time.
     *
     * @param delta sbintime, {@code >= 0}
     * @throws IllegalArgumentException if {@code delta < 0}
     * @throws IllegalStateException    as for {@link #advanceTo(long)}
     */
    @Override
    public void advance(long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("advance: delta must be >= 0, got " + delta);
        }
        advanceTo(Sbt.add(now(), delta));
    }

    /**
     * Moves time forward by {@code n} ticks of the attached system.
     *
     * @param n ticks, {@code >= 0}
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws IllegalStateException    as for {@link #advanceTo(long)}
     */
    @Override
    public void advanceTicks(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("advanceTicks: n must be >= 0, got " + n);
        }
        advance(n * attached("advanceTicks").tickSbt());
    }

    /**
     * Moves time forward to {@code target} through the time base (see the subclass).
     *
     * @param target absolute sbintime, not earlier than {@link #now()}
     * @throws IllegalStateException if the clock drives no system yet, or the system is closed
     */
    @Override
    public void advanceTo(long target) {
        if (attached("advanceTo").isClosed()) {
            throw new IllegalStateException("advanceTo: the callout system this clock drives is closed");
        }
        line.advanceTo(target);
    }

    @Override
    boolean endsAdvance() {
        return layer.isClosed();
    }

    @Override
    @GuardedBy("this")
    boolean isEarlierThanProgrammed(long bt) {
        return false; // nothing to reprogram: the time base reads nextcall at each step
    }

    @Override
    void wakeUp() {
    }
}
