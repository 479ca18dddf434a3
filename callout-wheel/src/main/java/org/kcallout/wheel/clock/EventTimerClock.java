package org.kcallout.wheel.clock;

import static org.kcallout.et.EventTimer.ET_FLAGS_C3STOP;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.util.function.LongSupplier;
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
 * <p>This class ports {@code cpu_initclocks_bsp} (timer selection, rates, start) and the clock's
 * stop. The rest of the C file is in the package-private classes it extends, one per part of the
 * file, whose public methods are this class's: the timer programming ({@code setuptimer},
 * {@code configtimer}, {@code loadtimer}) with the clock's state; interrupt handling
 * ({@code timercb}, {@code handleevents}, the IPI handlers), {@code cpu_new_callout} and the idle
 * functions ({@link #cpuIdleclock}, {@link #cpuActiveclock}); and the control side (the
 * {@code kern.eventtimer.*} sysctls, profiling, {@code cpu_et_frequency}, deregistration, and the
 * read-outs such as {@link #state}).
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
public final class EventTimerClock extends ClockControl implements EventTimerConsumer {
    /* Implementation notes.
    /* Implementation notes.
     *
     * Ports kern_clocksource.c of the KCS/V11 era. This class is the last of four layers, one per
     * part of the C file (see ClockTimer): here cpu_initclocks_bsp (onAttach: selection and
     * et_init; configureHz: the rates; start: configtimer(1)) and its undoing (stop), and the
     * public face. ClockControl has the sysctls, profiling, cpu_et_frequency and the deregister
     * callback; ClockInterrupts timercb, handleevents, the IPI handlers, cpu_new_callout and the
     * idle functions; ClockTimer the state, et_hw_mtx and setuptimer/configtimer/loadtimer. The
     * per-CPU state is ClockPcpu; ClockIpis delivers the simulated IPIs (ipi_cpu) and waits for
     * configtimer's acknowledgements; round_freq and the rates are ClockRates. The lock order of
     * the whole clock source is written down in ClockTimer.
     *
     * Field guards here: timerName and singlemulTunable are final (the tunables read at attach);
     * the Builder's fields are confined to the thread that configures it, and each layer's
     * constructor copies what it needs. onAttach, start and stop take ET_LOCK; configureHz runs
     * once, between onAttach and start on the building thread, and installs the rates under
     * hwLock (setRates; on failure it calls stop). closed, wantPeriodic and c3Disabled are
     * ClockControl's.
     *
     * Difference from FreeBSD at this level: a missing rate (hz out of range) fails the build
     * instead of panicking. */

    /** Real time: how long configtimer waits for the CPUs to acknowledge a per-CPU timer's reconfiguration. */
    static final long DEFAULT_ACK_TIMEOUT_NANOS = 10_000_000_000L;


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
    private static final System.Logger LOG = System.getLogger(EventTimerClock.class.getName());

    private final String timerName;            // kern.eventtimer.timer, or null
    private final int singlemulTunable;        // kern.eventtimer.singlemul, 0 = choose

    private EventTimerClock(Builder b) {
        super(b);
        this.timerName = b.timerName;
        this.singlemulTunable = b.singlemul;
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
        boolean mode = adaptMode(et, wantPeriodic);
        attachTimer(ncpus, et, mode);
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

    @Override
    int configureHz(int requestedHz) {
        ClockRates.Rates r;
        try {
            EventTimer et = timer;
            r = ClockRates.initialRates(et, requestedHz, singlemulTunable, periodic);
            if (r.hz() < 1 || r.hz() > 1_000_000 || r.stathz() < 1 || r.profhz() < 1) {
                throw new IllegalStateException("cpu_initclocks: timer " + et.name() + " yields hz " + r.hz()
                        + ", stathz " + r.stathz() + ", profhz " + r.profhz() + " for requested hz " + requestedHz
                        + "; hz must be in [1, 1000000] and the others >= 1");
            }
        } catch (RuntimeException | Error e) {
            stop(); // release the timer claimed by onAttach: the system will not be built
            throw e;
        }
        setRates(r);
        return r.hz();
    }

    @Override
    void start() {
        registry.etLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("eventtimer clock: already stopped");
            }
            configtimer(true);
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
            EventTimer et = timer;
            if (et != null) {
                try {
                    configtimer(false);
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
        ClockIpis i = ipis;
        if (i != null) {
            i.shutdown(); // the IPI threads of real time; after ET_UNLOCK, as it may wait for them
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
        EventTimers registry = EventTimers.defaultRegistry();
        String timerName;
        boolean periodic;
        int singlemul;
        boolean idletick;
        boolean autoIdle = true;
        int tcMinTicktockFreq = 1;
        int ticksAtStart;
        LongSupplier timecounter;
        VirtualTimebase timebase;
        Boolean inlineSoftclock;
        Hooks hooks = Hooks.NONE;
        long ackTimeoutNanos = DEFAULT_ACK_TIMEOUT_NANOS;

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
