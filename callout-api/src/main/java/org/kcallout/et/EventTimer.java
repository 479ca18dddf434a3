package org.kcallout.et;

import org.kcallout.internal.CpuRef;

/**
 * An event timer: FreeBSD's {@code struct eventtimer} ({@code sys/timeet.h}), the object a driver
 * fills in and registers so that a consumer (the clock source) can have it raise events.
 *
 * <h2>For driver writers</h2>
 * Subclass it, pass the fixed description to the constructor (name, capability flags, quality,
 * base frequency, programmable period range), implement {@link #start(int, long, long)} and, if
 * the hardware can be stopped, {@link #stop(int)}; then {@linkplain EventTimers#register register}
 * the object. On every event, call {@link #fire(int)}: it runs the callback of the consumer that
 * claimed the timer with {@link EventTimers#init}. Driver-private data ({@code et_priv}) are fields
 * of the subclass.
 *
 * <pre>{@code
 * final class MyTimer extends EventTimer {
 *     MyTimer() {
 *         super("mytimer", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 100, 1_000_000,
 *               Sbt.SBT_1US, Sbt.SBT_1S);
 *     }
 *     @Override protected int start(int cpu, long first, long period) { ...program...; return 0; }
 *     @Override protected int stop(int cpu) { ...disarm...; return 0; }
 *     void interrupt(int cpu) { fire(cpu); }          // from the driver's own thread
 * }
 * }</pre>
 *
 * <h2>Start and stop</h2>
 * {@code start(cpu, first, period)} receives arguments already checked and clamped by
 * {@link EventTimers#start}: {@code period == 0} asks for one event {@code first} from now;
 * {@code period != 0} asks for periodic events every {@code period}, the first one after
 * {@code first}, or after {@code period} when {@code first == 0}. A driver without a stop method
 * ({@code et_stop == NULL} in C) simply does not override {@link #stop(int)}: the inherited method
 * does nothing and returns 0, which is exactly what {@code et_stop} returns for such a timer.
 *
 * <h2>Per-CPU timers ({@link #ET_FLAGS_PERCPU})</h2>
 * In FreeBSD the {@code et_start}/{@code et_stop} methods of a per-CPU timer act on "the calling
 * CPU's instance". A JVM thread has no CPU, so here the CPU is an explicit argument: the consumer
 * names the CPU (0 .. ncpus-1) in {@link EventTimers#start}, the
 * driver programs that CPU's instance and reports its events with {@code fire(cpu)} for the same
 * CPU. Global timers (without {@code ET_FLAGS_PERCPU}) have one instance: they receive whatever
 * CPU the consumer passed ({@link #NOCPU} through the C form without a CPU) and may ignore it; they
 * fire with the CPU they were started for, or {@link #NOCPU}.
 *
 * <h2>Threads</h2>
 * The getters may be called from any thread. {@link #start} and {@link #stop} are called by the
 * consumer, which serialises them (FreeBSD's {@code et_hw_mtx}: one lock for a global timer, one
 * per CPU for a per-CPU timer), so a driver need not guard against concurrent starts of the same
 * instance, but must expect {@code start} and {@code stop} on a thread other than its interrupt
 * thread. {@link #fire} may be called from any thread, typically the driver's own, and takes no
 * lock; the consumer's callback runs on that thread and must not block.
 */
public abstract class EventTimer {
    /* Implementation notes: struct eventtimer split by owner, as kern_timeout.c splits c_flags
     * and c_iflags. The driver-owned description is set once by the constructor; everything the
     * registry and the consumer own is private to this package and written only by EventTimers.
     *
     * Field ownership (C field -> Java, writer, guard, readers):
     *   et_all           EventTimers.list (an ArrayList per registry), guarded by ET_LOCK
     *   -                registry: the registry the timer is in; written under that registry's
     *                    ET_LOCK; volatile so that checks from unlocked calls see it
     *   et_name          name: final
     *   et_flags         flags: the constructor; later only et_ban clears PERIODIC|ONESHOT (under
     *                    ET_LOCK); volatile, read without lock by et_start and the getters
     *   et_quality       quality: final (the list order depends on it)
     *   et_active        active: et_init sets, et_free clears, both under ET_LOCK; volatile,
     *                    read without lock by et_start/et_stop, as C reads it
     *   et_frequency     frequency: the constructor, then et_change_frequency under ET_LOCK;
     *                    volatile
     *   et_min_period,   minPeriod/maxPeriod: the constructor, then the driver through
     *   et_max_period    setPeriodRange; volatile, read by et_start
     *   et_start/et_stop the abstract start(cpu, first, period) and overridable stop(cpu)
     *   et_event_cb,     binding: one immutable Binding (callback, deregister callback, arg),
     *   et_deregister_cb,  published by et_init with a volatile write after everything it refers
     *   et_arg             to is built, cleared by et_free; fire() reads it once, without lock
     *   et_priv          the subclass's own fields
     *   et_sysctl        none; EventTimers.choice() stands in for kern.eventtimer.choice
     *
     * Difference from C: et_free drops the consumer's callbacks with the active flag (C leaves
     * them in the struct). So a driver that fires after the consumer released the timer reaches
     * no one (fire returns false), and et_deregister no longer asks a consumer that released it. */

