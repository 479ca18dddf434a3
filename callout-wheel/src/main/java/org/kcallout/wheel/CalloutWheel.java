package org.kcallout.wheel;

import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.CalloutFlags.INIT_VALID_MASK;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.internal.CalloutAccess.arg;
import static org.kcallout.internal.CalloutAccess.ccVolatile;
import static org.kcallout.internal.CalloutAccess.flags;
import static org.kcallout.internal.CalloutAccess.func;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.lock;
import static org.kcallout.internal.CalloutAccess.setCcVolatile;
import static org.kcallout.internal.CalloutAccess.setFlagsRelease;
import static org.kcallout.internal.CalloutAccess.setFuncArg;
import static org.kcallout.internal.CalloutAccess.setIflagsRelease;
import static org.kcallout.internal.CalloutAccess.setLock;
import static org.kcallout.internal.CalloutAccess.setPrecision;
import static org.kcallout.internal.CalloutAccess.setTime;

import java.util.concurrent.CompletionStage;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.HandlerFailureHook;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.When;
import org.kcallout.internal.CpuRef;

/**
 * The callout engine: FreeBSD's {@code kern_timeout.c} on per-CPU hashed timing wheels, driven by a
 * {@link ClockSource} (the {@link RealTimeEventTimer} by default, or a {@link VirtualEventTimer} for
 * deterministic tests).
 *
 * <pre>{@code
 * VirtualEventTimer vt = new VirtualEventTimer();
 * try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
 *     Callout c = new Callout();
 *     sys.init(c, true);                                  // callout_init(&c, 1)
 *     sys.reset(c, 10, MyDriver::tick, driver);          // callout_reset(&c, 10, tick, sc)
 *     vt.advance(20 * sys.tickSbt());                     // tick(driver) runs on this thread
 * }
 * }</pre>
 *
 * <p>See {@link CalloutSystem} for the contract of each method. Beyond it, this class offers the
 * hooks a conformance test needs: {@link #calloutProcess(int, long)} and {@link #softclock(int)} to
 * drive a CPU by hand, and read-only views of the per-CPU state ({@link #firstevent(int)},
 * {@link #lastscan(int)}, {@link #inBucket(Callout, int)}).
 */
public final class CalloutWheel implements CalloutSystem {
    /* Implementation notes.
     *
     * Ports the public half of kern_timeout.c (FreeBSD main): _callout_init_lock, callout_lock and
     * callout_cpu_switch, plus the system's lifecycle. callout_when, callout_reset_sbt_on and
     * callout_schedule are CalloutReset; _callout_stop_safe (stop, drain, async drain, in both
     * profiles) is CalloutStop; the per-CPU half (wheel, scan, dispatcher) is CalloutCpu; the
     * configuration is CalloutWheelBuilder.
     *
     * Locking: a callout is protected by the lock of the CPU its cc field names (callout_lock
     * resolves the CPUBLOCK hand-off). Lock order: a callout's associated lock, then a CPU lock, then
     * the clock source's monitor. Two CPU locks are never held together except in cpuSwitch's
     * hand-off, where the first is released before the second is taken.
     *
     * Every public method validates its arguments and the caller's lock before it takes a CPU lock,
     * and re-checks ownership under the lock before it changes anything, so a rejected call changes
     * nothing (SPEC decision 3). */

    private static final System.Logger LOG = System.getLogger(CalloutWheel.class.getName());

    private static final HandlerFailureHook LOGGING_HOOK = (c, t) ->
            LOG.log(System.Logger.Level.ERROR, "callout handler threw; the softclock thread goes on: " + c, t);

    private final Profile profile;
    private final int hz;
    private final long tickSbt;
    private final int precExp;
    private final long tickThreshold;
    private final int defaultCpu;
    /** Default of {@link CalloutWheelBuilder#scanBatch(int)}: 1024 callouts per {@code callout_process}. */
    public static final int DEFAULT_SCAN_BATCH = 1024;

    private final int callwheelSize;
    /** Most callouts one callout_process moves or runs; see {@link CalloutWheelBuilder#scanBatch(int)}. */
    final int scanBatch;
    private final KMutex giant;
    private final HandlerFailureHook failureHook;
    final CalloutObserver observer;
    final ClockSource clock;
    private final CalloutStop stopper;
    private final CalloutReset resetter;
    /** Per thread: the CPU bound by bindCurrentThread, or -1; each thread touches only its own. */
    private final ThreadLocal<int[]> threadCpu = ThreadLocal.withInitial(() -> new int[] {-1});
    private final CalloutCpu[] cpus;
    private final SoftclockThread[] softclockThreads;
    /** Set once by close(); read volatile everywhere, re-checked under a CPU lock by arms. */
    private volatile boolean closed;
    /** Makes one close() call the first. */
    private final Object closeLock = new Object();

