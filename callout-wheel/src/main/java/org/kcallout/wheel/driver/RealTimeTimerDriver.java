package org.kcallout.wheel.driver;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.clock.EventTimerClock;

/**
 * A real-time event timer: a thread that waits on {@link System#nanoTime()} with
 * {@link LockSupport#parkNanos(long)} and raises the events, one-shot or periodic. Use it with an
 * {@link EventTimerClock} whose timecounter is {@link #timecounter()} (the default), so that the
 * clock source and the timer agree on time; callouts then run on the callout system's softclock
 * threads, and direct handlers on this timer's thread.
 *
 * <pre>{@code
 * EventTimers ets = new EventTimers();
 * ets.register(new RealTimeTimerDriver());
 * EventTimerClock clock = EventTimerClock.builder().registry(ets).build(); // nanoTime timecounter
 * try (CalloutWheel sys = CalloutWheel.builder().clock(clock).build()) { ... }
 * }</pre>
 *
 * <p>With {@link EventTimer#ET_FLAGS_PERCPU} in its flags the timer has one instance per CPU, each
 * with its own thread ({@code kcallout-et-NAME-cpuN}), as each core has its own local timer:
 * {@code start(cpu, ...)} and {@code stop(cpu)} program CPU {@code cpu}'s instance, and its events
 * arrive on its thread with {@code fire(cpu)}, so the CPUs take their interrupts in parallel and a
 * slow direct handler on one CPU does not delay another CPU's interrupt.
 *
 * <p>Pitfalls: {@code parkNanos} may wake late (scheduler latency) or early (spurious wake-ups,
 * which the thread absorbs); late events are delivered late, and periods that pass meanwhile
 * collapse into one event, as on hardware. An instance's thread exists only while the instance is
 * started: it is created by {@code start} and ends after {@code stop}, so a stopped timer holds no
 * thread.
 */
public final class RealTimeTimerDriver extends EventTimer {
    /* Implementation notes: every Instance field, the instance array and the delivered count are
     * guarded by this object's monitor. An instance's event thread re-reads its fields after every
     * park, so start (which unparks it) can never be missed: a deadline moved earlier is seen on
     * the next iteration. The monitor is not held while the consumer's callback runs. A thread
     * whose instance's thread field was cleared or replaced (stop, or stop then start) exits at
     * its next check, so at most one thread per instance delivers events once the previous one
     * has returned from its current callback. Deadlines compare by subtraction, as System.nanoTime
     * requires.
     *
     * Per-CPU: one thread per instance rather than one thread multiplexing the CPUs' deadlines,
     * because the instances are independent hardware: with one thread, a CPU's interrupt (and the
     * direct handlers it runs) would delay every other CPU's, and the clock's CPUs would never
     * take interrupts in parallel, which is what a per-CPU timer is for. The cost is a thread per
     * started instance. The instance array grows on demand: the driver does not know how many
     * CPUs its consumer has. */

    private static final System.Logger LOG = System.getLogger(RealTimeTimerDriver.class.getName());

    /** Delays are computed in nanoseconds; this is the timer's nominal oscillator. */
    public static final long FREQUENCY = 1_000_000_000L;
    /** The shortest delay worth programming: below it parkNanos only spins. */
    public static final long MIN_PERIOD = Sbt.SBT_1US * 20;
    /** The longest programmable delay: one hour (longer waits are reached in steps by the consumer). */
    public static final long MAX_PERIOD = Sbt.SBT_1M * 60;

    /** One programmable instance: the whole timer, or one CPU's. All fields guarded by the driver. */
    private static final class Instance {
        final int index;
        boolean armed;
        long deadlineNanos;
        long periodNanos;      // 0 = one-shot
        int fireCpu = NOCPU;
        Thread thread;

        Instance(int index) {
            this.index = index;
        }
    }

    @GuardedBy("this")
    private Instance[] instances = {new Instance(0)}; // guarded by this; grown for per-CPU timers
    @GuardedBy("this")
    private long delivered;                           // guarded by this

    /** A one-shot and periodic timer named {@code "nanotime"}, quality 1000. */
    public RealTimeTimerDriver() {
        this("nanotime", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 1000);
    }

    /**
     * A timer with the given name, capabilities and quality.
     *
     * @param name    its name
     * @param flags   PERIODIC and/or ONESHOT, optionally PERCPU (one instance and thread per CPU)
     * @param quality its quality
     */
    public RealTimeTimerDriver(String name, int flags, int quality) {
        super(name, flags, quality, FREQUENCY, MIN_PERIOD, MAX_PERIOD);
    }

