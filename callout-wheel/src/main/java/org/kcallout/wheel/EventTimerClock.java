package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.kcallout.Sbt;
import org.kcallout.et.EtDeregisterCb;
import org.kcallout.et.EtEventCb;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimerConsumer;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;

/**
 * The eventtimers(9) clock source: FreeBSD's {@code kern_clocksource.c} (SPEC §8.3). It picks an
 * {@link EventTimer} from a registry, runs it in one-shot (tickless) or periodic mode, and turns its
 * interrupts into hardclock, statclock and profclock ticks and {@code callout_process} calls on the
 * callout system it drives.
 *
 * <pre>{@code
 * VirtualTimebase tb = new VirtualTimebase();
 * EventTimers ets = new EventTimers();
 * ets.register(new VirtualTimerDriver(tb, "virt", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 100));
 * EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).build();
 * try (CalloutWheel sys = CalloutWheel.builder().clock(clock).build()) {
 *     sys.reset(c, 10, handler, arg);
 *     tb.advanceTicks(20);                       // interrupts, callout_process and softclock run here
 * }
 * }</pre>
 *
 * <h2>Configuration (the builder)</h2>
 * The registry to take timers from; {@code kern.eventtimer.timer} (a timer name, else the best
 * one); {@code kern.eventtimer.periodic} (default one-shot); {@code kern.eventtimer.singlemul};
 * {@code kern.eventtimer.idletick}; whether CPUs go idle by themselves after each interrupt; and the
 * timecounter ({@code sbinuptime}), which must run on the same time as the drivers: a
 * {@link VirtualTimebase} for {@link VirtualTimerDriver} and {@link SimulatedReloadTimer}, the
 * default {@link RealTimeTimerDriver#timecounter() nanoTime timecounter} for
 * {@link RealTimeTimerDriver}. With a virtual time base, softclock runs inline on the thread that
 * moves time; with real time, the callout system starts a softclock thread per CPU.
 *
 * <h2>Pitfalls</h2>
 * <ul>
 *   <li>Timer selection happens when the callout system is built; if no timer fits, building fails
 *       with {@link IllegalStateException} (FreeBSD panics). A name that matches no timer falls back
 *       to automatic selection, as in FreeBSD.</li>
 *   <li>Per-CPU timers ({@link EventTimer#ET_FLAGS_PERCPU}) are not supported yet: automatic
 *       selection skips them and naming one throws {@link UnsupportedOperationException}.</li>
 *   <li>In one-shot mode an <em>active</em> CPU still takes every hardclock and statclock tick; only
 *       idle CPUs skip ticks ({@link #cpuIdleclock}). With {@code autoIdle} (the default) each CPU
 *       goes idle after every interrupt once it has nothing left to run, as FreeBSD's idle thread
 *       does.</li>
 *   <li>A one-shot timer that loses an interrupt is not re-armed until something reprograms it (an
 *       earlier callout, {@link #cpuActiveclock}, a timer switch): FreeBSD behaves the same.</li>
 *   <li>The clock claims the registry's {@linkplain EventTimers#setClockSource clock source} slot;
 *       one registry serves one clock source at a time.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Events arrive on the driver's thread. Every public method may be called from any thread; handlers
 * may call them too, except that time must not be moved from inside a handler.
 */
