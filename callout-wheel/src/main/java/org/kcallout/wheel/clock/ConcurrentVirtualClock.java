package org.kcallout.wheel.clock;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.kcallout.KMutex;
import org.kcallout.Sbt;
import org.kcallout.wheel.seam.ClockPort;
import org.kcallout.wheel.seam.CpuThread;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * Virtual time with CPUs that really run at once: each CPU has an interrupt thread, which runs
 * {@code callout_process} (and the direct handlers) when time reaches the CPU's window, and a
 * softclock thread, which runs the CPU's expired handlers, as in a kernel. Time still moves only
 * when a test calls {@link #advance(long)}, {@link #advanceTo(long)} or {@link #advanceTicks(int)}.
 *
 * <p>Each step of an advance delivers the interrupts due at one instant to the CPUs' interrupt
 * threads and waits until the system has <em>settled</em> before time moves on: every one of the
 * clock's threads has finished what it was given, or is blocked on something only another thread
 * can release, which the clock can see: a {@link KMutex} held by another thread (a kernel mutex a
 * handler waits for, perhaps held by the test) or a closed {@link HandlerGate}. So handlers on two
 * CPUs can be running, or waiting, at the same time, as FreeBSD's {@code callout_test} module needs,
 * while every advance returns at a point the test can reason about; an advance of 0 waits for
 * handlers the test has just let go. Handlers blocked on anything else (a plain Java lock, a latch)
 * are waited for; if they do not settle within the timeout given to the constructor, the advance
 * fails with a report of what each unsettled thread is doing, instead of hanging.
 *
 * <pre>{@code
 * ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
 * try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(vt).build()) {
 *     KMutex m = new KMutex("test");
 *     ... arm one callout on each CPU whose handler takes m ...
 *     m.lock();
 *     vt.advanceTicks(2);            // both handlers run, and both wait for m
 *     ... callout_async_drain of each returns 0: they are running ...
 *     m.unlock();
 *     vt.advance(0);                 // returns when both have finished
 * }
 * }</pre>
 *
 * <p>Compared with {@link VirtualTicklessClock}, whose handlers all run on the thread that moves
 * time: that one is fully deterministic (one thread); this one is deterministic for handlers whose
 * only blocking is on what the clock can see, and models a kernel's concurrency. A handler that
 * throws fails the advance, as on every virtual clock ({@link HandlerFailedException}). Moving time
 * from one of the clock's threads is refused. {@code close()} of the system stops the threads and
 * waits for them, except for a CPU whose handler waits for a lock the closing thread holds (the
 * callout system tells which): that CPU's threads end once it is let go.
 */
public final class ConcurrentVirtualClock extends TimebaseClock {
    /* Implementation notes. The time base is this clock's own (as VirtualTicklessClock's); its one
     * device is this clock: the next event is the earliest CPU's nextcall. At an event the
     * advancing thread (holding the time base's advance lock) takes each due CPU's window
     * (takeDue) and posts the time to that CPU's interrupt thread; the time base then calls settle
     * before its next step.
     *
     * Worker protocol (Worker): `work` counts requests posted and `done` requests finished; both
     * are volatile and written by one side each (work by posters, under the worker's monitor;
     * done by the worker). A worker is idle when done == work. An interrupt request carries the
     * latest time posted (requests coalesce: callout_process at a later time covers an earlier
     * one); a softclock request carries nothing.
     *
     * Settled: every worker is idle, or is parked (WAITING, TIMED_WAITING or BLOCKED) on a KMutex
     * owned by another thread, or is held at a closed HandlerGate. Such a block lasts until some
     * other thread acts, and that thread is either the test (which is not running this advance's
     * code) or another worker (which then is not settled, so settle keeps waiting). settle checks
     * twice in a row, with the request counts unchanged between the two looks, so that a worker
     * that was just given work, or just released, is not taken for settled. An interrupt thread
     * that leaves work in the expire queue posts to its CPU's softclock thread before it counts its
     * own request done, so the softclock request is visible before the interrupt looks idle. */

    /** Default of how long settle waits for a thread that the clock cannot see blocked: 30 s. */
    public static final Duration DEFAULT_SETTLE_TIMEOUT = Duration.ofSeconds(30);

    private final long settleTimeoutNanos;
    /** Per CPU; written once by onAttach-time start(), read by the advancing thread and settle. */
    private volatile Worker[] interruptThreads;
    private volatile Worker[] softclockThreads;
    private volatile boolean running;

