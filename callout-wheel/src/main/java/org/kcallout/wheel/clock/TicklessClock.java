package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.Sbt;

/**
 * A one-shot, tickless clock model shared by {@link VirtualTicklessClock} and
 * {@link RealTimeTicklessClock}: each CPU's callouts are processed at the latest acceptable time of its
 * next window ({@code nextcall}), or earlier if an interrupt happens anyway after the window's start
 * ({@code nextcallopt}); there are no hardclock interrupts. A clock may give each CPU a thread
 * of its own that keeps time for that CPU and runs its softclock (a <em>self-driven</em> CPU, see
 * {@link #selfDrive(int)}); the thread that delivers events then only watches those CPUs.
 */
abstract class TicklessClock extends ClockSource {
    /* Implementation notes: the windows (CalloutWindow) and selfDriven are guarded by this object's
     * monitor. Lock order: CPU lock, then this monitor (cpuNewCallout is called under a CPU lock);
     * handleEvents and processIfDue never hold the monitor while they call into the callout layer.
     *
     * Self-driven CPUs: a CPU's own thread waits for the CPU's nextcall, runs callout_process
     * itself and then the expire queue, so the common path has no hand-off between threads. The
     * thread that delivers events then only watches: it processes a self-driven CPU once its
     * nextcall is watchdogGrace overdue (the CPU's thread is running a long handler, or was
     * descheduled), and wakes the CPU's thread to run what it expired. Whoever clears nextcall
     * under the monitor processes; callout_process itself refuses to nest, so the two can never
     * scan one CPU at once. */

    /**
     * How overdue a self-driven CPU's deadline must be before the thread that delivers events
     * processes it (sbintime); only a clock with self-driven CPUs uses it.
     */
    final long watchdogGrace;

    /** Per CPU: the next callout window; guarded by this. */
    @GuardedBy("this")
    private CalloutWindow[] windows;
    /** Per CPU: true once its own thread keeps time for it; guarded by this. */
    @GuardedBy("this")
    private boolean[] selfDriven;
    /**
     * Bumped whenever a self-driven CPU's deadline moves earlier, so that a CPU thread spinning
     * towards the old deadline looks again. Benign lost updates: any change is enough.
     */
    volatile int selfKicks;

    TicklessClock(long watchdogGrace) {
        this.watchdogGrace = watchdogGrace;
    }

    @Override
    final synchronized void onAttach(int ncpus) {
        windows = new CalloutWindow[ncpus];
        selfDriven = new boolean[ncpus];
        for (int cpu = 0; cpu < ncpus; cpu++) {
            windows[cpu] = new CalloutWindow();
        }
    }

    @Override
    // selfKicks++ is a statistic read by tests for "changed", which a lost update still satisfies.
    @SuppressWarnings("NonAtomicVolatileUpdate")
    final void cpuNewCallout(int cpu, long bt, long btOpt) {
        boolean earlier;
        boolean self;
        synchronized (this) {
            if (!windows[cpu].report(bt, btOpt)) {
                return;
            }
            self = selfDriven[cpu];
            earlier = isEarlierThanProgrammed(self ? Sbt.add(bt, watchdogGrace) : bt);
        }
        if (self) {
            selfKicks++; // see the field: a lost update still changes the value
            kickCpu(cpu);
        }
        if (earlier) {
            wakeUp();
        }
    }

    /**
     * Wakes {@code cpu}'s own thread (a self-driven CPU): its deadline moved earlier. Called without
     * this monitor, possibly with the CPU's callout lock held.
     *
     * @param cpu the CPU
     */
    void kickCpu(int cpu) {
    }

    /**
     * Asks {@code cpu}'s own thread to run its softclock: the watchdog processed the CPU and left
     * work in its expire queue. Called without this monitor or any callout lock.
     *
     * @param cpu the CPU
     */
    void kickSoftclock(int cpu) {
    }

    /**
     * Called by {@code cpu}'s own thread each time it is about to wait: marks the CPU self-driven
     * and returns its current deadline.
     *
     * @param cpu the CPU
     * @return its {@code nextcall}, or SBT_MAX
     */
    final synchronized long selfDrive(int cpu) {
        selfDriven[cpu] = true;
        return windows[cpu].nextcall;
    }