public final class EventTimerClock extends ClockSource implements EventTimerConsumer {
    /* Implementation notes.
     *
     * Ports kern_clocksource.c of the KCS/V11 era: cpu_initclocks_bsp (onAttach + configureHz +
     * start), setuptimer, configtimer, loadtimer, round_freq (ClockRates), timercb, hardclockintr
     * (the "IPI" half of timercb), handleevents, getnextcpuevent, getnextevent, cpu_new_callout,
     * cpu_idleclock, cpu_activeclock, cpu_startprofclock/cpu_stopprofclock, cpu_et_frequency
     * (EventTimerConsumer) and the two sysctl handlers (setTimer, setPeriodic). hardclock's tick
     * bookkeeping (kern_clock.c: per-CPU pcputicks, global ticks advanced by CAS) is in
     * hardclockLocked. The per-CPU state and its field table are in ClockPcpu.
     *
     * Locks, in acquisition order:
     *   1. ClockPcpu.intrLock (per CPU): "interrupts disabled" while handleevents runs for it.
     *   2. ET_LOCK (the registry's mutex), or a CPU's callout lock: never both at once here.
     *      ET_LOCK guards timer selection and switching, wantPeriodic, profiling's reference count,
     *      c3Disabled and closed; the wheel calls cpuNewCallout with a CPU lock held.
     *   3. hwLock: et_hw_mtx (global: PERCPU timers are not supported). Guards every ClockPcpu field
     *      it names, nexttick, timerperiod, the interrupt count, and every et_start/et_stop (the
     *      registry requires the consumer to serialise them). Writes of timer, periodic, busy and
     *      profiling happen under it as well as under ET_LOCK, so a reader holding either sees a
     *      stable value.
     *   4. the driver's own monitor, inside et_start/et_stop.
     * Nothing calls into the wheel (calloutProcess, softclock) with hwLock or ET_LOCK held, and
     * handlers run without any of these locks (inline softclock runs after intrLock is released;
     * direct handlers run inside calloutProcess, under intrLock only, and must not block).
     *
     * Unlocked reads, as C makes them: busy and timer are volatile and read once at the entry of
     * timercb and cpuNewCallout, then re-checked under hwLock (C does not re-check; doing so closes
     * the window where a callout arm reprograms a timer that configtimer(0) just stopped).
     *
     * Differences from FreeBSD, each deliberate:
     *  - no IPIs: a global timer's interrupt handles the CPUs it marks on the same thread, one after
     *    the other (hardclockintr's work without the interrupt);
     *  - the deregister callback moves to the next best timer (KCS passes none);
     *  - events of a timer the clock no longer uses are ignored (C cannot get them);
     *  - the hardclock catch-up loops are closed-form (same result, O(1) after a long gap);
     *  - hardclocktime() and ticks() of an idle CPU report what cpu_activeclock would set, because
     *    a thread that reads them here is not running on that CPU and did not wake it. */

    private static final System.Logger LOG = System.getLogger(EventTimerClock.class.getName());

    /** timercb, bound once: the registry passes the clock back as the argument. */
    private static final EtEventCb<EventTimerClock> TIMERCB = (et, cpu, clk) -> clk.timercb(et, cpu);
    /** The deregister callback: moves to the next best timer, or refuses with EBUSY. */
    private static final EtDeregisterCb<EventTimerClock> DEREGISTER = (et, clk) -> clk.deregisterCb(et);

    /** Receives hardclock, statclock and profclock ticks; for tests and statistics. */
    public interface Hooks {
        /** Hooks that do nothing. */
        Hooks NONE = new Hooks() {
        };

        /**
         * {@code hardclock(cnt, usermode)} ran on {@code cpu} for {@code cnt} missed slots.
         *
         * @param cpu the CPU
         * @param cnt hardclock slots covered, {@code >= 1}
         */
        default void hardclock(int cpu, int cnt) {
        }

        /**
         * {@code statclock(cnt, usermode)} ran.
         *
         * @param cpu the CPU
         * @param cnt slots covered
         */
        default void statclock(int cpu, int cnt) {
        }

        /**
         * {@code profclock(cnt, usermode, pc)} ran (only while profiling, only on real interrupts).
         *
         * @param cpu the CPU
         * @param cnt slots covered
         */
        default void profclock(int cpu, int cnt) {
        }
    }