    /** A concurrent virtual clock at time 0 that waits up to {@link #DEFAULT_SETTLE_TIMEOUT}. */
    public ConcurrentVirtualClock() {
        this(DEFAULT_SETTLE_TIMEOUT);
    }

    /**
     * A concurrent virtual clock at time 0.
     *
     * @param settleTimeout how long a step waits for the clock's threads to settle before it fails
     *                      with a report; a safety net against a hung test, not a timing assertion
     * @throws IllegalArgumentException if {@code settleTimeout} is null, zero or negative
     */
    public ConcurrentVirtualClock(Duration settleTimeout) {
        this(0, 0, settleTimeout);
    }

    /**
     * A concurrent virtual clock starting at {@code start}, whose {@code ticks} counter reads
     * {@code ticksAtStart} there (to test behaviour near the counter's wrap).
     *
     * @param start         the initial sbintime, {@code >= 0}
     * @param ticksAtStart  the value of {@code ticks} at {@code start}
     * @param settleTimeout as for {@link #ConcurrentVirtualClock(Duration)}
     * @throws IllegalArgumentException if {@code start < 0} or {@code settleTimeout} is not positive
     */
    public ConcurrentVirtualClock(long start, int ticksAtStart, Duration settleTimeout) {
        super(start, ticksAtStart);
        if (settleTimeout == null || settleTimeout.isZero() || settleTimeout.isNegative()) {
            throw new IllegalArgumentException("ConcurrentVirtualClock: settleTimeout must be positive, got "
                    + settleTimeout);
        }
        this.settleTimeoutNanos = settleTimeout.toNanos();
    }

    /**
     * Moves time forward to {@code target}: at each instant where a CPU's window closes (or opens,
     * with another CPU's event), its interrupt thread runs {@code callout_process}, its softclock
     * thread the handlers, and the step returns once they have settled (see the class comment).
     *
     * @param target absolute sbintime, not earlier than {@link #now()}
     * @throws IllegalArgumentException if {@code target} is before {@link #now()}
     * @throws IllegalStateException    if the clock drives no system, the system is closed, it is
     *                                  called from one of the clock's threads, or a step did not
     *                                  settle within the timeout (the message says what each thread
     *                                  was doing)
     * @throws HandlerFailedException   once time has reached {@code target}, if a handler threw
     */
    @Override
    public void advanceTo(long target) {
        super.advanceTo(target);
    }

    /** The device's event: posts {@code now} to every due CPU's interrupt thread. */
    @Override
    boolean deliver(long now) {
        Worker[] its = interruptThreads;
        boolean any = false;
        for (int cpu = 0; cpu < its.length; cpu++) {
            if (takeDue(cpu, now)) {
                its[cpu].post(now);
                any = true;
            }
        }
        return any;
    }

    @Override
    @SuppressWarnings("ThreadPriorityCheck") // yield: a worker may need this core (on 2 cores), 100 times at most
    void settle() {
        Worker[] its = interruptThreads;
        Worker[] scs = softclockThreads;
        if (its == null) {
            return;
        }
        long deadline = System.nanoTime() + settleTimeoutNanos;
        long previous = -1;
        for (int spins = 0;; spins++) {
            long stamp = requests(its) + requests(scs);
            if (allSettled(its) && allSettled(scs)) {
                if (stamp == previous) {
                    return; // settled twice in a row with nothing posted in between
                }
                previous = stamp;
                continue;
            }
            previous = -1;
            if (!running) {
                return; // stopping: nothing is given to the threads any more
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(unsettledReport(its, scs));
            }
            if (spins < 100) {
                Thread.onSpinWait();
            } else if (spins < 200) {
                Thread.yield(); // a worker may need this core to make progress
            } else {
                // A handler that computes for a while: look again every 50 µs rather than take a
                // core from it. Not a wait for an event: blocking has no notification to wait on.
                LockSupport.parkNanos(50_000);
            }
        }
    }

    private static long requests(Worker[] ws) {
        long n = 0;
        for (Worker w : ws) {
            n += w.work;
        }
        return n;
    }

    private static boolean allSettled(Worker[] ws) {
        for (Worker w : ws) {
            if (!w.settled()) {
                return false;
            }
        }
        return true;
    }

