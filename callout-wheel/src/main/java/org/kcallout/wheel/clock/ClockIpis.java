package org.kcallout.wheel.clock;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.kcallout.wheel.internal.IpiChannel;
import org.kcallout.wheel.seam.ClockPort;
import org.kcallout.wheel.seam.CpuThread;

/**
 * The simulated inter-processor interrupts of an {@link EventTimerClock}: where each CPU's
 * interrupt context runs, how an {@code IPI_HARDCLOCK} reaches it, and how {@code configtimer}
 * waits for the CPUs to acknowledge a reconfiguration. Ports the IPI side of
 * {@code kern_clocksource.c}: {@code ipi_cpu} and {@code ipi_all_but_self} ({@link #send}) and
 * {@code configtimer}'s wait for the CPUs ({@link #awaitAcks}). {@link ClockTimer} and
 * {@link ClockInterrupts} decide what to send, and handle it ({@code hardclockintr});
 * this class delivers.
 *
 * <h2>Whose thread is a CPU's interrupt context</h2>
 * <ul>
 *   <li><b>Virtual time</b> (a {@link VirtualTimebase}): the thread that moves time. Before each
 *       step the time base calls {@link #deliverPending()}, which hands every pending IPI to its CPU
 *       in CPU order (0, 1, ...) and repeats until none is left (IPIs raised by IPI handlers
 *       included), all at the current instant; then the next timer event is taken. So an IPI
 *       posted by an interrupt is handled after that interrupt and before time moves on, and one
 *       posted from outside an advance (a test thread arming a callout) is handled at the start of
 *       the next advance, at the time it was posted. {@link #awaitAcks} delivers the
 *       reconfiguration IPIs itself, synchronously, on the configuring thread.</li>
 *   <li><b>Real time</b>: one daemon thread per CPU, {@code kcallout-ipi-N} (only with two or more
 *       CPUs: one CPU never receives an IPI), parked until {@link #send} unparks it. Timer
 *       interrupts still arrive on the driver's threads; the two kinds of interrupt of one CPU are
 *       kept apart by the CPU's interrupt lock, as an interrupt-disabled section would.</li>
 * </ul>
 */
final class ClockIpis {
    /* Implementation notes.
     *
     * The channel is a JCTools MPSC queue per CPU (IpiChannel): producers are any threads,
     * the consumer must be one thread at a time per CPU. Real time: the CPU's IPI thread is its only
     * consumer. Virtual time: the advancing thread (holding the time base's advance lock) and a
     * thread in configtimer's wait (holding ET_LOCK) may both consume, so each poll happens under
     * the CPU's pollLock. The lock is a leaf held for the poll only, never while a handler runs:
     * handlers may arm callouts, which post IPIs, and may even reconfigure the clock, which
     * delivers IPIs to the other CPUs on this very thread.
     *
     * Acknowledgements (configtimer): ClockTimer stores action (1 start, 2 stop) in every other
     * CPU's ClockPcpu with a volatile write, then posts IPI_HARDCLOCK to each; the receiving CPU's
     * doconfigtimer applies the action under hwLock and writes action = 0 (volatile: the release
     * that publishes its et_start/et_stop); the waiter polls the actions. Virtual: the waiter
     * delivers the IPIs itself, so the wait ends at once, unless another thread is delivering
     * the same CPU's IPI at that moment (then it spins for that one). Real time: the waiter spins
     * briefly, then parks in growing steps; past ackTimeoutNanos it throws, naming the CPU.
     *
     * Thread fields: threads is written once by startThreads under ET_LOCK before any IPI can be
     * sent (configtimer(1) sends the first), and read by the waker: the waker only runs after a
     * send, which only happens after start, and the unpark of a thread not yet published would
     * be a lost wake-up, so threads is volatile. stopping is volatile, written once by shutdown.
     * The other fields (virtual, ackTimeoutNanos, channel, pollLocks, handler) are final. */

    private static final System.Logger LOG = System.getLogger(ClockIpis.class.getName());

    /** Deliveries at one instant before virtual delivery gives up (IPI handlers posting IPIs forever). */
    static final int MAX_IPIS_PER_PASS = VirtualTimebase.MAX_EVENTS_PER_INSTANT;

    private final boolean virtual;
    private final long ackTimeoutNanos;
    private final IpiChannel channel;
    private final ReentrantLock[] pollLocks;        // virtual time only
    private final IpiChannel.Handler handler;
    private volatile IpiThread[] threads;           // real time, ncpus > 1; see the notes
    private volatile boolean stopping;

    ClockIpis(IpiChannel.Handler handler, int ncpus, boolean virtual, long ackTimeoutNanos) {
        this.virtual = virtual;
        this.ackTimeoutNanos = ackTimeoutNanos;
        this.channel = IpiChannel.create(ncpus, virtual ? cpu -> { } : this::wakeThread);
        this.handler = handler;
        if (virtual) {
            pollLocks = new ReentrantLock[ncpus];
            for (int i = 0; i < ncpus; i++) {
                pollLocks[i] = new ReentrantLock();
            }
        } else {
            pollLocks = null;
        }
    }

