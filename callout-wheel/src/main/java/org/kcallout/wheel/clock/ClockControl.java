package org.kcallout.wheel.clock;

import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import org.kcallout.et.EtDeregisterCb;
import org.kcallout.et.EtEventCb;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimerConsumer;
import org.kcallout.et.EventTimers;
import org.kcallout.et.KernEt;

/**
 * The third layer of {@link EventTimerClock} (see {@link ClockTimer}): {@code kern_clocksource.c}'s
 * control side. Ports the sysctl handlers {@code sysctl_kern_eventtimer_timer} ({@link #setTimer})
 * and {@code sysctl_kern_eventtimer_periodic} ({@link #setPeriodic}), {@code kern.eventtimer.idletick},
 * {@code cpu_startprofclock} and {@code cpu_stopprofclock}, {@code cpu_et_frequency} (as the
 * {@link EventTimerConsumer} half of {@code et_change_frequency}), {@code cpu_disable_c3_sleep}'s
 * count, the timer selection of {@code cpu_initclocks_bsp} (shared with the deregister callback),
 * and the read-outs of DDB's {@code show clocksource}.
 */
abstract class ClockControl extends ClockInterrupts implements EventTimerConsumer {
    /* Implementation notes.
     *
     * Field guards: wantPeriodic and c3Disabled are guarded by ET_LOCK; closed is written under
     * ET_LOCK and volatile (read without ET_LOCK by live(), currentTimer() and toString()). Every
     * control operation runs under ET_LOCK (the registry's recursive mutex), which serialises it
     * against timer selection in the registry, against et_change_frequency, and against the
     * others; the interrupt side never takes ET_LOCK. Under ET_LOCK, timer, periodic and profiling
     * are read without hwLock: they are written only under both (see ClockTimer).
     *
     * Differences from FreeBSD at this level: the deregister callback moves to the next best
     * timer (KCS passes none). Per-CPU timers are selected like any other (et_find ignores
     * ET_FLAGS_PERCPU). */

    private static final System.Logger LOG = System.getLogger(EventTimerClock.class.getName());

    /** timercb, bound once: the registry passes the clock back as the argument. */
    static final EtEventCb<ClockControl> TIMERCB = (et, cpu, clk) -> clk.timercb(et, cpu);
    /** The deregister callback: moves to the next best timer, or refuses with EBUSY. */
    static final EtDeregisterCb<ClockControl> DEREGISTER = (et, clk) -> clk.deregisterCb(et);

    boolean wantPeriodic;              // ET_LOCK: want_periodic
    int c3Disabled;                    // ET_LOCK: cpu_disable_c3_sleep
    volatile boolean closed;           // ET_LOCK for writes; volatile for live() and currentTimer()

    ClockControl(EventTimerClock.Builder b) {
        super(b);
        this.wantPeriodic = b.periodic;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Timer selection (cpu_initclocks_bsp and the deregister callback)                          */

    /**
     * The timer selection of {@code cpu_initclocks_bsp}: the named timer if any; else, if periodic
     * is wanted, the best periodic one; else the best one-shot one; else (one-shot wanted) the best
     * periodic one. Called with ET_LOCK held.
     */
    final EventTimer selectTimer(String name, boolean wantPeriodicMode) {
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

    /* ---------------------------------------------------------------------------------------- */
    /* Profiling                                                                                 */

    /**
     * {@code cpu_startprofclock()}: one more profiling user; the first one switches a periodic timer
     * to the profiling rate.
     */
    public void cpuStartprofclock() {
        registry.etLock().lock();
        try {
            checkRunning("cpu_startprofclock");
            int users = profiling;
            if (users == 0 && periodic) {
                configtimer(false);
                setProfiling(1);
                configtimer(true);
            } else {
                setProfiling(users + 1);
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
            int users = profiling;
            if (users == 0) {
                throw new IllegalStateException("cpu_stopprofclock: profiling is not on");
            }
            if (users == 1 && periodic) {
                configtimer(false);
                setProfiling(0);
                configtimer(true);
            } else {
                setProfiling(users - 1);
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
            if (name.equalsIgnoreCase(timer.name())) {
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
            configtimer(false);
            wantPeriodic = wanted;
            install(timer, wanted); // setuptimer adapts the mode to the timer
            configtimer(true);
        } finally {
            registry.etLock().unlock();
        }
    }

    /**
     * Why {@code et} cannot run at this clock's rates (what {@code setuptimer}'s {@code round_freq}
     * would throw once the old timer is already stopped and freed), or null if it can. ET_LOCK held.
     */
    private String unrunnable(EventTimer et) {
        ClockRates.Rates r = rates;
        if (r == null) {
            return null; // not started yet: nothing to compare with (configureHz checks the rates)
        }
        try {
            ClockRates.timerFrequency(et, r, profiling > 0);
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** The switch of the {@code kern.eventtimer.timer} sysctl, also used by deregistration. ET_LOCK held. */
    private void switchTo(EventTimer et) {
        EventTimer old = timer;
        configtimer(false);
        KernEt.on(registry).et_free(old);
        if ((et.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled++;
        }
        if ((old.flags() & ET_FLAGS_C3STOP) != 0) {
            c3Disabled--;
        }
        install(et, wantPeriodic);
        registry.init(et, TIMERCB, DEREGISTER, this);
        configtimer(true);
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
            if (closed || et != timer) {
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
        return closed ? null : timer;
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
        if (!closed && et == timer) {
            configtimer(false);
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
        if (!closed && et == timer) {
            if (!busy) {
                throw new IllegalStateException("cpu_et_frequency: timer " + et.name()
                        + " is running; frequencyChanged must follow frequencyChanging (use et_change_frequency)");
            }
            configtimer(true);
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
        idletick = on;
    }


    /* ---------------------------------------------------------------------------------------- */
    /* Read-outs (show clocksource)                                                              */

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

    /**
     * {@return {@code tick_sbt}, {@code SBT_1S / hz}; 0 before the system is built} It is stored
     * once, by the callout layer, from the {@code hz} this clock chose in {@code round_freq}.
     */
    @Override
    public long tickSbt() {
        return super.tickSbt();
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
    public EventTimerClock.CpuState state(int cpu) {
        hwLock.lock();
        try {
            ClockPcpu st = pcpuOf("state", cpu);
            return new EventTimerClock.CpuState(st.now, st.nextevent, st.nexthard, st.nextstat, st.nextprof,
                    st.window.nextcall, st.window.nextcallopt, st.idle, st.hardclocktime, st.hardclockCalls, st.hardclockRuns,
                    st.statclockRuns, st.profclockRuns, st.calloutScans, st.nexttick, st.action, st.handle);
        } finally {
            hwLock.unlock();
        }
    }

    private void checkRunning(String fn) {
        if (timer == null || closed) {
            throw new IllegalStateException(fn + ": the clock is " + (closed ? "stopped" : "not attached yet"));
        }
    }
}
