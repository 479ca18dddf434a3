package org.kcallout.wheel.clock;

import org.kcallout.HandlerFailureHook;
import org.kcallout.wheel.seam.CalloutLayer;
import org.kcallout.wheel.seam.ClockPort;
import org.kcallout.wheel.seam.ClockPorts;

/**
 * A clock source: FreeBSD's {@code kern_clocksource.c} role. The callout layer asks it for the time
 * ({@code sbinuptime}, {@code hardclocktime}, {@code ticks}) and tells it, through
 * {@code cpu_new_callout}, the window in which each CPU's next callout must be processed; the
 * clock source calls {@code callout_process} back when that time comes. Those two calls are the
 * whole seam (see {@code docs/ARCHITECTURE.md}); a clock source never sees the engine's classes.
 *
 * <p>Implementations: {@link RealTimeTicklessClock} (the default: real time, each CPU's thread keeping
 * its own time), {@link VirtualTicklessClock} (time moves only when a test says so) and
 * {@link EventTimerClock} (the full eventtimers(9) clock source on any event-timer driver, virtual
 * or real). Only this package may extend this class. A clock source drives one system.
 *
 * <p>The default hardclock model, used unless a clock overrides it, has ticks every
 * {@code tick_sbt} from time 0: the last hardclock slot is {@code now} rounded down to a multiple
 * of {@code tick_sbt}.
 */
public abstract class ClockSource {
    /* Implementation notes: the callout layer calls cpuNewCallout with a CPU lock held, so an
     * implementation's own lock comes after the CPU locks in the lock order, and an implementation
     * never holds its lock while it calls into the callout layer (calloutProcess, softclock). The
     * callout layer reaches the package-private methods below through the port (ClockPorts). */

    static {
        ClockPorts.install(o -> ((ClockSource) o).port);
    }

    /** The callout layer this clock drives; written once by {@link #attach}, before any other call. */
    CalloutLayer layer;
    /** The virtual time line this clock runs on, or null for real time; set by VirtualTimebase.bind. */
    volatile VirtualTimebase timebase;
    /** This clock as the callout layer sees it. */
    private final ClockPort port = new Port();
    /** The last hardclock slot computed by the default {@link #hardclocktime(int)}; racy cache. */
    private volatile long hcCache = Long.MIN_VALUE / 2;

    ClockSource() {
    }

    /** Binds this clock to {@code l}; once. */
    private int attach(CalloutLayer l, int requestedHz) {
        synchronized (this) {
            if (layer != null) {
                throw new IllegalStateException("this clock source already drives a callout system: " + this);
            }
            layer = l;
        }
        onAttach(l.ncpus());
        return configureHz(requestedHz);
    }

    /** Allocates per-CPU state for {@code ncpus} CPUs; called once, by {@link #attach}. */
    abstract void onAttach(int ncpus);

    /**
     * The attached callout layer, for a public method that needs it.
     *
     * @param fn the method the user called
     * @return the callout layer
     * @throws IllegalStateException if the clock drives no system yet
     */
    final CalloutLayer attached(String fn) {
        CalloutLayer w = layer;
        if (w == null) {
            throw new IllegalStateException(fn + ": the clock is not attached to a callout system yet "
                    + "(pass it to CalloutWheel.builder().clock(...) and build the system first)");
        }
        return w;
    }

    /**
     * Checks a CPU argument of a public method.
     *
     * @param fn  the method the user called
     * @param cpu the CPU
     * @throws IllegalStateException    if the clock drives no system yet
     * @throws IllegalArgumentException if {@code cpu} is not a CPU of that system
     */
    final void checkCpu(String fn, int cpu) {
        int n = attached(fn).ncpus();
        if (cpu < 0 || cpu >= n) {
            throw new IllegalArgumentException(fn + ": cpu must be in [0, " + n + "), got " + cpu);
        }
    }

    /**
     * The hardclock rate the clock will really run at for a requested {@code hz} (a hardware timer
     * may only divide its base frequency): {@code round_freq}. Called once, after {@link #attach}.
     *
     * @param requestedHz the configured rate
     * @return the effective rate
     */
    int configureHz(int requestedHz) {
        return requestedHz;
    }

    /** {@return true once this clock drives a callout system} */
    public final boolean isAttached() {
        return layer != null;
    }

    /**
     * {@code sbinuptime()}: the precise current time.
     *
     * @return the current time as sbintime
     */
    public abstract long sbinuptime();

    /**
     * {@code hardclocktime} of {@code cpu}: the time of its most recent hardclock slot.
     *
     * @param cpu the CPU
     * @return the time of the slot
     */
    public long hardclocktime(int cpu) {
        checkCpu("hardclocktime", cpu);
        long now = sbinuptime();
        long tick = layer.tickSbt();
        // Benign race: hcCache is written by any caller. A value is used only if it is the slot
        // that contains now, so a stale or concurrent write can cost a recomputation, never a
        // wrong answer (a slot computed from a slightly later reading is one a later call would
        // have returned anyway). This saves a 64-bit division on every tick-based arm.
        long cached = hcCache;
        long d = now - cached;
        if (d >= 0 && d < tick) {
            return cached;
        }
        long slot = now - Math.floorMod(now, tick);
        hcCache = slot;
        return slot;
    }

