package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.internal.IpiChannel;
import org.kcallout.et.KernEt;

/**
 * The first layer of {@link EventTimerClock}: {@code kern_clocksource.c}'s state and its timer
 * programming. It holds {@code et_hw_mtx}, the file's globals ({@code timer}, {@code periodic},
 * {@code busy}, {@code timerperiod}, {@code statperiod}, {@code profperiod}, {@code nexttick},
 * {@code profiling}), the {@code struct pcpu_state} of every CPU ({@link ClockPcpu}) and
 * kern_clock.c's {@code ticks}, and ports the functions that program the timer:
 * {@code setuptimer}, {@code configtimer}, {@code loadtimer}, {@code getnextevent} and
 * {@code getnextcpuevent}; plus what the callout layer reads of that state ({@code sbinuptime},
 * {@code hardclocktime}, {@code ticks}, {@code nextcall}) and the interrupt context that stands for
 * {@code curcpu}.
 *
 * <h2>One object, four layers</h2>
 * An {@link EventTimerClock} is one object whose class is split by the parts of
 * {@code kern_clocksource.c}, each part an abstract class extending the one before:
 * <ol>
 *   <li>{@code ClockTimer} (this class): the state, once, and the timer programming;</li>
 *   <li>{@link ClockInterrupts}: interrupt handling ({@code timercb}, {@code handleevents},
 *       hardclock's tick bookkeeping, the IPI handlers {@code hardclockintr} and
 *       {@code doconfigtimer}), {@code cpu_new_callout}, {@code cpu_idleclock} and
 *       {@code cpu_activeclock};</li>
 *   <li>{@link ClockControl}: the control side ({@code kern.eventtimer.*} sysctls, profiling,
 *       {@code cpu_et_frequency}, the deregister callback) and the read-outs;</li>
 *   <li>{@link EventTimerClock}: {@code cpu_initclocks_bsp} (attach, rates, start, stop) and the
 *       public face (builder, hooks, snapshots).</li>
 * </ol>
 * Each method lives in the layer of its C function and does its own work; no layer forwards to
 * another. The builder is the configuration: each layer's constructor takes from it what it needs.
 *
 * <h2>Global and per-CPU timers</h2>
 * A global timer has one instance: its interrupt is taken by one CPU (the CPU the driver names in
 * {@code fire(cpu)}, else CPU 0, as an interrupt routed to the boot CPU). A per-CPU timer
 * ({@code ET_FLAGS_PERCPU}) has one instance per CPU: every {@code et_start}/{@code et_stop} names
 * the CPU whose instance it programs, and only that CPU's interrupt context programs it, except
 * during {@code configtimer}'s own CPU step; {@code configtimer} posts {@code action} 1 or 2 to
 * every other CPU, broadcasts the IPI and waits for every acknowledgement.
 *
 * <h2>The current CPU</h2>
 * A thread handling a CPU's interrupt or IPI is on that CPU (a thread-local set for the duration);
 * any other thread is on {@code CalloutWheel.curcpu()}.
 */
abstract class ClockTimer extends ClockSource {
    /* Implementation notes.
     *
     * Locks, in acquisition order (the whole clock source's order, all four layers):
     *   1. ClockPcpu.intrLock (per CPU): "interrupts disabled" while handleevents runs for it.
     *   2. ET_LOCK (the registry's mutex), or a CPU's callout lock: never both at once here.
     *      The wheel calls cpuNewCallout with a CPU lock held; configtimer runs under ET_LOCK.
     *   3. hwLock: et_hw_mtx. Guards every ClockPcpu field its table names, and here nexttick,
     *      timerperiod, statperiod, profperiod, started, interrupts and every et_start/et_stop
     *      (the registry requires the consumer to serialise them). timer, periodic, busy and
     *      profiling are written under it (and under ET_LOCK by the control side), so a reader
     *      holding either sees a stable value.
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
     * Field guards: registry, timecounter, tcMinTicktockFreq, virtualIpis, ackTimeoutNanos,
     * hwLock, intrCpu and ticks are final (ticks is an AtomicInteger: CAS in hardclockLocked).
     * pcpu and ipis are written once by attachTimer (under hwLock), before the wheel starts any
     * thread or returns to its builder, and only read afterwards (a time base that delivers IPIs
     * before the clock is attached finds ipis null and delivers nothing). rates is written once by
     * setRates, before start, and volatile; tick_sbt is not stored here: the callout layer stores it
     * once from the hz that setRates chose, and layer.tickSbt() reads it (set before start). timer, periodic and busy are
     * volatile, written under hwLock (+ ET_LOCK); profiling is written under hwLock (+ ET_LOCK);
     * started, timerperiod, statperiod, profperiod, nexttick and interrupts are guarded by hwLock.
     *
     * Unlocked reads, as C makes them: busy and timer are volatile and read once at the entry of
     * timercb and cpuNewCallout, then re-checked under hwLock (C does not re-check; doing so closes
     * the window where a callout arm reprograms a timer that configtimer(0) just stopped).
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
     *  - hardclocktime() and ticks() of an idle CPU report what cpu_activeclock would set, because
     *    a thread that reads them here is not running on that CPU and did not wake it.
     * The interrupt side's differences are listed in ClockInterrupts. */

