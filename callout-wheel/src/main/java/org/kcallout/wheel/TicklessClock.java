package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;

import java.util.Arrays;

/**
 * A one-shot, tickless clock model shared by {@link VirtualEventTimer} and
 * {@link RealTimeEventTimer}: each CPU's callouts are processed at the latest acceptable time of its
 * next window ({@code nextcall}), or earlier if an interrupt happens anyway after the window's start
 * ({@code nextcallopt}); there are no hardclock interrupts.
 */
abstract class TicklessClock extends ClockSource {
    /* Implementation notes: nextcall and nextcallopt are guarded by this object's monitor. Lock
     * order: CPU lock, then this monitor (cpuNewCallout is called under a CPU lock); handleEvents
     * never holds the monitor while it calls into the wheel. */

    /** Per CPU: the hard deadline of the next callout window; guarded by this. */
    private long[] nextcall;
    /** Per CPU: the opportunistic start of that window; guarded by this. */
    private long[] nextcallopt;

    TicklessClock() {
    }

    @Override
    final synchronized void onAttach(int ncpus) {
        nextcall = new long[ncpus];
        nextcallopt = new long[ncpus];
        Arrays.fill(nextcall, SBT_MAX);
        Arrays.fill(nextcallopt, SBT_MAX);
    }

    @Override
    final void cpuNewCallout(int cpu, long bt, long btOpt) {
        boolean earlier;
        synchronized (this) {
            nextcallopt[cpu] = btOpt;
            if (bt >= nextcall[cpu]) {
                return;
            }
            nextcall[cpu] = bt;
            earlier = isEarlierThanProgrammed(bt);
        }
        if (earlier) {
            wakeUp();
        }
    }

    @Override
    public final synchronized long nextcall(int cpu) {
        return nextcall[cpu];
    }

    @Override
    public final synchronized long nextcallopt(int cpu) {
        return nextcallopt[cpu];
    }

    /** The earliest {@code nextcall} over all CPUs, or SBT_MAX. Guarded by this. */
    final long earliestLocked() {
        long m = SBT_MAX;
        for (long t : nextcall) {
            if (t < m) {
                m = t;
            }
        }
        return m;
    }

    /**
     * The callout part of {@code handleevents(now)} for every CPU: a CPU whose window has opened
     * ({@code now >= nextcallopt}) or closed ({@code now >= nextcall}) gets {@code callout_process(now)};
     * a clock that runs softclock inline then drains its expire queue on this thread.
     *
     * @param now the time of the interrupt
     * @return the number of CPUs processed
     */
    final int handleEvents(long now) {
        int processed = 0;
        for (int cpu = 0; cpu < nextcall.length; cpu++) {
            synchronized (this) {
                if (now < nextcallopt[cpu] && now < nextcall[cpu]) {
                    continue;
                }
                nextcall[cpu] = SBT_MAX;
                nextcallopt[cpu] = SBT_MAX;
            }
            processed++;
            boolean work = wheel.calloutProcess(cpu, now);
            if (work && runsSoftclockInline()) {
                wheel.softclock(cpu);
            }
        }
        return processed;
    }

    /** Called under this monitor: would an event at {@code bt} need the driver to wake earlier? */
    abstract boolean isEarlierThanProgrammed(long bt);

    /** Called without locks after {@link #isEarlierThanProgrammed} said yes. */
    abstract void wakeUp();
}
