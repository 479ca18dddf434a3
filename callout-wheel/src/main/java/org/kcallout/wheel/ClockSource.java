package org.kcallout.wheel;

/**
 * The seam between the callout wheel and the hardware clock: {@code kern_clocksource.c}'s role.
 * The wheel asks it for the time ({@code sbinuptime}, {@code hardclocktime}, {@code ticks}) and tells
 * it, through {@code cpu_new_callout}, the window in which each CPU's next callout must be
 * processed; the clock source calls back {@code callout_process} (via {@link #handleEvents(long)})
 * when that time comes.
 *
 * <p>Two implementations ship: {@link VirtualEventTimer} (time moves only when a test says so) and
 * {@link RealTimeEventTimer} (a thread on {@link System#nanoTime()}). The full eventtimers(9) clock
 * source, with one-shot and periodic drivers, plugs in here. A clock source drives one system.
 *
 * <p>The seam is package-private on purpose: a clock source sees the engine's per-CPU state, so only
 * the implementations in this package may extend it. The default hardclock model, used unless a
 * clock overrides it, has ticks every {@code tick_sbt} from time 0: the last hardclock slot is
 * {@code now} rounded down to a multiple of {@code tick_sbt}.
 */
public abstract class ClockSource {
    /* Implementation notes: the wheel calls cpuNewCallout with a CPU lock held, so an
     * implementation's own lock comes after the CPU locks in the lock order, and an implementation
     * never holds its lock while it calls into the wheel (calloutProcess, softclock). */

    /** The system this clock drives; written once by {@link #attach}, before any other call. */
    CalloutWheel wheel;
    /** The last hardclock slot computed by the default {@link #hardclocktime(int)}; racy cache. */
    private volatile long hcCache = Long.MIN_VALUE / 2;

    ClockSource() {
    }

    /** Binds this clock to {@code w}; once. */
    final void attach(CalloutWheel w) {
        synchronized (this) {
            if (wheel != null) {
                throw new IllegalStateException("this clock source already drives " + wheel);
            }
            wheel = w;
        }
        onAttach(w.ncpus());
    }

    /** Allocates per-CPU state for {@code ncpus} CPUs; called once, by {@link #attach}. */
    abstract void onAttach(int ncpus);

    /**
     * The attached system, for a public method that needs it.
     *
     * @param fn the method the user called
     * @return the system
     * @throws IllegalStateException if the clock drives no system yet
     */
    final CalloutWheel attached(String fn) {
        CalloutWheel w = wheel;
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

    /** @return the system this clock drives, or null before it is built */
    public final CalloutWheel system() {
        return wheel;
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
        long tick = wheel.tickSbt();
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

    /** True if the callout layer's softclock runs on the thread that delivers events. */
    abstract boolean runsSoftclockInline();

    /** Starts delivering events (after attach). */
    abstract void start();

    /** Stops delivering events; idempotent. */
    abstract void stop();
}