    final EventTimers registry;
    final LongSupplier timecounter;
    final int tcMinTicktockFreq;
    private final boolean virtualIpis;
    private final long ackTimeoutNanos;
    final ReentrantLock hwLock = new ReentrantLock();
    /** The CPU whose interrupt context the calling thread is in, -1 if none: see the notes. */
    private final ThreadLocal<int[]> intrCpu = ThreadLocal.withInitial(() -> new int[] {-1});
    /** The global {@code ticks}; advanced by CAS in hardclockLocked. */
    final AtomicInteger ticks;

    ClockPcpu[] pcpu;                // attachTimer, once
    ClockIpis ipis;                  // attachTimer, once
    volatile EventTimer timer;       // hwLock (+ ET_LOCK) for writes
    volatile boolean periodic;       // hwLock (+ ET_LOCK) for writes
    volatile boolean busy = true;    // hwLock for writes; true until configtimer(1)
    volatile ClockRates.Rates rates; // setRates, once, before start
    int profiling;                   // hwLock (+ ET_LOCK) for writes
    @GuardedBy("hwLock")
    boolean started;                 // hwLock
    @GuardedBy("hwLock")
    long timerperiod;                // hwLock
    @GuardedBy("hwLock")
    long statperiod;                 // hwLock
    @GuardedBy("hwLock")
    long profperiod;                 // hwLock
    @GuardedBy("hwLock")
    long nexttick = -1;              // hwLock: the global timer's programmed event, -1 none
    @GuardedBy("hwLock")
    long interrupts;                 // hwLock

    ClockTimer(EventTimerClock.Builder b) {
        this.registry = b.registry;
        this.timecounter = b.timecounter != null ? b.timecounter : EventTimerClock.nanoTimecounter();
        this.tcMinTicktockFreq = b.tcMinTicktockFreq;
        this.virtualIpis = b.timebase != null;
        this.ackTimeoutNanos = b.ackTimeoutNanos;
        this.ticks = new AtomicInteger(b.ticksAtStart);
    }

    /** The IPI handler, in {@code cpu}'s interrupt context: {@link ClockInterrupts}. */
    abstract void ipi(int cpu, int kind);

    /* ---------------------------------------------------------------------------------------- */
    /* Set-up and reconfiguration (cpu_initclocks_bsp and the control side)                      */

    /** Allocates the per-CPU states and IPIs and installs the first timer; once, before start. */
    final void attachTimer(int ncpus, EventTimer et, boolean periodicMode) {
        ClockPcpu[] states = new ClockPcpu[ncpus];
        for (int i = 0; i < ncpus; i++) {
            states[i] = new ClockPcpu(i, SBT_MAX);
        }
        ClockIpis channel = new ClockIpis(this::ipi, ncpus, virtualIpis, ackTimeoutNanos);
        hwLock.lock();
        try {
            pcpu = states;
            ipis = channel;
            timer = et;
            periodic = periodicMode;
        } finally {
            hwLock.unlock();
        }
    }

    /** Installs the rates of cpu_initclocks_bsp; once, before start. */
    final void setRates(ClockRates.Rates r) {
        hwLock.lock();
        try {
            rates = r;
            statperiod = SBT_1S / r.stathz();
            profperiod = SBT_1S / r.profhz();
        } finally {
            hwLock.unlock();
        }
    }