    private String unsettledReport(Worker[] its, Worker[] scs) {
        StringBuilder b = new StringBuilder("advanceTo: the clock's threads did not settle within ")
                .append(Duration.ofNanos(settleTimeoutNanos)).append(" at virtual time ").append(Sbt.format(now()))
                .append(" (a thread blocked on something other than a KMutex held by another thread or a closed "
                        + "HandlerGate is waited for, and this one did not finish):");
        List<Worker> all = new ArrayList<>(List.of(its));
        all.addAll(List.of(scs));
        for (Worker w : all) {
            if (w.settled()) {
                continue;
            }
            b.append("\n  ").append(w.getName()).append(' ').append(w.getState());
            Object blocker = LockSupport.getBlocker(w);
            if (blocker != null) {
                b.append(" on ").append(blocker);
            }
            for (StackTraceElement e : w.getStackTrace()) {
                b.append("\n      at ").append(e);
            }
        }
        return b.toString();
    }

    @Override
    boolean ownsThread(Thread t) {
        return t instanceof Worker && ((Worker) t).clock() == this;
    }

    @Override
    boolean runsSoftclockInline() {
        return false; // each CPU's softclock thread runs it
    }

    @Override
    synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        int n = layer.ncpus();
        Worker[] its = new Worker[n];
        Worker[] scs = new Worker[n];
        for (int cpu = 0; cpu < n; cpu++) {
            scs[cpu] = new Worker(cpu, false, null);
            its[cpu] = new Worker(cpu, true, scs[cpu]);
        }
        softclockThreads = scs;
        interruptThreads = its;
        for (int cpu = 0; cpu < n; cpu++) {
            scs[cpu].start();
            its[cpu].start();
        }
    }

    @Override
    void stop() {
        running = false;
        for (Worker[] ws : new Worker[][] {interruptThreads, softclockThreads}) {
            if (ws != null) {
                for (Worker w : ws) {
                    w.wake();
                }
            }
        }
    }

    @Override
    void awaitStopped(boolean[] skipCpu) {
        Thread self = Thread.currentThread();
        for (Worker[] ws : new Worker[][] {interruptThreads, softclockThreads}) {
            if (ws == null) {
                continue;
            }
            for (Worker w : ws) {
                if (w != self && !skipCpu[w.cpu]) {
                    CpuThread.joinUninterruptibly(w);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ConcurrentVirtualClock[now=" + Sbt.format(now()) + "]";
    }

    /** One CPU's interrupt thread or softclock thread. */
    private final class Worker extends Thread implements CpuThread {
        private final int cpu;
        private final boolean interrupt;
        /** The same CPU's softclock thread (for an interrupt thread), else null. */
        private final Worker softclock;
        /** Requests posted; written under this object's monitor, read by anyone. */
        volatile long work;
        /** Requests finished; written by this thread only. */
        private volatile long done;
        /** The latest time posted to an interrupt thread; guarded by this object's monitor. */
        @GuardedBy("this")
        private long postedNow;

        Worker(int cpu, boolean interrupt, Worker softclock) {
            super((interrupt ? "kcallout-vintr-" : "kcallout-vsoftclock-") + cpu);
            this.cpu = cpu;
            this.interrupt = interrupt;
            this.softclock = softclock;
            setDaemon(true);
        }

        ConcurrentVirtualClock clock() {
            return ConcurrentVirtualClock.this;
        }

        synchronized void post(long now) {
            postedNow = Math.max(postedNow, now);
            work++;
            notifyAll();
        }

        synchronized void wake() {
            notifyAll();
        }

        /** See the implementation notes: idle, or blocked on what only another thread releases. */
        boolean settled() {
            if (done == work) {
                return true;
            }
            State s = getState();
            if (s != State.WAITING && s != State.TIMED_WAITING && s != State.BLOCKED) {
                return false;
            }
            if (HandlerGate.isHeld(this)) {
                return true;
            }
            KMutex m = KMutex.blockingMutexOf(this);
            if (m != null) {
                Thread owner = m.owner();
                return owner != null && owner != this;
            }
            return false;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long now;
                synchronized (this) {
                    while (running && work == seen) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            // Our threads are never interrupted by us; a stray interrupt is dropped.
                        }
                    }
                    if (!running) {
                        done = work;
                        return;
                    }
                    seen = work;
                    now = postedNow;
                }
                try {
                    if (interrupt) {
                        if (layer.calloutProcess(cpu, now, false)) {
                            softclock.post(now); // before our request counts as done (see the notes)
                        }
                    } else {
                        layer.softclock(cpu);
                    }
                } catch (RuntimeException | Error e) {
                    if (!layer.isClosed()) {
                        throw e; // the engine reports handler failures itself: this is a defect
                    }
                } finally {
                    done = seen;
                }
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
