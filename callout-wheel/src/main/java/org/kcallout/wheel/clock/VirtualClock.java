package org.kcallout.wheel.clock;

/**
 * Virtual time that moves only when told: the common face of the deterministic clocks, so that a
 * test can be written once and run on each of them.
 *
 * <p>Implementations: {@link VirtualTimebase}, the one virtual time line (under
 * {@code VirtualTimerDriver} and {@code SimulatedReloadTimer}, driven through an
 * {@link EventTimerClock}), and {@link VirtualTicklessClock}, the simple tickless clock source,
 * which runs on a time base of its own and moves it. Each delivers the timer
 * interrupts that fall due on the way, in time order, on the thread that moves time, and runs
 * {@code callout_process}, direct handlers and softclock there before the call returns.
 *
 * <p>A handler that throws fails the advance that ran it: unless the system was built with a
 * failure hook of its own, the advance completes and then throws a {@link HandlerFailedException}
 * carrying the handler's exception and the callout, so that the test that moved time fails.
 *
 * <p>Pitfalls: only one thread moves time at a time (a second caller waits), and moving time from
 * inside a callout handler is refused with {@link IllegalStateException}. {@link #advanceTicks(int)}
 * uses the tick of the callout system the clock drives, so it works only once that system is built.
 */
public interface VirtualClock {

    /** {@return the current virtual time, sbintime} */
    long now();

    /**
     * Moves time forward by {@code delta}, delivering every interrupt due up to the new time.
     *
     * @param delta sbintime, {@code >= 0}
     * @throws IllegalArgumentException if {@code delta < 0}
     * @throws IllegalStateException    if called from inside a handler run by this clock
     * @throws HandlerFailedException   once time has reached its target, if a handler of a system
     *                                  built without a failure hook of its own threw
     */
    void advance(long delta);

    /**
     * Moves time forward to {@code target}, delivering every interrupt due on the way, each at its
     * own time; also delivers what is already due now (so {@code advanceTo(now())} runs callouts
     * armed in the past).
     *
     * @param target absolute sbintime, not before {@link #now()}
     * @throws IllegalArgumentException if {@code target} is before {@link #now()}
     * @throws IllegalStateException    if called from inside a handler run by this clock
     * @throws HandlerFailedException   once time has reached its target, if a handler of a system
     *                                  built without a failure hook of its own threw
     */
    void advanceTo(long target);

    /**
     * Moves time forward by {@code n} ticks ({@code n * tick_sbt}) of the callout system this clock
     * drives.
     *
     * @param n ticks, {@code >= 0}
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws IllegalStateException    if the clock drives no system yet
     * @throws HandlerFailedException   as for {@link #advance(long)}
     */
    void advanceTicks(int n);

    /** {@return the number of timer interrupts delivered so far} */
    long interrupts();
}