    /**
     * A timecounter on {@link System#nanoTime()} whose time 0 is the moment of this call: what
     * {@code sbinuptime()} should return for a clock source running this driver.
     *
     * @return the timecounter
     */
    public static LongSupplier timecounter() {
        return EventTimerClock.nanoTimecounter();
    }

    @Override
    protected synchronized int start(int cpu, long first, long period) {
        Instance in = instance(cpu);
        long p = period <= 0 ? 0 : Math.max(Sbt.sbttons(period), 1);
        long f = first <= 0 ? 0 : Sbt.sbttons(first);
        if (p != 0 && f == 0) {
            f = p;
        }
        in.deadlineNanos = System.nanoTime() + f;
        in.periodNanos = p;
        in.fireCpu = cpu;
        in.armed = true;
        if (in.thread == null) {
            String threadName = perCpu() ? "kcallout-et-" + name() + "-cpu" + cpu : "kcallout-et-" + name();
            Thread t = new Thread(() -> loop(in), threadName);
            t.setDaemon(true);
            in.thread = t;
            t.start();
        } else {
            LockSupport.unpark(in.thread);
        }
        return 0;
    }

    @Override
    protected synchronized int stop(int cpu) {
        Instance in = instance(cpu);
        in.armed = false;
        Thread t = in.thread;
        in.thread = null;
        if (t != null) {
            LockSupport.unpark(t); // it sees it is no longer the instance's thread and exits
        }
        return 0;
    }

    /** The instance {@code start}/{@code stop} act on: CPU {@code cpu}'s if per-CPU, else the only one. Under this. */
    @GuardedBy("this")
    private Instance instance(int cpu) {
        if (!perCpu()) {
            return instances[0];
        }
        if (cpu < 0 || cpu >= CpuRef.MAXCPU) {
            throw new IllegalArgumentException("RealTimeTimerDriver " + name()
                    + ": a per-CPU timer needs a CPU in [0, " + CpuRef.MAXCPU + "), got " + cpu);
        }
        if (cpu >= instances.length) {
            Instance[] grown = Arrays.copyOf(instances, Math.min(Math.max(cpu + 1, 2 * instances.length),
                    CpuRef.MAXCPU));
            for (int i = instances.length; i < grown.length; i++) {
                grown[i] = new Instance(i);
            }
            instances = grown;
        }
        return instances[cpu];
    }

    /** {@return the number of events delivered (by all instances)} */
    public synchronized long interrupts() {
        return delivered;
    }

    /** {@return true while an event is programmed (on any instance of a per-CPU timer)} */
    public synchronized boolean armed() {
        for (Instance in : instances) {
            if (in.armed) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether CPU {@code cpu}'s instance has an event programmed; for a timer that is not per-CPU,
     * the single instance, whatever {@code cpu}.
     *
     * @param cpu the CPU
     * @return true if armed
     */
    public synchronized boolean armed(int cpu) {
        if (!perCpu()) {
            return instances[0].armed;
        }
        return cpu >= 0 && cpu < instances.length && instances[cpu].armed;
    }

    private void loop(Instance in) {
        Thread self = Thread.currentThread();
        for (;;) {
            int target;
            long wait;
            synchronized (this) {
                if (in.thread != self) {
                    return;
                }
                if (!in.armed) {
                    wait = -1;
                    target = NOCPU;
                } else {
                    long now = System.nanoTime();
                    long left = in.deadlineNanos - now;
                    if (left > 0) {
                        wait = left;
                        target = NOCPU;
                    } else {
                        wait = 0;
                        target = in.fireCpu;
                        long period = in.periodNanos;
                        if (period == 0) {
                            in.armed = false;
                        } else {
                            in.deadlineNanos += period;
                            if (in.deadlineNanos - now <= 0) { // late: collapse the periods that passed
                                in.deadlineNanos += ((now - in.deadlineNanos) / period + 1) * period;
                            }
                        }
                        delivered++;
                    }
                }
            }
            if (wait < 0) {
                LockSupport.park(this);
            } else if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            } else {
                try {
                    fire(target);
                } catch (RuntimeException | Error e) {
                    // An interrupt handler must not kill the timer: report and go on.
                    LOG.log(System.Logger.Level.ERROR, "event timer " + name() + " (instance " + in.index
                            + "): event callback threw", e);
                }
            }
        }
    }
}