    /**
     * A CPU thread's own interrupt: if {@code cpu}'s deadline has come (or, when
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
            CalloutWindow w = windows[cpu];
            if (opportunistic ? !w.isOpen(now) : now < w.nextcall) {
                return false;
            }
            w.clear();
        }
        onSelfDrivenEvent();
        layer.calloutProcess(cpu, now, true, true); // the calling thread is the CPU's softclock
        return true;
    }

    /**
     * For a clock that processes each CPU on a thread of its own when time reaches its window:
     * if {@code cpu}'s window has opened by {@code now}, clears it and returns true (the caller then
     * runs {@code callout_process(now)} for it).
     *
     * @param cpu the CPU
     * @param now the time of the interrupt
     * @return true if the CPU is due
     */
    final synchronized boolean takeDue(int cpu, long now) {
        CalloutWindow w = windows[cpu];
        if (!w.isOpen(now)) {
            return false;
        }
        w.clear();
        return true;
    }

    /** Hook: a CPU's own thread processed its deadline itself (for interrupt counts). */
    void onSelfDrivenEvent() {
    }

    @Override
    public final synchronized long nextcall(int cpu) {
        checkCpu("nextcall", cpu);
        return windows[cpu].nextcall;
    }

    @Override
    public final synchronized long nextcallopt(int cpu) {
        checkCpu("nextcallopt", cpu);
        return windows[cpu].nextcallopt;
    }

    /**
     * The earliest time the event thread must act: the earliest {@code nextcall} of a CPU it drives,
     * or the watchdog time of a self-driven one; SBT_MAX if none. Guarded by this.
     */
    @GuardedBy("this")
    final long earliestLocked() {
        long m = SBT_MAX;
        for (int cpu = 0; cpu < windows.length; cpu++) {
            long nc = windows[cpu].nextcall;
            long t = selfDriven[cpu] ? Sbt.add(nc, watchdogGrace) : nc;
            if (t < m) {
                m = t;
            }
        }
        return m;
    }

    /**
     * The callout part of {@code handleevents(now)} for every CPU: a CPU whose window has opened
     * ({@code now >= nextcallopt}) or closed ({@code now >= nextcall}) gets {@code callout_process(now)};
     * a clock that runs softclock inline then drains its expire queue on this thread, and a
     * self-driven CPU's thread is woken to drain it. A self-driven CPU is left to its own thread
     * until its deadline is {@link #watchdogGrace} overdue.
     *
     * @param now the time of the interrupt
     * @return the number of CPUs processed
     */
    final int handleEvents(long now) {
        int processed = 0;
        // Unlocked read of the array's length: onAttach sets windows once, before any event.
        @SuppressWarnings("GuardedBy")
        int ncpus = windows.length;
        for (int cpu = 0; cpu < ncpus; cpu++) {
            synchronized (this) {
                CalloutWindow w = windows[cpu];
                if (!w.isOpen(now)) {
                    continue;
                }
                if (selfDriven[cpu] && now < Sbt.add(w.nextcall, watchdogGrace)) {
                    continue;
                }
                w.clear();
            }
            processed++;
            boolean work = layer.calloutProcess(cpu, now, false, runsSoftclockInline());
            if (work) {
                kickSoftclock(cpu); // its own thread runs the queue (after the handler it may be running)
            }
        }
        return processed;
    }

    /**
     * True if softclock runs on the thread that delivers events (virtual time); false if each CPU
     * has a thread of its own that runs it ({@link #kickCpu}).
     *
     * @return where softclock runs
     */
    abstract boolean runsSoftclockInline();

    @Override
    final boolean runsSoftclock() {
        return true; // inline, or on each CPU's own thread: either way, not the callout layer's
    }

    /** Called under this monitor: would an event at {@code bt} need the driver to wake earlier? */
    @GuardedBy("this")
    abstract boolean isEarlierThanProgrammed(long bt);

    /** Called without locks after {@link #isEarlierThanProgrammed} said yes. */
    abstract void wakeUp();
}
