package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;
import org.kcallout.wheel.internal.IpiChannel;
import org.kcallout.wheel.seam.CalloutLayer;
import org.kcallout.wheel.seam.ClockPort;

/**
 * The interrupt side of {@link EventTimerClock}: {@code kern_clocksource.c}'s hardware lock and
 * per-CPU state, and the functions that run under it or from the timer's interrupt
 * ({@code setuptimer}, {@code configtimer}, {@code loadtimer}, {@code timercb},
 * {@code handleevents}, {@code getnextcpuevent}, {@code getnextevent}, {@code cpu_new_callout},
 * {@code cpu_idleclock}, {@code cpu_activeclock}, and the IPI side: {@code hardclockintr},
 * {@code doconfigtimer}). {@link EventTimerClock} keeps the control side (selection, switching,
 * rates, sysctls) under {@code ET_LOCK} and calls in here; {@link ClockIpis} delivers the IPIs.
 *
 * <h2>Global and per-CPU timers</h2>
 * A global timer has one instance: its interrupt is taken by one CPU (the CPU the driver names in
 * {@code fire(cpu)}, else CPU 0, as an interrupt routed to the boot CPU), which marks every CPU
 * whose {@code nextevent} has passed, pushes that {@code nextevent} one second ahead so that a
 * lost IPI cannot cause a storm of interrupts, handles its own events, and sends
 * {@code IPI_HARDCLOCK} to the marked ones. A per-CPU timer ({@code ET_FLAGS_PERCPU}) has one
 * instance per CPU: every {@code et_start}/{@code et_stop} names the CPU whose instance it programs,
 * and only that CPU's interrupt context programs it, except during {@code configtimer}'s own
 * CPU step. A callout for another CPU sets that CPU's {@code handle} and sends it an IPI
 * ({@code cpu_new_callout}); {@code configtimer} posts {@code action} 1 or 2 to every other CPU,
 * broadcasts the IPI and waits for every acknowledgement.
 *
 * <h2>The current CPU</h2>
 * A thread handling a CPU's interrupt or IPI is on that CPU (a thread-local set for the duration);
 * any other thread is on {@code CalloutWheel.curcpu()}.
 */
final class ClockEvents {
    /* Implementation notes.
     *
     * Locks, in acquisition order (the whole clock source's order; ET_LOCK is EventTimerClock's):
     *   1. ClockPcpu.intrLock (per CPU): "interrupts disabled" while handleevents runs for it.
     *   2. ET_LOCK (the registry's mutex), or a CPU's callout lock: never both at once here.
     *      The wheel calls cpuNewCallout with a CPU lock held; configtimer runs under ET_LOCK.
     *   3. hwLock: et_hw_mtx. Guards every ClockPcpu field its table names, and here nexttick,
     *      timerperiod, statperiod, profperiod, started, the interrupt count and every
     *      et_start/et_stop (the registry requires the consumer to serialise them). timer,
     *      periodic, busy and profiling are written under it (and under ET_LOCK by
     *      EventTimerClock's callers), so a reader holding either sees a stable value.
     *      One lock serves PERCPU timers too, where C has a mutex per CPU: that only spares real
     *      CPUs cross-CPU contention, and one lock keeps a switch between a global and a PERCPU
     *      timer (which changes which mutex C's ET_HW_LOCK means) free of any change of guard.
     *   4. the driver's own monitor, inside et_start/et_stop.
     *   Leaf: ClockIpis' per-CPU poll lock (virtual time), held only to take an IPI off a queue.
     * Nothing calls into the wheel (calloutProcess, softclock) with hwLock or ET_LOCK held, and
     * handlers run without any of these locks (inline softclock runs after intrLock is released;
     * direct handlers run inside calloutProcess, under intrLock only, and must not block). Hooks
     * run under intrLock only. IPIs are posted after hwLock is released (as C does), and posting
     * never blocks, so cpuNewCallout may post with a callout lock held. configtimer waits for
     * acknowledgements holding ET_LOCK but not hwLock, which the acknowledging CPUs need.
     *
     * Unlocked reads, as C makes them: busy and timer are volatile and read once at the entry of
     * timercb and cpuNewCallout, then re-checked under hwLock (C does not re-check; doing so closes
     * the window where a callout arm reprograms a timer that configtimer(0) just stopped).
     * pcpu, ipis and wheel are written once by attach, before the wheel starts any thread or
     * returns to its builder, and only read afterwards (a time base that delivers IPIs before the
     * clock is attached finds ipis null and delivers nothing).
     *
     * Interrupt contexts: see ClockIpis (virtual time: the advancing thread; real time: the
     * driver's threads for timer interrupts and one IPI thread per CPU). intrCpu is the
     * thread-local "curcpu" of whoever is in a CPU's interrupt context; curcpu() falls back to the
     * wheel's rule. timercb, hardclockintr and cpu_activeclock set it around their work (nested:
     * each restores what it found).
     *
     * Differences from FreeBSD, each deliberate:
     *  - one et_hw_mtx for all CPUs (see the lock order above);
     *  - configtimer's wait for acknowledgements is bounded (ClockIpis: C spins forever);
     *  - events of a timer the clock no longer uses are ignored (C cannot get them);
     *  - the hardclock catch-up loops are closed-form (same result, O(1) after a long gap);
     *  - hardclocktime() and ticks() of an idle CPU report what cpu_activeclock would set, because
     *    a thread that reads them here is not running on that CPU and did not wake it;
     *  - callout_process never sees time go backwards on a CPU (see handleevents). */

