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
public final class VirtualTicklessClock extends TimebaseClock {
    /* Implementation notes: time is a VirtualTimebase of this clock's own (TimebaseClock), the one
     * virtual time line every virtual clock runs on; this clock is its only device, and its event
     * is handleEvents, on the advancing thread. Only the time base's advance lock is held while
     * handlers run. */

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
        super(start, ticksAtStart);
    }

    @Override
    boolean deliver(long now) {
        handleEvents(now);
        return true;
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
     * @throws HandlerFailedException   once time has reached {@code target}, if a handler threw
     */
    @Override
    public void advanceTo(long target) {
        super.advanceTo(target);
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
