package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.kcallout.Sbt;
import org.kcallout.wheel.seam.ClockPort;
import org.kcallout.wheel.seam.CpuThread;

/**
 * The default clock: a one-shot event timer on {@link System#nanoTime()}, one per CPU in effect.
 *
 * <p>Each CPU has a thread of its own ({@code kcallout-softclock-N}) that keeps time for it and is
 * its softclock thread: it sleeps until shortly before the CPU's next deadline, spins the rest of
 * the way, runs {@code callout_process} (direct handlers run there) and then the expired handlers,
 * all on one thread, so a deadline costs no wake-up of a second thread, whose latency (tens to
 * hundreds of microseconds on a virtual machine) would otherwise add to every callout's lateness.
 * A watchdog thread ({@code kcallout-et}) processes a CPU whose deadline is more than
 * {@value #WATCHDOG_GRACE_MICROS} µs overdue because its thread is busy in a long handler (or was
 * descheduled): direct callouts then still run, on the watchdog, and the rest wait for the CPU's
 * thread.
 *
 * <p>When the CPU's next window is wider than the spin window (the callouts allow that much
 * lateness: the default precision of any delay over a few milliseconds), the thread does not spin:
 * it sleeps until the spin window before the window's end and processes as soon as it wakes, which
 * is inside the window, as FreeBSD processes on any interrupt that comes after {@code nextcallopt}.
 *
 * <p>Time 0 is when the timer is created. An arm earlier than a CPU's current deadline wakes that
 * CPU's thread (and, rarely, the watchdog); otherwise arming costs no system call.
 *
 * <p>The spin window trades CPU time for punctuality: {@code parkNanos} and timed waits end tens to
 * hundreds of microseconds late (the kernel's timer slack, and a virtual CPU's wake-up). By default
 * each softclock thread measures how late its own sleeps end and spins for that long plus
 * {@value #ADAPTIVE_MARGIN_MICROS} µs (at most 2 ms); {@link #RealTimeTicklessClock(long)} fixes the
 * window instead.
 */
public final class RealTimeTicklessClock extends TicklessClock {
    /* Implementation notes: programmed (the time the event thread sleeps until) is guarded by this
     * object's monitor together with nextcall, so that an arm that lowers nextcall either is seen by
     * the thread's next computation of the deadline or sees the deadline and wakes the thread: no
     * lost wake-up. The CPU threads' side of the same argument: a CPU thread reads its deadline
     * under the monitor (selfDrive) and then parks; cpuNewCallout lowers the deadline under the
     * monitor and then unparks the CPU's thread, whose next park then returns at once (the permit),
     * so the thread looks again. running is volatile, written by start/stop; interrupts is counted
     * by the event thread and by every CPU thread, hence atomic; cpuThreads is written once by
     * start (under the monitor) and read racily by kickCpu, which may find null before start (then
     * there is no thread to wake). */

    /** The initial oversleep estimate of an adaptive window: 100 microseconds. */
    public static final long DEFAULT_SPIN_NANOS = 100_000;
    /** What an adaptive window adds to the measured oversleep, in microseconds. */
    public static final long ADAPTIVE_MARGIN_MICROS = 20;
    /** How overdue a CPU's deadline is before the watchdog processes it, in microseconds. */
    public static final long WATCHDOG_GRACE_MICROS = 1000;
    /** {@link #WATCHDOG_GRACE_MICROS} as sbintime. */
    private static final long WATCHDOG_GRACE = Sbt.nstosbt(WATCHDOG_GRACE_MICROS * 1000);
    /** Upper bound of a CPU thread's oversleep estimate: 2 ms. */
    static final long MAX_OVERSLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final long origin = System.nanoTime();
    /** The fixed spin window, or -1 for an adaptive one. */
    private final long spinNanos;
    @GuardedBy("this")
    private long programmed = SBT_MAX; // guarded by this
    private volatile boolean running;
    private final AtomicLong interrupts = new AtomicLong();
    private Thread thread;
    private volatile CpuThreadImpl[] cpuThreads;

    /**
     * A real-time clock whose time 0 is now, with an adaptive spin window: each softclock thread
     * spins for as long as its timed sleeps have lately been ending late, plus
     * {@value #ADAPTIVE_MARGIN_MICROS} µs.
     */
    public RealTimeTicklessClock() {
        this(-1, WATCHDOG_GRACE);
    }

    /** For tests: a clock whose watchdog waits {@code watchdogGrace} (sbintime) before it steps in. */
    RealTimeTicklessClock(long spinNanos, long watchdogGrace) {
        super(watchdogGrace);
        this.spinNanos = spinNanos;
    }

    /**
     * A real-time clock whose time 0 is now, with a fixed spin window: the thread that waits for a
     * deadline sleeps until {@code spinNanos} before it and spins the rest of the way. 0 disables
     * spinning (deadlines are then as late as the operating system's timed sleeps).
     *
     * @param spinNanos the spin window, 0 to 10 ms
     * @throws IllegalArgumentException if {@code spinNanos} is outside that range
     */
    public RealTimeTicklessClock(long spinNanos) {
        this(checkSpin(spinNanos), WATCHDOG_GRACE);
    }

