package org.kcallout.wheel;

import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.CalloutFlags.INIT_VALID_MASK;

import java.util.concurrent.CompletionStage;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;
import org.kcallout.When;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.kern.CalloutEngine;
import org.kcallout.wheel.kern.CalloutReset;
import org.kcallout.wheel.kern.CalloutStop;
import org.kcallout.wheel.kern.EngineConfig;
import org.kcallout.wheel.seam.ClockPorts;

/**
 * A callout system: FreeBSD's {@code kern_timeout.c} on per-CPU hashed timing wheels, driven by a
 * {@link ClockSource} (the {@link RealTimeTicklessClock} by default, or a {@link VirtualTicklessClock} for
 * deterministic tests).
 *
 * <pre>{@code
 * VirtualTicklessClock vt = new VirtualTicklessClock();
 * try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
 *     Callout c = new Callout();
 *     sys.init(c, true);                                  // callout_init(&c, 1)
 *     sys.reset(c, 10, MyDriver::tick, driver);          // callout_reset(&c, 10, tick, sc)
 *     vt.advance(20 * sys.tickSbt());                     // tick(driver) runs on this thread
 * }
 * }</pre>
 *
 * <p>See {@link CalloutSystem} for the contract of each method; each names the C function it
 * ports. Inspection hooks for conformance tests (driving a CPU by hand, reading its scan state)
 * are in {@link WheelProbe}, not here.
 */
public final class CalloutWheel implements CalloutSystem {
    /* Implementation notes: the public face of the engine (org.kcallout.wheel.kern). It checks the
     * arguments that need no lock and hands each call to the engine: arms to CalloutReset, stops and
     * drains to CalloutStop, everything else to CalloutEngine, under the name of the C function
     * the user called, so that an error names it. It holds no mutable state. */

    /** Default of {@link CalloutWheelBuilder#scanBatch(int)}: 1024 callouts per {@code callout_process}. */
    public static final int DEFAULT_SCAN_BATCH = 1024;

    /** The engine; package-private so that the probe in this module can reach it. */
    final CalloutEngine engine;
    private final CalloutReset resetter;
    private final CalloutStop stopper;
    private final ClockSource clock;

    CalloutWheel(CalloutWheelBuilder b) {
        this.clock = b.clock != null ? b.clock : new RealTimeTicklessClock();
        this.engine = new CalloutEngine(new EngineConfig(b.profile, b.ncpus, b.defaultCpu, b.hz, b.callwheelSize,
                b.scanBatch, b.allowedDeviationPercent,
                b.failureHook != null ? b.failureHook : clock.defaultFailureHook(), b.observer), ClockPorts.of(clock));
        this.resetter = new CalloutReset(engine);
        this.stopper = new CalloutStop(engine);
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

    /* ---------------------------------------------------------------------------------------- */
    /* Configuration and time                                                                     */

    @Override
    public Profile profile() {
        return engine.profile();
    }

    @Override
    public int ncpus() {
        return engine.ncpus();
    }

    @Override
    public int defaultCpu() {
        return engine.defaultCpu();
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
        return engine.curcpu();
    }

    /**
     * Binds the calling thread to {@code cpu} for {@link #curcpu()} (and so for the
     * {@code _curcpu} functions), as a thread pinned with {@code sched_bind} would be; -1 unbinds.
     *
     * @param cpu a CPU of this system, or -1
     */
    public void bindCurrentThread(int cpu) {
        engine.bindCurrentThread(cpu);
    }

    @Override
    public int hz() {
        return engine.hz();
    }

    @Override
    public long tickSbt() {
        return engine.tickSbt();
    }

    @Override
    public int precExp() {
        return engine.precExp();
    }

    @Override
    public long tickThreshold() {
        return engine.tickThreshold();
    }

    /** @return the most callouts one {@code callout_process} expires ({@link CalloutWheelBuilder#scanBatch(int)}) */
    public int scanBatch() {
        return engine.scanBatch();
    }

    /** @return the number of buckets of each CPU's wheel ({@code callwheelsize}) */
    public int callwheelSize() {
        return engine.callwheelSize();
    }

    /** @return the clock source driving this system */
    public ClockSource clock() {
        return clock;
    }

    @Override
    public long sbinuptime() {
        return engine.sbinuptime();
    }

    @Override
    public long hardclocktime(int cpu) {
        return engine.hardclocktime(cpu);
    }

    @Override
    public int ticks() {
        return engine.ticks();
    }

    @Override
    public CalloutLock giant() {
        return engine.giant();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Init                                                                                       */

    @Override
    public void init(Callout c, boolean mpsafe) {
        engine.init("callout_init", c, mpsafe ? null : engine.giant(), mpsafe ? CALLOUT_RETURNUNLOCKED : 0);
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
        if (kind == CalloutLock.Kind.SPIN_MUTEX && engine.profile() == Profile.CLASSIC) {
            throw new IllegalArgumentException(fn + ": invalid lock class: " + lock.name()
                    + " is a spin mutex, which the CLASSIC profile does not accept");
        }
        engine.init(fn, c, lock, flags);
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
        return resetter.arm("callout_reset_on", c, engine.tickSbt() * ticks, 0, func, arg, cpu, C_HARDCLOCK);
    }

    @Override
    public <A> int reset(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return resetter.arm("callout_reset", c, engine.tickSbt() * ticks, 0, func, arg, -1, C_HARDCLOCK);
    }

    @Override
    public <A> int resetCurcpu(Callout c, int ticks, CalloutFunc<? super A> func, A arg) {
        return resetter.arm("callout_reset_curcpu", c, engine.tickSbt() * ticks, 0, func, arg, curcpu(), C_HARDCLOCK);
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
        return resetter.schedule("callout_schedule_on", c, engine.tickSbt() * ticks, 0, cpu, C_HARDCLOCK);
    }

    @Override
    public int schedule(Callout c, int ticks) {
        return resetter.schedule("callout_schedule", c, engine.tickSbt() * ticks, 0, -1, C_HARDCLOCK);
    }

    @Override
    public int scheduleCurcpu(Callout c, int ticks) {
        return resetter.schedule("callout_schedule_curcpu", c, engine.tickSbt() * ticks, 0, curcpu(), C_HARDCLOCK);
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


    @Override
    public boolean isClosed() {
        return engine.isClosed();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: with threads that run softclock (a real-time clock), the threads end once their CPU
     * is quiet; a call that waits (step 3) also waits for them to end, except for a thread left
     * blocked on a lock the caller holds. With a virtual clock, an advance in progress returns
     * after the handler it is running.
     */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return engine.toString();
    }
}