    /**
     * A snapshot of one CPU's timer state, as {@code show clocksource} prints it in DDB.
     *
     * @param now            time of the last interrupt this CPU saw
     * @param nextevent      the next event the CPU wants
     * @param nexthard       next hardclock slot
     * @param nextstat       next statclock slot
     * @param nextprof       next profclock slot
     * @param nextcall       hard deadline of the next callout window ({@code SBT_MAX}: none)
     * @param nextcallopt    opportunistic start of that window
     * @param idle           whether the CPU skips ticks
     * @param hardclocktime  the time of the most recent hardclock slot handled
     * @param hardclockCalls number of hardclock calls
     * @param hardclockRuns  hardclock slots covered by those calls
     * @param statclockRuns  statclock slots
     * @param profclockRuns  profclock slots
     * @param calloutScans   {@code callout_process} calls
     */
    public record CpuState(long now, long nextevent, long nexthard, long nextstat, long nextprof, long nextcall,
                           long nextcallopt, boolean idle, long hardclocktime, long hardclockCalls,
                           long hardclockRuns, long statclockRuns, long profclockRuns, long calloutScans) {
    }

    /* Configuration, final. */
    private final EventTimers registry;
    private final String timerName;
    private final LongSupplier timecounter;
    private final boolean inlineSoftclock;
    private final boolean autoIdle;
    private final int singlemulTunable;
    private final int tcMinTicktockFreq;
    private final Hooks hooks;

    private final ReentrantLock hwLock = new ReentrantLock();
    private final AtomicInteger ticks;

    private volatile EventTimer timer;      // ET_LOCK + hwLock for writes
    private volatile boolean periodic;      // ET_LOCK + hwLock for writes
    private volatile boolean busy = true;   // hwLock for writes; true until configtimer(1)
    private volatile boolean idletick;      // sysctl: written by anyone, read racily as in C
    private volatile ClockRates.Rates rates; // configureHz, once, before start
    private volatile long tickSbt;           // configureHz, once, before start
    private boolean wantPeriodic;           // ET_LOCK
    private int profiling;                  // ET_LOCK + hwLock for writes
    private int c3Disabled;                 // ET_LOCK: cpu_disable_c3_sleep
    private volatile boolean closed;        // ET_LOCK for writes
    private boolean started;                // hwLock
    private long timerperiod;               // hwLock
    private long statperiod;                // hwLock
    private long profperiod;                // hwLock
    private long nexttick = -1;             // hwLock: the global timer's programmed event, -1 none
    private long interrupts;                // hwLock
    private ClockPcpu[] pcpu;               // onAttach, once

    private EventTimerClock(Builder b) {
        this.registry = b.registry;
        this.timerName = b.timerName;
        this.wantPeriodic = b.periodic;
        this.periodic = b.periodic;
        this.singlemulTunable = b.singlemul;
        this.idletick = b.idletick;
        this.autoIdle = b.autoIdle;
        this.tcMinTicktockFreq = b.tcMinTicktockFreq;
        this.hooks = b.hooks;
        this.ticks = new AtomicInteger(b.ticksAtStart);
        this.timecounter = b.timecounter != null ? b.timecounter : RealTimeTimerDriver.timecounter();
        this.inlineSoftclock = b.inlineSoftclock != null ? b.inlineSoftclock : b.timebase != null;
    }

    /** {@return a builder: default registry, automatic timer, one-shot, real time, autoIdle on} */
    public static Builder builder() {
        return new Builder();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* cpu_initclocks_bsp: selection (onAttach), rates (configureHz), start                      */

    @Override
    void onAttach(int ncpus) {
        ClockPcpu[] states = new ClockPcpu[ncpus];
        for (int i = 0; i < ncpus; i++) {
            states[i] = new ClockPcpu(i, SBT_MAX);
        }
        registry.ET_LOCK();
        try {
            EventTimerConsumer other = registry.clockSource();
            if (other != null && other != this) {
                throw new IllegalStateException("cpu_initclocks: registry " + registry
                        + " already serves another clock source: " + other);
            }
            EventTimer et = selectTimer(timerName, wantPeriodic);
            if (et == null) {
                throw new IllegalStateException("cpu_initclocks: no usable event timer found in registry ["
                        + registry.choice() + "] (want " + (wantPeriodic ? "periodic" : "one-shot") + ")");
            }
            registry.init(et, TIMERCB, DEREGISTER, this);
            hwLock.lock();
            try {
                pcpu = states;
                timer = et;
                periodic = adaptMode(et, wantPeriodic);
            } finally {
                hwLock.unlock();
            }
            if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
                c3Disabled++;
            }
            registry.setClockSource(this);
            LOG.log(System.Logger.Level.DEBUG, () -> "eventtimer: using " + et + " in "
                    + (periodic ? "periodic" : "one-shot") + " mode");
        } finally {
            registry.ET_UNLOCK();
        }
    }

