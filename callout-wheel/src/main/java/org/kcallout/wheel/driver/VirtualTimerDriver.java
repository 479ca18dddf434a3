package org.kcallout.wheel.driver;

import static org.kcallout.Sbt.SBT_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.Arrays;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.et.EventTimers;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.clock.VirtualTimebase;

/**
 * A deterministic event timer on a {@link VirtualTimebase}, for tests and for users' tests: it
 * raises its events when the time base is advanced past them, and it can be made to misbehave.
 *
 * <p>One-shot and periodic, as its flags say. With {@link EventTimer#ET_FLAGS_PERCPU} it has one
 * instance per CPU (a local APIC timer per core): {@code start(cpu, ...)} and {@code stop(cpu)}
 * program CPU {@code cpu}'s instance, each instance raises its own events with {@code fire(cpu)},
 * and events of several instances due at the same instant are raised in CPU order. Without it there
 * is one instance, which fires with the CPU it was last started for. With a non-zero
 * {@linkplain #frequency() frequency}
 * it programs whole counts of its oscillator (a delay is rounded up to the next count), so
 * {@code round_freq} and {@code et_change_frequency} have the effect they have on hardware; with
 * frequency 0 it is exact.
 *
 * <h2>Fault injection</h2>
 * Each fault is a small call that applies to the <em>next</em> event the timer raises (of any
 * instance, for a per-CPU timer; deep sleep stops every instance):
 * <ul>
 *   <li>{@link #lateNextInterrupt(long)}: deliver it that much after its programmed time (a
 *       periodic timer keeps its grid; periods that pass meanwhile collapse into this one);</li>
 *   <li>{@link #earlyNextInterrupt(long)}: deliver it that much before its programmed time (never
 *       before the present);</li>
 *   <li>{@link #dropNextInterrupt()}: lose it. A periodic timer goes on with the next period; a
 *       one-shot timer stays disarmed until it is programmed again, as hardware would;</li>
 *   <li>{@link #enterDeepSleep()} / {@link #exitDeepSleep()}: a {@code C3STOP}-like stop: while
 *       "in deep sleep" the timer neither counts nor delivers; on exit it resumes where it stopped,
 *       so its events come late by the length of the sleep;</li>
 *   <li>{@link #changeFrequency(EventTimers, long)}: {@code et_change_frequency}; the clock source
 *       stops and restarts the timer in use.</li>
 * </ul>
 *
 * <p>Thread safety: every method may be called from any thread; {@code start} and {@code stop}
 * come from the clock source (under its hardware lock), events are delivered on the thread that
 * advances the time base.
 */
public final class VirtualTimerDriver extends EventTimer implements VirtualTimebase.Device {
    /* Implementation notes: all mutable state is guarded by this object's monitor. The monitor is
     * never held while the consumer's callback runs (fire), because that callback re-programs this
     * timer (start) on the same thread and may arm callouts from other threads. The driver joins its
     * time base on its first start, so a Mockito spy made from an instance joins as itself.
     *
     * State: one Instance per CPU for a per-CPU timer (grown on demand: the driver does not know
     * how many CPUs its consumer has), else the single instance 0. An instance's
     * armed/deadline/period describe its programmed hardware (deadline = the programmed time of the
     * next event, on the periodic grid), fireCpu the CPU its events name. The time base sees one
     * device: the earliest armed instance (lowest CPU among equals). offset is a pending late (+)
     * or early (-) fault for the next event; dropNext counts events to lose; asleep/sleepStart the
     * deep sleep, which stops every instance. */

    /** One programmable instance: the whole timer, or one CPU's. All fields guarded by the driver. */
    private static final class Instance {
        boolean armed;
        long deadline;
        long period;              // 0 = one-shot
        int fireCpu = NOCPU;
    }

    private final VirtualTimebase timebase;

    @GuardedBy("this")
    private boolean joined;       // guarded by this
    @GuardedBy("this")
    private Instance[] instances = {new Instance()}; // guarded by this; grown for per-CPU timers
    @GuardedBy("this")
    private long offset;          // guarded by this
    @GuardedBy("this")
    private int dropNext;         // guarded by this
    @GuardedBy("this")
    private boolean asleep;       // guarded by this
    @GuardedBy("this")
    private long sleepStart;      // guarded by this
    @GuardedBy("this")
    private long delivered;       // guarded by this
    @GuardedBy("this")
    private long dropped;         // guarded by this
    @GuardedBy("this")
    private long starts;          // guarded by this
    @GuardedBy("this")
    private long stops;           // guarded by this

    /**
     * An exact timer (frequency 0, any period from 0 to {@code SBT_MAX}).
     *
     * @param timebase the time it runs on
     * @param name     its name
     * @param flags    {@code ET_FLAGS_*}: PERIODIC and/or ONESHOT, optionally C3STOP, POW2DIV
     * @param quality  its quality
     * @throws IllegalArgumentException for a null time base, and as {@link EventTimer}'s constructor
     */
    public VirtualTimerDriver(VirtualTimebase timebase, String name, int flags, int quality) {
        this(timebase, name, flags, quality, 0, 0, SBT_MAX);
    }

