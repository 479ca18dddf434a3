package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_1S;

import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.wheel.internal.IpiChannel;
import org.kcallout.et.KernEt;

/**
 * The second layer of {@link EventTimerClock} (see {@link ClockTimer}): {@code kern_clocksource.c}'s
 * interrupt handling. Ports {@code timercb}, {@code handleevents}, kern_clock.c's
 * {@code hardclock} tick bookkeeping ({@code pcputicks} and the global {@code ticks}), the
 * {@code IPI_HARDCLOCK} handler {@code hardclockintr} with {@code doconfigtimer},
 * {@code cpu_new_callout}, {@code cpu_idleclock} and {@code cpu_activeclock}; and the inline
 * softclock that a virtual time base runs on the interrupt's thread.
 *
 * <h2>Global and per-CPU timers</h2>
 * A global timer's interrupt is taken by one CPU, which marks every CPU whose {@code nextevent}
 * has passed, pushes that {@code nextevent} one second ahead so that a lost IPI cannot cause a
 * storm of interrupts, handles its own events, and sends {@code IPI_HARDCLOCK} to the marked ones.
 * A per-CPU timer's interrupt concerns its CPU only. A callout for another CPU of a per-CPU timer
 * sets that CPU's {@code handle} and sends it an IPI ({@code cpu_new_callout}).
 */
abstract class ClockInterrupts extends ClockTimer {
    /* Implementation notes.
     *
     * The lock order and the guard of every field of the state are in ClockTimer. The fields
     * here: inlineSoftclock, autoIdle and hooks are final; idletick is the sysctl
     * kern.eventtimer.idletick, volatile, written by anyone (ClockControl.setIdletick) and read
     * racily as in C. Per CPU, intrLock makes handleevents exclusive, softLock and softPending
     * serialise inline softclock (see ClockPcpu).
     *
     * Nothing here allocates on the interrupt path (timercb, handleevents, cpuNewCallout): the
     * interrupt context is a thread-local int[] made once per thread, counters are fields, and
     * timercb and the deregister callback are bound once (ClockControl.TIMERCB, DEREGISTER).
     *
     * Differences from FreeBSD, each deliberate:
     *  - events of a timer the clock no longer uses are ignored (C cannot get them);
     *  - the hardclock catch-up loops are closed-form (same result, O(1) after a long gap);
     *  - callout_process never sees time go backwards on a CPU (see handleevents). */

    final boolean inlineSoftclock;
    private final boolean autoIdle;
    private final EventTimerClock.Hooks hooks;
    volatile boolean idletick;       // sysctl: written by anyone, read racily as in C

