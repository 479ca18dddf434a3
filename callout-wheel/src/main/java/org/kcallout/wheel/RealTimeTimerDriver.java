package org.kcallout.wheel;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimer;

/**
 * A real-time event timer: one thread that waits on {@link System#nanoTime()} with
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
 * <p>Pitfalls: {@code parkNanos} may wake late (scheduler latency) or early (spurious wake-ups,
 * which the thread absorbs); late events are delivered late, and periods that pass meanwhile
 * collapse into one event, as on hardware. The thread exists only while the timer is started: it
 * is created by {@code start} and ends after {@code stop}, so a stopped timer holds no thread.
 */
public final class RealTimeTimerDriver extends EventTimer {
    /* Implementation notes: armed, deadlineNanos, periodNanos, cpu and thread are guarded by this
     * object's monitor. The event thread re-reads them after every park, so start (which unparks
     * it) can never be missed: a deadline moved earlier is seen on the next iteration. The monitor
     * is not held while the consumer's callback runs. A thread whose field was cleared or replaced
     * (stop, or stop then start) exits at its next check, so at most one thread delivers events
     * once the previous one has returned from its current callback. Deadlines compare by
     * subtraction, as System.nanoTime requires. */

    private static final System.Logger LOG = System.getLogger(RealTimeTimerDriver.class.getName());

    /** Delays are computed in nanoseconds; this is the timer's nominal oscillator. */
    public static final long FREQUENCY = 1_000_000_000L;
    /** The shortest delay worth programming: below it parkNanos only spins. */
    public static final long MIN_PERIOD = Sbt.SBT_1US * 20;
    /** The longest programmable delay: one hour (longer waits are reached in steps by the consumer). */
    public static final long MAX_PERIOD = Sbt.SBT_1M * 60;

    private boolean armed;          // guarded by this
    private long deadlineNanos;     // guarded by this
    private long periodNanos;       // guarded by this; 0 = one-shot
    private int cpu = NOCPU;        // guarded by this
    private Thread thread;          // guarded by this
    private long delivered;         // guarded by this

    /** A one-shot and periodic timer named {@code "nanotime"}, quality 1000. */
    public RealTimeTimerDriver() {
        this("nanotime", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 1000);
    }

    /**
     * A timer with the given name, capabilities and quality.
     *
     * @param name    its name
     * @param flags   PERIODIC and/or ONESHOT
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
        long origin = System.nanoTime();
        return () -> Sbt.nstosbt(Math.max(System.nanoTime() - origin, 0));
    }

    @Override
    protected synchronized int start(int cpu, long first, long period) {
        long p = period <= 0 ? 0 : Math.max(Sbt.sbttons(period), 1);
        long f = first <= 0 ? 0 : Sbt.sbttons(first);
        if (p != 0 && f == 0) {
            f = p;
        }
        this.deadlineNanos = System.nanoTime() + f;
        this.periodNanos = p;
        this.cpu = cpu;
        this.armed = true;
        if (thread == null) {
            Thread t = new Thread(this::loop, "kcallout-et-" + name());
            t.setDaemon(true);
            thread = t;
            t.start();
        } else {
            LockSupport.unpark(thread);
        }
        return 0;
    }

    @Override
    protected synchronized int stop(int cpu) {
        armed = false;
        Thread t = thread;
        thread = null;
        if (t != null) {
            LockSupport.unpark(t); // it sees it is no longer the timer's thread and exits
        }
        return 0;
    }

    /** {@return the number of events delivered} */
    public synchronized long interrupts() {
        return delivered;
    }

    /** {@return true while an event is programmed} */
    public synchronized boolean armed() {
        return armed;
    }

    private void loop() {
        Thread self = Thread.currentThread();
        for (;;) {
            int target;
            long wait;
            synchronized (this) {
                if (thread != self) {
                    return;
                }
                if (!armed) {
                    wait = -1;
                    target = NOCPU;
                } else {
                    long now = System.nanoTime();
                    long left = deadlineNanos - now;
                    if (left > 0) {
                        wait = left;
                        target = NOCPU;
                    } else {
                        wait = 0;
                        target = cpu;
                        if (periodNanos == 0) {
                            armed = false;
                        } else {
                            deadlineNanos += periodNanos;
                            if (deadlineNanos - now <= 0) { // late: collapse the periods that passed
                                deadlineNanos += ((now - deadlineNanos) / periodNanos + 1) * periodNanos;
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
                    LOG.log(System.Logger.Level.ERROR, "event timer " + name() + ": event callback threw", e);
                }
            }
        }
    }
}
