package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.kcallout.Sbt;

/**
 * The default clock: a one-shot event timer on {@link System#nanoTime()}, one per CPU in effect.
 *
 * <p>Each CPU's softclock thread keeps time for its own CPU: it sleeps until shortly before the
 * CPU's next deadline, spins the rest of the way, runs {@code callout_process} (direct handlers run
 * there) and then the expired handlers, all on one thread, so a deadline costs no thread wake-up.
 * A watchdog thread ({@code kcallout-et}) processes a CPU whose deadline is more than
 * {@value #WATCHDOG_GRACE_MICROS} µs overdue because its softclock thread is busy in a long handler
 * (or was descheduled): direct callouts then still run, on the watchdog.
 *
 * <p>Time 0 is when the timer is created. An arm earlier than a CPU's current deadline signals that
 * CPU's softclock thread (and, rarely, the watchdog); otherwise arming costs no system call.
 *
 * <p>The spin window trades CPU time for punctuality: {@code parkNanos} and timed waits end tens to
 * hundreds of microseconds late (the kernel's timer slack, and a virtual CPU's wake-up). By default
 * each softclock thread measures how late its own sleeps end and spins for that long plus
 * {@value #ADAPTIVE_MARGIN_MICROS} µs (at most 2 ms); {@link #RealTimeEventTimer(long)} fixes the
 * window instead.
 */
public final class RealTimeEventTimer extends TicklessClock {
    /* Implementation notes: programmed (the time the event thread sleeps until) is guarded by this
     * object's monitor together with nextcall, so that an arm that lowers nextcall either is seen by
     * the thread's next computation of the deadline or sees the deadline and wakes the thread: no
     * lost wake-up. The softclock threads' side of that argument is in TicklessClock and
     * SoftclockThread (they wait on the CPU lock's condition, which cpuNewCallout signals under the
     * CPU lock). running is volatile, written by start/stop; interrupts is counted by the event
     * thread and by every softclock thread, hence atomic. */

    /** The initial oversleep estimate of an adaptive window: 100 microseconds. */
    public static final long DEFAULT_SPIN_NANOS = 100_000;
    /** What an adaptive window adds to the measured oversleep, in microseconds. */
    public static final long ADAPTIVE_MARGIN_MICROS = 20;
    /** How overdue a CPU's deadline is before the watchdog processes it, in microseconds. */
    public static final long WATCHDOG_GRACE_MICROS = 1000;

    private final long origin = System.nanoTime();
    /** The fixed spin window, or -1 for an adaptive one. */
    private final long spinNanos;
    private long programmed = SBT_MAX; // guarded by this
    private volatile boolean running;
    private final AtomicLong interrupts = new AtomicLong();
    private Thread thread;

    /**
     * A real-time clock whose time 0 is now, with an adaptive spin window: each softclock thread
     * spins for as long as its timed sleeps have lately been ending late, plus
     * {@value #ADAPTIVE_MARGIN_MICROS} µs.
     */
    public RealTimeEventTimer() {
        this.spinNanos = -1;
    }

    /**
     * A real-time clock whose time 0 is now, with a fixed spin window: the thread that waits for a
     * deadline sleeps until {@code spinNanos} before it and spins the rest of the way. 0 disables
     * spinning (deadlines are then as late as the operating system's timed sleeps).
     *
     * @param spinNanos the spin window, 0 to 10 ms
     * @throws IllegalArgumentException if {@code spinNanos} is outside that range
     */
    public RealTimeEventTimer(long spinNanos) {
        if (spinNanos < 0 || spinNanos > 10_000_000) {
            throw new IllegalArgumentException("spinNanos must be in [0, 10000000], got " + spinNanos);
        }
        this.spinNanos = spinNanos;
    }

    /**
     * The fixed spin window, or -1 if it adapts.
     *
     * @return the window in nanoseconds, or -1
     */
    public long spinNanos() {
        return spinNanos;
    }

    /** 2^64 * (2^32 / 10^9 - 4): the fractional part of the ns-to-sbt factor 4.294967296. */
    private static final long NS_TO_SBT_FRACTION = 0x4B82FA09B5A52CB9L;

    @Override
    public long sbinuptime() {
        // ns * 2^32 / 10^9 as 4 ns plus a multiply-high by the fraction: no division on the arm
        // path. Truncates (at most 1 sbt below nstosbt's rounding up), monotonic in ns.
        long ns = System.nanoTime() - origin;
        return (ns << 2) + Math.multiplyHigh(ns, NS_TO_SBT_FRACTION);
    }

    @Override
    boolean runsSoftclockInline() {
        return false;
    }

    @Override
    boolean softclockKeepsTime() {
        return true;
    }

    @Override
    long spinWindowNanos(long oversleepNanos) {
        if (spinNanos >= 0) {
            return spinNanos;
        }
        return Math.min(oversleepNanos, SoftclockThread.MAX_OVERSLEEP_NANOS) + ADAPTIVE_MARGIN_MICROS * 1000;
    }

    @Override
    void onSelfDrivenEvent() {
        interrupts.incrementAndGet();
    }

    @Override
    boolean isEarlierThanProgrammed(long bt) {
        return bt < programmed;
    }

    @Override
    void wakeUp() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new EventThread();
        thread.start();
    }

    @Override
    void stop() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
            CalloutThread.joinUninterruptibly(t);
        }
    }

    private void loop() {
        while (running) {
            long next;
            synchronized (this) {
                next = earliestLocked();
                programmed = next;
            }
            long now = sbinuptime();
            if (next <= now) {
                interrupts.incrementAndGet();
                handleEvents(now);
                continue;
            }
            if (next == SBT_MAX) {
                LockSupport.park(this);
                continue;
            }
            // No spin: every CPU's softclock thread keeps its own time from its first loop on, so
            // what this thread waits for is a watchdog deadline, late by design (or, in the
            // moment before a softclock thread starts, a deadline it will take over).
            LockSupport.parkNanos(this, Sbt.sbttons(next - now));
        }
    }

    /**
     * The number of timer "interrupts" taken so far: deadlines reached, each running
     * {@code callout_process} for the CPUs that were due, whether a softclock thread reached its
     * own CPU's deadline or the watchdog stepped in. Wake-ups that find the deadline not reached yet
     * (the sleep before the spin window, an earlier deadline coming in) do not count.
     *
     * @return the count, from any thread
     */
    public long interrupts() {
        return interrupts.get();
    }

    @Override
    public String toString() {
        return "RealTimeEventTimer";
    }

    /** The watchdog "interrupt" thread; callouts it runs directly see CPU 0 as curcpu. */
    private final class EventThread extends Thread implements CalloutThread {
        EventThread() {
            super("kcallout-et");
            setDaemon(true);
        }

        @Override
        public void run() {
            loop();
        }

        @Override
        public CalloutWheel wheel() {
            return RealTimeEventTimer.this.wheel;
        }

        @Override
        public int cpu() {
            return 0;
        }
    }
}
