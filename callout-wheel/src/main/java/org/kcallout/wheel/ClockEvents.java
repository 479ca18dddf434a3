package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;

/**
 * The interrupt side of {@link EventTimerClock}: {@code kern_clocksource.c}'s hardware lock and
 * per-CPU state, and the functions that run under it or from the timer's interrupt
 * ({@code setuptimer}, {@code configtimer}, {@code loadtimer}, {@code timercb},
 * {@code handleevents}, {@code getnextcpuevent}, {@code getnextevent}, {@code cpu_new_callout},
 * {@code cpu_idleclock}, {@code cpu_activeclock}). {@link EventTimerClock} keeps the control side
 * (selection, switching, rates, sysctls) under {@code ET_LOCK} and calls in here.
 */
final class ClockEvents {
    /* Implementation notes.
     *
     * Locks, in acquisition order (the whole clock source's order; ET_LOCK is EventTimerClock's):
     *   1. ClockPcpu.intrLock (per CPU): "interrupts disabled" while handleevents runs for it.
     *   2. ET_LOCK (the registry's mutex), or a CPU's callout lock: never both at once here.
     *      The wheel calls cpuNewCallout with a CPU lock held; configtimer runs under ET_LOCK.
     *   3. hwLock: et_hw_mtx (global: PERCPU timers are not supported). Guards every ClockPcpu field
     *      its table names, and here nexttick, timerperiod, statperiod, profperiod, started, the
     *      interrupt count and every et_start/et_stop (the registry requires the consumer to
     *      serialise them). timer, periodic, busy and profiling are written under it (and under
     *      ET_LOCK by EventTimerClock's callers), so a reader holding either sees a stable value.
     *   4. the driver's own monitor, inside et_start/et_stop.
     * Nothing calls into the wheel (calloutProcess, softclock) with hwLock or ET_LOCK held, and
     * handlers run without any of these locks (inline softclock runs after intrLock is released;
     * direct handlers run inside calloutProcess, under intrLock only, and must not block). Hooks
     * run under intrLock only.
     *
     * Unlocked reads, as C makes them: busy and timer are volatile and read once at the entry of
     * timercb and cpuNewCallout, then re-checked under hwLock (C does not re-check; doing so closes
     * the window where a callout arm reprograms a timer that configtimer(0) just stopped).
     * pcpu and wheel are written once by attach, before the wheel starts any thread or returns to
     * its builder, and only read afterwards.
     *
     * Differences from FreeBSD, each deliberate:
     *  - no IPIs: a global timer's interrupt handles the CPUs it marks on the same thread, one after
     *    the other (hardclockintr's work without the interrupt);
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
    private final ReentrantLock hwLock = new ReentrantLock();
    /** The global {@code ticks}; advanced by CAS in hardclockLocked. */
    private final AtomicInteger ticks;

