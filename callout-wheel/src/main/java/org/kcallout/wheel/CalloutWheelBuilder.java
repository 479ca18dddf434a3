package org.kcallout.wheel;

import org.kcallout.HandlerFailureHook;
import org.kcallout.Profile;
import org.kcallout.internal.CpuRef;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.testing.CalloutObserver;

/** Configures and builds a {@link CalloutWheel}. */
public final class CalloutWheelBuilder {
    Profile profile = Profile.MODERN;
    int ncpus = Math.min(CpuRef.MAXCPU, Runtime.getRuntime().availableProcessors());
    int defaultCpu = 0;
    int hz = 1000;
    int callwheelSize = 8192;
    int scanBatch = CalloutWheel.DEFAULT_SCAN_BATCH;
    int allowedDeviationPercent = 5;
    HandlerFailureHook failureHook;
    CalloutObserver observer;
    ClockSource clock;

    CalloutWheelBuilder() {
    }

    /** @param p the semantics profile (default MODERN) @return this */
    public CalloutWheelBuilder profile(Profile p) {
        if (p == null) {
            throw new IllegalArgumentException("profile must not be null (MODERN or CLASSIC)");
        }
        this.profile = p;
        return this;
    }

    /**
     * @param n number of callout CPUs, 1 to 256 (default: the number of available processors)
     * @return this
     */
    public CalloutWheelBuilder ncpus(int n) {
        if (n < 1 || n > CpuRef.MAXCPU) {
            throw new IllegalArgumentException("ncpus must be in [1, " + CpuRef.MAXCPU + "], got " + n);
        }
        this.ncpus = n;
        return this;
    }

    /** @param cpu the CPU {@code callout_init} assigns (default 0) @return this */
    public CalloutWheelBuilder defaultCpu(int cpu) {
        if (cpu < 0 || cpu >= CpuRef.MAXCPU) {
            throw new IllegalArgumentException("defaultCpu must be in [0, " + CpuRef.MAXCPU + "), got " + cpu);
        }
        this.defaultCpu = cpu;
        return this;
    }

    /** @param hz the hardclock rate, 1 to 1 000 000 (default 1000) @return this */
    public CalloutWheelBuilder hz(int hz) {
        if (hz < 1 || hz > 1_000_000) {
            throw new IllegalArgumentException("hz must be in [1, 1000000], got " + hz);
        }
        this.hz = hz;
        return this;
    }

    /** @param size buckets per CPU wheel: a power of two, 1 to 2^24 (default 8192) @return this */
    public CalloutWheelBuilder callwheelSize(int size) {
        if (size < 1 || size > (1 << 24) || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("callwheelSize must be a power of two in [1, 2^24], got " + size);
        }
        this.callwheelSize = size;
        return this;
    }

    /**
     * The most callouts one {@code callout_process} expires (moves to the expire queue or runs
     * directly) before it ends (default {@value CalloutWheel#DEFAULT_SCAN_BATCH}). When more are
     * due, the scan remembers where it stopped and reports an event at once, so the next scan,
     * at the same time, goes on from there: the same callouts run in the same order, but the
     * CPU lock is never held for a scan of a huge backlog, and the softclock thread runs each
     * batch while its callouts are still in the processor's cache. FreeBSD's scan has no bound;
     * {@code Integer.MAX_VALUE} gives that.
     *
     * @param n at least 1
     * @return this
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public CalloutWheelBuilder scanBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("scanBatch must be at least 1, got " + n);
        }
        this.scanBatch = n;
        return this;
    }

    /**
     * Sizes the wheel as FreeBSD does for {@code kern.ncallout}: {@link CalloutWheel#callwheelSizeFor(int)}.
     *
     * @param ncallout expected number of callouts
     * @return this
     */
    public CalloutWheelBuilder ncallout(int ncallout) {
        return callwheelSize(CalloutWheel.callwheelSizeFor(ncallout));
    }

    /**
     * {@code kern.timecounter.alloweddeviation}: the default relative precision, in percent (default
     * 5, giving {@code tc_precexp = 4}); 0 means exact.
     *
     * @param percent 0 to 100
     * @return this
     */
    public CalloutWheelBuilder allowedDeviationPercent(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("allowedDeviationPercent must be in [0, 100], got " + percent);
        }
        this.allowedDeviationPercent = percent;
        return this;
    }

    /**
     * @param hook receives what handlers throw (default: on a clock on virtual time, the advance
     *             that ran the handler throws a {@code HandlerFailedException}; on a real-time
     *             clock, the failure is logged)
     * @return this
     */
    public CalloutWheelBuilder failureHook(HandlerFailureHook hook) {
        this.failureHook = hook;
        return this;
    }

    /** @param obs notified of dispatcher and drainer waits, for tests @return this */
    public CalloutWheelBuilder observer(CalloutObserver obs) {
        this.observer = obs;
        return this;
    }

    /** @param clock the clock source (default: a new {@link RealTimeTicklessClock}) @return this */
    public CalloutWheelBuilder clock(ClockSource clock) {
        this.clock = clock;
        return this;
    }

    /**
     * @return the started system
     * @throws IllegalArgumentException if the default CPU is not below the CPU count
     * @throws IllegalStateException    if the clock source already drives another system
     */
    public CalloutWheel build() {
        if (defaultCpu >= ncpus) {
            throw new IllegalArgumentException("defaultCpu must be below ncpus (" + ncpus + "), got " + defaultCpu);
        }
        return new CalloutWheel(this);
    }
}
