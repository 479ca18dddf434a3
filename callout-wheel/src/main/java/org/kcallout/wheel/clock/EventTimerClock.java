package org.kcallout.wheel.clock;

import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.function.LongSupplier;
import org.kcallout.et.EtDeregisterCb;
import org.kcallout.et.EtEventCb;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimerConsumer;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;
import org.kcallout.Sbt;

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
 * {@link VirtualTimebase} for {@code VirtualTimerDriver} and {@code SimulatedReloadTimer}, the
 * default nanoTime timecounter ({@code RealTimeTimerDriver.timecounter()}) for
 * {@code RealTimeTimerDriver}. With a virtual time base, softclock runs inline on the thread that
 * moves time; with real time, the callout system starts a softclock thread per CPU.
 *
 * <h2>Several CPUs: global and per-CPU timers</h2>
 * A global timer's interrupt is taken by one CPU (the one the driver names in {@code fire(cpu)},
 * else CPU 0), which handles its own events and sends a simulated inter-processor interrupt
 * ({@code IPI_HARDCLOCK}) to every other CPU whose next event has passed. A per-CPU timer
 * ({@link EventTimer#ET_FLAGS_PERCPU}, one instance per CPU, like a local APIC timer) interrupts
 * each CPU separately; a callout armed for another CPU reaches it by IPI, and a reconfiguration
 * (start, stop, switch, frequency change) is broadcast by IPI and waits until every CPU has
 * acknowledged. Each CPU's interrupts and IPIs run in its <em>interrupt context</em>: in virtual time
 * the thread that moves time (IPIs are delivered in CPU order after each interrupt, before time
 * moves on, and an IPI sent from outside an advance at the start of the next one); in real time
 * the driver's thread(s) for timer interrupts and one {@code kcallout-ipi-N} thread per CPU for
 * IPIs.
 *
 * <h2>Pitfalls</h2>
 * <ul>
 *   <li>Timer selection happens when the callout system is built; if no timer fits, building fails
 *       with {@link IllegalStateException} (FreeBSD panics). A name that matches no timer falls back
 *       to automatic selection, as in FreeBSD.</li>
 *   <li>With a per-CPU timer in virtual time, a callout armed for another CPU than the arming
 *       thread's {@code CalloutWheel.curcpu()} is programmed by that CPU when its IPI is
 *       delivered, at the start of the next advance: until then the driver shows the old event
 *       (the callout is not late: delivery happens before time moves).</li>
 *   <li>In real time, a reconfiguration of a per-CPU timer fails with
 *       {@link IllegalStateException} if a CPU does not acknowledge within 10 seconds (its
 *       interrupt context blocked, for example by a direct handler that blocks).</li>
 *   <li>In periodic mode with a per-CPU timer, CPUs never skip ticks
 *       ({@link #cpuIdleclock} returns -1), as in FreeBSD.</li>
 *   <li>In one-shot mode an <em>active</em> CPU still takes every hardclock and statclock tick; only
 *       idle CPUs skip ticks ({@link #cpuIdleclock}). With {@code autoIdle} (the default) each CPU
 *       goes idle after every interrupt once it has nothing left to run, as FreeBSD's idle thread
 *       does.</li>
 *   <li>A one-shot timer that loses an interrupt is not re-armed until something reprograms it: an
 *       earlier callout, a CPU passing through the idle loop ({@link #cpuIdleclock} then
 *       {@link #cpuActiveclock}), a timer switch. FreeBSD behaves the same.</li>
 *   <li>The clock claims the registry's {@linkplain EventTimers#setClockSource clock source} slot;
 *       one registry serves one clock source at a time.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Events arrive on the driver's thread(s), IPIs on the thread that moves virtual time or on the
 * {@code kcallout-ipi-N} threads. Every public method may be called from any thread; handlers may
 * call them too, except that time must not be moved from inside a handler. A direct handler should
 * not call the control methods (they take {@code ET_LOCK}, and a reconfiguration of a per-CPU timer
 * holding it may be waiting for that very handler's CPU to acknowledge: it then fails after its
 * timeout).
 */
public final class EventTimerClock extends ClockSource implements EventTimerConsumer {
    /* Implementation notes.
     *
     * Ports kern_clocksource.c of the KCS/V11 era, in two halves as the file itself is: this class
     * is the control side (cpu_initclocks_bsp as onAttach + configureHz + start, the sysctl
     * handlers setTimer and setPeriodic, cpu_startprofclock/cpu_stopprofclock, cpu_et_frequency
     * as EventTimerConsumer, and the deregister callback); ClockEvents is the interrupt side
     * (setuptimer, configtimer, loadtimer, timercb, handleevents, getnextcpuevent, getnextevent,
     * cpu_new_callout, cpu_idleclock, cpu_activeclock, hardclock's tick bookkeeping, and the IPI
     * handlers hardclockintr and doconfigtimer), with the per-CPU state of ClockPcpu; ClockIpis
     * delivers the simulated IPIs (ipi_cpu) and waits for configtimer's acknowledgements; round_freq
     * and the rates are ClockRates. The lock order of the whole clock source is written down in
     * ClockEvents.
     *
     * Field ownership here: registry, timerName, singlemulTunable, inlineSoftclock and ev are
     * final; wantPeriodic and c3Disabled are guarded by ET_LOCK; closed is written under ET_LOCK
     * and volatile. Every control operation runs under ET_LOCK (the registry's recursive mutex),
     * which serialises it against timer selection in the registry, against et_change_frequency,
     * and against the others; the interrupt side never takes ET_LOCK.
     *
     * Differences from FreeBSD at this level: the deregister callback moves to the next best
     * timer (KCS passes none); a missing rate (hz out of range) fails the build instead of
     * panicking. Per-CPU timers are selected like any other (et_find ignores ET_FLAGS_PERCPU). */

    private static final System.Logger LOG = System.getLogger(EventTimerClock.class.getName());

    /** Real time: how long configtimer waits for the CPUs to acknowledge a per-CPU timer's reconfiguration. */
    static final long DEFAULT_ACK_TIMEOUT_NANOS = 10_000_000_000L;

    /** timercb, bound once: the registry passes the clock back as the argument. */
    private static final EtEventCb<EventTimerClock> TIMERCB = (et, cpu, clk) -> clk.ev.timercb(et, cpu);
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
     * @param nexttick       the event programmed on this CPU's instance of a per-CPU timer (-1:
     *                       none; a global timer's is {@link #nexttick()})
     * @param action         pending reconfiguration request: 0 none, 1 start, 2 stop (per-CPU timers)
     * @param handle         whether an immediate-handling request waits for this CPU's IPI
     */
    public record CpuState(long now, long nextevent, long nexthard, long nextstat, long nextprof, long nextcall,
                           long nextcallopt, boolean idle, long hardclocktime, long hardclockCalls,
                           long hardclockRuns, long statclockRuns, long profclockRuns, long calloutScans,
                           long nexttick, int action, boolean handle) {
    }

    private final EventTimers registry;
    private final String timerName;            // kern.eventtimer.timer, or null
    private final int singlemulTunable;        // kern.eventtimer.singlemul, 0 = choose
    private final boolean inlineSoftclock;
    /** The interrupt side: hardware lock, per-CPU state, timercb and friends. */
    private final ClockEvents ev;

    private boolean wantPeriodic;              // ET_LOCK: want_periodic
    private int c3Disabled;                    // ET_LOCK: cpu_disable_c3_sleep
    private volatile boolean closed;           // ET_LOCK for writes; volatile for live() and currentTimer()

    private EventTimerClock(Builder b) {
        this.registry = b.registry;
        this.timerName = b.timerName;
        this.wantPeriodic = b.periodic;
        this.singlemulTunable = b.singlemul;
        this.inlineSoftclock = b.inlineSoftclock != null ? b.inlineSoftclock : b.timebase != null;
        LongSupplier tc = b.timecounter != null ? b.timecounter : nanoTimecounter();
        this.ev = new ClockEvents(b.registry, tc, inlineSoftclock, b.autoIdle, b.tcMinTicktockFreq, b.hooks,
                b.ticksAtStart, b.idletick, b.timebase != null, b.ackTimeoutNanos);
    }

    /** {@return a builder: default registry, automatic timer, one-shot, real time, autoIdle on} */
    public static Builder builder() {
        return new Builder();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* cpu_initclocks_bsp: selection (onAttach), rates (configureHz), start                      */

    @Override
    void onAttach(int ncpus) {
        registry.etLock().lock();
        try {
            attachLocked(ncpus);
        } catch (RuntimeException e) {
            closed = true; // the system will not be built; this clock is spent
            throw e;
        } finally {
            registry.etLock().unlock();
        }
    }

    /** onAttach under ET_LOCK: selection, et_init, mode, C3 accounting, the consumer slot. */
    private void attachLocked(int ncpus) {
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
        boolean mode = ClockEvents.adaptMode(et, wantPeriodic);
        ev.attach(layer, port(), ncpus, et, mode);
        if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled++;
        }
        registry.setClockSource(this);
        LOG.log(System.Logger.Level.DEBUG, () -> "eventtimer: using " + et + " in "
                + (mode ? "periodic" : "one-shot") + " mode");
    }

    /**
     * A timecounter on {@link System#nanoTime()} whose time 0 is the moment of this call: the
     * default {@code sbinuptime()} of a clock built without {@code timecounter(...)}, and the one a
     * real-time driver ({@code RealTimeTimerDriver}) counts on.
     *
     * @return the timecounter
     */
    public static LongSupplier nanoTimecounter() {
        long origin = System.nanoTime();
        return () -> Sbt.nstosbt(Math.max(System.nanoTime() - origin, 0));
    }

    /** True while this clock drives a system: attached and not stopped. */
    boolean live() {
        return layer != null && !closed;
    }

    /**
     * The timer selection of {@code cpu_initclocks_bsp}: the named timer if any; else, if periodic
     * is wanted, the best periodic one; else the best one-shot one; else (one-shot wanted) the best
     * periodic one. Called with ET_LOCK held.
     */
    private EventTimer selectTimer(String name, boolean wantPeriodicMode) {
        EventTimer et = null;
        if (name != null) {
            et = KernEt.on(registry).et_find(name, 0, 0);
            if (et != null) {
                checkUsable(et);
            }
        }
        if (et == null && wantPeriodicMode) {
            et = KernEt.on(registry).et_find(null, ET_FLAGS_PERIODIC, ET_FLAGS_PERIODIC);
        }
        if (et == null) {
            et = KernEt.on(registry).et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT);
        }
        if (et == null && !wantPeriodicMode) {
            et = KernEt.on(registry).et_find(null, ET_FLAGS_PERIODIC, ET_FLAGS_PERIODIC);
        }
        return et;
    }

    private static void checkUsable(EventTimer et) {
        if ((et.flags() & (ET_FLAGS_PERIODIC | ET_FLAGS_ONESHOT)) == 0) {
            throw new IllegalStateException("eventtimer: timer " + et.name()
                    + " can be neither periodic nor one-shot (flags 0x" + Integer.toHexString(et.flags()) + ")");
        }
    }

    @Override
    int configureHz(int requestedHz) {
        ClockRates.Rates r;
        try {
            EventTimer et = ev.timer();
            r = ClockRates.initialRates(et, requestedHz, singlemulTunable, ev.periodic());
            if (r.hz() < 1 || r.hz() > 1_000_000 || r.stathz() < 1 || r.profhz() < 1) {
                throw new IllegalStateException("cpu_initclocks: timer " + et.name() + " yields hz " + r.hz()
                        + ", stathz " + r.stathz() + ", profhz " + r.profhz() + " for requested hz " + requestedHz
                        + "; hz must be in [1, 1000000] and the others >= 1");
            }
        } catch (RuntimeException | Error e) {
            stop(); // release the timer claimed by onAttach: the system will not be built
            throw e;
        }
        ev.setRates(r);
        return r.hz();
    }

    @Override
    void start() {
        registry.etLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("eventtimer clock: already stopped");
            }
            ev.configtimer(true);
        } finally {
            registry.etLock().unlock();
        }
    }

    @Override
    void stop() {
        registry.etLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            EventTimer et = ev.timer();
            if (et != null) {
                try {
                    ev.configtimer(false);
                } catch (IllegalStateException e) {
                    // A CPU did not acknowledge the stop of its per-CPU timer: stopping must not
                    // fail. The request stays posted; et_stop of a freed timer is a no-op.
                    LOG.log(System.Logger.Level.WARNING, "eventtimer: stopping " + et.name(), e);
                }
                KernEt.on(registry).et_free(et);
                if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
                    c3Disabled--;
                }
            }
            if (registry.clockSource() == this) {
                registry.setClockSource(null);
            }
        } finally {
            registry.etLock().unlock();
        }
        ev.shutdown(); // the IPI threads of real time; after ET_UNLOCK, as it may wait for them
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The seam: the wheel's view, delegated to the interrupt side                               */

    @Override
    void cpuNewCallout(int cpu, long bt, long btOpt) {
        ev.cpuNewCallout(cpu, bt, btOpt);
    }

    @Override
    public long nextcall(int cpu) {
        return ev.nextcall(cpu);
    }

    @Override
    public long nextcallopt(int cpu) {
        return ev.nextcallopt(cpu);
    }

    @Override
    public long sbinuptime() {
        return ev.sbinuptime();
    }

    /**
     * {@code hardclocktime} of {@code cpu}: {@code nexthard - tick_sbt} as its last handleevents
     * left it; for an idle CPU, the slot {@code cpu_activeclock} would give it now.
     */
    @Override
    public long hardclocktime(int cpu) {
        return ev.hardclocktime(cpu);
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
        return ev.ticks();
    }

    @Override
    boolean runsSoftclock() {
        return inlineSoftclock;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Idle, profiling                                                                           */

    /**
     * {@code cpu_idleclock()}: {@code cpu} is about to idle, so it may skip hardclock ticks until
     * {@link #cpuActiveclock} or its next event (an idle CPU wakes every {@code hz/2} ticks, or
     * earlier for a callout). In one-shot mode the timer is reprogrammed for the later event.
     *
     * @param cpu the CPU
     * @return -1 if ticks may not be skipped ({@code idletick}, reconfiguring); else the time until
     *         the CPU's next event, {@code >= 0}
     */
    public long cpuIdleclock(int cpu) {
        return ev.cpuIdleclock(cpu);
    }

    /**
     * {@code cpu_activeclock()}: {@code cpu} leaves idle: the ticks it skipped are run
     * ({@code handleevents(now, 1)}), due callouts too, and it wakes for every tick again. Does
     * nothing if the CPU is not idle.
     *
     * @param cpu the CPU
     */
    public void cpuActiveclock(int cpu) {
        ev.cpuActiveclock(cpu);
    }

    /**
     * {@code cpu_startprofclock()}: one more profiling user; the first one switches a periodic timer
     * to the profiling rate.
     */
    public void cpuStartprofclock() {
        registry.etLock().lock();
        try {
            checkRunning("cpu_startprofclock");
            int profiling = ev.profiling();
            if (profiling == 0 && ev.periodic()) {
                ev.configtimer(false);
                ev.setProfiling(1);
                ev.configtimer(true);
            } else {
                ev.setProfiling(profiling + 1);
            }
        } finally {
            registry.etLock().unlock();
        }
    }

    /** {@code cpu_stopprofclock()}: one profiling user less; the last one restores the normal rate. */
    public void cpuStopprofclock() {
        registry.etLock().lock();
        try {
            checkRunning("cpu_stopprofclock");
            int profiling = ev.profiling();
            if (profiling == 0) {
                throw new IllegalStateException("cpu_stopprofclock: profiling is not on");
            }
            if (profiling == 1 && ev.periodic()) {
                ev.configtimer(false);
                ev.setProfiling(0);
                ev.configtimer(true);
            } else {
                ev.setProfiling(profiling - 1);
            }
        } finally {
            registry.etLock().unlock();
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
     * @throws IllegalArgumentException if {@code name} is null or empty
     * @throws IllegalStateException    if the timer can be neither periodic nor one-shot or cannot
     *                                  run at the clock's rates ({@code round_freq}: no sub-second
     *                                  periods), checked before anything changes; or if the clock
     *                                  is not running; or (real time) if a CPU does not acknowledge
     *                                  the reconfiguration of a per-CPU timer
     */
    public int setTimer(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("kern.eventtimer.timer: name must be a non-empty string, got "
                    + (name == null ? "null" : "\"\""));
        }
        registry.etLock().lock();
        try {
            checkRunning("kern.eventtimer.timer");
            if (name.equalsIgnoreCase(ev.timer().name())) {
                return 0;
            }
            EventTimer et = KernEt.on(registry).et_find(name, 0, 0);
            if (et == null) {
                return KernEt.ENOENT;
            }
            checkUsable(et);
            String why = unrunnable(et);
            if (why != null) {
                throw new IllegalStateException("kern.eventtimer.timer: cannot switch to timer " + et.name() + ": "
                        + why);
            }
            switchTo(et);
            return 0;
        } finally {
            registry.etLock().unlock();
        }
    }

    /**
     * Writes {@code kern.eventtimer.periodic}: restarts the timer in the other mode (if it can run
     * it; the rates computed at start-up are kept, as in FreeBSD).
     *
     * @param wanted true for periodic, false for one-shot
     */
    public void setPeriodic(boolean wanted) {
        registry.etLock().lock();
        try {
            checkRunning("kern.eventtimer.periodic");
            ev.configtimer(false);
            wantPeriodic = wanted;
            ev.install(ev.timer(), wanted); // setuptimer adapts the mode to the timer
            ev.configtimer(true);
        } finally {
            registry.etLock().unlock();
        }
    }

    /**
     * Why {@code et} cannot run at this clock's rates (what {@code setuptimer}'s {@code round_freq}
     * would throw once the old timer is already stopped and freed), or null if it can. ET_LOCK held.
     */
    private String unrunnable(EventTimer et) {
        ClockRates.Rates r = ev.rates();
        if (r == null) {
            return null; // not started yet: nothing to compare with (configureHz checks the rates)
        }
        try {
            ClockRates.timerFrequency(et, r, ev.profiling() > 0);
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** The switch of the {@code kern.eventtimer.timer} sysctl, also used by deregistration. ET_LOCK held. */
    private void switchTo(EventTimer et) {
        EventTimer old = ev.timer();
        ev.configtimer(false);
        KernEt.on(registry).et_free(old);
        if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled++;
        }
        if ((old.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled--;
        }
        ev.install(et, wantPeriodic);
        registry.init(et, TIMERCB, DEREGISTER, this);
        ev.configtimer(true);
        LOG.log(System.Logger.Level.DEBUG, () -> "eventtimer: switched from " + old + " to " + et);
    }

    /**
     * The deregister callback: the driver withdraws the timer in use, so move to the next best one
     * (found while the departing timer is still active, so that it is skipped), or refuse with
     * {@code EBUSY} if there is none or it cannot run at the clock's rates (nothing changes then).
     */
    private int deregisterCb(EventTimer et) {
        registry.etLock().lock();
        try {
            if (closed || et != ev.timer()) {
                return 0; // not in use any more
            }
            EventTimer next = selectTimer(null, wantPeriodic);
            if (next == null) {
                return KernEt.EBUSY;
            }
            String why = unrunnable(next);
            if (why != null) { // as if there were no successor: refuse before anything changes
                LOG.log(System.Logger.Level.WARNING, "eventtimer: keeping " + et.name() + ", the next best timer "
                        + next.name() + " cannot run: " + why);
                return KernEt.EBUSY;
            }
            switchTo(next);
            return 0;
        } finally {
            registry.etLock().unlock();
        }
    }

    @Override
    public EventTimer currentTimer() {
        return closed ? null : ev.timer();
    }

    /**
     * {@code cpu_et_frequency}, first half: {@code configtimer(0)}. Called by
     * {@link EventTimers#changeFrequency} with ET_LOCK held; not for direct use.
     *
     * @param et           the timer whose frequency changes (ignored unless it is the one in use)
     * @param oldFrequency its frequency now, Hz
     * @param newFrequency the frequency about to be stored, Hz
     * @throws IllegalStateException if the calling thread does not hold the registry's ET_LOCK
     *                               (nothing is stopped)
     */
    @Override
    public void frequencyChanging(EventTimer et, long oldFrequency, long newFrequency) {
        requireEtLock("cpu_et_frequency");
        if (!closed && et == ev.timer()) {
            ev.configtimer(false);
        }
    }

    /**
     * {@code cpu_et_frequency}, second half: {@code configtimer(1)} with the new frequency. Called
     * by {@link EventTimers#changeFrequency} with ET_LOCK held, after
     * {@link #frequencyChanging}; not for direct use.
     *
     * @param et           the timer whose frequency changed (ignored unless it is the one in use)
     * @param oldFrequency the frequency before the change, Hz
     * @param newFrequency the frequency now stored, Hz
     * @throws IllegalStateException if the calling thread does not hold the registry's ET_LOCK, or
     *                               if the timer in use was not stopped by {@link #frequencyChanging}
     *                               first (nothing is restarted)
     */
    @Override
    public void frequencyChanged(EventTimer et, long oldFrequency, long newFrequency) {
        requireEtLock("cpu_et_frequency");
        if (!closed && et == ev.timer()) {
            if (!ev.busy()) {
                throw new IllegalStateException("cpu_et_frequency: timer " + et.name()
                        + " is running; frequencyChanged must follow frequencyChanging (use et_change_frequency)");
            }
            ev.configtimer(true);
        }
    }

    /** The registry calls the EventTimerConsumer methods with ET_LOCK held; anyone else is refused. */
    private void requireEtLock(String fn) {
        if (!registry.etLock().owned()) {
            throw new IllegalStateException(fn + ": called without ET_LOCK of registry " + registry
                    + "; change a timer's frequency with et_change_frequency");
        }
    }

    /**
     * Writes {@code kern.eventtimer.idletick}: with it, CPUs never skip ticks when idle.
     *
     * @param on the new value
     */
    public void setIdletick(boolean on) {
        ev.setIdletick(on);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Observers                                                                                 */

    /** {@return the timer in use ({@code timer}), or null before the system is built} */
    public EventTimer timer() {
        return ev.timer();
    }

    /** {@return true in periodic mode, false in one-shot mode} */
    public boolean periodic() {
        return ev.periodic();
    }

    /** {@return the hardclock rate in use ({@code hz}); 0 before the system is built} */
    public int hz() {
        ClockRates.Rates r = ev.rates();
        return r == null ? 0 : r.hz();
    }

    /** {@return {@code stathz}; 0 before the system is built} */
    public int stathz() {
        ClockRates.Rates r = ev.rates();
        return r == null ? 0 : r.stathz();
    }

    /** {@return {@code profhz}; 0 before the system is built} */
    public int profhz() {
        ClockRates.Rates r = ev.rates();
        return r == null ? 0 : r.profhz();
    }

    /** {@return {@code singlemul}: timer interrupts per hardclock in periodic mode; 0 before start} */
    public int singlemul() {
        ClockRates.Rates r = ev.rates();
        return r == null ? 0 : r.singlemul();
    }

    /** {@return {@code tick_sbt}, {@code SBT_1S / hz}; 0 before the system is built} */
    public long tickSbt() {
        return ev.tickSbt();
    }

    /** {@return {@code timerperiod}: the timer's period in periodic mode, sbintime} */
    public long timerperiod() {
        return ev.timerperiod();
    }

    /** {@return {@code statperiod}, sbintime} */
    public long statperiod() {
        return ev.statperiod();
    }

    /** {@return the global timer's programmed event ({@code nexttick}), -1 if none} */
    public long nexttick() {
        return ev.nexttick();
    }

    /** {@return the number of interrupts taken (events of the timer in use, outside reconfiguration)} */
    public long interrupts() {
        return ev.interrupts();
    }

    /** {@return the profiling reference count} */
    public int profiling() {
        return ev.profiling();
    }

    /**
     * {@code cpu_disable_c3_sleep}: how many timers in use stop in deep sleep
     * ({@link EventTimer#ET_FLAGS_C3STOP}); while non-zero, CPUs must not enter deep sleep.
     *
     * @return the count
     */
    public int deepSleepDisabled() {
        registry.etLock().lock();
        try {
            return c3Disabled;
        } finally {
            registry.etLock().unlock();
        }
    }

    /**
     * A snapshot of {@code cpu}'s state ({@code show clocksource}).
     *
     * @param cpu the CPU
     * @return the snapshot
     */
    public CpuState state(int cpu) {
        return ev.state(cpu);
    }

    /** {@link ClockEvents#handleevents} for tests (SPEC case 82). */
    boolean handleevents(int cpu, long now, int fake) {
        return ev.handleevents(cpu, now, fake);
    }

    /** {@link ClockEvents#getnextcpuevent(int, boolean)} for tests (SPEC case 85). */
    long getnextcpuevent(int cpu, boolean idle) {
        return ev.getnextcpuevent(cpu, idle);
    }

    /** The CPU whose interrupt context the calling thread is in, or -1; for tests. */
    int interruptCpu() {
        return ev.interruptCpu();
    }

    /** {@code curcpu} as the clock source sees it (interrupt context, else the wheel's rule); for tests. */
    int curcpu() {
        return ev.curcpu();
    }

    /** The number of {@code IPI_HARDCLOCK}s {@code cpu} has handled; for tests. */
    long hardclockIntrs(int cpu) {
        return ev.hardclockIntrs(cpu);
    }

    /** Whether an IPI is pending for {@code cpu} (a snapshot); for tests. */
    boolean ipiPending(int cpu) {
        return ev.ipiPending(cpu);
    }

    /**
     * Virtual time: delivers the pending IPIs on the calling thread, CPU by CPU in CPU order, until
     * none is left. Called by {@link VirtualTimebase} before each step; does nothing in real time.
     *
     * @return the number delivered
     */
    int deliverIpis() {
        return layer == null ? 0 : ev.deliverIpis();
    }

    private void checkRunning(String fn) {
        if (ev.timer() == null || closed) {
            throw new IllegalStateException(fn + ": the clock is " + (closed ? "stopped" : "not attached yet"));
        }
    }

    @Override
    public String toString() {
        EventTimer et = ev.timer();
        return "EventTimerClock[" + (et == null ? "unattached" : et.name()) + ", "
                + (ev.periodic() ? "periodic" : "one-shot") + (closed ? ", stopped" : "") + "]";
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
        private long ackTimeoutNanos = DEFAULT_ACK_TIMEOUT_NANOS;

        private Builder() {
        }

        /**
         * How long {@code configtimer} waits for every CPU to acknowledge the reconfiguration of a
         * per-CPU timer in real time before it fails (default 10 s); for tests of that failure.
         *
         * @param nanos {@code > 0}
         * @return this
         */
        Builder ackTimeoutNanos(long nanos) {
            if (nanos <= 0) {
                throw new IllegalArgumentException("ack timeout must be > 0 ns, got " + nanos);
            }
            this.ackTimeoutNanos = nanos;
            return this;
        }

        /**
         * The registry to take timers from (default {@link EventTimers#defaultRegistry()}).
         *
         * @param r the registry
         * @return this
         * @throws IllegalArgumentException if {@code r} is null (the builder is unchanged)
         */
        public Builder registry(EventTimers r) {
            if (r == null) {
                throw new IllegalArgumentException("EventTimerClock.Builder.registry: the registry must not be null");
            }
            this.registry = r;
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
         * Whether each CPU calls {@link EventTimerClock#cpuIdleclock} by itself after every interrupt once it has
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
         * {@code RealTimeTimerDriver.timecounter()}). Softclock then runs on per-CPU threads.
         *
         * @param tc returns the current sbintime, never decreasing
         * @return this
         * @throws IllegalArgumentException if {@code tc} is null (the builder is unchanged)
         */
        public Builder timecounter(LongSupplier tc) {
            if (tc == null) {
                throw new IllegalArgumentException("EventTimerClock.Builder.timecounter: the timecounter must not be null");
            }
            this.timecounter = tc;
            this.timebase = null;
            return this;
        }

        /**
         * Virtual time: the timecounter is {@code tb}, softclock runs inline on the thread that moves
         * time, and {@link VirtualTimebase#advanceTicks(int)} uses this clock's tick.
         *
         * @param tb the time base the virtual drivers run on
         * @return this
         * @throws IllegalArgumentException if {@code tb} is null (the builder is unchanged)
         */
        public Builder timecounter(VirtualTimebase tb) {
            if (tb == null) {
                throw new IllegalArgumentException("EventTimerClock.Builder.timecounter: the time base must not be null");
            }
            this.timecounter = tb;
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

        /**
         * What receives the hardclock, statclock and profclock ticks (default {@link Hooks#NONE}).
         *
         * @param h the hooks
         * @return this
         * @throws IllegalArgumentException if {@code h} is null (the builder is unchanged)
         */
        public Builder hooks(Hooks h) {
            if (h == null) {
                throw new IllegalArgumentException("EventTimerClock.Builder.hooks: the hooks must not be null "
                        + "(use Hooks.NONE)");
            }
            this.hooks = h;
            return this;
        }

        /**
         * @return a clock to pass to {@code CalloutWheelBuilder.clock}; it selects its timer when the
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