    /**
     * The timer selection of {@code cpu_initclocks_bsp}: the named timer if any; else, if periodic
     * is wanted, the best periodic one; else the best one-shot one; else (one-shot wanted) the best
     * periodic one. Per-CPU timers are skipped (see the class notes). Called with ET_LOCK held.
     */
    private EventTimer selectTimer(String name, boolean wantPeriodicMode) {
        EventTimer et = null;
        if (name != null) {
            et = registry.et_find(name, 0, 0);
            if (et != null) {
                checkUsable(et);
            }
        }
        if (et == null && wantPeriodicMode) {
            et = registry.et_find(null, ET_FLAGS_PERIODIC | ET_FLAGS_PERCPU, ET_FLAGS_PERIODIC);
        }
        if (et == null) {
            et = registry.et_find(null, ET_FLAGS_ONESHOT | ET_FLAGS_PERCPU, ET_FLAGS_ONESHOT);
        }
        if (et == null && !wantPeriodicMode) {
            et = registry.et_find(null, ET_FLAGS_PERIODIC | ET_FLAGS_PERCPU, ET_FLAGS_PERIODIC);
        }
        return et;
    }

    private static void checkUsable(EventTimer et) {
        if (et.perCpu()) {
            throw new UnsupportedOperationException("eventtimer: timer " + et.name()
                    + " is per-CPU (ET_FLAGS_PERCPU); per-CPU timers are not supported yet");
        }
        if ((et.flags() & (ET_FLAGS_PERIODIC | ET_FLAGS_ONESHOT)) == 0) {
            throw new IllegalStateException("eventtimer: timer " + et.name()
                    + " can be neither periodic nor one-shot (flags 0x" + Integer.toHexString(et.flags()) + ")");
        }
    }

    /** "Adapt to timer capabilities": the mode {@code et} can actually run. */
    private static boolean adaptMode(EventTimer et, boolean periodicMode) {
        if (periodicMode && (et.flags() & ET_FLAGS_PERIODIC) == 0) {
            return false;
        }
        if (!periodicMode && (et.flags() & ET_FLAGS_ONESHOT) == 0) {
            return true;
        }
        return periodicMode;
    }

    @Override
    int configureHz(int requestedHz) {
        ClockRates.Rates r;
        try {
            r = ClockRates.initialRates(timer, requestedHz, singlemulTunable, periodic);
            if (r.hz() < 1 || r.hz() > 1_000_000 || r.stathz() < 1 || r.profhz() < 1) {
                throw new IllegalStateException("cpu_initclocks: timer " + timer.name() + " yields hz " + r.hz()
                        + ", stathz " + r.stathz() + ", profhz " + r.profhz() + " for requested hz " + requestedHz
                        + "; hz must be in [1, 1000000] and the others >= 1");
            }
        } catch (RuntimeException e) {
            stop(); // release the timer claimed by onAttach: the system will not be built
            throw e;
        }
        hwLock.lock();
        try {
            rates = r;
            tickSbt = SBT_1S / r.hz();
            statperiod = SBT_1S / r.stathz();
            profperiod = SBT_1S / r.profhz();
        } finally {
            hwLock.unlock();
        }
        return r.hz();
    }

    @Override
    void start() {
        registry.ET_LOCK();
        try {
            if (closed) {
                throw new IllegalStateException("eventtimer clock: already stopped");
            }
            configtimer(true);
        } finally {
            registry.ET_UNLOCK();
        }
    }

