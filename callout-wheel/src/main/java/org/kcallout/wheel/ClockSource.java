package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;

import java.util.Arrays;

/**
 * The seam between the callout wheel and the hardware clock: {@code kern_clocksource.c}'s role.
 * The wheel asks it for the time ({@code sbinuptime}, {@code hardclocktime}, {@code ticks}) and tells
 * it, through {@code cpu_new_callout}, the window in which each CPU's next callout must be
 * processed; the clock source calls back {@code callout_process} (via {@link #handleEvents(long)})
 * when that time comes.
 *
 * <p>Two implementations ship: {@link VirtualEventTimer} (time moves only when a test says so) and
 * {@link RealTimeEventTimer} (a thread on {@link System#nanoTime()}). The full eventtimers(9) clock
 * source, with one-shot and periodic drivers, plugs in here. A clock source drives one system.
 *
 * <p>Hardclock model: ticks happen every {@code tick_sbt} from time 0, so the last hardclock slot is
 * {@code now} rounded down to a multiple of {@code tick_sbt}. Callouts are processed tickless: at the
 * latest acceptable time of each CPU's next window ({@code nextcall}), or earlier if an interrupt
 * happens anyway after the window's start ({@code nextcallopt}).
 */
public abstract class ClockSource {
    /* Implementation notes: nextcall and nextcallopt are guarded by this object's monitor. Lock
     * order: CPU lock, then this monitor (cpuNewCallout is called under a CPU lock); handleEvents
     * never holds the monitor while it calls into the wheel. */

    /** The system this clock drives; written once by {@link #attach}. */
    CalloutWheel wheel;
    /** Per CPU: the hard deadline of the next callout window; guarded by this. */
    private long[] nextcall;
    /** Per CPU: the opportunistic start of that window; guarded by this. */
    private long[] nextcallopt;

    ClockSource() {
    }

    /** Binds this clock to {@code w}; once. */
    final void attach(CalloutWheel w) {
        synchronized (this) {
            if (wheel != null) {
                throw new IllegalStateException("this clock source already drives " + wheel);
            }
            wheel = w;
            nextcall = new long[w.ncpus()];
            nextcallopt = new long[w.ncpus()];
            Arrays.fill(nextcall, SBT_MAX);
            Arrays.fill(nextcallopt, SBT_MAX);
        }
    }

    /** @return the system this clock drives, or null before it is built */
    public final CalloutWheel system() {
        return wheel;
    }

    /** {@code sbinuptime()}: the precise current time. */
    public abstract long sbinuptime();

    /**
     * {@code hardclocktime} of {@code cpu}: the time of its most recent hardclock slot.
     *
     * @param cpu the CPU
     * @return {@code sbinuptime()} rounded down to a multiple of {@code tick_sbt}
     */
    public long hardclocktime(int cpu) {
        long now = sbinuptime();
        long tick = wheel.tickSbt();
        return now - Math.floorMod(now, tick);
    }

    /** {@code ticks}: hardclock ticks since time 0, as a wrapping {@code int}. */
    public int ticks() {
        return (int) (sbinuptime() / wheel.tickSbt());
    }

    /**
     * {@code cpu_new_callout(cpu, bt, bt_opt)}: the callout layer's report that {@code cpu}'s next
     * callout must be processed by {@code bt} and may be processed from {@code btOpt}. Called with
     * that CPU's lock held.
     */
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

    /**
     * The hard deadline of {@code cpu}'s next callout window ({@code nextcall}), or
     * {@link org.kcallout.Sbt#SBT_MAX} if none.
     *
     * @param cpu the CPU
     * @return the deadline
     */
    public final synchronized long nextcall(int cpu) {
        return nextcall[cpu];
    }

    /**
     * The opportunistic start of {@code cpu}'s next callout window ({@code nextcallopt}).
     *
     * @param cpu the CPU
     * @return the time
     */
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

    /** True if the callout layer's softclock runs on the thread that delivers events. */
    abstract boolean runsSoftclockInline();

    /** Called under this monitor: would an event at {@code bt} need the driver to wake earlier? */
    abstract boolean isEarlierThanProgrammed(long bt);

    /** Called without locks after {@link #isEarlierThanProgrammed} said yes. */
    abstract void wakeUp();

    /** Starts delivering events (after attach). */
    abstract void start();

    /** Stops delivering events; idempotent. */
    abstract void stop();
}
