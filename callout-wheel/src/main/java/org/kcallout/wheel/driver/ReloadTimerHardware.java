package org.kcallout.wheel.driver;

/**
 * A QNX-style system tick timer, as QNX's startup program describes it to the kernel through the
 * {@code timer_load}, {@code timer_reload} and {@code timer_value} callouts of its
 * {@code callout_entry}, plus the interrupt line. {@link ReloadTimerDriver} turns one into an
 * eventtimers(9) timer; {@link SimulatedReloadTimer} is one in virtual time.
 *
 * <h2>Contract</h2>
 * The timer counts at {@link #frequency()} Hz. {@link #timerLoad(long)} sets the period and
 * enables it: counting restarts from 0 and an interrupt is raised when the count reaches the
 * period. Each interrupt leaves the timer idle until it is re-armed from the interrupt handler,
 * either by {@link #timerReload()} (one more period of the same length, counted from the
 * interrupt, so a periodic tick keeps its phase) or by {@link #timerLoad(long)} (a new period
 * counted from now). There is no stop: software that no longer wants the events simply does not
 * re-arm, and ignores the one interrupt that may still come. A timer that reloads by itself must be
 * wrapped so that it behaves this way (masking its interrupt until re-armed).
 *
 * <p>Methods may be called from any thread; the interrupt handler is called without locks held by
 * the hardware, and may call back into it.
 */
public interface ReloadTimerHardware {

    /** {@return the counting frequency, Hz, in [1, 2^31)} */
    long frequency();

    /** {@return the largest period {@link #timerLoad} accepts, in counts, {@code >= 1}} */
    long maxCount();

    /**
     * {@code timer_load}: sets the period and enables the timer; counting restarts from 0.
     *
     * @param period counts, in [1, {@link #maxCount()}]
     * @throws IllegalArgumentException for a period out of range
     */
    void timerLoad(long period);

    /**
     * {@code timer_reload}: re-arms the timer for one more period of the length last loaded,
     * counted from the last interrupt. Called from the interrupt handler.
     *
     * @throws IllegalStateException if no period was ever loaded
     */
    void timerReload();

    /**
     * {@code timer_value}: how far the timer has counted since the last interrupt (or since the last
     * load, if that is later).
     *
     * @return counts, {@code >= 0}
     */
    long timerValue();

    /**
     * Connects the interrupt line: {@code handler} runs on every interrupt.
     *
     * @param handler the interrupt handler, or null to disconnect
     */
    void setInterruptHandler(Runnable handler);
}