    CalloutWheel(CalloutWheelBuilder b) {
        this.profile = b.profile;
        this.precExp = precExpFor(b.allowedDeviationPercent);
        this.defaultCpu = b.defaultCpu;
        this.callwheelSize = b.callwheelSize;
        this.scanBatch = b.scanBatch;
        this.giant = new KMutex("Giant", KMutex.MTX_RECURSE);
        this.failureHook = b.failureHook != null ? b.failureHook : LOGGING_HOOK;
        this.observer = b.observer != null ? b.observer : CalloutObserver.NONE;
        this.stopper = new CalloutStop(this, profile, giant, observer);
        this.resetter = new CalloutReset(this);
        this.cpus = new CalloutCpu[b.ncpus];
        for (int i = 0; i < b.ncpus; i++) {
            cpus[i] = new CalloutCpu(this, i, b.callwheelSize);
        }
        this.clock = b.clock != null ? b.clock : new RealTimeEventTimer();
        this.clock.attach(this);
        this.hz = clock.configureHz(b.hz);
        this.tickSbt = SBT_1S / hz;
        this.tickThreshold = b.allowedDeviationPercent == 0 ? SBT_MAX : tickSbt << precExp;
        // The first scan starts from the clock's time, which need not be 0 (FreeBSD boots at 0).
        long start = clock.sbinuptime();
        for (CalloutCpu cc : cpus) {
            cc.lastscan = start;
        }
        if (clock.runsSoftclockInline()) {
            this.softclockThreads = null;
        } else {
            this.softclockThreads = new SoftclockThread[b.ncpus];
            for (int i = 0; i < b.ncpus; i++) {
                softclockThreads[i] = new SoftclockThread(this, cpus[i]);
                softclockThreads[i].start();
            }
        }
        try {
            this.clock.start();
        } catch (RuntimeException | Error e) {
            // The system is not built: nothing may keep running for it.
            closed = true;
            clock.stop();
            if (softclockThreads != null) {
                for (SoftclockThread t : softclockThreads) {
                    t.shutdown();
                }
            }
            throw e;
        }
    }

    /**
     * @return a builder with the defaults: MODERN, one callout CPU per available processor, default
     *         CPU 0, hz 1000, 8192 buckets per CPU, 5 % allowed deviation, scan batches of 1024, real time
     */
    public static CalloutWheelBuilder builder() {
        return new CalloutWheelBuilder();
    }

