package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.internal.CalloutAccess.ccVolatile;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.setCcVolatile;
import static org.kcallout.internal.CalloutAccess.setFlagsRelease;
import static org.kcallout.internal.CalloutAccess.setFuncArg;
import static org.kcallout.internal.CalloutAccess.setIflagsRelease;
import static org.kcallout.internal.CalloutAccess.setLock;
import static org.kcallout.internal.CalloutAccess.setPrecision;
import static org.kcallout.internal.CalloutAccess.setTime;

import org.kcallout.Callout;
import org.kcallout.CalloutLock;
import org.kcallout.HandlerFailureHook;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.seam.CpuThread;
import org.kcallout.wheel.seam.ClockPort;
import org.kcallout.wheel.seam.CalloutLayer;

/**
 * One callout system's engine: the state FreeBSD's {@code kern_timeout.c} keeps in globals
 * ({@code cc_cpu[]}, {@code callwheelsize}, {@code tick_sbt}, {@code tc_precexp}, the softclock
 * threads) and the functions that span CPUs: {@code callout_lock}, {@code callout_cpu_switch},
 * {@code curcpu}, the init half of {@code _callout_init_lock}, and the system's start
 * ({@link CalloutClose} is its end). It is the {@link CalloutLayer} a clock source drives. The public
 * face is {@code CalloutWheel}, which checks arguments and hands each call here, to
 * {@link CalloutReset} or to {@link CalloutStop}.
 */
public final class CalloutEngine implements CalloutLayer {
    /* Implementation notes.
     *
     * Ports the cross-CPU half of kern_timeout.c (FreeBSD main): _callout_init_lock, callout_lock and
     * callout_cpu_switch, plus the system's start (close() is CalloutClose). callout_when, callout_reset_sbt_on and
     * callout_schedule are CalloutReset; _callout_stop_safe (stop, drain, async drain, in both
     * profiles) is CalloutStop; the per-CPU half (wheel, scan, dispatcher) is CalloutCpu and
     * SoftclockCallCc. The clock is reached only through its ClockPort (cpu_new_callout and the
     * time reads); the clock reaches this class only as a CalloutLayer.
     *
     * Locking: a callout is protected by the lock of the CPU its cc field names (callout_lock
     * resolves the CPUBLOCK hand-off). Lock order: a callout's associated lock, then a CPU lock, then
     * the clock source's monitor. Two CPU locks are never held together except in cpuSwitch's
     * hand-off, where the first is released before the second is taken.
     *
     * Every operation validates its arguments and the caller's lock before it takes a CPU lock,
     * and re-checks ownership under the lock before it changes anything, so a rejected call changes
     * nothing (SPEC decision 3).
     *
     * Field guards: everything but the ones named here is final. threadCpu is per thread; closed is
     * volatile, set once under closeLock, re-checked under a CPU lock by arms. */

    private static final System.Logger LOG = System.getLogger("org.kcallout.wheel.CalloutWheel");

    private static final HandlerFailureHook LOGGING_HOOK = (c, t) ->
            LOG.log(System.Logger.Level.ERROR, "callout handler threw; the softclock thread goes on: " + c, t);

    private final Profile profile;
    private final int hz;
    private final long tickSbt;
    private final int precExp;
    private final long tickThreshold;
    private final int defaultCpu;
    private final int callwheelSize;
    /** Most callouts one callout_process moves or runs (the builder's scanBatch). */
    final int scanBatch;
    final KMutex giant;
    private final HandlerFailureHook failureHook;
    final CalloutObserver observer;
    /** The clock, as the callout layer sees it: cpu_new_callout and the time reads. */
    final ClockPort clock;
    /** Per thread: the CPU bound by bindCurrentThread, or -1; each thread touches only its own. */
    private final ThreadLocal<int[]> threadCpu = ThreadLocal.withInitial(() -> new int[] {-1});
    private final CalloutCpu[] cpus;
    /** The softclock threads, or null if the clock runs softclock itself; read by CalloutClose. */
    final SoftclockThread[] softclockThreads;
    /** Set once by close(); read volatile everywhere, re-checked under a CPU lock by arms. */
    private volatile boolean closed;
    /** Makes one close() call the first. */
    private final Object closeLock = new Object();

