package org.kcallout.wheel.seam;

/**
 * What the callout layer sees of a clock source: FreeBSD's {@code kern_clocksource.c} functions
 * that {@code kern_timeout.c} calls. One port per clock; a clock drives one callout system.
 *
 * <p>Lock order: {@link #cpuNewCallout} is called with that CPU's callout lock held, so a clock's
 * own locks come after the CPU locks, and a clock never holds its own lock while it calls into the
 * {@link CalloutLayer}.
 */
public interface ClockPort {
    /**
     * Binds the clock to {@code layer} ({@code cpu_initclocks}); once, before any other call.
     *
     * @param layer       the callout layer the clock will drive
     * @param requestedHz the configured hardclock rate
     * @return the rate the clock really runs at ({@code round_freq}); the callout layer stores it
     *         and derives {@code tick_sbt} from it
     * @throws IllegalStateException if the clock already drives a system
     */
    int attach(CalloutLayer layer, int requestedHz);

    /** {@return {@code sbinuptime()}: the precise current time} */
    long sbinuptime();

    /**
     * {@code hardclocktime} of {@code cpu}: the time of its most recent hardclock slot.
     *
     * @param cpu a CPU of the attached system
     * @return the time of that slot
     */
    long hardclocktime(int cpu);

    /** {@return true if {@link #hardclocktime(int)} differs between CPUs} */
    boolean hardclockPerCpu();

    /** {@return {@code ticks}: hardclock ticks, as a wrapping int} */
    int ticks();

    /**
     * {@code cpu_new_callout(cpu, bt, bt_opt)}: {@code cpu}'s next callout must be processed by
     * {@code bt} and may be processed from {@code btOpt}. Called with that CPU's lock held.
     *
     * @param cpu   the CPU
     * @param bt    the hard deadline
     * @param btOpt the opportunistic start of the window
     */
    void cpuNewCallout(int cpu, long bt, long btOpt);

    /**
     * True if the clock runs each CPU's softclock itself (on the thread that moves virtual time, or
     * on its own per-CPU threads); false if the callout layer must start a softclock thread per CPU,
     * which {@link CalloutLayer#calloutProcess} wakes when it leaves work.
     *
     * @return who runs softclock
     */
    boolean runsSoftclock();

    /** Starts delivering events (after attach). */
    void start();

    /**
     * Stops delivering events; idempotent. Does not wait for a thread of the clock that is running
     * a handler: see {@link #awaitStopped}.
     */
    void stop();

    /**
     * Waits until the clock's threads have ended, after {@link #stop()}, except the calling thread
     * and any thread left running a handler of a CPU for which {@code skipCpu} is true.
     *
     * @param skipCpu per CPU: do not wait for that CPU's thread
     */
    void awaitStopped(boolean[] skipCpu);
}