    private final EventTimers registry;
    private final LongSupplier timecounter;
    private final boolean inlineSoftclock;
    private final boolean autoIdle;
    private final int tcMinTicktockFreq;
    private final EventTimerClock.Hooks hooks;
    private final boolean virtualIpis;
    private final long ackTimeoutNanos;
    private final ReentrantLock hwLock = new ReentrantLock();
    /** The CPU whose interrupt context the calling thread is in, -1 if none: see the notes. */
    private final ThreadLocal<int[]> intrCpu = ThreadLocal.withInitial(() -> new int[] {-1});
    /** The global {@code ticks}; advanced by CAS in hardclockLocked. */
    private final AtomicInteger ticks;

    private CalloutLayer layer;              // attach, once
    private ClockPort port;                  // attach, once: names this clock to its CPU threads
    private ClockPcpu[] pcpu;                // attach, once
    private ClockIpis ipis;                  // attach, once
    private volatile EventTimer timer;       // hwLock (+ ET_LOCK) for writes
    private volatile boolean periodic;       // hwLock (+ ET_LOCK) for writes
    private volatile boolean busy = true;    // hwLock for writes; true until configtimer(1)
    private volatile boolean idletick;       // sysctl: written by anyone, read racily as in C
    private volatile ClockRates.Rates rates; // setRates, once, before start
    private volatile long tickSbt;           // setRates, once, before start
    private int profiling;                   // hwLock (+ ET_LOCK) for writes
    private boolean started;                 // hwLock
    private long timerperiod;                // hwLock
    private long statperiod;                 // hwLock
    private long profperiod;                 // hwLock
    private long nexttick = -1;              // hwLock: the global timer's programmed event, -1 none
    private long interrupts;                 // hwLock