    /** {@code ET_FLAGS_PERIODIC}: can generate periodic events. */
    public static final int ET_FLAGS_PERIODIC = 1;
    /** {@code ET_FLAGS_ONESHOT}: can generate one-shot events. */
    public static final int ET_FLAGS_ONESHOT = 2;
    /** {@code ET_FLAGS_PERCPU}: one instance per CPU; start and stop act on one CPU's instance. */
    public static final int ET_FLAGS_PERCPU = 4;
    /** {@code ET_FLAGS_C3STOP}: stops in deep CPU sleep states; the consumer must avoid them. */
    public static final int ET_FLAGS_C3STOP = 8;
    /** {@code ET_FLAGS_POW2DIV}: only power-of-two dividers of the base frequency are possible. */
    public static final int ET_FLAGS_POW2DIV = 16;

    /** Every flag bit a timer may have. */
    static final int ET_FLAGS_ALL = ET_FLAGS_PERIODIC | ET_FLAGS_ONESHOT | ET_FLAGS_PERCPU
            | ET_FLAGS_C3STOP | ET_FLAGS_POW2DIV;

    /** The CPU argument meaning "no particular CPU" ({@code NOCPU}), for global timers. */
    public static final int NOCPU = -1;

    /** What et_init stores: the consumer's callbacks and argument, immutable, published as one. */
    static final class Binding {
        final EtEventCb<Object> event;
        final EtDeregisterCb<Object> deregister; // null: none
        final Object arg;

        Binding(EtEventCb<Object> event, EtDeregisterCb<Object> deregister, Object arg) {
            this.event = event;
            this.deregister = deregister;
            this.arg = arg;
        }
    }

    private final String name;
    private final int quality;

    /** Capability flags; cleared only by et_ban, under ET_LOCK. */
    private volatile int flags;
    /** Base frequency in Hz, 0 = unknown; written under ET_LOCK after construction. */
    private volatile long frequency;
    /** Reliably programmable range; written by the constructor and {@link #setPeriodRange}. */
    private volatile long minPeriod;
    private volatile long maxPeriod;

    /** Claimed by a consumer; written under ET_LOCK (et_init, et_free). */
    private volatile boolean active;
    /** The consumer's callbacks; null while not active. Written under ET_LOCK, read by fire(). */
    private volatile Binding binding;
    /** The registry holding the timer, or null; written under that registry's ET_LOCK. */
    private volatile EventTimers registry;