    /** Starts the per-CPU IPI threads of real time, once; with fewer than two CPUs there are none. */
    void startThreads(ClockPort port) {
        if (virtual || threads != null || channel.ncpus() < 2) {
            return;
        }
        IpiThread[] ts = new IpiThread[channel.ncpus()];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = new IpiThread(port, i);
        }
        threads = ts; // published before the first start(): the waker can find every thread
        for (IpiThread t : ts) {
            t.start();
        }
    }

    /**
     * {@code ipi_cpu(cpu, kind)}: posts the IPI and wakes the CPU's interrupt context (real time).
     * Never blocks; may be called with any lock held.
     *
     * @return false if an IPI of that kind was already pending there (it covers this one)
     */
    boolean send(int cpu, int kind) {
        return channel.send(cpu, kind);
    }

    /** {@return true if an IPI is pending for {@code cpu}} (a snapshot) */
    boolean pending(int cpu) {
        return channel.pending(cpu);
    }

    private void wakeThread(int cpu) {
        IpiThread[] ts = threads;
        if (ts != null) {
            LockSupport.unpark(ts[cpu]);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Virtual time                                                                              */

    /**
     * Virtual time: delivers every pending IPI on the calling thread, CPU by CPU in CPU order,
     * pass after pass until a pass finds none. Called by the time base before each step.
     *
     * @return the number delivered
     * @throws IllegalStateException if IPI handlers keep posting IPIs ({@link #MAX_IPIS_PER_PASS})
     */
    int deliverPending() {
        if (!virtual) {
            return 0;
        }
        int total = 0;
        boolean again = true;
        while (again) {
            again = false;
            for (int cpu = 0; cpu < channel.ncpus(); cpu++) {
                if (deliverOne(cpu)) {
                    again = true;
                    if (++total > MAX_IPIS_PER_PASS) {
                        throw new IllegalStateException("IPI delivery: more than " + MAX_IPIS_PER_PASS
                                + " IPIs at one instant: IPI handlers keep sending IPIs");
                    }
                }
            }
        }
        return total;
    }

    /** Virtual time: takes one IPI of {@code cpu} (under its poll lock) and handles it here. */
    private boolean deliverOne(int cpu) {
        int kind;
        ReentrantLock l = pollLocks[cpu];
        l.lock();
        try {
            kind = channel.poll(cpu);
        } finally {
            l.unlock();
        }
        if (kind < 0) {
            return false;
        }
        handler.ipi(cpu, kind);
        return true;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* configtimer's wait                                                                        */

    /**
     * The end of {@code configtimer} for a PERCPU timer: waits until every CPU but {@code self} has
     * acknowledged its action (set {@code action} back to 0). Virtual time delivers the IPIs here;
     * real time waits for the IPI threads. Called with ET_LOCK held and hwLock free.
     *
     * @throws IllegalStateException if a CPU does not acknowledge within the timeout
     */
    void awaitAcks(ClockPcpu[] pcpu, int self) {
        long deadline = System.nanoTime() + ackTimeoutNanos;
        for (ClockPcpu st : pcpu) {
            if (st.cpu == self) {
                continue;
            }
            long idle = 0;
            while (st.action != 0) {
                if (virtual && deliverOne(st.cpu)) {
                    continue; // applied here, on this thread, in st.cpu's interrupt context
                }
                // Real time, or (virtual) another thread took this CPU's IPI and is applying it.
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("configtimer: CPU " + st.cpu + " did not acknowledge "
                            + (st.action == 1 ? "action 1 (start its timer)" : "action " + st.action + " (stop its timer)")
                            + " within " + ackTimeoutNanos / 1_000_000 + " ms: its interrupt context is blocked"
                            + " (a direct handler that blocks?) or gone");
                }
                idle = backOff(idle);
            }
        }
    }

    /** Spins a little, then parks for growing spans up to 1 ms; returns the new spin count. */
    private static long backOff(long idle) {
        if (idle < 100) {
            Thread.onSpinWait();
        } else {
            LockSupport.parkNanos(Math.min(1_000_000L, 1_000L << Math.min(idle - 100, 10)));
        }
        return idle + 1;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Real time                                                                                 */

    /**
     * Stops the IPI threads (when the clock stops for good) and waits a little for each to end;
     * a thread stuck in a handler is left behind (it is a daemon) rather than hanging the close.
     */
    void shutdown() {
        stopping = true;
        IpiThread[] ts = threads;
        if (ts == null) {
            return;
        }
        for (IpiThread t : ts) {
            LockSupport.unpark(t);
        }
        for (IpiThread t : ts) {
            if (t == Thread.currentThread()) {
                continue; // closed from a direct handler on this IPI thread: it ends when it returns
            }
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One CPU's interrupt context for IPIs in real time. */
    private final class IpiThread extends Thread implements CpuThread {
        private final ClockPort port;
        private final int cpu;

        IpiThread(ClockPort port, int cpu) {
            super("kcallout-ipi-" + cpu);
            this.port = port;
            this.cpu = cpu;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!stopping) {
                int kind = channel.poll(cpu); // this thread is the CPU's only consumer
                if (kind < 0) {
                    LockSupport.park(this); // a send after the poll above leaves a permit: no lost wake-up
                    continue;
                }
                try {
                    handler.ipi(cpu, kind);
                } catch (RuntimeException | Error e) {
                    // An interrupt handler must not take the CPU's interrupt context down.
                    LOG.log(System.Logger.Level.ERROR, "kcallout-ipi-" + cpu + ": IPI handler threw", e);
                }
            }
        }

        @Override
        public ClockPort clockPort() {
            return port;
        }

        @Override
        public int cpu() {
            return cpu;
        }
    }
}
