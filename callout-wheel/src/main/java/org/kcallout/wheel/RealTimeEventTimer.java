package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;

import java.util.concurrent.locks.LockSupport;
import org.kcallout.Sbt;

/**
 * The default clock: a one-shot event timer on {@link System#nanoTime()}. One thread
 * ({@code kcallout-et}) sleeps with {@link LockSupport#parkNanos(long)} until the earliest hard
 * deadline any CPU reported, then runs {@code callout_process} for the CPUs that are due (direct
 * handlers run on it) and hands the rest to each CPU's softclock thread.
 *
 * <p>Time 0 is when the timer is created. An arm earlier than the programmed wake-up unparks the
 * thread; otherwise arming costs no system call.
 */
public final class RealTimeEventTimer extends TicklessClock {
    /* Implementation notes: programmed (the time the thread sleeps until) is guarded by this
     * object's monitor together with nextcall, so that an arm that lowers nextcall either is seen by
     * the thread's next computation of the deadline or sees the deadline and wakes the thread: no
     * lost wake-up. running is volatile, written by start/stop. interrupts is written by the event
     * thread only and read by anyone: volatile, and its ++ is a safe read-modify-write because
     * there is a single writer. */

    /** Default {@link #RealTimeEventTimer(long) spin window}: 100 microseconds. */
    public static final long DEFAULT_SPIN_NANOS = 100_000;

    private final long origin = System.nanoTime();
    private final long spinNanos;
    private long programmed = SBT_MAX; // guarded by this
    /** Bumped by every wake-up request, so that a spinning thread notices an earlier deadline. */
    private volatile int kicks;
    private volatile boolean running;
    private volatile long interrupts; // written by the event thread only
    private Thread thread;

    /** A real-time clock whose time 0 is now, with the default spin window. */
    public RealTimeEventTimer() {
        this(DEFAULT_SPIN_NANOS);
    }

    /**
     * A real-time clock whose time 0 is now. The event thread parks until {@code spinNanos} before
     * each deadline and spins the rest of the way: {@code parkNanos} alone wakes tens of
     * microseconds late (the kernel's timer slack), so the spin trades that much CPU per event for
     * punctuality. 0 disables spinning.
     *
     * @param spinNanos the spin window, 0 to 10 ms
     */
    public RealTimeEventTimer(long spinNanos) {
        if (spinNanos < 0 || spinNanos > 10_000_000) {
            throw new IllegalArgumentException("spinNanos must be in [0, 10000000], got " + spinNanos);
        }
        this.spinNanos = spinNanos;
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
    boolean isEarlierThanProgrammed(long bt) {
        return bt < programmed;
    }

    @Override
    void wakeUp() {
        kicks++; // benign lost update: any change is enough for the spinner to look again
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
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
                interrupts++; // single writer (this thread): see the implementation notes
                handleEvents(now);
                continue;
            }
            if (next == SBT_MAX) {
                LockSupport.park(this);
                continue;
            }
            long waitNs = Sbt.sbttons(next - now);
            if (waitNs > spinNanos) {
                LockSupport.parkNanos(this, waitNs - spinNanos);
                continue; // look again: an earlier deadline may have come in
            }
            // Within the spin window: spin to the deadline unless an earlier one comes in.
            int k = kicks;
            while (running && kicks == k && sbinuptime() < next) {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * The number of timer "interrupts" taken so far: wake-ups of the event thread at a deadline,
     * each running the callout part of {@code handleevents}. Wake-ups that find the deadline not
     * reached yet (the park before the spin window, an earlier deadline coming in) do not count.
     *
     * @return the count, from any thread
     */
    public long interrupts() {
        return interrupts;
    }

    @Override
    public String toString() {
        return "RealTimeEventTimer";
    }

    /** The event-timer "interrupt" thread; callouts it runs directly see CPU 0 as curcpu. */
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