    private CalloutWheel wheel;              // attach, once
    private ClockPcpu[] pcpu;                // attach, once
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
                int tcMinTicktockFreq, EventTimerClock.Hooks hooks, int ticksAtStart, boolean idletick) {
        this.registry = registry;
        this.timecounter = timecounter;
        this.inlineSoftclock = inlineSoftclock;
        this.autoIdle = autoIdle;
        this.tcMinTicktockFreq = tcMinTicktockFreq;
        this.hooks = hooks;
        this.ticks = new AtomicInteger(ticksAtStart);
        this.idletick = idletick;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Set-up and reconfiguration (called by EventTimerClock under ET_LOCK)                      */

    /** Binds the wheel and the per-CPU states and installs the first timer; once, before start. */
    void attach(CalloutWheel w, int ncpus, EventTimer et, boolean periodicMode) {
        ClockPcpu[] states = new ClockPcpu[ncpus];
        for (int i = 0; i < ncpus; i++) {
            states[i] = new ClockPcpu(i, SBT_MAX);
        }
        hwLock.lock();
        try {
            wheel = w;
            pcpu = states;
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
     * loads the timer; stop sets busy and stops the timer. Called with ET_LOCK held.
     */
    void configtimer(boolean start) {
        assert registry.etLock().owned();
        long now = start ? sbinuptime() : 0;
        hwLock.lock();
        try {
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
                loadtimer(now, true);
            } else {
                busy = true;
                registry.et_stop(timer, EventTimer.NOCPU); // result ignored, as configtimer does
            }
        } finally {
            hwLock.unlock();
        }
    }

    /**
     * {@code loadtimer(now, start)}: periodic mode programs the timer only when starting, aligned to
     * the period ({@code first = period - now % period}, one more period if less than that is left
     * than has passed); one-shot mode programs it for the earliest {@code nextevent} of all CPUs when
     * that differs from what is programmed. hwLock held.
     */
    private void loadtimer(long now, boolean start) {
        assert hwLock.isHeldByCurrentThread();
        if (periodic) {
            if (start) {
                long tmp = Math.floorMod(now, timerperiod);
                long first = timerperiod - tmp;
                if (first < tmp) {
                    first += timerperiod; // less is left than has passed
                }
                nexttick = Sbt.add(now, first);
                registry.et_start(timer, EventTimer.NOCPU, first, timerperiod);
            }
        } else {
            long next = getnextevent();
            if (next != nexttick) {
                nexttick = next;
                // next - now may be <= 0 (an event already due): et_start raises it to the
                // timer's minimum period and the driver fires as soon as it can.
                registry.et_start(timer, EventTimer.NOCPU, next - now, 0);
            }
        }
    }

    /** {@code getnextevent}: for a global timer, the earliest {@code nextevent} of all CPUs. hwLock held. */
    private long getnextevent() {
        long event = SBT_MAX;
        for (ClockPcpu st : pcpu) {
            if (st.nextevent < event) {
                event = st.nextevent;
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
     * {@code timercb}: the driver's event. Ignored while busy or if it comes from a timer no longer
     * in use. Marks every CPU whose {@code nextevent} has passed (pushing it one second ahead so
     * that it cannot storm), handles the interrupted CPU, then the marked ones (what their
     * {@code IPI_HARDCLOCK} handlers would do), each followed by inline softclock and, with
     * autoIdle, a return to idle.
     */
    void timercb(EventTimer et, int cpu) {
        if (busy || et != timer) {
            return;
        }
        int cur = cpu >= 0 && cpu < pcpu.length ? cpu : 0;
        long now = sbinuptime();
        boolean bcast = false;
        hwLock.lock();
        try {
            if (busy || et != timer) {
                return;
            }
            interrupts++;
            nexttick = periodic ? Sbt.add(now, timerperiod) : -1;
            for (ClockPcpu st : pcpu) {
                st.now = now;
                if (now >= st.nextevent) {
                    st.nextevent = Sbt.add(st.nextevent, SBT_1S);
                    if (st.cpu != cur) {
                        st.ipi = true;
                        bcast = true;
                    }
                }
            }
        } finally {
            hwLock.unlock();
        }
        interruptCpu(cur, now);
        if (bcast) {
            for (ClockPcpu st : pcpu) {
                if (st.cpu == cur) {
                    continue;
                }
                long ipiNow;
                hwLock.lock();
                try {
                    if (!st.ipi || busy) { // hardclockintr does nothing while busy
                        st.ipi = false;
                        continue;
                    }
                    st.ipi = false;
                    ipiNow = st.now;
                } finally {
                    hwLock.unlock();
                }
                interruptCpu(st.cpu, ipiNow);
            }
        }
    }

    /** One CPU's share of an interrupt: handleevents, inline softclock, back to idle. */
    private void interruptCpu(int cpu, long now) {
        boolean work = handleevents(cpu, now, 0);
        if (inlineSoftclock) {
            runSoftclock(cpu);
        }
        if (autoIdle && (inlineSoftclock || !work)) {
            cpuIdleclock(cpu); // FreeBSD's idle thread: nothing left to run on this CPU
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
            boolean work = callouts && wheel.calloutProcess(cpu, now);
            hwLock.lock();
            try {
                long t = getnextcpuevent(st, false);
                if (!busy) {
                    st.idle = false;
                    st.nextevent = t;
                    loadtimer(now, false); // start only for an AP's PERCPU timer (fake == 2)
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
                    wheel.softclock(cpu);
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

    /** {@code cpu_new_callout(cpu, bt, bt_opt)}; called with the CPU's callout lock held. */
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
            loadtimer(sbinuptime(), false); // a global timer: reprogram from here
        } finally {
            hwLock.unlock();
        }
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
     * @return -1 if ticks may not be skipped ({@code idletick}, reconfiguring); else the time until
     *         the CPU's next event, {@code >= 0}
     */
    long cpuIdleclock(int cpu) {
        ClockPcpu st = pcpu[checkCpu("cpu_idleclock", cpu)];
        if (idletick || busy) {
            return -1;
        }
        hwLock.lock();
        try {
            if (busy) {
                return -1;
            }
            long now = idleNow(st);
            long t = getnextcpuevent(st, true);
            st.idle = true;
            st.nextevent = t;
            if (!periodic) {
                loadtimer(now, false);
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
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Observers                                                                                 */

    EventTimer timer() {
        return timer;
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
                    st.statclockRuns, st.profclockRuns, st.calloutScans);
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