    /**
     * True if {@link #hardclocktime(int)} differs between CPUs, so that callout_when must ask for
     * the current CPU's; false lets it skip computing {@code curcpu}.
     *
     * @return whether hardclock time is per CPU
     */
    boolean hardclockPerCpu() {
        return false;
    }

    /**
     * {@code ticks}: hardclock ticks, as a wrapping {@code int}.
     *
     * @return the tick counter
     */
    public int ticks() {
        return (int) (sbinuptime() / attached("ticks").tickSbt());
    }

    /**
     * {@code cpu_new_callout(cpu, bt, bt_opt)}: the callout layer's report that {@code cpu}'s next
     * callout must be processed by {@code bt} and may be processed from {@code btOpt}. Called with
     * that CPU's lock held.
     */
    abstract void cpuNewCallout(int cpu, long bt, long btOpt);

    /**
     * The hard deadline of {@code cpu}'s next callout window ({@code nextcall}), or
     * {@link org.kcallout.Sbt#SBT_MAX} if none.
     *
     * @param cpu the CPU
     * @return the deadline
     */
    public abstract long nextcall(int cpu);

    /**
     * The opportunistic start of {@code cpu}'s next callout window ({@code nextcallopt}).
     *
     * @param cpu the CPU
     * @return the time
     */
    public abstract long nextcallopt(int cpu);

    /** True if the clock runs softclock itself: see {@link ClockPort#runsSoftclock()}. */
    abstract boolean runsSoftclock();

    /** Starts delivering events (after attach). */
    abstract void start();

    /** Stops delivering events; idempotent; does not wait for threads that may run handlers. */
    abstract void stop();

    /**
     * The handler failure hook of a system built on this clock without one of its own: for a clock
     * on virtual time, one that makes the advance that ran the failing handler throw a
     * {@link HandlerFailedException} once it has completed, so that a test fails; for a real-time
     * clock, null (the system logs the failure and goes on).
     *
     * @return the hook, or null
     */
    public HandlerFailureHook defaultFailureHook() {
        VirtualTimebase tb = timebase;
        return tb == null ? null : tb.failureHook();
    }

    /* ---------------------------------------------------------------------------------------- */
    /* For a VirtualTimebase that this clock runs on (the one virtual time line)                 */

    /** {@return true while this clock drives a system: attached and not closed} */
    boolean live() {
        CalloutLayer l = layer;
        return l != null && !l.isClosed();
    }

    /** {@return {@code tick_sbt} of the system this clock drives, or 0 before it is built} */
    long tickSbt() {
        CalloutLayer l = layer;
        return l == null ? 0 : l.tickSbt();
    }

    /**
     * Delivers the inter-processor interrupts pending at the time base's current instant, on the
     * calling thread; the time base calls it before every step.
     *
     * @return the number delivered
     */
    int deliverIpis() {
        return 0;
    }

    /**
     * Whether an advance must end at once, before time moves on: the system this clock drives
     * was closed by a handler the advance ran.
     *
     * @return true to end the advance where it is
     */
    boolean endsAdvance() {
        return false;
    }

    /**
     * For an advance about to cross at least a second: if nothing can run before {@code target},
     * prepares the jump and returns true, so that the time base need not deliver the empty
     * lookahead scans in between. Only a clock that is the only device of its time base may say
     * yes (the jump passes over every device's events).
     *
     * @param target where the advance is going
     * @return true if the time base may jump to {@code target}
     */
    boolean skipIdleTo(long target) {
        return false;
    }

    /**
     * Called by the time base before every step of an advance and once more at its end: returns
     * when the clock's own threads have settled (finished what the time so far gave them, or are
     * blocked on something only another thread can release). The default has no threads.
     */
    void settle() {
    }

    /**
     * Whether {@code t} is one of this clock's threads that run handlers, from which moving time is
     * refused (it would wait for itself).
     *
     * @param t the thread
     * @return true if it is
     */
    boolean ownsThread(Thread t) {
        return false;
    }

    /** See {@link ClockPort#awaitStopped}; the default has no threads that run handlers. */
    void awaitStopped(boolean[] skipCpu) {
    }

    /** The port: the package-private methods above, as the callout layer calls them. */
    private final class Port implements ClockPort {
        @Override
        public int attach(CalloutLayer l, int requestedHz) {
            return ClockSource.this.attach(l, requestedHz);
        }

        @Override
        public long sbinuptime() {
            return ClockSource.this.sbinuptime();
        }

        @Override
        public long hardclocktime(int cpu) {
            return ClockSource.this.hardclocktime(cpu);
        }

        @Override
        public boolean hardclockPerCpu() {
            return ClockSource.this.hardclockPerCpu();
        }

        @Override
        public int ticks() {
            return ClockSource.this.ticks();
        }

        @Override
        public void cpuNewCallout(int cpu, long bt, long btOpt) {
            ClockSource.this.cpuNewCallout(cpu, bt, btOpt);
        }

        @Override
        public boolean runsSoftclock() {
            return ClockSource.this.runsSoftclock();
        }

        @Override
        public void start() {
            ClockSource.this.start();
        }

        @Override
        public void stop() {
            ClockSource.this.stop();
        }

        @Override
        public void awaitStopped(boolean[] skipCpu) {
            ClockSource.this.awaitStopped(skipCpu);
        }

        @Override
        public String toString() {
            return ClockSource.this.toString();
        }
    }

    /** {@return this clock's port}, for the threads of the clock that are {@code CpuThread}s */
    final ClockPort port() {
        return port;
    }
}