    /** Switches to {@code et} in the wanted mode (setuptimer adapts it); the timer must be stopped (busy). */
    final void install(EventTimer et, boolean periodicMode) {
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
    final void setProfiling(int n) {
        hwLock.lock();
        try {
            profiling = n;
        } finally {
            hwLock.unlock();
        }
    }


    /* ---------------------------------------------------------------------------------------- */
    /* setuptimer, configtimer, loadtimer, getnextevent, getnextcpuevent                         */

    /** {@code setuptimer}: adapts the mode to the timer and computes {@code timerperiod}. hwLock held. */
    @GuardedBy("hwLock")
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
    final void configtimer(boolean start) {
        assert registry.etLock().owned();
        assert !hwLock.isHeldByCurrentThread() : "configtimer waits for other CPUs, which need hwLock";
        if (start) {
            ipis.startThreads(port()); // real time: the CPUs' IPI threads, before the first IPI
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
                    st.window.setBoth(next);
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
    @GuardedBy("hwLock")
    final void loadtimer(ClockPcpu st, long now, boolean start) {
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
    final long getnextcpuevent(ClockPcpu st, boolean idle) {
        assert hwLock.isHeldByCurrentThread();
        long event = st.nexthard;
        if (idle) {
            int hz = rates.hz();
            int hardfreq = hz / 2;
            if (tcMinTicktockFreq > 2 && st.cpu == 0) {
                hardfreq = hz / tcMinTicktockFreq;
            }
            if (hardfreq > 1) {
                event = Sbt.add(event, layer.tickSbt() * (hardfreq - 1));
            }
        }
        if (event > st.window.nextcall) {
            event = st.window.nextcall;
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
            return getnextcpuevent(pcpuOf("getnextcpuevent", cpu), idle);
        } finally {
            hwLock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The interrupt context: curcpu                                                             */

    /** Enters {@code cpu}'s interrupt context on this thread; returns what to restore. */
    final int enterInterrupt(int cpu) {
        int[] ctx = intrCpu.get();
        int prev = ctx[0];
        ctx[0] = cpu;
        return prev;
    }

    final void exitInterrupt(int prev) {
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


    /* ---------------------------------------------------------------------------------------- */
    /* The callout layer's view: sbinuptime, hardclocktime, ticks, nextcall                     */

    /** {@return {@code nextcall} of {@code cpu}} */
    @Override
    public long nextcall(int cpu) {
        hwLock.lock();
        try {
            return pcpuOf("nextcall", cpu).window.nextcall;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return {@code nextcallopt} of {@code cpu}} */
    @Override
    public long nextcallopt(int cpu) {
        hwLock.lock();
        try {
            return pcpuOf("nextcallopt", cpu).window.nextcallopt;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return {@code sbinuptime()}: the timecounter} */
    @Override
    public long sbinuptime() {
        return timecounter.getAsLong();
    }

    /**
     * {@code hardclocktime} of {@code cpu}: {@code nexthard - tick_sbt} as its last handleevents
     * left it; for an idle CPU, the slot {@code cpu_activeclock} would give it now.
     */
    @Override
    public long hardclocktime(int cpu) {
        ClockPcpu st = pcpuOf("hardclocktime", cpu);
        if (!st.idle) {
            return st.hardclocktime; // volatile; may lag the current slot by one interrupt, as in C
        }
        hwLock.lock();
        try {
            long r = busy ? 0 : runs(idleNow(st), st.nexthard, layer.tickSbt());
            return r == 0 ? st.hardclocktime : st.nexthard + (r - 1) * layer.tickSbt();
        } finally {
            hwLock.unlock();
        }
    }

    /** hardclocktime is DPCPU: callout_when reads the arming CPU's, as FreeBSD does. */
    @Override
    boolean hardclockPerCpu() {
        return true;
    }

    /**
     * {@code ticks}: the global hardclock counter, a wrapping int. Idle CPUs count the slots they
     * skipped, as {@code cpu_activeclock} would.
     */
    @Override
    public int ticks() {
        hwLock.lock();
        try {
            int g = ticks.get();
            if (!started || busy) {
                return g;
            }
            for (ClockPcpu st : pcpu) {
                if (st.idle) {
                    long r = runs(idleNow(st), st.nexthard, layer.tickSbt());
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
    final long idleNow(ClockPcpu st) {
        return periodic ? st.now : sbinuptime();
    }

    /** Slots of {@code period} from {@code next} that have passed at {@code now}: C's catch-up loop, closed-form. */
    static long runs(long now, long next, long period) {
        return now < next ? 0 : (now - next) / period + 1;
    }

    /**
     * {@return the state of {@code cpu}}, checked: unlike {@link ClockSource#checkCpu} this needs
     * the per-CPU states, which exist once the clock is attached
     */
    final ClockPcpu pcpuOf(String fn, int cpu) {
        ClockPcpu[] p = pcpu;
        if (p == null) {
            throw new IllegalStateException(fn + ": the clock drives no callout system yet");
        }
        if (cpu < 0 || cpu >= p.length) {
            throw new IllegalArgumentException(fn + ": cpu must be in [0, " + p.length + "), got " + cpu);
        }
        return p[cpu];
    }
}
