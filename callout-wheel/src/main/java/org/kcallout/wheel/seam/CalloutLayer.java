package org.kcallout.wheel.seam;

/**
 * What a clock source sees of the callout layer it drives: FreeBSD's {@code callout_process} and
 * the softclock, plus the facts a clock needs. Implemented by the callout engine; a clock gets it
 * once, in {@link ClockPort#attach}.
 *
 * <p>A clock never calls these holding its own lock (see {@link ClockPort}).
 */
public interface CalloutLayer {
    /** {@return the number of CPUs} */
    int ncpus();

    /** {@return {@code tick_sbt}: one hardclock tick, sbintime; fixed once the system is built} */
    long tickSbt();

    /**
     * {@code curcpu} as the callout layer defines it for the calling thread (a thread running a
     * callout for CPU k is on k; a CPU thread on its CPU; a bound thread on its binding; others
     * by thread id).
     *
     * @return the CPU
     */
    int curcpu();

    /** {@return true once the system is closed} */
    boolean isClosed();

    /**
     * {@code callout_process(now)} on {@code cpu}, on the calling thread: expires what is due
     * (direct handlers run here) and reports the next window through
     * {@link ClockPort#cpuNewCallout}. One caller per CPU at a time (a nested call returns at once).
     *
     * @param cpu      the CPU
     * @param now      the current time
     * @param oneBatch true to expire at most one scan batch; if more is due, the clock is asked
     *                 (through {@code cpuNewCallout(cpu, now, now)}) to come back at once, after
     *                 the caller has run the batch's softclock. False loops until nothing due is
     *                 left.
     * @return true if callouts wait in the expire queue for {@link #softclock(int)}
     */
    boolean calloutProcess(int cpu, long now, boolean oneBatch);

    /**
     * A timer interrupt on a thread that also runs {@code cpu}'s softclock: {@code callout_process}
     * as {@link #calloutProcess(int, long, boolean)}, then, if it left work and
     * {@code runSoftclock} says so, {@link #softclock(int)} on the same thread. One call across the
     * seam for what FreeBSD does in the interrupt and then in the softclock thread it wakes. The
     * scan takes the CPU lock itself (it drops it fully around a direct handler), so the two take
     * it one after the other.
     *
     * @param cpu          the CPU
     * @param now          the current time
     * @param oneBatch     as for {@link #calloutProcess(int, long, boolean)}
     * @param runSoftclock whether the calling thread runs the CPU's softclock
     * @return true if callouts still wait in the expire queue (only when {@code runSoftclock} is false)
     */
    default boolean calloutProcess(int cpu, long now, boolean oneBatch, boolean runSoftclock) {
        boolean work = calloutProcess(cpu, now, oneBatch);
        if (work && runSoftclock) {
            softclock(cpu);
            return false;
        }
        return work;
    }

    /**
     * {@code softclock}: runs {@code cpu}'s expire queue on the calling thread. Only for a clock
     * that {@linkplain ClockPort#runsSoftclock() runs softclock itself}, from one thread per CPU at
     * a time.
     *
     * @param cpu the CPU
     * @return the number of callouts dispatched
     */
    int softclock(int cpu);

    /**
     * For a virtual clock about to cross a long stretch: if no CPU has a callout that can still
     * run, moves every CPU's last scan to {@code to} and returns true, so the clock may jump there.
     *
     * @param to the time the clock is about to jump to
     * @return true if every CPU was idle
     */
    boolean skipIdleTo(long to);
}
