package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;

import java.util.Arrays;
import org.kcallout.Sbt;

/**
 * A one-shot, tickless clock model shared by {@link VirtualEventTimer} and
 * {@link RealTimeEventTimer}: each CPU's callouts are processed at the latest acceptable time of its
 * next window ({@code nextcall}), or earlier if an interrupt happens anyway after the window's start
 * ({@code nextcallopt}); there are no hardclock interrupts. A clock may let each CPU's softclock
 * thread keep time for its own CPU ({@link #softclockKeepsTime()}); the thread that delivers events
 * then only watches those CPUs.
 */
abstract class TicklessClock extends ClockSource {
    /* Implementation notes: nextcall, nextcallopt and selfDriven are guarded by this object's
     * monitor. Lock order: CPU lock, then this monitor (cpuNewCallout is called under a CPU lock);
     * handleEvents and processIfDue never hold the monitor while they call into the wheel.
     *
     * Self-driven CPUs (softclockKeepsTime): a CPU's softclock thread waits for the CPU's own
     * nextcall, runs callout_process itself and then the expire queue, so the common path has no
     * hand-off between threads. The thread that delivers events then only watches: it processes a
     * self-driven CPU once its nextcall is WATCHDOG_GRACE overdue (the softclock thread is running a
     * long handler, or was descheduled). Whoever clears nextcall under the monitor processes;
     * callout_process itself refuses to nest, so the two can never scan one CPU at once. */

    /**
     * How overdue a self-driven CPU's deadline must be before the event thread processes it
     * ({@link RealTimeEventTimer#WATCHDOG_GRACE_MICROS}, the only clock with self-driven CPUs).
     */
    static final long WATCHDOG_GRACE = Sbt.nstosbt(RealTimeEventTimer.WATCHDOG_GRACE_MICROS * 1000);

    /** The grace in use; only tests change it (before the clock starts), to take the watchdog out. */
    long watchdogGrace = WATCHDOG_GRACE;

    /** Per CPU: the hard deadline of the next callout window; guarded by this. */
    private long[] nextcall;
    /** Per CPU: the opportunistic start of that window; guarded by this. */
    private long[] nextcallopt;
    /** Per CPU: true once its softclock thread keeps time for it; guarded by this. */
    private boolean[] selfDriven;
    /**
     * Bumped whenever a self-driven CPU's deadline moves earlier, so that a softclock thread spinning
     * towards the old deadline looks again. Benign lost updates: any change is enough.
     */
    volatile int selfKicks;

    TicklessClock() {
    }

    @Override
    final synchronized void onAttach(int ncpus) {
        nextcall = new long[ncpus];
        nextcallopt = new long[ncpus];
        selfDriven = new boolean[ncpus];
        Arrays.fill(nextcall, SBT_MAX);
        Arrays.fill(nextcallopt, SBT_MAX);
    }

    @Override
    final void cpuNewCallout(int cpu, long bt, long btOpt) {
        boolean earlier;
        boolean self;
        synchronized (this) {
            nextcallopt[cpu] = btOpt;
            if (bt >= nextcall[cpu]) {
                return;
            }
            nextcall[cpu] = bt;
            self = selfDriven[cpu];
            earlier = isEarlierThanProgrammed(self ? Sbt.add(bt, watchdogGrace) : bt);
        }
        if (self) {
            selfKicks++; // see the field: a lost update still changes the value
            wheel.cpu(cpu).workCv.signal(); // the caller holds the CPU lock, as signal requires
        }
        if (earlier) {
            wakeUp();
        }
    }

    /**
     * True if each CPU's softclock thread should keep time for its CPU (see the implementation
     * notes); false leaves everything to the thread that delivers events.
     *
     * @return whether CPUs are self-driven
     */
    boolean softclockKeepsTime() {
        return false;
    }

    /**
     * Called by {@code cpu}'s softclock thread, with the CPU lock held, each time it is about to wait:
     * marks the CPU self-driven and returns its current deadline.
     *
     * @param cpu the CPU
     * @return its {@code nextcall}, or SBT_MAX
     */
    final synchronized long selfDrive(int cpu) {
        selfDriven[cpu] = true;
        return nextcall[cpu];
    }

    /**
     * The softclock thread's own interrupt: if {@code cpu}'s deadline has come (or, when
     * {@code opportunistic}, its window has opened) and nobody took it yet, clears it and runs
     * {@code callout_process(now)} on the calling thread.
     *
     * @param cpu           the CPU
     * @param now           the current time
     * @param opportunistic whether {@code now >= nextcallopt} is enough, as for an interrupt that
     *                      happens anyway inside the window
     * @return true if it processed
     */
    final boolean processIfDue(int cpu, long now, boolean opportunistic) {
        synchronized (this) {
            if (now < nextcall[cpu] && (!opportunistic || now < nextcallopt[cpu])) {
                return false;
            }
            nextcall[cpu] = SBT_MAX;
            nextcallopt[cpu] = SBT_MAX;
        }
        onSelfDrivenEvent();
        wheel.calloutProcessBatch(cpu, now);
        return true;
    }

    /** Hook: a softclock thread processed its CPU's deadline itself (for interrupt counts). */
    void onSelfDrivenEvent() {
    }

    /**
     * How long before a deadline a self-driven softclock thread stops sleeping and spins, given how
     * late its timed sleeps have been ending.
     *
     * @param oversleepNanos the thread's current estimate of its oversleep
     * @return the spin window in nanoseconds, 0 for none
     */
    long spinWindowNanos(long oversleepNanos) {
        return 0;
    }

    @Override
    public final synchronized long nextcall(int cpu) {
        checkCpu("nextcall", cpu);
        return nextcall[cpu];
    }

    @Override
    public final synchronized long nextcallopt(int cpu) {
        checkCpu("nextcallopt", cpu);
        return nextcallopt[cpu];
    }

    /**
     * The earliest time the event thread must act: the earliest {@code nextcall} of a CPU it drives,
     * or the watchdog time of a self-driven one; SBT_MAX if none. Guarded by this.
     */
    final long earliestLocked() {
        long m = SBT_MAX;
        for (int cpu = 0; cpu < nextcall.length; cpu++) {
            long t = selfDriven[cpu] ? Sbt.add(nextcall[cpu], watchdogGrace) : nextcall[cpu];
            if (t < m) {
                m = t;
            }
        }
        return m;
    }

    /**
     * The callout part of {@code handleevents(now)} for every CPU: a CPU whose window has opened
     * ({@code now >= nextcallopt}) or closed ({@code now >= nextcall}) gets {@code callout_process(now)};
     * a clock that runs softclock inline then drains its expire queue on this thread. A self-driven
     * CPU is left to its softclock thread until its deadline is {@link #WATCHDOG_GRACE} overdue.
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
                if (selfDriven[cpu] && now < Sbt.add(nextcall[cpu], watchdogGrace)) {
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