    /**
     * Builds the engine on {@code clock} and starts it (softclock threads, then the clock).
     *
     * @param cfg   the configuration, already checked
     * @param clock the clock's port
     * @throws IllegalStateException if the clock already drives a system or fails to start
     */
    public CalloutEngine(EngineConfig cfg, ClockPort clock) {
        this.profile = cfg.profile();
        this.precExp = precExpFor(cfg.allowedDeviationPercent());
        this.defaultCpu = cfg.defaultCpu();
        this.callwheelSize = cfg.callwheelSize();
        this.scanBatch = cfg.scanBatch();
        this.giant = new KMutex("Giant", KMutex.MTX_RECURSE);
        this.failureHook = cfg.failureHook() != null ? cfg.failureHook() : LOGGING_HOOK;
        this.observer = cfg.observer() != null ? cfg.observer() : CalloutObserver.NONE;
        this.cpus = new CalloutCpu[cfg.ncpus()];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = new CalloutCpu(this, i, callwheelSize);
        }
        this.clock = clock;
        this.hz = clock.attach(this, cfg.hz());
        this.tickSbt = SBT_1S / hz;
        this.tickThreshold = cfg.allowedDeviationPercent() == 0 ? SBT_MAX : tickSbt << precExp;
        // The first scan starts from the clock's time, which need not be 0 (FreeBSD boots at 0).
        long start = clock.sbinuptime();
        for (CalloutCpu cc : cpus) {
            cc.lastscan = start;
        }
        if (clock.runsSoftclock()) {
            this.softclockThreads = null;
        } else {
            this.softclockThreads = new SoftclockThread[cpus.length];
            for (int i = 0; i < cpus.length; i++) {
                softclockThreads[i] = new SoftclockThread(clock, cpus[i]);
                softclockThreads[i].start();
            }
        }
        try {
            clock.start();
        } catch (RuntimeException | Error e) {
            // The system is not built: nothing may keep running for it.
            closed = true;
            clock.stop();
            clock.awaitStopped(new boolean[cpus.length]);
            CalloutClose.shutdown(softclockThreads);
            throw e;
        }
    }

    /** {@code tc_precexp} for {@code kern.timecounter.alloweddeviation} (SPEC §1). */
    static int precExpFor(int percent) {
        if (percent == 0) {
            return 31;
        }
        int t = (99 + percent) / percent;
        return 31 - Integer.numberOfLeadingZeros(t + t / 2);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Configuration and time                                                                     */

    /** {@return the profile} */
    public Profile profile() {
        return profile;
    }

    @Override
    public int ncpus() {
        return cpus.length;
    }

    /** {@return the default CPU} */
    public int defaultCpu() {
        return defaultCpu;
    }

    /**
     * {@code curcpu}. The rule, in order: a thread running a callout (handler, lock hand-off or scan) for CPU
     * {@code k} is on {@code k} — this includes a test thread driving a virtual clock; a softclock
     * or event-timer thread of this system is on its own CPU; a thread bound with
     * {@link #bindCurrentThread(int)} is on its bound CPU; any other thread is on
     * {@code threadId % ncpus}, which is stable for the life of the thread.
     */
    @Override
    public int curcpu() {
        Thread t = Thread.currentThread();
        for (CalloutCpu cc : cpus) {
            // Racy reads of fields guarded by cc.lock: only this thread ever stores itself there,
            // and it clears them itself, so equality with the current thread cannot be stale.
            if (cc.exec[0].thread == t || cc.exec[1].thread == t) {
                return cc.cpuId;
            }
        }
        if (t instanceof CpuThread) {
            CpuThread ct = (CpuThread) t;
            if (ct.clockPort() == clock) {
                return ct.cpu();
            }
        }
        int[] bound = threadCpu.get();
        if (bound[0] >= 0) {
            return bound[0];
        }
        return (int) Math.floorMod(t.getId(), (long) cpus.length);
    }

    /**
     * Binds the calling thread to {@code cpu} for {@link #curcpu()} (and so for the
     * {@code _curcpu} functions), as a thread pinned with {@code sched_bind} would be; -1 unbinds.
     *
     * @param cpu a CPU of this system, or -1
     */
    public void bindCurrentThread(int cpu) {
        if (cpu != -1) {
            checkCpu("bindCurrentThread", cpu);
        }
        threadCpu.get()[0] = cpu;
    }

    /** {@return {@code hz}, as the clock runs it} */
    public int hz() {
        return hz;
    }

    @Override
    public long tickSbt() {
        return tickSbt;
    }

    /** {@return {@code tc_precexp}} */
    public int precExp() {
        return precExp;
    }

    /** {@return {@code tc_tick_sbt}: delays from here on count from a hardclock slot} */
    public long tickThreshold() {
        return tickThreshold;
    }

    /** {@return the most callouts one {@code callout_process} expires} */
    public int scanBatch() {
        return scanBatch;
    }

    /** {@return the number of buckets of each CPU's wheel ({@code callwheelsize})} */
    public int callwheelSize() {
        return callwheelSize;
    }

    /** {@return {@code sbinuptime()}} */
    public long sbinuptime() {
        return clock.sbinuptime();
    }

    /**
     * {@return {@code hardclocktime} of {@code cpu}}, checked
     *
     * @param cpu the CPU
     */
    public long hardclocktime(int cpu) {
        checkCpu("hardclocktime", cpu);
        return clock.hardclocktime(cpu);
    }

    /** {@return {@code ticks}} */
    public int ticks() {
        return clock.ticks();
    }

    /** {@return {@code Giant}} */
    public CalloutLock giant() {
        return giant;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Init                                                                                       */

    /**
     * The common part of {@code _callout_init_lock}, after the caller checked {@code lock} and the
     * flags: (re)initialises {@code c} on the default CPU.
     *
     * @param fn     the C function the user called
     * @param c      the callout
     * @param lock   its lock, or null
     * @param iflags the initial {@code c_iflags}
     */
    public void init(String fn, Callout c, CalloutLock lock, int iflags) {
        if (c == null) {
            throw new IllegalArgumentException(fn + ": callout must not be null");
        }
        checkOpen(fn);
        CalloutCpu home = cpus[defaultCpu];
        if (ccVolatile(c) == null) {
            // Never initialised: nobody else can see it through this system yet. (Two threads
            // initialising one new callout at once is a race in C too; it is not guarded.)
            reinit(c, lock, iflags);
            setCcVolatile(c, home);
            return;
        }
        CalloutCpu cc = lockOwned(fn, c);
        try {
            ExecEntity e0 = cc.exec[0];
            ExecEntity e1 = cc.exec[1];
            if ((iflags(c) & (CALLOUT_PENDING | CALLOUT_DFRMIGRATION)) != 0 || e0.curr == c || e1.curr == c) {
                throw new IllegalStateException(fn + ": cannot re-initialise a callout that is pending or running: " + c);
            }
            reinit(c, lock, iflags);
            setCcVolatile(c, home);
        } finally {
            cc.lock.unlock();
        }
    }

    private static void reinit(Callout c, CalloutLock lock, int iflags) {
        setTime(c, 0);
        setPrecision(c, 0);
        setFuncArg(c, null, null);
        setLock(c, lock);
        setIflagsRelease(c, iflags);
        setFlagsRelease(c, 0);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* callout_lock, callout_cpu_switch                                                           */

    /**
     * {@code callout_lock}: locks the CPU that owns {@code c}, waiting out a CPUBLOCK hand-off.
     * Works for a callout of any system; the caller checks ownership.
     */
    // lock() then a check: on success the lock is returned held (the caller's to release), and on
    // failure released at once and retried; there is no code in between that could throw.
    @SuppressWarnings("LockNotBeforeTry")
    static CalloutCpu lockAny(Callout c) {
        for (;;) {
            CpuRef r = ccVolatile(c);
            if (r == CpuRef.CPUBLOCK) {
                // Being moved between CPUs: wait for the new owner to be published.
                while (ccVolatile(c) == CpuRef.CPUBLOCK) {
                    Thread.onSpinWait();
                }
                continue;
            }
            CalloutCpu cc = (CalloutCpu) r;
            cc.lock.lock();
            if (ccVolatile(c) == r) {
                return cc;
            }
            cc.lock.unlock(); // it moved while we waited for the lock: try again
        }
    }

    /** {@link #lockAny} plus the check that {@code c} belongs to this system. */
    CalloutCpu lockOwned(String fn, Callout c) {
        CalloutCpu cc = lockAny(c);
        if (cc.engine != this) {
            cc.lock.unlock();
            throw new IllegalStateException(fn + ": the callout belongs to another callout system: " + c);
        }
        return cc;
    }

    /**
     * {@code callout_cpu_switch}: moves {@code c}'s ownership from {@code from} (locked) to
     * {@code to}; returns with {@code to} locked and {@code from} unlocked.
     */
    CalloutCpu cpuSwitch(Callout c, CalloutCpu from, CalloutCpu to) {
        assert from.lock.isHeldByCurrentThread();
        setCcVolatile(c, CpuRef.CPUBLOCK);
        from.lock.unlock();
        to.lock.lock();
        setCcVolatile(c, to);
        return to;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Argument checks                                                                            */

    /**
     * @param fn  the C function the user called
     * @param cpu a CPU argument
     * @throws IllegalArgumentException unless {@code cpu} is a CPU of this system
     */
    public void checkCpu(String fn, int cpu) {
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalArgumentException(fn + ": cpu must be -1 or in [0, " + cpus.length + "), got " + cpu);
        }
    }

    /**
     * @param fn the C function the user called
     * @throws IllegalStateException if the system is closed
     */
    public void checkOpen(String fn) {
        if (closed) {
            throw closedException(fn);
        }
    }

    IllegalStateException closedException(String fn) {
        return new IllegalStateException(fn + ": the callout system is closed (close() was called); "
                + "nothing can be armed or initialised on it: " + this);
    }

    /**
     * @param fn the C function the user called
     * @param c  a callout argument
     * @throws IllegalArgumentException if {@code c} is null
     * @throws IllegalStateException    if it was never initialised
     */
    public static void checkInitialised(String fn, Callout c) {
        if (c == null) {
            throw new IllegalArgumentException(fn + ": callout must not be null");
        }
        if (ccVolatile(c) == null) {
            throw new IllegalStateException(fn + ": the callout was never initialised (call callout_init first)");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The callout layer as a clock drives it, and the probes of conformance tests               */

    @Override
    public boolean calloutProcess(int cpu, long now, boolean oneBatch) {
        checkCpu("callout_process", cpu);
        CalloutCpu cc = cpus[cpu];
        if (oneBatch) {
            // A CPU thread's own interrupt: its thread runs nothing else, so no status to keep.
            return (cc.process(now, true) & CalloutCpu.WORK) != 0;
        }
        // Direct handlers start with a clear interrupt status; the caller's own is put back.
        boolean interrupted = Thread.interrupted();
        try {
            int r;
            do {
                r = cc.process(now, false);
            } while ((r & CalloutCpu.MORE) != 0);
            return (r & CalloutCpu.WORK) != 0;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public int softclock(int cpu) {
        checkCpu("softclock", cpu);
        if (softclockThreads != null) {
            throw new IllegalStateException("softclock: CPU " + cpu + " has its own softclock thread");
        }
        CalloutCpu cc = cpus[cpu];
        // Handlers start with a clear interrupt status; the caller's own is put back.
        boolean interrupted = Thread.interrupted();
        cc.lock.lock();
        try {
            return cc.softclockLocked();
        } finally {
            cc.lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@return {@code cc_firstevent} of {@code cpu}: the earliest deadline reported to the clock}
     *
     * @param cpu the CPU
     */
    public long firstevent(int cpu) {
        checkCpu("firstevent", cpu);
        CalloutCpu cc = cpus[cpu];
        cc.lock.lock();
        try {
            return cc.firstevent;
        } finally {
            cc.lock.unlock();
        }
    }

    /**
     * {@return {@code cc_lastscan} of {@code cpu}: the {@code now} of its previous scan}
     *
     * @param cpu the CPU
     */
    public long lastscan(int cpu) {
        checkCpu("lastscan", cpu);
        CalloutCpu cc = cpus[cpu];
        cc.lock.lock();
        try {
            return cc.lastscan;
        } finally {
            cc.lock.unlock();
        }
    }

    /**
     * @param c      a callout
     * @param bucket a bucket index
     * @return true if {@code c} is linked in that bucket of its CPU's wheel
     */
    public boolean inBucket(Callout c, int bucket) {
        if (bucket < 0 || bucket >= callwheelSize) {
            throw new IllegalArgumentException("inBucket: bucket must be in [0, " + callwheelSize + "), got " + bucket);
        }
        checkInitialised("inBucket", c);
        CalloutCpu cc = lockOwned("inBucket", c);
        try {
            return cc.inBucket(c, bucket);
        } finally {
            cc.lock.unlock();
        }
    }

    /**
     * {@return the number of callouts pending on {@code cpu} (wheel and expire queue)}
     *
     * @param cpu the CPU
     */
    public int pendingCount(int cpu) {
        checkCpu("pendingCount", cpu);
        return cpus[cpu].pendingCount();
    }

    /**
     * {@return CPU {@code i}'s state}
     *
     * @param i the CPU
     */
    public CalloutCpu cpu(int i) {
        return cpus[i];
    }

    /**
     * For a virtual clock about to cross a long stretch of time: if no CPU has a callout that can
     * still run (none below SBT_MAX on a wheel or an expire queue, no scan under way), moves every
     * CPU's lastscan to {@code to} and returns true, so that the clock may jump there without the
     * empty scans on the way (one per second of lookahead, each walking its buckets). All CPU
     * locks are held together, taken in CPU order (nothing else ever holds two), so no arm can
     * slip in between the check and the move.
     *
     * @param to the time the clock is about to jump to
     * @return true if every CPU was idle and lastscan moved
     */
    @Override
    // Every CPU's lock is taken in the first loop and held through the second; the checker does
    // not follow locks taken in a loop over an array.
    @SuppressWarnings("GuardedBy")
    public boolean skipIdleTo(long to) {
        int locked = 0;
        try {
            for (CalloutCpu cc : cpus) {
                cc.lock.lock();
                locked++;
                if (!cc.idleLocked()) {
                    return false;
                }
            }
            for (CalloutCpu cc : cpus) {
                if (to > cc.lastscan) {
                    cc.lastscan = to;
                }
            }
            return true;
        } finally {
            for (int i = 0; i < locked; i++) {
                cpus[i].lock.unlock();
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Reports a handler's failure to the hook; the hook's own failure is swallowed. */
    void handlerFailed(Callout c, Throwable t) {
        try {
            failureHook.handlerFailed(c, t);
        } catch (Throwable ignored) {
            // The hook must not take the softclock thread down either.
        }
    }

    /** {@code close()}, as {@code CalloutSystem.close()} specifies it: see {@link CalloutClose}. */
    public void close() {
        CalloutClose.close(this);
    }

    /** Sets closed; true for the first call only. */
    boolean markClosed() {
        synchronized (closeLock) {
            boolean first = !closed;
            closed = true;
            return first;
        }
    }

    @Override
    public String toString() {
        return "CalloutWheel[profile=" + profile + ", ncpus=" + cpus.length + ", hz=" + hz
                + ", callwheelsize=" + callwheelSize + ", clock=" + clock + "]";
    }

}
