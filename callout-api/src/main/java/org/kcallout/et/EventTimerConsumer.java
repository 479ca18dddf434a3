package org.kcallout.et;

/**
 * The clock source as the registry sees it: what {@link EventTimers#changeFrequency} needs in
 * order to reprogram the timer in use when its frequency changes. In FreeBSD this is not an
 * interface but a direct call into {@code kern_clocksource.c} ({@code cpu_et_frequency}), which
 * checks {@code et == timer} and brackets the store with {@code configtimer(0)} and
 * {@code configtimer(1)}. Here the clock source (in {@code callout-wheel}) implements this interface
 * and installs itself with {@link EventTimers#setClockSource}.
 *
 * <p>When {@code et_change_frequency(et, f)} finds that {@code et} is active and is
 * {@link #currentTimer()}, it calls, with {@code ET_LOCK} held and in this order:
 * <ol>
 *   <li>{@link #frequencyChanging}: stop the timer on all CPUs ({@code configtimer(0)}), while
 *       {@code et.frequency()} still returns the old frequency;</li>
 *   <li>then stores {@code f};</li>
 *   <li>{@link #frequencyChanged}: restart it on all CPUs with every event re-programmed from the
 *       new frequency ({@code configtimer(1)}).</li>
 * </ol>
 * Otherwise it just stores {@code f} and calls neither. Both methods may call
 * {@link EventTimers#stop}/{@link EventTimers#start} (or their C names, which do not take {@code ET_LOCK}) and,
 * since the lock is reentrant, the registry's other methods. An exception from
 * {@code frequencyChanging} propagates and leaves the frequency unchanged; one from
 * {@code frequencyChanged} propagates with the new frequency stored.
 */
public interface EventTimerConsumer {

    /**
     * The timer this consumer runs on now ({@code timer} in {@code kern_clocksource.c}), or null.
     * Called with {@code ET_LOCK} held; the consumer must change its answer only while holding
     * {@code ET_LOCK} (as FreeBSD switches timers under it), so that the answer is stable for the
     * duration of a frequency change.
     *
     * @return the timer in use, or null
     */
    EventTimer currentTimer();

    /**
     * Before the store: stop {@code et} on all CPUs ({@code configtimer(0)}). The default does
     * nothing, for consumers that stop and restart in {@link #frequencyChanged}.
     *
     * @param et           the timer in use
     * @param oldFrequency its frequency now, Hz
     * @param newFrequency the frequency about to be stored, Hz
     */
    default void frequencyChanging(EventTimer et, long oldFrequency, long newFrequency) {
    }

    /**
     * After the store: restart {@code et} on all CPUs, re-programming all events
     * ({@code configtimer(1)}); {@code et.frequency()} returns {@code newFrequency}.
     *
     * @param et           the timer in use
     * @param oldFrequency the frequency before the change, Hz
     * @param newFrequency the frequency now stored, Hz
     */
    void frequencyChanged(EventTimer et, long oldFrequency, long newFrequency);
}