    ClockEvents(EventTimers registry, LongSupplier timecounter, boolean inlineSoftclock, boolean autoIdle,
                int tcMinTicktockFreq, EventTimerClock.Hooks hooks, int ticksAtStart, boolean idletick,
                boolean virtualIpis, long ackTimeoutNanos) {
        this.registry = registry;
        this.timecounter = timecounter;
        this.inlineSoftclock = inlineSoftclock;
        this.autoIdle = autoIdle;
        this.tcMinTicktockFreq = tcMinTicktockFreq;
        this.hooks = hooks;
        this.ticks = new AtomicInteger(ticksAtStart);
        this.idletick = idletick;
        this.virtualIpis = virtualIpis;
        this.ackTimeoutNanos = ackTimeoutNanos;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Set-up and reconfiguration (called by EventTimerClock under ET_LOCK)                      */

    /** Binds the wheel and the per-CPU states and installs the first timer; once, before start. */
    void attach(CalloutLayer w, ClockPort p, int ncpus, EventTimer et, boolean periodicMode) {
        ClockPcpu[] states = new ClockPcpu[ncpus];
        for (int i = 0; i < ncpus; i++) {
            states[i] = new ClockPcpu(i, SBT_MAX);
        }
        ClockIpis channel = new ClockIpis(this, ncpus, virtualIpis, ackTimeoutNanos);
        hwLock.lock();
        try {
            layer = w;
            port = p;
            pcpu = states;
            ipis = channel;
            timer = et;
            periodic = periodicMode;
        } finally {
            hwLock.unlock();
        }
    }

    /** Installs the rates of cpu_initclocks_bsp; once, before start. */
    void setRates(ClockRates.Rates r) {
        hwLock.lock();
        try {
            rates = r;
            tickSbt = SBT_1S / r.hz();
            statperiod = SBT_1S / r.stathz();
            profperiod = SBT_1S / r.profhz();
        } finally {
            hwLock.unlock();
        }
    }

    /** Switches to {@code et} in the wanted mode (setuptimer adapts it); the timer must be stopped (busy). */
    void install(EventTimer et, boolean periodicMode) {
        hwLock.lock();
        try {
            assert busy : "install: reconfigure only between configtimer(0) and configtimer(1)";
            timer = et;
            periodic = periodicMode;
        } finally {
            hwLock.unlock();
        }
    }

    /** "Adapt to timer capabilities": the mode {@code et} can actually run. */
    static boolean adaptMode(EventTimer et, boolean periodicMode) {
        if (periodicMode && (et.flags() & EventTimer.ET_FLAGS_PERIODIC) == 0) {
            return false;
        }
        if (!periodicMode && (et.flags() & EventTimer.ET_FLAGS_ONESHOT) == 0) {
            return true;
        }
        return periodicMode;
    }

    /** Sets the profiling reference count (the caller reconfigures around it in periodic mode). */
    void setProfiling(int n) {
        hwLock.lock();
        try {
            profiling = n;
        } finally {
            hwLock.unlock();
        }
    }

    /** Writes {@code kern.eventtimer.idletick}. */
    void setIdletick(boolean on) {
        idletick = on;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* setuptimer, configtimer, loadtimer, getnextevent, getnextcpuevent                         */

    /** {@code setuptimer}: adapts the mode to the timer and computes {@code timerperiod}. hwLock held. */
    private void setuptimer() {
        assert hwLock.isHeldByCurrentThread();
        EventTimer et = timer;
        periodic = adaptMode(et, periodic);
        timerperiod = SBT_1S / ClockRates.timerFrequency(et, rates, profiling > 0);
    }

    /**
     * {@code configtimer(start)}: start initialises every CPU's schedule one timer period from now
     * (so the first interrupt scans the callouts whatever was reported while busy), clears busy and
     * loads the timer; stop sets busy and stops the timer. For a global timer that is all. For a
     * PERCPU timer this does it for the calling CPU's instance only and then has every other CPU do
     * it for its own: {@code action} 1 (start) or 2 (stop), a broadcast {@code IPI_HARDCLOCK}, and a
     * wait until every CPU has acknowledged. Called with ET_LOCK held.
     *
     * @throws IllegalStateException if a CPU does not acknowledge in time (real time)
     */
    void configtimer(boolean start) {
        assert registry.etLock().owned();
        assert !hwLock.isHeldByCurrentThread() : "configtimer waits for other CPUs, which need hwLock";
        if (start) {
            ipis.startThreads(port); // real time: the CPUs' IPI threads, before the first IPI
        }
        long now = start ? sbinuptime() : 0;
        int self = curcpu();
        boolean percpu;
        hwLock.lock();
        try {
            percpu = timer.perCpu();
            if (start) {
                setuptimer();
                long next = Sbt.add(now, timerperiod);
                nexttick = periodic ? next : -1;
                int t = ticks.get();
                for (ClockPcpu st : pcpu) {
                    st.now = now;
                    st.nextevent = next;
                    st.nexttick = periodic ? next : -1;
                    st.nexthard = next;
                    st.nextstat = next;
                    st.nextprof = next;
                    st.nextcall = next;
                    st.nextcallopt = next;
                    st.pcputicks = t; // hardclock_sync
                }
                busy = false;
                started = true;
                loadtimer(pcpu[self], now, true); // the global timer, or this CPU's instance
            } else {
                busy = true;
                // Result ignored, as configtimer does: the global timer, or this CPU's instance.
                KernEt.on(registry).et_stop(timer, percpu ? self : EventTimer.NOCPU);
            }
        } finally {
            hwLock.unlock();
        }
        if (!percpu || pcpu.length == 1) {
            return;
        }
        int action = start ? 1 : 2;
        for (ClockPcpu st : pcpu) {
            st.action = st.cpu == self ? 0 : action; // volatile: published before the IPI is posted
        }
        for (ClockPcpu st : pcpu) {
            if (st.cpu != self) {
                ipis.send(st.cpu, IpiChannel.IPI_HARDCLOCK); // ipi_all_but_self
            }
        }
        ipis.awaitAcks(pcpu, self);
    }

    /**
     * {@code loadtimer(now, start)} for {@code st}'s CPU: periodic mode programs the timer only
     * when starting, aligned to the period ({@code first = period - now % period}, one more period
     * if less than that is left than has passed); one-shot mode programs it for
     * {@link #getnextevent} when that differs from what is programmed. A global timer keeps its
     * programmed event in {@code nexttick} and is started with {@link EventTimer#NOCPU}; a PERCPU
     * timer keeps it in the CPU's {@code nexttick} and is started on that CPU's instance. hwLock held.
     */
    private void loadtimer(ClockPcpu st, long now, boolean start) {
        assert hwLock.isHeldByCurrentThread();
        boolean percpu = timer.perCpu();
        int cpu = percpu ? st.cpu : EventTimer.NOCPU;
        if (periodic) {
            if (start) {
                long tmp = Math.floorMod(now, timerperiod);
                long first = timerperiod - tmp;
                if (first < tmp) {
                    first += timerperiod; // less is left than has passed
                }
                long next = Sbt.add(now, first);
                if (percpu) {
                    st.nexttick = next;
                } else {
                    nexttick = next;
                }
                KernEt.on(registry).et_start(timer, cpu, first, timerperiod);
            }
        } else {
            long next = getnextevent(st);
            if (next != (percpu ? st.nexttick : nexttick)) {
                if (percpu) {
                    st.nexttick = next;
                } else {
                    nexttick = next;
                }
                // next - now may be <= 0 (an event already due): et_start raises it to the
                // timer's minimum period and the driver fires as soon as it can.
                KernEt.on(registry).et_start(timer, cpu, next - now, 0);
            }
        }
    }

    /**
     * {@code getnextevent}: {@code st}'s {@code nextevent} for a PERCPU timer; for a global timer,
     * the earliest {@code nextevent} of all CPUs. hwLock held.
     */
    private long getnextevent(ClockPcpu st) {
        long event = st.nextevent;
        if (!timer.perCpu()) {
            for (ClockPcpu other : pcpu) {
                if (other.nextevent < event) {
                    event = other.nextevent;
                }
            }
        }
        return event;
    }

    /**
     * {@code getnextcpuevent(idle)}: the next hardclock slot (an idle CPU skips {@code hz/2 - 1} of
     * them, or {@code hz / tc_min_ticktock_freq - 1} on the first CPU when that frequency is above
     * 2), not after the callout deadline; an active CPU also wakes for statclock and profclock.
     * {@code nextcallopt} never programs the hardware. hwLock held.
     */
    private long getnextcpuevent(ClockPcpu st, boolean idle) {
        assert hwLock.isHeldByCurrentThread();
        long event = st.nexthard;
        if (idle) {
            int hz = rates.hz();
            int hardfreq = hz / 2;
            if (tcMinTicktockFreq > 2 && st.cpu == 0) {
                hardfreq = hz / tcMinTicktockFreq;
            }
            if (hardfreq > 1) {
                event = Sbt.add(event, tickSbt * (hardfreq - 1));
            }
        }
        if (event > st.nextcall) {
            event = st.nextcall;
        }
        if (!idle) {
            if (event > st.nextstat) {
                event = st.nextstat;
            }
            if (profiling > 0 && event > st.nextprof) {
                event = st.nextprof;
            }
        }
        return event;
    }

    /** {@link #getnextcpuevent(ClockPcpu, boolean)} for tests (SPEC case 85). */
    long getnextcpuevent(int cpu, boolean idle) {
        hwLock.lock();
        try {
            return getnextcpuevent(pcpu[checkCpu("getnextcpuevent", cpu)], idle);
        } finally {
            hwLock.unlock();
        }
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
    void timercb(EventTimer et, int cpu) {
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
    void ipi(int cpu, int kind) {
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
        ClockPcpu st = pcpu[checkCpu("hardclockintr", cpu)];
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

    /** Enters {@code cpu}'s interrupt context on this thread; returns what to restore. */
    private int enterInterrupt(int cpu) {
        int[] ctx = intrCpu.get();
        int prev = ctx[0];
        ctx[0] = cpu;
        return prev;
    }

    private void exitInterrupt(int prev) {
        intrCpu.get()[0] = prev;
    }

    /**
     * {@code curcpu} for the clock source: the CPU whose interrupt context this thread is in, else
     * the callout layer's {@code curcpu} rule.
     */
    int curcpu() {
        int c = intrCpu.get()[0];
        return c >= 0 ? c : layer.curcpu();
    }

    /**
     * The CPU whose interrupt or IPI the calling thread is handling, or -1: for tests that check
     * in which context the timer was programmed.
     */
    int interruptCpu() {
        return intrCpu.get()[0];
    }

    /** {@return the number of IPI_HARDCLOCKs {@code cpu} has handled} */
    long hardclockIntrs(int cpu) {
        hwLock.lock();
        try {
            return pcpu[checkCpu("hardclockIntrs", cpu)].hardclockIntrs;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return true if an IPI is pending for {@code cpu}} (a snapshot; for tests) */
    boolean ipiPending(int cpu) {
        return ipis.pending(checkCpu("ipiPending", cpu));
    }

    /** Virtual time: delivers every pending IPI on this thread ({@link ClockIpis#deliverPending()}). */
    int deliverIpis() {
        ClockIpis i = ipis;
        return i == null ? 0 : i.deliverPending();
    }

    /** Ends the per-CPU IPI threads (real time); the clock is stopped for good. */
    void shutdown() {
        ClockIpis i = ipis;
        if (i != null) {
            i.shutdown();
        }
    }

    /**
     * {@code handleevents(now, fake)} on {@code cpu}: hardclock, statclock and profclock for the
     * slots that have passed, {@code callout_process} if the callout window opened or closed, then
     * the next event and the timer. {@code fake}: 0 a real interrupt, 1 leaving idle, 2 AP start
     * (no clock ticks run, only the state catches up).
     *
     * @return true if callouts wait for softclock
     */
    boolean handleevents(int cpu, long now, int fake) {
        ClockPcpu st = pcpu[checkCpu("handleevents", cpu)];
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
                long tick = tickSbt;
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
                callouts = now >= st.nextcallopt || now >= st.nextcall;
                if (callouts) {
                    st.nextcall = SBT_MAX;
                    st.nextcallopt = SBT_MAX;
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

    /** Slots of {@code period} from {@code next} that have passed at {@code now}: C's catch-up loop, closed-form. */
    private static long runs(long now, long next, long period) {
        return now < next ? 0 : (now - next) / period + 1;
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
            st.nextcallopt = btOpt; // always: only lets a scan piggy-back on an interrupt
            if (bt >= st.nextcall) {
                return;
            }
            st.nextcall = bt;
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

    /** {@return {@code nextcall} of {@code cpu}} */
    long nextcall(int cpu) {
        hwLock.lock();
        try {
            return pcpu[checkCpu("nextcall", cpu)].nextcall;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return {@code nextcallopt} of {@code cpu}} */
    long nextcallopt(int cpu) {
        hwLock.lock();
        try {
            return pcpu[checkCpu("nextcallopt", cpu)].nextcallopt;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return {@code sbinuptime()}: the timecounter} */
    long sbinuptime() {
        return timecounter.getAsLong();
    }

    /**
     * {@code hardclocktime} of {@code cpu}: {@code nexthard - tick_sbt} as its last handleevents
     * left it; for an idle CPU, the slot {@code cpu_activeclock} would give it now.
     */
    long hardclocktime(int cpu) {
        ClockPcpu st = pcpu[checkCpu("hardclocktime", cpu)];
        if (!st.idle) {
            return st.hardclocktime; // volatile; may lag the current slot by one interrupt, as in C
        }
        hwLock.lock();
        try {
            long r = busy ? 0 : runs(idleNow(st), st.nexthard, tickSbt);
            return r == 0 ? st.hardclocktime : st.nexthard + (r - 1) * tickSbt;
        } finally {
            hwLock.unlock();
        }
    }

    /**
     * {@code ticks}: the global hardclock counter, a wrapping int. Idle CPUs count the slots they
     * skipped, as {@code cpu_activeclock} would.
     */
    int ticks() {
        hwLock.lock();
        try {
            int g = ticks.get();
            if (!started || busy) {
                return g;
            }
            for (ClockPcpu st : pcpu) {
                if (st.idle) {
                    long r = runs(idleNow(st), st.nexthard, tickSbt);
                    int candidate = st.pcputicks + (int) r;
                    if (candidate - g > 0) { // by subtraction: ticks wrap
                        g = candidate;
                    }
                }
            }
            return g;
        } finally {
            hwLock.unlock();
        }
    }

    /** The time cpu_activeclock would use. hwLock held. */
    private long idleNow(ClockPcpu st) {
        return periodic ? st.now : sbinuptime();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* cpu_idleclock, cpu_activeclock                                                            */

    /**
     * {@code cpu_idleclock()}: {@code cpu} is about to idle, so it may skip hardclock ticks
     * ({@link #getnextcpuevent}) until {@link #cpuActiveclock} or its next event. In one-shot mode
     * the timer is reprogrammed for the later event.
     *
     * @param cpu the CPU
     * @return -1 if ticks may not be skipped ({@code idletick}, reconfiguring, or a PERCPU timer in
     *         periodic mode: its ticks cannot be skipped, there is nothing to reprogram); else the
     *         time until the CPU's next event, {@code >= 0}
     */
    long cpuIdleclock(int cpu) {
        ClockPcpu st = pcpu[checkCpu("cpu_idleclock", cpu)];
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
    void cpuActiveclock(int cpu) {
        ClockPcpu st = pcpu[checkCpu("cpu_activeclock", cpu)];
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

    /* ---------------------------------------------------------------------------------------- */
    /* Observers                                                                                 */

    EventTimer timer() {
        return timer;
    }

    /** Whether the timer is stopped for a reconfiguration (or not started yet); a snapshot. */
    boolean busy() {
        return busy;
    }

    boolean periodic() {
        return periodic;
    }

    ClockRates.Rates rates() {
        return rates;
    }

    long tickSbt() {
        return tickSbt;
    }

    int profiling() {
        hwLock.lock();
        try {
            return profiling;
        } finally {
            hwLock.unlock();
        }
    }

    long timerperiod() {
        hwLock.lock();
        try {
            return timerperiod;
        } finally {
            hwLock.unlock();
        }
    }

    long statperiod() {
        hwLock.lock();
        try {
            return statperiod;
        } finally {
            hwLock.unlock();
        }
    }

    long nexttick() {
        hwLock.lock();
        try {
            return nexttick;
        } finally {
            hwLock.unlock();
        }
    }

    long interrupts() {
        hwLock.lock();
        try {
            return interrupts;
        } finally {
            hwLock.unlock();
        }
    }

    EventTimerClock.CpuState state(int cpu) {
        hwLock.lock();
        try {
            ClockPcpu st = pcpu[checkCpu("state", cpu)];
            return new EventTimerClock.CpuState(st.now, st.nextevent, st.nexthard, st.nextstat, st.nextprof,
                    st.nextcall, st.nextcallopt, st.idle, st.hardclocktime, st.hardclockCalls, st.hardclockRuns,
                    st.statclockRuns, st.profclockRuns, st.calloutScans, st.nexttick, st.action, st.handle);
        } finally {
            hwLock.unlock();
        }
    }

    int checkCpu(String fn, int cpu) {
        ClockPcpu[] p = pcpu;
        if (p == null) {
            throw new IllegalStateException(fn + ": the clock drives no callout system yet");
        }
        if (cpu < 0 || cpu >= p.length) {
            throw new IllegalArgumentException(fn + ": cpu must be in [0, " + p.length + "), got " + cpu);
        }
        return cpu;
    }
}