    private static long checkSpin(long spinNanos) {
        if (spinNanos < 0 || spinNanos > 10_000_000) {
            throw new IllegalArgumentException("spinNanos must be in [0, 10000000], got " + spinNanos);
        }
        return spinNanos;
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
    void kickCpu(int cpu) {
        CpuThreadImpl[] ts = cpuThreads;
        if (ts != null && ts[cpu] != Thread.currentThread()) {
            // Not for the CPU's own thread reporting its next deadline after a scan: it looks at
            // the deadline again anyway, and a permit would only cut its next sleep short.
            LockSupport.unpark(ts[cpu]);
        }
    }

    @Override
    void kickSoftclock(int cpu) {
        CpuThreadImpl[] ts = cpuThreads;
        if (ts != null) {
            ts[cpu].softclockWanted = true; // before the unpark: the woken thread must see it
            LockSupport.unpark(ts[cpu]);
        }
    }

    /** The spin window for a thread whose timed sleeps lately end {@code oversleepNanos} late. */
    private long spinWindowNanos(long oversleepNanos) {
        if (spinNanos >= 0) {
            return spinNanos;
        }
        return Math.min(oversleepNanos, MAX_OVERSLEEP_NANOS) + ADAPTIVE_MARGIN_MICROS * 1000;
    }

    @Override
    void onSelfDrivenEvent() {
        interrupts.incrementAndGet();
    }

    @Override
    @GuardedBy("this")
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
        int n = layer.ncpus();
        CpuThreadImpl[] ts = new CpuThreadImpl[n];
        for (int cpu = 0; cpu < n; cpu++) {
            ts[cpu] = new CpuThreadImpl(cpu);
        }
        cpuThreads = ts;
        for (CpuThreadImpl t : ts) {
            t.start();
        }
        thread = new EventThread();
        thread.start();
    }

    @Override
    void stop() {
        Thread t;
        CpuThreadImpl[] ts;
        synchronized (this) {
            running = false;
            t = thread;
            ts = cpuThreads;
        }
        if (ts != null) {
            for (CpuThreadImpl c : ts) {
                LockSupport.unpark(c);
            }
        }
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
            CpuThread.joinUninterruptibly(t);
        }
    }

    @Override
    void awaitStopped(boolean[] skipCpu) {
        CpuThreadImpl[] ts = cpuThreads;
        if (ts == null) {
            return;
        }
        Thread self = Thread.currentThread();
        for (CpuThreadImpl t : ts) {
            if (t != self && !skipCpu[t.cpu]) {
                CpuThread.joinUninterruptibly(t);
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
     * {@code callout_process} for the CPUs that were due, whether a CPU's thread reached its own
     * deadline or the watchdog stepped in. Wake-ups that find the deadline not reached yet
     * (the sleep before the spin window, an earlier deadline coming in) do not count.
     *
     * @return the count, from any thread
     */
    public long interrupts() {
        return interrupts.get();
    }

    @Override
    public String toString() {
        return "RealTimeTicklessClock";
    }

    /** The watchdog "interrupt" thread; callouts it runs directly see CPU 0 as curcpu. */
    private final class EventThread extends Thread implements CpuThread {
        EventThread() {
            super("kcallout-et");
            setDaemon(true);
        }

        @Override
        public void run() {
            loop();
        }

        @Override
        public ClockPort clockPort() {
            return port();
        }

        @Override
        public int cpu() {
            return 0;
        }
    }

    /**
     * A CPU's own thread: keeps time for the CPU and runs its softclock (see the class comment).
     * {@code oversleepNanos} belongs to this thread alone.
     */
    private final class CpuThreadImpl extends Thread implements CpuThread {
        private final int cpu;
        /** How late this thread's timed sleeps end: raised at once by a later sample, decays by 1/8. */
        private long oversleepNanos = DEFAULT_SPIN_NANOS;
        /**
         * Set by the watchdog after it left work in this CPU's expire queue, cleared by this thread
         * before it runs the queue: a set that races the clear is seen on the next loop (the unpark
         * that follows it makes the next park return at once).
         */
        volatile boolean softclockWanted;

        CpuThreadImpl(int cpu) {
            super("kcallout-softclock-" + cpu);
            this.cpu = cpu;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                if (softclockWanted) {
                    softclockWanted = false;
                    layer.softclock(cpu); // what the watchdog's scan left to run
                }
                keepTime(); // our own scans run their softclock themselves
            }
        }

        /** One step of keeping time: processes a due deadline, or waits towards the next. */
        private void keepTime() {
            long next = selfDrive(cpu);
            long now = sbinuptime();
            if (next <= now) {
                processIfDue(cpu, now, false);
                return;
            }
            if (next == SBT_MAX) {
                LockSupport.park(this); // kickCpu unparks when a deadline appears
                return;
            }
            long window = spinWindowNanos(oversleepNanos);
            long aim = next - Sbt.nstosbt(window);
            if (nextcallopt(cpu) <= aim && now >= aim) {
                // The callouts' window is wider than the spin window, so the sleep that ended here
                // (at most an oversleep late) is inside it: process now instead of spinning to its end.
                processIfDue(cpu, now, true);
                return;
            }
            long waitNs = Sbt.sbttons(next - now);
            if (waitNs > window) {
                long sleepNs = waitNs - window;
                long wakeAt = System.nanoTime() + sleepNs;
                LockSupport.parkNanos(this, sleepNs);
                long late = System.nanoTime() - wakeAt;
                if (late >= 0) {
                    // Slept the whole time rather than being woken early: a sample of how late a
                    // timed sleep ends (a wake-up that came after wakeAt was no earlier anyway).
                    late = Math.min(late, MAX_OVERSLEEP_NANOS);
                    oversleepNanos = Math.max(late, oversleepNanos - (oversleepNanos >> 3));
                }
                return;
            }
            // Within the window: spin, while arms and stops go on (no lock is held here).
            int kicks = selfKicks;
            while (running && selfKicks == kicks && sbinuptime() < next) {
                Thread.onSpinWait();
            }
        }

        @Override
        public ClockPort clockPort() {
            return port();
        }

        @Override
        public int cpu() {
            return cpu;
        }
    }
}