    ClockInterrupts(EventTimerClock.Builder b) {
        super(b);
        this.inlineSoftclock = b.inlineSoftclock != null ? b.inlineSoftclock : b.timebase != null;
        this.autoIdle = b.autoIdle;
        this.hooks = b.hooks;
        this.idletick = b.idletick;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* timercb, handleevents                                                                     */

    /**
     * {@code timercb}: the driver's event, in the interrupt context of the CPU that takes it (a
     * PERCPU timer's instance {@code cpu}; for a global timer the CPU the driver names, else CPU
     * 0). Ignored while busy or if it comes from a timer no longer in use. A global timer's
     * interrupt sets every CPU's {@code now}, pushes every {@code nextevent} that has passed one
     * second ahead (so that the timer is never reloaded for an event already due: no interrupt
     * storm while the IPIs are on their way) and marks those CPUs but the interrupted one; then it
     * handles the interrupted CPU (followed by inline softclock and, with autoIdle, a return to
     * idle) and sends {@code IPI_HARDCLOCK} to the marked CPUs, whose {@link #hardclockintr} handles
     * their events at this interrupt's {@code now}. A PERCPU timer's interrupt concerns its CPU only.
     *
     * @throws IllegalArgumentException if a PERCPU timer names a CPU this clock does not have
     */
    final void timercb(EventTimer et, int cpu) {
        if (busy || et != timer) {
            return;
        }
        boolean percpu = et.perCpu();
        int cur;
        if (percpu) {
            if (cpu < 0 || cpu >= pcpu.length) {
                throw new IllegalArgumentException("timercb: per-CPU timer " + et.name() + " fired for cpu " + cpu
                        + ", but the clock has CPUs [0, " + pcpu.length + ")");
            }
            cur = cpu;
        } else {
            cur = cpu >= 0 && cpu < pcpu.length ? cpu : 0;
        }
        long now = sbinuptime();
        boolean bcast = false;
        hwLock.lock();
        try {
            if (busy || et != timer) {
                return;
            }
            interrupts++;
            ClockPcpu st = pcpu[cur];
            long next = periodic ? Sbt.add(now, timerperiod) : -1;
            if (percpu) {
                st.nexttick = next;
            } else {
                nexttick = next;
            }
            st.now = now;
            if (!percpu) {
                // Prepare the broadcast to the other CPUs (smp_started: always, every CPU is up).
                for (ClockPcpu other : pcpu) {
                    other.now = now;
                    if (now >= other.nextevent) {
                        other.nextevent = Sbt.add(other.nextevent, SBT_1S); // anti-storm
                        if (other.cpu != cur) {
                            other.ipi = true;
                            bcast = true;
                        }
                    }
                }
            }
        } finally {
            hwLock.unlock();
        }
        int prev = enterInterrupt(cur);
        try {
            interruptCpu(cur, now);
        } finally {
            exitInterrupt(prev);
        }
        if (bcast) {
            for (ClockPcpu other : pcpu) {
                if (other.cpu == cur) {
                    continue;
                }
                boolean send;
                hwLock.lock();
                try {
                    send = other.ipi;
                    other.ipi = false;
                } finally {
                    hwLock.unlock();
                }
                if (send) {
                    ipis.send(other.cpu, IpiChannel.IPI_HARDCLOCK);
                }
            }
        }
    }

    /** One CPU's share of an interrupt: handleevents, inline softclock, back to idle. In its context. */
    private void interruptCpu(int cpu, long now) {
        boolean work = handleevents(cpu, now, 0);
        if (inlineSoftclock) {
            runSoftclock(cpu);
        }
        if (autoIdle && (inlineSoftclock || !work)) {
            cpuIdleclock(cpu); // FreeBSD's idle thread: nothing left to run on this CPU
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* IPIs: hardclockintr, doconfigtimer                                                        */

    /** An IPI for {@code cpu}, delivered by {@link ClockIpis} in that CPU's interrupt context. */
    @Override
    final void ipi(int cpu, int kind) {
        if (kind != IpiChannel.IPI_HARDCLOCK) {
            throw new IllegalStateException("IPI for CPU " + cpu + ": unknown kind " + kind);
        }
        hardclockintr(cpu);
    }

    /**
     * {@code hardclockintr}: the {@code IPI_HARDCLOCK} handler of {@code cpu}. A reconfiguration
     * request or an immediate-handling request ({@link #doconfigtimer}) is served first and ends it;
     * otherwise, unless busy, the CPU handles its events at the time of the global interrupt that
     * marked it ({@code state.now}).
     */
    void hardclockintr(int cpu) {
        ClockPcpu st = pcpuOf("hardclockintr", cpu);
        int prev = enterInterrupt(cpu);
        try {
            hwLock.lock();
            try {
                st.hardclockIntrs++;
            } finally {
                hwLock.unlock();
            }
            if (doconfigtimer(st) || busy) {
                return;
            }
            long now;
            hwLock.lock();
            try {
                now = st.now;
            } finally {
                hwLock.unlock();
            }
            interruptCpu(cpu, now);
        } finally {
            exitInterrupt(prev);
        }
    }

    /**
     * {@code doconfigtimer}: serves {@code st}'s requests in its own context: {@code action} 1
     * (re)starts its timer instance ({@code loadtimer(now, 1)}), 2 stops it; either clears
     * {@code handle} and acknowledges by clearing {@code action}. Else a {@code handle} request runs
     * {@code handleevents(sbinuptime(), 0)} unless busy.
     *
     * @return true if a request was served
     */
    private boolean doconfigtimer(ClockPcpu st) {
        boolean handle;
        hwLock.lock();
        try {
            // action is read under hwLock (C: an acquire load with interrupts off): two deliveries
            // of this CPU's IPIs on different threads (virtual time) cannot both apply it.
            int action = st.action;
            switch (action) {
                case 0:
                    break;
                case 1:
                    loadtimer(st, sbinuptime(), true);
                    break;
                case 2:
                    KernEt.on(registry).et_stop(timer, st.cpu);
                    break;
                default:
                    throw new IllegalStateException("doconfigtimer: CPU " + st.cpu + " has action " + action
                            + "; legal actions are 0 (none), 1 (start) and 2 (stop)");
            }
            if (action != 0) {
                st.handle = false;
                st.action = 0; // the acknowledgement: a volatile write after the timer was programmed
                return true;
            }
            handle = st.handle; // atomic_readandclear_int
            st.handle = false;
        } finally {
            hwLock.unlock();
        }
        if (handle && !busy) {
            interruptCpu(st.cpu, sbinuptime());
            return true;
        }
        return false;
    }

    /** {@return the number of IPI_HARDCLOCKs {@code cpu} has handled} */
    long hardclockIntrs(int cpu) {
        hwLock.lock();
        try {
            return pcpuOf("hardclockIntrs", cpu).hardclockIntrs;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return true if an IPI is pending for {@code cpu}} (a snapshot; for tests) */
    boolean ipiPending(int cpu) {
        return ipis.pending(pcpuOf("ipiPending", cpu).cpu);
    }

    /**
     * Virtual time: delivers the pending IPIs on the calling thread, CPU by CPU in CPU order, until
     * none is left ({@link ClockIpis#deliverPending()}). Called by {@link VirtualTimebase} before
     * each step; does nothing in real time or before the clock is attached.
     *
     * @return the number delivered
     */
    final int deliverIpis() {
        ClockIpis i = ipis;
        return layer == null || i == null ? 0 : i.deliverPending();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* handleevents, hardclock's tick bookkeeping, inline softclock                              */


    /**
     * {@code handleevents(now, fake)} on {@code cpu}: hardclock, statclock and profclock for the
     * slots that have passed, {@code callout_process} if the callout window opened or closed, then
     * the next event and the timer. {@code fake}: 0 a real interrupt, 1 leaving idle, 2 AP start
     * (no clock ticks run, only the state catches up).
     *
     * @return true if callouts wait for softclock
     */
    boolean handleevents(int cpu, long now, int fake) {
        ClockPcpu st = pcpuOf("handleevents", cpu);
        st.intrLock.lock();
        try {
            if (now < st.lastHandled) {
                // Another thread handled this CPU at a later time meanwhile: time never goes
                // backwards for callout_process.
                now = st.lastHandled;
            }
            st.lastHandled = now;
            long hardRuns;
            long statRuns;
            long profRuns = 0;
            boolean callouts;
            hwLock.lock();
            try {
                long tick = layer.tickSbt(); // decided once, stored by the callout layer
                hardRuns = runs(now, st.nexthard, tick);
                if (hardRuns > 0) {
                    st.nexthard += hardRuns * tick;
                    st.hardclocktime = st.nexthard - tick;
                    if (fake < 2) {
                        hardclockLocked(st, hardRuns);
                    }
                }
                statRuns = runs(now, st.nextstat, statperiod);
                st.nextstat += statRuns * statperiod;
                if (statRuns > 0 && fake < 2) {
                    st.statclockRuns += statRuns;
                } else {
                    statRuns = 0;
                }
                if (profiling > 0) {
                    profRuns = runs(now, st.nextprof, profperiod);
                    st.nextprof += profRuns * profperiod;
                    if (profRuns > 0 && fake == 0) {
                        st.profclockRuns += profRuns;
                    } else {
                        profRuns = 0;
                    }
                } else {
                    st.nextprof = st.nextstat;
                }
                callouts = st.window.isOpen(now);
                if (callouts) {
                    st.window.clear();
                    st.calloutScans++;
                }
            } finally {
                hwLock.unlock();
            }
            if (hardRuns > 0 && fake < 2) {
                hooks.hardclock(cpu, saturatedInt(hardRuns));
            }
            if (statRuns > 0) {
                hooks.statclock(cpu, saturatedInt(statRuns));
            }
            if (profRuns > 0) {
                hooks.profclock(cpu, saturatedInt(profRuns));
            }
            // callout_process reports the next window back through cpuNewCallout.
            boolean work = callouts && layer.calloutProcess(cpu, now, false);
            hwLock.lock();
            try {
                long t = getnextcpuevent(st, false);
                if (!busy) {
                    st.idle = false;
                    st.nextevent = t;
                    loadtimer(st, now, fake == 2 && timer.perCpu()); // an AP starts its PERCPU timer
                }
            } finally {
                hwLock.unlock();
            }
            return work;
        } finally {
            st.intrLock.unlock();
        }
    }


    private static int saturatedInt(long v) {
        return (int) Math.min(v, Integer.MAX_VALUE);
    }

    /**
     * kern_clock.c's {@code hardclock} tick bookkeeping: the CPU's private counter advances by
     * {@code cnt}; the global {@code ticks} is moved up to it by CAS only if the CPU got ahead, and a
     * CPU that fell more than one tick behind is pulled up to just behind the global. All counters
     * wrap as C ints. hwLock held.
     */
    private void hardclockLocked(ClockPcpu st, long cnt) {
        st.hardclockCalls++;
        st.hardclockRuns += cnt;
        st.pcputicks += (int) cnt; // wraps, as C's int
        int global = ticks.get();
        for (;;) {
            int newticks = st.pcputicks - global;
            if (newticks <= 0) {
                if (newticks < -1) {
                    st.pcputicks = global - 1;
                }
                return;
            }
            if (ticks.compareAndSet(global, st.pcputicks)) {
                return;
            }
            global = ticks.get();
        }
    }

    /**
     * Runs {@code cpu}'s expire queue on this thread (inline softclock). If another thread is
     * running it, asks that thread to run it once more and returns; a handler that ends up here on
     * its own thread likewise leaves the work to the run it is part of.
     */
    private void runSoftclock(int cpu) {
        ClockPcpu st = pcpu[cpu];
        st.softPending = true;
        if (st.softLock.isHeldByCurrentThread()) {
            return; // inside a handler of this very run: the loop below picks the work up
        }
        for (;;) {
            if (!st.softLock.tryLock()) {
                return; // the holder re-checks softPending after it unlocks
            }
            try {
                while (st.softPending) {
                    st.softPending = false;
                    layer.softclock(cpu);
                }
            } finally {
                st.softLock.unlock();
            }
            if (!st.softPending) {
                return;
            }
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* cpu_new_callout and the wheel's view                                                      */

    /**
     * {@code cpu_new_callout(cpu, bt, bt_opt)}; called with the CPU's callout lock held. In
     * one-shot mode, a deadline earlier than the CPU's {@code nextevent} reprograms a global timer
     * from here, and a PERCPU timer of the current CPU too; a PERCPU timer of another CPU is left to
     * that CPU: its {@code handle} is set and it gets an {@code IPI_HARDCLOCK}.
     */
    @Override
    void cpuNewCallout(int cpu, long bt, long btOpt) {
        if (busy) {
            return; // reconfiguring: configtimer(1) makes the first interrupt rescan
        }
        ClockPcpu st = pcpu[cpu];
        hwLock.lock();
        try {
            if (busy) {
                return;
            }
            if (!st.window.report(bt, btOpt)) {
                return;
            }
            if (bt >= st.nextevent) {
                return;
            }
            st.nextevent = bt;
            if (periodic) {
                return; // never reprogram: the next periodic interrupt at or after nextcallopt scans
            }
            if (!timer.perCpu() || cpu == curcpu()) {
                loadtimer(st, sbinuptime(), false); // a global timer, or this CPU's own: from here
                return;
            }
            st.handle = true; // another CPU's timer: that CPU reprograms it in its own context
        } finally {
            hwLock.unlock();
        }
        ipis.send(cpu, IpiChannel.IPI_HARDCLOCK); // after the unlock, as C does; never blocks
    }

    @Override
    boolean runsSoftclock() {
        return inlineSoftclock;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* cpu_idleclock, cpu_activeclock                                                            */

    /**
     * {@code cpu_idleclock()}: {@code cpu} is about to idle, so it may skip hardclock ticks until
     * {@link #cpuActiveclock} or its next event (an idle CPU wakes every {@code hz/2} ticks, or
     * earlier for a callout). In one-shot mode the timer is reprogrammed for the later event.
     *
     * @param cpu the CPU
     * @return -1 if ticks may not be skipped ({@code idletick}, reconfiguring, or a per-CPU timer in
     *         periodic mode: its ticks cannot be skipped, there is nothing to reprogram); else the
     *         time until the CPU's next event, {@code >= 0}
     */
    public long cpuIdleclock(int cpu) {
        ClockPcpu st = pcpuOf("cpu_idleclock", cpu);
        if (idletick || busy || (periodic && timer.perCpu())) {
            return -1;
        }
        hwLock.lock();
        try {
            if (busy || (periodic && timer.perCpu())) {
                return -1;
            }
            long now = idleNow(st);
            long t = getnextcpuevent(st, true);
            st.idle = true;
            st.nextevent = t;
            if (!periodic) {
                loadtimer(st, now, false);
            }
            return Math.max(t - now, 0);
        } finally {
            hwLock.unlock();
        }
    }

    /**
     * {@code cpu_activeclock()}: {@code cpu} leaves idle: the ticks it skipped are run
     * ({@code handleevents(now, 1)}), due callouts too, and it wakes for every tick again. Does
     * nothing if the CPU is not idle.
     *
     * @param cpu the CPU
     */
    public void cpuActiveclock(int cpu) {
        ClockPcpu st = pcpuOf("cpu_activeclock", cpu);
        if (!st.idle || busy) {
            return;
        }
        int prev = enterInterrupt(cpu); // C: the CPU itself, with interrupts off
        try {
            st.intrLock.lock();
            try {
                long now;
                hwLock.lock();
                try {
                    if (!st.idle || busy) {
                        return;
                    }
                    now = idleNow(st);
                } finally {
                    hwLock.unlock();
                }
                handleevents(cpu, now, 1);
            } finally {
                st.intrLock.unlock();
            }
            if (inlineSoftclock) {
                runSoftclock(cpu);
            }
        } finally {
            exitInterrupt(prev);
        }
    }
}
