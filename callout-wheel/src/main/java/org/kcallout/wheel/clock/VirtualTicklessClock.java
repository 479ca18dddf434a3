package org.kcallout.wheel.clock;

import org.kcallout.Sbt;

/**
 * A deterministic clock for tests: time moves only when {@link #advance(long)} or
 * {@link #advanceTo(long)} is called, and the interrupts due on the way are delivered, in time
 * order, on the calling thread: {@code callout_process} (with direct handlers) and then softclock,
 * to quiescence, before the call returns.
 *
 * <p>To force an interleaving of SPEC §5, run {@code advance} on a helper thread and stop the handler
 * in the middle with a {@code HandlerGate}; the test thread then calls stop, reset or drain while
 * the handler is held, and opens the gate. {@code CalloutObserver} tells a test when the dispatcher
 * is about to wait for a callout's lock, or a drainer is about to sleep.
 *
 * <p>Only one thread advances time at a time; a second caller waits. Advancing from inside a
 * handler is refused with {@link IllegalStateException}.
 */
public final class VirtualTicklessClock extends TicklessClock implements VirtualClock {
    /* Implementation notes: time is a VirtualTimebase of this clock's own, the one virtual time
     * line every virtual clock runs on; this clock is its only device. The device's next event is
     * the earliest CPU's nextcall, the hard deadline the callout layer reported, which models a
     * one-shot (tickless) event timer exactly; its event is handleEvents. Only the time base's
     * advance lock is held while handlers run. startTime and ticksBase are final. */

    private final VirtualTimebase timebase;
    private final long startTime;
    private final int ticksBase;

    /** A virtual clock starting at time 0. */
    public VirtualTicklessClock() {
        this(0, 0);
    }

    /**
     * A virtual clock starting at {@code start}, whose {@code ticks} counter reads {@code ticksAtStart}
     * there (to test behaviour near the counter's wrap).
     *
     * @param start        the initial sbintime, {@code >= 0}
     * @param ticksAtStart the value of {@code ticks} at {@code start}
     */
    public VirtualTicklessClock(long start, int ticksAtStart) {
        super(0); // no CPU is self-driven: every deadline is delivered when time reaches it
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0, got " + start);
        }
        this.timebase = new VirtualTimebase(start);
        this.ticksBase = ticksAtStart;
        this.startTime = start;
        timebase.attach(new VirtualTimebase.Device() {
            @Override
            public long nextEventTime() {
                synchronized (VirtualTicklessClock.this) {
                    return earliestLocked();
                }
            }

            @Override
            public boolean expire(long now) {
                handleEvents(now);
                return true;
            }
        });
        timebase.bind(this);
    }

    /** @return the current virtual time */
    @Override
    public long now() {
        return timebase.now();
    }

    @Override
    public long sbinuptime() {
        return timebase.now();
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
        return timebase.interrupts();
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
     * Moves time forward to {@code target}, delivering every interrupt due on the way, each at its own
     * time; then sets the time to {@code target}. Also delivers interrupts already due now (so
     * {@code advance(0)} runs callouts armed in the past).
     *
     * <p>Handlers run on the calling thread, which therefore must not hold the lock of a callout
     * that comes due: the handler could not take it, yet a thread that stops the callout relies on
     * holding it. Such an invocation is never dropped: the advance stops at that callout's time,
     * leaves it pending (and everything due after it), and throws {@link IllegalStateException};
     * release the lock and advance again (or advance from another thread), and it runs.
     *
     * <p>A handler that closes the system ends the advance after that handler returns.
     *
     * @param target absolute sbintime, not earlier than {@link #now()}
     * @throws IllegalArgumentException if {@code target} is before {@link #now()}
     * @throws IllegalStateException    if the timer drives no system yet, or the system is closed,
     *                                  or is called from a handler, or a callout that comes due
     *                                  needs a lock the calling thread holds (see above)
     */
    @Override
    public void advanceTo(long target) {
        if (attached("advanceTo").isClosed()) {
            throw new IllegalStateException("advanceTo: the callout system this timer drives is closed");
        }
        timebase.advanceTo(target);
    }

    @Override
    boolean endsAdvance() {
        return layer.isClosed();
    }

    @Override
    boolean skipIdleTo(long target) {
        return layer.skipIdleTo(target); // this clock is the only device of its time base
    }

    @Override
    boolean runsSoftclockInline() {
        return true;
    }

    @Override
    boolean isEarlierThanProgrammed(long bt) {
        return false; // nothing to reprogram: the time base reads nextcall at each step
    }

    @Override
    void wakeUp() {
    }

    @Override
    void start() {
    }

    @Override
    void stop() {
    }

    @Override
    public String toString() {
        return "VirtualTicklessClock[now=" + Sbt.format(now()) + "]";
    }
}