    /**
     * {@code callwheelsize} for a given {@code ncallout}: the power of two strictly greater than it
     * ({@code 1 << fls(ncallout)}), as FreeBSD sizes its wheel.
     *
     * @param ncallout the expected number of callouts, {@code >= 1}
     * @return the wheel size
     */
    public static int callwheelSizeFor(int ncallout) {
        if (ncallout < 1 || ncallout >= (1 << 30)) {
            throw new IllegalArgumentException("ncallout must be in [1, 2^30), got " + ncallout);
        }
        return 1 << (32 - Integer.numberOfLeadingZeros(ncallout));
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

    @Override
    public Profile profile() {
        return profile;
    }

    @Override
    public int ncpus() {
        return cpus.length;
    }

    @Override
    public int defaultCpu() {
        return defaultCpu;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The rule, in order: a thread running a callout (handler, lock hand-off or scan) for CPU
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
        if (t instanceof CalloutThread) {
            CalloutThread ct = (CalloutThread) t;
            if (ct.wheel() == this) {
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

    @Override
    public int hz() {
        return hz;
    }

    @Override
    public long tickSbt() {
        return tickSbt;
    }

    @Override
    public int precExp() {
        return precExp;
    }

    @Override
    public long tickThreshold() {
        return tickThreshold;
    }

    /** @return the most callouts one {@code callout_process} expires ({@link CalloutWheelBuilder#scanBatch(int)}) */
    public int scanBatch() {
        return scanBatch;
    }

    /** @return the number of buckets of each CPU's wheel ({@code callwheelsize}) */
    public int callwheelSize() {
        return callwheelSize;
    }

    /** @return the clock source driving this system */
    public ClockSource clock() {
        return clock;
    }

    @Override
    public long sbinuptime() {
        return clock.sbinuptime();
    }

    @Override
    public long hardclocktime(int cpu) {
        checkCpu("hardclocktime", cpu);
        return clock.hardclocktime(cpu);
    }

    @Override
    public int ticks() {
        return clock.ticks();
    }

    @Override
    public CalloutLock giant() {
        return giant;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Init                                                                                       */

    @Override
    public void init(Callout c, boolean mpsafe) {
        initInternal("callout_init", c, mpsafe ? null : giant, mpsafe ? CALLOUT_RETURNUNLOCKED : 0);
    }

    @Override
    public void initLock(Callout c, CalloutLock lock, int flags) {
        String fn = "callout_init_lock";
        if (lock == null) {
            throw new IllegalArgumentException(fn + ": lock must not be null (flags 0x" + Integer.toHexString(flags)
                    + "); use callout_init(c, 1) for a callout without a lock");
        }
        if ((flags & ~INIT_VALID_MASK) != 0) {
            throw new IllegalArgumentException(fn + ": bad flags 0x" + Integer.toHexString(flags)
                    + " (allowed: CALLOUT_RETURNUNLOCKED 0x10, CALLOUT_SHAREDLOCK 0x20)");
        }
        CalloutLock.Kind kind = lock.kind();
        if (kind == CalloutLock.Kind.SLEEPABLE) {
            throw new IllegalArgumentException(fn + ": invalid lock class: " + lock.name()
                    + " is sleepable (sx, lockmgr); a callout lock must not be");
        }
        if (kind == CalloutLock.Kind.SPIN_MUTEX && profile == Profile.CLASSIC) {
            throw new IllegalArgumentException(fn + ": invalid lock class: " + lock.name()
                    + " is a spin mutex, which the CLASSIC profile does not accept");
        }
        initInternal(fn, c, lock, flags);
    }

    private void initInternal(String fn, Callout c, CalloutLock lock, int iflags) {
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
    /* Arm: callout_when, callout_reset_sbt_on and callout_schedule live in CalloutReset          */

    @Override
    public When when(long sbt, long precision, int flags) {
        return resetter.when(sbt, precision, flags);
    }

    @Override
    public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu, int flags) {
        return resetter.arm("callout_reset_sbt_on", c, sbt, pr, func, arg, cpu, flags);
    }

    /* The variants are overridden only so that an error names the function the user called. */

    @Override
    public <A> int resetSbt(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int flags) {
        return resetter.arm("callout_reset_sbt", c, sbt, pr, func, arg, -1, flags);
    }

    @Override
    public <A> int resetSbtCurcpu(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int flags) {
        return resetter.arm("callout_reset_sbt_curcpu", c, sbt, pr, func, arg, curcpu(), flags);
    }

    @Override
    public <A> int resetOn(Callout c, int ticks, CalloutFunc<? super A> func, A arg, int cpu) {
        return resetter.arm("callout_reset_on", c, tickSbt * ticks, 0, func, arg, cpu, C_HARDCLOCK);
    }

    @Override
    public <A> int reset(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return resetter.arm("callout_reset", c, tickSbt * ticks, 0, func, arg, -1, C_HARDCLOCK);
    }

    @Override
    public <A> int resetCurcpu(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return resetter.arm("callout_reset_curcpu", c, tickSbt * ticks, 0, func, arg, curcpu(), C_HARDCLOCK);
    }

    @Override
    public int scheduleSbtOn(Callout c, long sbt, long pr, int cpu, int flags) {
        return resetter.schedule("callout_schedule_sbt_on", c, sbt, pr, cpu, flags);
    }

    @Override
    public int scheduleSbt(Callout c, long sbt, long pr, int flags) {
        return resetter.schedule("callout_schedule_sbt", c, sbt, pr, -1, flags);
    }

    @Override
    public int scheduleSbtCurcpu(Callout c, long sbt, long pr, int flags) {
        return resetter.schedule("callout_schedule_sbt_curcpu", c, sbt, pr, curcpu(), flags);
    }

    @Override
    public int scheduleOn(Callout c, int ticks, int cpu) {
        return resetter.schedule("callout_schedule_on", c, tickSbt * ticks, 0, cpu, C_HARDCLOCK);
    }

    @Override
    public int schedule(Callout c, int ticks) {
        return resetter.schedule("callout_schedule", c, tickSbt * ticks, 0, -1, C_HARDCLOCK);
    }

    @Override
    public int scheduleCurcpu(Callout c, int ticks) {
        return resetter.schedule("callout_schedule_curcpu", c, tickSbt * ticks, 0, curcpu(), C_HARDCLOCK);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Stop and drain: _callout_stop_safe lives in CalloutStop                                    */

    @Override
    public int stop(Callout c) {
        return stopper.stop(c);
    }

    @Override
    public int drain(Callout c) {
        return stopper.drain(c);
    }

    @Override
    public <A> int asyncDrain(Callout c, CalloutFunc<? super A> drainFn) {
        return stopper.asyncDrain(c, drainFn);
    }

    @Override
    public CompletionStage<Void> drainAsync(Callout c) {
        return stopper.drainAsync(c);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* callout_lock, callout_cpu_switch                                                           */

    /**
     * {@code callout_lock}: locks the CPU that owns {@code c}, waiting out a CPUBLOCK hand-off.
     * Works for a callout of any system; the caller checks ownership.
     */
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
        if (cc.wheel != this) {
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

    void checkCpu(String fn, int cpu) {
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalArgumentException(fn + ": cpu must be -1 or in [0, " + cpus.length + "), got " + cpu);
        }
    }

    void checkOpen(String fn) {
        if (closed) {
            throw closedException(fn);
        }
    }

    IllegalStateException closedException(String fn) {
        return new IllegalStateException(fn + ": the callout system is closed (close() was called); "
                + "nothing can be armed or initialised on it: " + this);
    }

    static void checkInitialised(String fn, Callout c) {
        if (c == null) {
            throw new IllegalArgumentException(fn + ": callout must not be null");
        }
        if (ccVolatile(c) == null) {
            throw new IllegalStateException(fn + ": the callout was never initialised (call callout_init first)");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Driving a CPU (clock sources and conformance tests)                                       */

    /**
     * {@code callout_process(now)} on {@code cpu}, on the calling thread: expires what is due (running
     * direct callouts here) and reports the next event window to the clock. Meant for clock sources
     * and for tests; one caller per CPU at a time. More than {@link #scanBatch()} due callouts are
     * expired in several batches, with the CPU lock dropped in between; the result is the same.
     *
     * @param cpu the CPU
     * @param now the current time (not earlier than the previous call's)
     * @return true if callouts wait in the expire queue for {@link #softclock(int)}
     */
    public boolean calloutProcess(int cpu, long now) {
        checkCpu("callout_process", cpu);
        CalloutCpu cc = cpus[cpu];
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

    /**
     * One batch of {@code callout_process(now)} on {@code cpu} (a real-time softclock thread's own
     * interrupt): if more is due than one batch holds, the clock is asked to come back at once, after
     * the caller has run the batch.
     */
    void calloutProcessBatch(int cpu, long now) {
        cpus[cpu].process(now, true);
    }

    /**
     * {@code softclock}: runs {@code cpu}'s expire queue on the calling thread. Only for a clock that
     * runs softclock inline (the virtual timer); a real-time system has a softclock thread per CPU.
     *
     * @param cpu the CPU
     * @return the number of callouts dispatched
     * @throws IllegalStateException if the CPU has a softclock thread
     */
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

    /** @return {@code cc_firstevent} of {@code cpu}: the earliest deadline reported to the clock */
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

    /** @return {@code cc_lastscan} of {@code cpu}: the {@code now} of its previous scan */
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

    /** @return the number of callouts pending on {@code cpu} (wheel and expire queue) */
    public int pendingCount(int cpu) {
        checkCpu("pendingCount", cpu);
        return cpus[cpu].pendingCount();
    }

    CalloutCpu cpu(int i) {
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
    boolean skipIdleTo(long to) {
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

    void handlerFailed(Callout c, Throwable t) {
        try {
            failureHook.handlerFailed(c, t);
        } catch (Throwable ignored) {
            // The hook must not take the softclock thread down either.
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: with softclock threads (a real-time clock), the threads end once their CPU is
     * quiet; a call that waits (step 3) also waits for them to end, except for a thread left
     * blocked on a lock the caller holds. With a virtual clock, an advance in progress returns
     * after the handler it is running.
     */
    @Override
    public void close() {
        boolean first;
        synchronized (closeLock) {
            first = !closed;
            closed = true;
        }
        Thread self = Thread.currentThread();
        if (first) {
            // Step 2: stop everything pending, CPU by CPU. An arm racing with this either saw
            // closed under its CPU lock (and was refused) or is discarded here.
            for (CalloutCpu cc : cpus) {
                cc.discardForClose();
            }
            clock.stop();
            if (softclockThreads != null) {
                for (SoftclockThread t : softclockThreads) {
                    t.shutdown();
                }
            }
        }
        if (runsHandler(self)) {
            return; // step 3 does not apply to a handler: see CalloutSystem.close()
        }
        boolean[] leftBlocked = new boolean[cpus.length];
        for (CalloutCpu cc : cpus) {
            leftBlocked[cc.cpuId] = cc.awaitQuietForClose(self);
        }
        if (softclockThreads != null) {
            for (SoftclockThread t : softclockThreads) {
                if (t != self && !leftBlocked[t.cpu()]) {
                    CalloutThread.joinUninterruptibly(t);
                }
            }
        }
    }

    /** True if {@code t} is running a handler or a drain callback of this system. */
    private boolean runsHandler(Thread t) {
        for (CalloutCpu cc : cpus) {
            if (cc.runsUserCode(t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "CalloutWheel[profile=" + profile + ", ncpus=" + cpus.length + ", hz=" + hz
                + ", callwheelsize=" + callwheelSize + ", clock=" + clock + "]";
    }

}
