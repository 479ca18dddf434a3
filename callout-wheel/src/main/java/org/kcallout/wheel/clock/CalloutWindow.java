package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_MAX;

/**
 * One CPU's next callout window as a clock source keeps it: {@code nextcall} (the window's end, the
 * hard deadline) and {@code nextcallopt} (its start, from which an interrupt that happens anyway may
 * process the callouts), the {@code cpu_new_callout} bookkeeping of {@code kern_clocksource.c}.
 * Every clock source keeps its CPUs' windows in this class, so the rules are written once: the
 * tickless clocks ({@link TicklessClock}, one per CPU) and the eventtimers(9) clock source
 * ({@code ClockPcpu.window}).
 *
 * <p>Not thread-safe: each field is guarded by the lock of the clock that owns the window (the
 * tickless clock's monitor, the eventtimers(9) clock's hardware lock).
 */
final class CalloutWindow {
    /** The hard deadline of the window; SBT_MAX: no callout. Guarded by the owner's lock. */
    long nextcall = SBT_MAX;
    /** The opportunistic start of the window. Guarded by the owner's lock. */
    long nextcallopt = SBT_MAX;

    /**
     * {@code cpu_new_callout(cpu, bt, bt_opt)}: the start always moves (it only lets a scan
     * piggy-back on an interrupt); the deadline only moves earlier.
     *
     * @param bt    the new callout's hard deadline
     * @param btOpt the opportunistic start of its window
     * @return true if the deadline moved earlier: whoever waits for it must look again
     */
    boolean report(long bt, long btOpt) {
        nextcallopt = btOpt;
        if (bt >= nextcall) {
            return false;
        }
        nextcall = bt;
        return true;
    }

    /**
     * @param now the time of an interrupt
     * @return true if the window has opened ({@code now >= nextcallopt}) or closed
     *         ({@code now >= nextcall}): the interrupt processes the callouts
     */
    boolean isOpen(long now) {
        return now >= nextcallopt || now >= nextcall;
    }

    /** Forgets the window once it is being processed (the scan reports the next one). */
    void clear() {
        nextcall = SBT_MAX;
        nextcallopt = SBT_MAX;
    }

    /**
     * Sets both ends to {@code t}: an event is wanted at {@code t} (the timer's first interrupt
     * after a reconfiguration rescans).
     *
     * @param t the time
     */
    void setBoth(long t) {
        nextcall = t;
        nextcallopt = t;
    }
}