    @Override
    void stop() {
        registry.ET_LOCK();
        try {
            if (closed) {
                return;
            }
            closed = true;
            EventTimer et = timer;
            if (et != null) {
                configtimer(false);
                registry.et_free(et);
                if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
                    c3Disabled--;
                }
            }
            if (registry.clockSource() == this) {
                registry.setClockSource(null);
            }
        } finally {
            registry.ET_UNLOCK();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* setuptimer, configtimer, loadtimer                                                        */

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
    private void configtimer(boolean start) {
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
    private void timercb(EventTimer et, int cpu) {
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

    @Override
    public long nextcall(int cpu) {
        hwLock.lock();
        try {
            return pcpu[checkCpu("nextcall", cpu)].nextcall;
        } finally {
            hwLock.unlock();
        }
    }

    @Override
    public long nextcallopt(int cpu) {
        hwLock.lock();
        try {
            return pcpu[checkCpu("nextcallopt", cpu)].nextcallopt;
        } finally {
            hwLock.unlock();
        }
    }

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

    @Override
    boolean runsSoftclockInline() {
        return inlineSoftclock;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Idle, profiling                                                                           */

    /**
     * {@code cpu_idleclock()}: {@code cpu} is about to idle, so it may skip hardclock ticks
     * ({@link #getnextcpuevent}) until {@link #cpuActiveclock} or its next event. In one-shot mode
     * the timer is reprogrammed for the later event.
     *
     * @param cpu the CPU
     * @return -1 if ticks may not be skipped ({@code idletick}, reconfiguring); else the time until
     *         the CPU's next event, {@code >= 0}
     */
    public long cpuIdleclock(int cpu) {
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
    public void cpuActiveclock(int cpu) {
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

    /**
     * {@code cpu_startprofclock()}: one more profiling user; the first one switches a periodic timer
     * to the profiling rate.
     */
    public void cpuStartprofclock() {
        registry.ET_LOCK();
        try {
            checkRunning("cpu_startprofclock");
            if (profiling == 0 && periodic) {
                configtimer(false);
                setProfiling(1);
                configtimer(true);
            } else {
                setProfiling(profiling + 1);
            }
        } finally {
            registry.ET_UNLOCK();
        }
    }

    /** {@code cpu_stopprofclock()}: one profiling user less; the last one restores the normal rate. */
    public void cpuStopprofclock() {
        registry.ET_LOCK();
        try {
            checkRunning("cpu_stopprofclock");
            if (profiling == 0) {
                throw new IllegalStateException("cpu_stopprofclock: profiling is not on");
            }
            if (profiling == 1 && periodic) {
                configtimer(false);
                setProfiling(0);
                configtimer(true);
            } else {
                setProfiling(profiling - 1);
            }
        } finally {
            registry.ET_UNLOCK();
        }
    }

    private void setProfiling(int n) {
        hwLock.lock();
        try {
            profiling = n;
        } finally {
            hwLock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Run-time changes: sysctls, deregistration, frequency                                      */

    /**
     * Writes {@code kern.eventtimer.timer}: switches to the timer named {@code name} (stop, free the
     * old one, claim the new one, start it in the wanted mode). Callouts armed meanwhile are not lost:
     * the first interrupt of the new timer scans every CPU.
     *
     * @param name the timer's name, matched case-insensitively
     * @return 0 if switched (or already in use), {@link KernEt#ENOENT} if no free timer has that name
     * @throws UnsupportedOperationException if the timer is per-CPU
     * @throws IllegalStateException         if the timer can be neither periodic nor one-shot, or the
     *                                       clock is not running
     */
    public int setTimer(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("kern.eventtimer.timer: name must be a non-empty string, got "
                    + (name == null ? "null" : "\"\""));
        }
        registry.ET_LOCK();
        try {
            checkRunning("kern.eventtimer.timer");
            if (name.equalsIgnoreCase(timer.name())) {
                return 0;
            }
            EventTimer et = registry.et_find(name, 0, 0);
            if (et == null) {
                return KernEt.ENOENT;
            }
            checkUsable(et);
            switchTo(et);
            return 0;
        } finally {
            registry.ET_UNLOCK();
        }
    }

    /**
     * Writes {@code kern.eventtimer.periodic}: restarts the timer in the other mode (if it can run
     * it; the rates computed at start-up are kept, as in FreeBSD).
     *
     * @param wanted true for periodic, false for one-shot
     */
    public void setPeriodic(boolean wanted) {
        registry.ET_LOCK();
        try {
            checkRunning("kern.eventtimer.periodic");
            configtimer(false);
            wantPeriodic = wanted;
            hwLock.lock();
            try {
                periodic = wanted; // setuptimer adapts it to the timer
            } finally {
                hwLock.unlock();
            }
            configtimer(true);
        } finally {
            registry.ET_UNLOCK();
        }
    }

    /** The switch of the {@code kern.eventtimer.timer} sysctl, also used by deregistration. ET_LOCK held. */
    private void switchTo(EventTimer et) {
        EventTimer old = timer;
        configtimer(false);
        registry.et_free(old);
        if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled++;
        }
        if ((old.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled--;
        }
        hwLock.lock();
        try {
            periodic = wantPeriodic;
            timer = et;
        } finally {
            hwLock.unlock();
        }
        registry.init(et, TIMERCB, DEREGISTER, this);
        configtimer(true);
        LOG.log(System.Logger.Level.DEBUG, () -> "eventtimer: switched from " + old + " to " + et);
    }

    /**
     * The deregister callback: the driver withdraws the timer in use, so move to the next best one
     * (found while the departing timer is still active, so that it is skipped), or refuse with
     * {@code EBUSY} if there is none.
     */
    private int deregisterCb(EventTimer et) {
        registry.ET_LOCK();
        try {
            if (closed || et != timer) {
                return 0; // not in use any more
            }
            EventTimer next = selectTimer(null, wantPeriodic);
            if (next == null) {
                return KernEt.EBUSY;
            }
            switchTo(next);
            return 0;
        } finally {
            registry.ET_UNLOCK();
        }
    }

    @Override
    public EventTimer currentTimer() {
        return closed ? null : timer;
    }

    /** {@code cpu_et_frequency}, first half: {@code configtimer(0)}. ET_LOCK held by the registry. */
    @Override
    public void frequencyChanging(EventTimer et, long oldFrequency, long newFrequency) {
        if (!closed && et == timer) {
            configtimer(false);
        }
    }

    /** {@code cpu_et_frequency}, second half: {@code configtimer(1)} with the new frequency. */
    @Override
    public void frequencyChanged(EventTimer et, long oldFrequency, long newFrequency) {
        if (!closed && et == timer) {
            configtimer(true);
        }
    }

    /**
     * Writes {@code kern.eventtimer.idletick}: with it, CPUs never skip ticks when idle.
     *
     * @param on the new value
     */
    public void setIdletick(boolean on) {
        idletick = on;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Observers                                                                                 */

    /** {@return the timer in use ({@code timer}), or null before the system is built} */
    public EventTimer timer() {
        return timer;
    }

    /** {@return true in periodic mode, false in one-shot mode} */
    public boolean periodic() {
        return periodic;
    }

    /** {@return the hardclock rate in use ({@code hz}); 0 before the system is built} */
    public int hz() {
        ClockRates.Rates r = rates;
        return r == null ? 0 : r.hz();
    }

    /** {@return {@code stathz}; 0 before the system is built} */
    public int stathz() {
        ClockRates.Rates r = rates;
        return r == null ? 0 : r.stathz();
    }

    /** {@return {@code profhz}; 0 before the system is built} */
    public int profhz() {
        ClockRates.Rates r = rates;
        return r == null ? 0 : r.profhz();
    }

    /** {@return {@code singlemul}: timer interrupts per hardclock in periodic mode; 0 before start} */
    public int singlemul() {
        ClockRates.Rates r = rates;
        return r == null ? 0 : r.singlemul();
    }

    /** {@return {@code tick_sbt}, {@code SBT_1S / hz}; 0 before the system is built} */
    public long tickSbt() {
        return tickSbt;
    }

    /** {@return {@code timerperiod}: the timer's period in periodic mode, sbintime} */
    public long timerperiod() {
        hwLock.lock();
        try {
            return timerperiod;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return {@code statperiod}, sbintime} */
    public long statperiod() {
        hwLock.lock();
        try {
            return statperiod;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return the global timer's programmed event ({@code nexttick}), -1 if none} */
    public long nexttick() {
        hwLock.lock();
        try {
            return nexttick;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return the number of interrupts taken (events of the timer in use, outside reconfiguration)} */
    public long interrupts() {
        hwLock.lock();
        try {
            return interrupts;
        } finally {
            hwLock.unlock();
        }
    }

    /** {@return the profiling reference count} */
    public int profiling() {
        hwLock.lock();
        try {
            return profiling;
        } finally {
            hwLock.unlock();
        }
    }

    /**
     * {@code cpu_disable_c3_sleep}: how many timers in use stop in deep sleep
     * ({@link EventTimer#ET_FLAGS_C3STOP}); while non-zero, CPUs must not enter deep sleep.
     *
     * @return the count
     */
    public int deepSleepDisabled() {
        registry.ET_LOCK();
        try {
            return c3Disabled;
        } finally {
            registry.ET_UNLOCK();
        }
    }

    /**
     * A snapshot of {@code cpu}'s state ({@code show clocksource}).
     *
     * @param cpu the CPU
     * @return the snapshot
     */
    public CpuState state(int cpu) {
        hwLock.lock();
        try {
            ClockPcpu st = pcpu[checkCpu("state", cpu)];
            return new CpuState(st.now, st.nextevent, st.nexthard, st.nextstat, st.nextprof, st.nextcall,
                    st.nextcallopt, st.idle, st.hardclocktime, st.hardclockCalls, st.hardclockRuns,
                    st.statclockRuns, st.profclockRuns, st.calloutScans);
        } finally {
            hwLock.unlock();
        }
    }

    private int checkCpu(String fn, int cpu) {
        ClockPcpu[] p = pcpu;
        if (p == null) {
            throw new IllegalStateException(fn + ": the clock drives no callout system yet");
        }
        if (cpu < 0 || cpu >= p.length) {
            throw new IllegalArgumentException(fn + ": cpu must be in [0, " + p.length + "), got " + cpu);
        }
        return cpu;
    }

    private void checkRunning(String fn) {
        if (timer == null || closed) {
            throw new IllegalStateException(fn + ": the clock is " + (closed ? "stopped" : "not attached yet"));
        }
    }

    @Override
    public String toString() {
        EventTimer et = timer;
        return "EventTimerClock[" + (et == null ? "unattached" : et.name()) + ", "
                + (periodic ? "periodic" : "one-shot") + (closed ? ", stopped" : "") + "]";
    }

    /* ---------------------------------------------------------------------------------------- */

    /** Configures an {@link EventTimerClock}; the tunables are FreeBSD's {@code kern.eventtimer.*}. */
    public static final class Builder {
        private EventTimers registry = EventTimers.defaultRegistry();
        private String timerName;
        private boolean periodic;
        private int singlemul;
        private boolean idletick;
        private boolean autoIdle = true;
        private int tcMinTicktockFreq = 1;
        private int ticksAtStart;
        private LongSupplier timecounter;
        private VirtualTimebase timebase;
        private Boolean inlineSoftclock;
        private Hooks hooks = Hooks.NONE;

        private Builder() {
        }

        /** @param r the registry to take timers from (default {@link EventTimers#defaultRegistry()}) @return this */
        public Builder registry(EventTimers r) {
            this.registry = Objects.requireNonNull(r, "registry");
            return this;
        }

        /**
         * {@code kern.eventtimer.timer}: the timer to use, by name (case-insensitive). If no free timer
         * has that name, the best one is chosen instead, as in FreeBSD.
         *
         * @param name a timer name, or null for automatic selection (the default)
         * @return this
         */
        public Builder timer(String name) {
            this.timerName = name == null || name.isEmpty() ? null : name;
            return this;
        }

        /** @param p {@code kern.eventtimer.periodic}: periodic mode wanted (default false: one-shot) @return this */
        public Builder periodic(boolean p) {
            this.periodic = p;
            return this;
        }

        /**
         * {@code kern.eventtimer.singlemul}: timer interrupts per hardclock in periodic mode.
         *
         * @param n 1 to 20, or 0 to choose from hz (the default: 1 if hz >= 1500 or a multiple of 128,
         *          2 if hz >= 750, else 4)
         * @return this
         */
        public Builder singlemul(int n) {
            if (n < 0 || n > ClockRates.SINGLEMUL_MAX) {
                throw new IllegalArgumentException("kern.eventtimer.singlemul must be 0 (auto) or in [1, "
                        + ClockRates.SINGLEMUL_MAX + "], got " + n);
            }
            this.singlemul = n;
            return this;
        }

        /** @param on {@code kern.eventtimer.idletick}: idle CPUs never skip ticks (default false) @return this */
        public Builder idletick(boolean on) {
            this.idletick = on;
            return this;
        }

        /**
         * Whether each CPU calls {@link #cpuIdleclock} by itself after every interrupt once it has
         * nothing left to run, as FreeBSD's idle thread does (default true). Without it, CPUs are
         * active (every tick taken) until a test calls {@code cpuIdleclock}.
         *
         * @param on the setting
         * @return this
         */
        public Builder autoIdle(boolean on) {
            this.autoIdle = on;
            return this;
        }

        /**
         * {@code tc_min_ticktock_freq}: how often the timecounter must be read not to wrap; above 2,
         * an idle first CPU wakes at least this often (default 1: a 64-bit timecounter never wraps).
         *
         * @param hz {@code >= 1}
         * @return this
         */
        public Builder tcMinTicktockFreq(int hz) {
            if (hz < 1) {
                throw new IllegalArgumentException("tc_min_ticktock_freq must be >= 1, got " + hz);
            }
            this.tcMinTicktockFreq = hz;
            return this;
        }

        /** @param t the value of {@code ticks} at start, to test its wrap (default 0) @return this */
        public Builder ticksAtStart(int t) {
            this.ticksAtStart = t;
            return this;
        }

        /**
         * The timecounter for real or custom time: {@code sbinuptime()} (default:
         * {@link RealTimeTimerDriver#timecounter()}). Softclock then runs on per-CPU threads.
         *
         * @param tc returns the current sbintime, never decreasing
         * @return this
         */
        public Builder timecounter(LongSupplier tc) {
            this.timecounter = Objects.requireNonNull(tc, "timecounter");
            this.timebase = null;
            return this;
        }

        /**
         * Virtual time: the timecounter is {@code tb}, softclock runs inline on the thread that moves
         * time, and {@link VirtualTimebase#advanceTicks(int)} uses this clock's tick.
         *
         * @param tb the time base the virtual drivers run on
         * @return this
         */
        public Builder timecounter(VirtualTimebase tb) {
            this.timecounter = Objects.requireNonNull(tb, "timebase");
            this.timebase = tb;
            return this;
        }

        /**
         * Overrides where softclock runs: inline on the interrupt's thread (true; needs a driver that
         * delivers events on a thread allowed to run handlers) or on per-CPU softclock threads (false).
         * Default: inline exactly for a {@link VirtualTimebase}.
         *
         * @param inline the setting
         * @return this
         */
        public Builder inlineSoftclock(boolean inline) {
            this.inlineSoftclock = inline;
            return this;
        }

        /** @param h receives hardclock/statclock/profclock ticks (default none) @return this */
        public Builder hooks(Hooks h) {
            this.hooks = Objects.requireNonNull(h, "hooks");
            return this;
        }

        /**
         * @return a clock to pass to {@link CalloutWheel.Builder#clock}; it selects its timer when the
         *         system is built
         * @throws IllegalStateException if the time base already serves another clock
         */
        public EventTimerClock build() {
            EventTimerClock c = new EventTimerClock(this);
            if (timebase != null) {
                timebase.bind(c);
            }
            return c;
        }
    }
}