    /**
     * Describes the timer; filled in as a driver fills in {@code struct eventtimer} before
     * {@code et_register}.
     *
     * @param name      {@code et_name}: matched case-insensitively by {@link EventTimers#find};
     *                  should be unique
     * @param flags     {@code et_flags}: {@code ET_FLAGS_*} bits
     * @param quality   {@code et_quality}: higher is better; negative means the timer is chosen
     *                  only by name, never automatically
     * @param frequency {@code et_frequency}: base oscillator frequency in Hz, 0 if unknown or not
     *                  applicable
     * @param minPeriod {@code et_min_period}: the shortest delay the hardware programs reliably,
     *                  sbintime, {@code >= 0}
     * @param maxPeriod {@code et_max_period}: the longest, sbintime, {@code >= minPeriod} and
     *                  {@code > 0} ({@link org.kcallout.Sbt#SBT_MAX} if unlimited); FreeBSD
     *                  requires drivers to set it because {@code et_start} clamps to it
     * @throws IllegalArgumentException for a null or empty name, unknown flag bits, a negative
     *                                  frequency, or a bad period range
     */
    protected EventTimer(String name, int flags, int quality, long frequency, long minPeriod, long maxPeriod) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("eventtimer: et_name must be a non-empty string, got "
                    + (name == null ? "null" : "\"\""));
        }
        if ((flags & ~ET_FLAGS_ALL) != 0) {
            throw new IllegalArgumentException("eventtimer " + name + ": unknown et_flags bits 0x"
                    + Integer.toHexString(flags & ~ET_FLAGS_ALL) + " in 0x" + Integer.toHexString(flags));
        }
        if (frequency < 0) {
            throw new IllegalArgumentException("eventtimer " + name + ": et_frequency must be >= 0 Hz, got "
                    + frequency);
        }
        checkPeriodRange(name, minPeriod, maxPeriod);
        this.name = name;
        this.flags = flags;
        this.quality = quality;
        this.frequency = frequency;
        this.minPeriod = minPeriod;
        this.maxPeriod = maxPeriod;
    }

    private static void checkPeriodRange(String name, long minPeriod, long maxPeriod) {
        if (minPeriod < 0 || maxPeriod <= 0 || maxPeriod < minPeriod) {
            throw new IllegalArgumentException("eventtimer " + name + ": need 0 <= et_min_period <= "
                    + "et_max_period and et_max_period > 0, got min " + minPeriod + ", max " + maxPeriod);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Driver methods                                                                            */

    /**
     * {@code et->et_start(et, first, period)}: programs the hardware. Called only through
     * {@link EventTimers#start}, by the consumer, with the timer active and the arguments
     * checked and clamped into [{@link #minPeriod()}, {@link #maxPeriod()}].
     *
     * @param cpu    for a per-CPU timer the CPU whose instance to program ({@code >= 0}); for a
     *               global timer the CPU the consumer named, or {@link #NOCPU}
     * @param first  delay before the first event, sbintime; 0 only with a non-zero period, meaning
     *               "after one period"
     * @param period 0 for one event; else the period of the following events, sbintime
     * @return 0 on success, or an errno-style code that {@code et_start} returns to the consumer
     */
    protected abstract int start(int cpu, long first, long period);

    /**
     * {@code et->et_stop(et)}: stops the events of the instance {@code cpu} (see
     * {@link #start}). Called only through {@link EventTimers#stop}.
     *
     * <p>The inherited implementation stands for a driver <em>without</em> a stop method
     * ({@code et_stop == NULL}): it does nothing and returns 0. Drivers that can stop override it.
     *
     * @param cpu as for {@link #start}
     * @return 0 on success, or an errno-style code returned to the consumer
     */
    protected int stop(int cpu) {
        return 0;
    }

    /**
     * Delivers one event: {@code et->et_event_cb(et, et->et_arg)}, called by the driver when an
     * event time arrives. Runs the callback of the consumer that claimed the timer, on the calling
     * thread, with no lock taken. Exceptions thrown by the callback propagate to the driver.
     *
     * <p>A timer that no consumer holds (never {@linkplain EventTimers#init initialised}, or
     * {@linkplain EventTimers#free freed}) drops the event. A consumer must stop the timer
     * before freeing it; an event whose delivery has already begun when {@code et_free} runs may
     * still reach that consumer once.
     *
     * @param cpu the CPU instance that raised the event (per-CPU timers), or for a global timer
     *            the CPU it was started for, or {@link #NOCPU}
     * @return true if a consumer's callback ran, false if the event was dropped
     */
    protected final boolean fire(int cpu) {
        Binding b = binding; // one volatile read: callback and arg belong to the same et_init
        if (b == null) {
            return false;
        }
        b.event.event(this, cpu, b.arg);
        return true;
    }

    /**
     * Changes the reliably programmable range ({@code et_min_period}, {@code et_max_period}), for
     * drivers whose range depends on a frequency that changed. Takes effect at the next
     * {@code et_start}; a concurrent {@code et_start} may clamp with the old or the new bounds, so
     * change the range while the timer is stopped or from inside a frequency change.
     *
     * @param minPeriod the new minimum, sbintime, {@code >= 0}
     * @param maxPeriod the new maximum, {@code >= minPeriod} and {@code > 0}
     * @throws IllegalArgumentException for a bad range (nothing changes)
     */
    protected final void setPeriodRange(long minPeriod, long maxPeriod) {
        checkPeriodRange(name, minPeriod, maxPeriod);
        this.minPeriod = minPeriod;
        this.maxPeriod = maxPeriod;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Description, readable by anyone                                                           */

    /** {@return the name ({@code et_name})} */
    public final String name() {
        return name;
    }

    /**
     * {@code et_flags}: the capability bits, less those {@link EventTimers#ban} cleared.
     *
     * @return the {@code ET_FLAGS_*} bits
     */
    public final int flags() {
        return flags;
    }

    /** {@return the quality ({@code et_quality})}: higher is better; negative = selected only by name. */
    public final int quality() {
        return quality;
    }

    /**
     * {@code et_frequency}: the base frequency in Hz, 0 if unknown; changes only through
     * {@link EventTimers#changeFrequency}.
     *
     * @return Hz
     */
    public final long frequency() {
        return frequency;
    }

    /** {@return the shortest reliably programmable delay, sbintime ({@code et_min_period})} */
    public final long minPeriod() {
        return minPeriod;
    }

    /** {@return the longest reliably programmable delay, sbintime ({@code et_max_period})} */
    public final long maxPeriod() {
        return maxPeriod;
    }

    /**
     * {@code et_active}: whether a consumer holds the timer (between {@code et_init} and
     * {@code et_free}). A snapshot unless read under {@link EventTimers#etLock() ET_LOCK}.
     *
     * @return true if claimed
     */
    public final boolean active() {
        return active;
    }

    /** {@return whether {@link #ET_FLAGS_PERCPU} is set} */
    public final boolean perCpu() {
        return (flags & ET_FLAGS_PERCPU) != 0;
    }

    /** {@return {@code name(quality)}, as {@code kern.eventtimer.choice} lists it} */
    @Override
    public String toString() {
        return name + "(" + quality + ")";
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Registry access (package-private; EventTimers holds ET_LOCK for every write)              */

    final EventTimers registry() {
        return registry;
    }

    final void setRegistry(EventTimers r) {
        registry = r;
    }

    final void clearFlags(int bits) {
        flags &= ~bits; // a read-modify-write, safe because every writer holds ET_LOCK
    }

    final void setFrequency(long f) {
        frequency = f;
    }

    final Binding binding() {
        return binding;
    }

    /** et_init: publish the binding before the active flag, so an active timer always has one. */
    final void activate(Binding b) {
        binding = b;
        active = true;
    }

    /** et_free. */
    final void deactivate() {
        active = false;
        binding = null;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* et_start and et_stop on an active timer (called by EventTimers, no lock held)             */

    /**
     * The body of {@code et_start} for an active timer: the kernel's assertions on the arguments,
     * then the clamping into {@code [minPeriod, maxPeriod]} (see {@link EventTimers#start}), then
     * {@link #start}.
     */
    final int startChecked(int cpu, long first, long period) {
        int flags = flags();
        if (period < 0) {
            throw new IllegalArgumentException("et_start: negative period " + period + " for timer " + name);
        }
        if (period != 0 && (flags & ET_FLAGS_PERIODIC) == 0) {
            throw new IllegalArgumentException("et_start: period " + period
                    + " specified for timer " + name + ", which is not periodic-capable (flags 0x"
                    + Integer.toHexString(flags) + ")");
        }
        if (period == 0 && (flags & ET_FLAGS_ONESHOT) == 0) {
            throw new IllegalArgumentException("et_start: period not specified for timer " + name
                    + ", which is not oneshot-capable (flags 0x" + Integer.toHexString(flags) + ")");
        }
        requireCpu("et_start", flags, cpu);
        // Periods are durations, not points in time: plain comparisons are right here.
        long min = minPeriod();
        long max = maxPeriod();
        if (period != 0) {
            if (period < min) {
                period = min;
            } else if (period > max) {
                period = max;
            }
        }
        if (period == 0 || first != 0) {
            if (first < min) {
                first = min;
            } else if (first > max) {
                first = max;
            }
        }
        return start(cpu, first, period);
    }

    /** The body of {@code et_stop} for an active timer: the CPU check, then {@link #stop}. */
    final int stopChecked(int cpu) {
        requireCpu("et_stop", flags(), cpu);
        return stop(cpu);
    }

    private void requireCpu(String fn, int flags, int cpu) {
        if ((flags & EventTimer.ET_FLAGS_PERCPU) != 0 ? cpu < 0 : cpu < EventTimer.NOCPU) {
            throw new IllegalArgumentException(fn + ": bad CPU " + cpu + " for "
                    + ((flags & EventTimer.ET_FLAGS_PERCPU) != 0
                            ? "per-CPU timer " + name + " (needs a CPU >= 0)"
                            : "timer " + name + " (needs a CPU >= 0 or NOCPU)"));
        }
        if (cpu >= CpuRef.MAXCPU) {
            throw new IllegalArgumentException(fn + ": bad CPU " + cpu + " for timer " + name
                    + " (needs a CPU below MAXCPU " + CpuRef.MAXCPU + ")");
        }
    }
}