    /**
     * A timer with the given oscillator and programmable range.
     *
     * @param timebase  the time it runs on
     * @param name      its name
     * @param flags     {@code ET_FLAGS_*}
     * @param quality   its quality
     * @param frequency Hz, 0 (exact) or in [1, 2^31)
     * @param minPeriod shortest programmable delay, sbintime
     * @param maxPeriod longest programmable delay, sbintime
     * @throws IllegalArgumentException for a null time base, a frequency out of range, and as
     *                                  {@link EventTimer}'s constructor (nothing is built)
     */
    public VirtualTimerDriver(VirtualTimebase timebase, String name, int flags, int quality, long frequency,
                              long minPeriod, long maxPeriod) {
        super(name, flags, quality, checkArguments(timebase, name, frequency), minPeriod, maxPeriod);
        this.timebase = timebase;
    }

    /** The checks of the constructor's own arguments, made before {@link EventTimer}'s constructor runs. */
    private static long checkArguments(VirtualTimebase tb, String name, long frequency) {
        if (tb == null) {
            throw new IllegalArgumentException("VirtualTimerDriver " + name + ": the time base must not be null");
        }
        return checkFrequency(name, frequency);
    }

    private static long checkFrequency(String name, long f) {
        if (f != 0) {
            TimerCounts.checkFrequency("VirtualTimerDriver " + name, f);
        }
        return f;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Driver methods                                                                            */

    @Override
    protected synchronized int start(int cpu, long first, long period) {
        Instance in = instance(cpu); // checks the CPU before anything changes
        if (!joined) {
            timebase.attach(this);
            joined = true;
        }
        long q = quantizedPeriod(period);
        long f = first <= 0 ? 0 : quantize(first);
        if (q != 0 && f == 0) {
            f = q; // first event after one period
        }
        long base = asleep ? sleepStart : timebase.now(); // asleep: the counter starts when it wakes
        in.deadline = Sbt.add(base, f);
        in.period = q;
        in.fireCpu = cpu;
        in.armed = true;
        starts++;
        return 0;
    }

    @Override
    protected synchronized int stop(int cpu) {
        instance(cpu).armed = false;
        stops++;
        return 0;
    }

    /** The instance {@code start}/{@code stop} act on: CPU {@code cpu}'s if per-CPU, else the only one. Under this. */
    @GuardedBy("this")
    private Instance instance(int cpu) {
        if (!perCpu()) {
            return instances[0];
        }
        if (cpu < 0 || cpu >= CpuRef.MAXCPU) {
            throw new IllegalArgumentException("VirtualTimerDriver " + name() + ": a per-CPU timer needs a CPU in [0, "
                    + CpuRef.MAXCPU + "), got " + cpu);
        }
        if (cpu >= instances.length) {
            Instance[] grown = Arrays.copyOf(instances, Math.min(Math.max(cpu + 1, 2 * instances.length),
                    CpuRef.MAXCPU));
            for (int i = instances.length; i < grown.length; i++) {
                grown[i] = new Instance();
            }
            instances = grown;
        }
        return instances[cpu];
    }

    /** The armed instance with the earliest deadline (lowest index among equals), or null. Under this. */
    @GuardedBy("this")
    private Instance earliest() {
        Instance best = null;
        for (Instance in : instances) {
            if (in.armed && (best == null || in.deadline < best.deadline)) {
                best = in;
            }
        }
        return best;
    }

    /** The instance of {@code cpu} for the observers, or null if it was never programmed. Under this. */
    @GuardedBy("this")
    private Instance peek(int cpu) {
        if (!perCpu()) {
            return instances[0];
        }
        return cpu >= 0 && cpu < instances.length ? instances[cpu] : null;
    }

    private long quantizedPeriod(long p) {
        return p <= 0 ? 0 : Math.max(quantize(p), 1);
    }

    /** A delay as the hardware can program it: whole counts, rounded up. Called under this. */
    private long quantize(long sbt) {
        long f = frequency();
        if (f <= 0 || f >= TimerCounts.MAX_FREQUENCY) {
            return sbt;
        }
        return TimerCounts.countsToSbtCeil(TimerCounts.sbtToCountsCeil(sbt, f), f);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The time base's side                                                                      */

    @Override
    public synchronized long nextEventTime() {
        Instance in = earliest();
        if (in == null || asleep) {
            return SBT_MAX;
        }
        return offset >= 0 ? Sbt.add(in.deadline, offset) : Math.max(in.deadline + offset, 0);
    }

    @Override
    public boolean expire(long now) {
        int target;
        synchronized (this) {
            Instance in = earliest();
            if (in == null || asleep || nextEventTime() > now) {
                return false; // re-programmed meanwhile by another thread
            }
            long programmed = in.deadline;
            offset = 0;
            if (in.period == 0) {
                in.armed = false;
            } else {
                // Keep the grid; periods that passed during a late delivery collapse into this one.
                long period = in.period;
                long next = Sbt.add(programmed, period);
                if (next <= now) {
                    next = Sbt.add(next, ((now - next) / period + 1) * period);
                }
                in.deadline = next;
            }
            if (dropNext > 0) {
                dropNext--;
                dropped++;
                return false;
            }
            delivered++;
            target = in.fireCpu;
        }
        return fire(target);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Faults                                                                                    */

    /**
     * Delivers the next event {@code by} after its programmed time.
     *
     * @param by sbintime, {@code > 0}
     */
    public synchronized void lateNextInterrupt(long by) {
        if (by <= 0) {
            throw new IllegalArgumentException("lateNextInterrupt: delay must be > 0, got " + by);
        }
        offset = by;
    }

    /**
     * Delivers the next event {@code by} before its programmed time (at the present if that is
     * already past).
     *
     * @param by sbintime, {@code > 0}
     */
    public synchronized void earlyNextInterrupt(long by) {
        if (by <= 0) {
            throw new IllegalArgumentException("earlyNextInterrupt: advance must be > 0, got " + by);
        }
        offset = -by;
    }

    /** Loses the next event (another call loses one more). */
    public synchronized void dropNextInterrupt() {
        dropNext++;
    }

    /** Stops counting and delivering, as a {@code C3STOP} timer in a deep C-state; idempotent. */
    public synchronized void enterDeepSleep() {
        if (!asleep) {
            asleep = true;
            sleepStart = timebase.now();
        }
    }

    /** Resumes counting where it stopped: pending events move later by the time asleep; idempotent. */
    public synchronized void exitDeepSleep() {
        if (asleep) {
            asleep = false;
            for (Instance in : instances) {
                if (in.armed) {
                    in.deadline = Sbt.add(in.deadline, timebase.now() - sleepStart);
                }
            }
        }
    }

    /**
     * Changes the oscillator's frequency through {@code et_change_frequency}, which makes the
     * clock source stop and restart the timer if it is in use.
     *
     * @param registry the registry the timer is registered with
     * @param hz       the new frequency, 0 or in [1, 2^31)
     * @throws IllegalArgumentException for a null registry or a frequency out of range
     * @throws IllegalStateException    if the timer is registered with another registry
     */
    public void changeFrequency(EventTimers registry, long hz) {
        if (registry == null) {
            throw new IllegalArgumentException("et_change_frequency: timer " + name()
                    + ": the registry must not be null");
        }
        if (hz < 0 || hz >= TimerCounts.MAX_FREQUENCY) {
            throw new IllegalArgumentException("et_change_frequency: VirtualTimerDriver " + name()
                    + ": frequency must be 0 or in [1, 2^31) Hz, got " + hz);
        }
        registry.changeFrequency(this, hz);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Observers                                                                                 */

    /** {@return the time base this timer counts on} */
    public VirtualTimebase timebase() {
        return timebase;
    }

    /** {@return true if an event is programmed (on any instance of a per-CPU timer)} */
    public synchronized boolean armed() {
        return earliest() != null;
    }

    /**
     * {@return the programmed time of the next event (without faults; the earliest instance's for a
     * per-CPU timer), or SBT_MAX if disarmed}
     */
    public synchronized long programmedTime() {
        Instance in = earliest();
        return in != null ? in.deadline : SBT_MAX;
    }

    /**
     * {@return the programmed period, 0 in one-shot operation (for a per-CPU timer: of the instance
     * with the earliest event, else of instance 0)}
     */
    public synchronized long programmedPeriod() {
        Instance in = earliest();
        return (in != null ? in : instances[0]).period;
    }

    /**
     * Whether CPU {@code cpu}'s instance has an event programmed. For a timer that is not per-CPU,
     * the single instance, whatever {@code cpu}.
     *
     * @param cpu the CPU
     * @return true if armed
     */
    public synchronized boolean armed(int cpu) {
        Instance in = peek(cpu);
        return in != null && in.armed;
    }

    /**
     * The programmed time of CPU {@code cpu}'s instance's next event (see {@link #armed(int)}).
     *
     * @param cpu the CPU
     * @return sbintime, or SBT_MAX if disarmed
     */
    public synchronized long programmedTime(int cpu) {
        Instance in = peek(cpu);
        return in != null && in.armed ? in.deadline : SBT_MAX;
    }

    /**
     * The programmed period of CPU {@code cpu}'s instance (see {@link #armed(int)}).
     *
     * @param cpu the CPU
     * @return sbintime, 0 in one-shot operation or if never programmed
     */
    public synchronized long programmedPeriod(int cpu) {
        Instance in = peek(cpu);
        return in != null ? in.period : 0;
    }

    /** {@return true while in deep sleep} */
    public synchronized boolean asleep() {
        return asleep;
    }

    /** {@return the number of events delivered} */
    public synchronized long interrupts() {
        return delivered;
    }

    /** {@return the number of events lost by {@link #dropNextInterrupt()}} */
    public synchronized long droppedInterrupts() {
        return dropped;
    }

    /** {@return the number of start calls} */
    public synchronized long starts() {
        return starts;
    }

    /** {@return the number of stop calls} */
    public synchronized long stops() {
        return stops;
    }
}
