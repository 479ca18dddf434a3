package org.kcallout.mdx;

import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.mdx.MdxCputime.UINT32_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.et.EventTimer;

/**
 * An eventtimers(9) timer on MDEPX-style counter-compare hardware ({@link MiTimer}, the driver side
 * of {@code struct mi_timer}): a free-running up-counter that wraps from {@code maxcnt} to 0, and a
 * compare register that raises an interrupt when the counter reaches it. One-shot only.
 *
 * <pre>{@code
 * SimulatedMiTimer hw = new SimulatedMiTimer(0xffff, 1_000_000, 0);     // 16-bit, 1 MHz
 * CounterCompareTimer et = new CounterCompareTimer("mdx", 100, hw);
 * hw.setInterruptHandler(cpu -> et.interrupt());                          // the interrupt line
 * ets.register(et);                                                       // an EventTimers registry
 * }</pre>
 *
 * <h2>Range and rounding</h2>
 * Its frequency is the counter's. A delay is converted to counts rounded up, plus one count,
 * because the count read when the compare is programmed is already partly over: programming
 * {@code count + n} raises the interrupt between {@code n - 1} and {@code n} counts from now. So an
 * event never comes early, and, with interrupts taken on time, at most two counts late. At least {@link #MIN_COUNTS} counts are
 * programmed (hardware such as the nRF RTC misses a compare written too close to the count), which
 * gives the minimum period. One compare spans at most {@link #maxCompareCounts(long)
 * maxcnt - maxcnt/4} counts: the driver measures the time elapsed at each interrupt from the counter,
 * which is unambiguous only within one counter period, so a compare programmed for the whole
 * {@code maxcnt} would leave no room at all for interrupt latency (an interrupt two counts late
 * would read as one count elapsed, and the event would come a whole period late). The quarter
 * period left over is the latency the driver tolerates. The maximum period is what one compare
 * reaches, less the guard count. A longer maximum can be declared with
 * {@link #CounterCompareTimer(String, int, MiTimer, long)}: delays beyond one compare are then
 * reached in steps, intermediate compare matches that re-arm the compare without raising an event.
 *
 * <h2>Why one-shot only</h2>
 * The hardware has no periodic mode: a compare register on a free-running counter matches once per
 * programming (then, left alone, once per counter period, which is not a period anyone asked for).
 * Periodic events would have to be emulated by re-arming from the interrupt, which is exactly what
 * the clock source does in one-shot mode ({@code loadtimer} after each event); a second software
 * re-arm loop inside the driver would only hide the interrupt latency from the clock source and
 * duplicate its catch-up logic. FreeBSD's RISC-V timer (a free-running {@code mtime} with an
 * {@code mtimecmp} compare, the same hardware shape) offers only {@code ET_FLAGS_ONESHOT} for the
 * same reason. An {@code EventTimerClock} that wants periodic mode adapts to one-shot with this
 * timer (SPEC §8.3, selection).
 *
 * <h2>Differences from MDEPX (SPEC decision 8)</h2>
 * The counts elapsed since the compare was programmed are computed exactly across a wrap,
 * {@code (count - saved) mod (maxcnt + 1)}; MDEPX's {@code maxcnt - saved + count} is one count
 * short, which here would make a stepped delay come one count early per wrap. MDEPX programs up to
 * {@code maxcnt} counts at once; this driver at most {@code maxcnt - maxcnt/4} (see above). An
 * interrupt taken more than a quarter of a counter period after its compare still cannot be told
 * from an early one; the event then comes late (never early).
 *
 * <h2>Threads</h2>
 * {@link #start} and {@link #stop} come from the consumer (serialised by it), {@link #interrupt()}
 * from the hardware's interrupt thread; they may overlap. The consumer's callback runs on the
 * interrupt thread with no lock of this driver held, and may call {@code et_start} again.
 */
public final class CounterCompareTimer extends EventTimer {
    /* Implementation notes.
     *
     * The driver keeps the consumer's deadline as a distance in counts from a baseline count:
     * left counts from baseline. start reads the baseline, then programs the first step (all of
     * left if one compare reaches it, see nextStep). Each compare interrupt reads the counter,
     * computes the exact elapsed counts e since the baseline (mod maxcnt + 1), and either raises
     * the event (e >= left) or moves the baseline to the count just read, subtracts e and programs
     * the rest. Because e is measured rather than assumed, a
     * late interrupt, a compare write that landed a count late, a stale match of an earlier
     * programming, or a match cut short by the hardware all become harmless intermediate steps:
     * the event is never raised before its count, and never lost while armed.
     *
     * Counts are read before the compare is programmed, so the baseline is at or before the count
     * the hardware programs from: the driver's idea of the elapsed time is never ahead of the
     * truth. The consumer asked at or before the baseline read, so the guard count in countsFor
     * covers the part of the baseline count already gone (see the class Javadoc).
     *
     * state, baseline, left, programmed, cpu, generation and the counters are guarded by this
     * object's monitor, which is held while the hardware is programmed or read (monitor, then the
     * hardware's own lock) but never while the consumer's callback runs. The hardware must call
     * interrupt() without holding any lock that its start, stop or count take (SimulatedMiTimer
     * holds none of them while it delivers), or a start on another thread could deadlock with it.
     *
     * state transitions (all under the monitor):
     *   STOPPED -> ARMED    start
     *   ARMED   -> ARMED    start (re-programmed), interrupt before the deadline (a step)
     *   ARMED   -> STOPPED  interrupt at or after the deadline (the event), stop
     *   STOPPED -> STOPPED  interrupt (spurious: swallowed), stop
     */

    /** The fewest counts ever programmed into the compare register. */
    public static final long MIN_COUNTS = 3;

    private static final int STOPPED = 0;
    private static final int ARMED = 1;

    private final MiTimer mt;
    private final long maxcnt;
    /** The longest compare programmed: maxCompareCounts(maxcnt). */
    private final long maxCompare;
    /** A declared maximum period beyond one compare, or 0 for "one compare". */
    private final long declaredMaxPeriod;

    @GuardedBy("this")
    private int state = STOPPED;     // guarded by this
    @GuardedBy("this")
    private long baseline;           // guarded by this; the count the distance left is measured from
    @GuardedBy("this")
    private long left;               // guarded by this; counts from baseline to the event
    @GuardedBy("this")
    private long programmed;         // guarded by this; counts written at the last programming
    @GuardedBy("this")
    private int cpu = NOCPU;         // guarded by this
    @GuardedBy("this")
    private long generation;         // guarded by this; bumped by start and stop
    @GuardedBy("this")
    private long rangeFrequency;     // guarded by this; the frequency the period range was set for
    @GuardedBy("this")
    private long delivered;          // guarded by this
    @GuardedBy("this")
    private long steps;              // guarded by this
    @GuardedBy("this")
    private long spurious;           // guarded by this

    /**
     * A one-shot timer on {@code mt} whose maximum period is one compare: about {@code maxcnt}
     * counts (the clock source reaches longer delays itself).
     *
     * @param name    its name ({@code et_name})
     * @param quality its quality
     * @param mt      the counter-compare hardware
     * @throws IllegalArgumentException if {@code mt} is null, its frequency is not in
     *                                  {@code [1, 0xffffffff]} or its {@code maxcnt} not in
     *                                  {@code [MIN_COUNTS, 0xffffffff]}; or, from
     *                                  {@link EventTimer}, for a null or empty name
     */
    public CounterCompareTimer(String name, int quality, MiTimer mt) {
        this(name, quality, mt, 0, false);
    }

    /**
     * A one-shot timer on {@code mt} that reaches delays up to {@code maxPeriod} by itself, in
     * steps of at most one compare each; the consumer sees one event per start however many steps
     * it takes.
     *
     * @param name      its name ({@code et_name})
     * @param quality   its quality
     * @param mt        the counter-compare hardware
     * @param maxPeriod the maximum period to declare ({@code et_max_period}), sbintime; at least
     *                  what one compare reaches, {@link org.kcallout.Sbt#SBT_MAX} for unlimited
     * @throws IllegalArgumentException as {@link #CounterCompareTimer(String, int, MiTimer)}, or if
     *                                  {@code maxPeriod} is shorter than one compare (0 and negative
     *                                  values included)
     */
    public CounterCompareTimer(String name, int quality, MiTimer mt, long maxPeriod) {
        this(name, quality, mt, declared(mt, maxPeriod), true);
    }

    private CounterCompareTimer(String name, int quality, MiTimer mt, long maxPeriod, boolean declared) {
        super(name, ET_FLAGS_ONESHOT, quality, frequencyOf(mt), minPeriod(frequencyOf(mt)),
                maxPeriod(frequencyOf(mt), maxcntOf(mt), declared ? maxPeriod : 0));
        this.mt = mt;
        this.maxcnt = mt.maxcnt();
        this.maxCompare = maxCompareCounts(maxcnt);
        this.declaredMaxPeriod = declared ? maxPeriod : 0;
        this.rangeFrequency = mt.frequency();
    }

    private static long frequencyOf(MiTimer mt) {
        if (mt == null) {
            throw new IllegalArgumentException("CounterCompareTimer: the mi_timer must not be null");
        }
        long f = mt.frequency();
        if (f < 1 || f > UINT32_MAX) {
            throw new IllegalArgumentException("CounterCompareTimer: mi_timer frequency must be in [1, 0xffffffff] Hz, got "
                    + f);
        }
        return f;
    }

    private static long maxcntOf(MiTimer mt) {
        long m = mt.maxcnt();
        if (m < MIN_COUNTS || m > UINT32_MAX) {
            throw new IllegalArgumentException("CounterCompareTimer: mi_timer maxcnt must be in [" + MIN_COUNTS
                    + ", 0xffffffff], got " + m);
        }
        return m;
    }

    /**
     * Checks a declared maximum period against what one compare reaches: 0, which the private
     * constructor takes for "none declared", must not slip through as a declared value.
     */
    private static long declared(MiTimer mt, long maxPeriod) {
        long oneCompare = maxPeriod(frequencyOf(mt), maxcntOf(mt), 0);
        if (maxPeriod < oneCompare) {
            throw new IllegalArgumentException("CounterCompareTimer: maxPeriod must be at least one compare ("
                    + oneCompare + " sbt), got " + maxPeriod);
        }
        return maxPeriod;
    }

    /**
     * The shortest delay programmed without padding, {@code MIN_COUNTS} counts including the guard
     * count: the longest delay that still rounds up to {@code MIN_COUNTS - 1} counts.
     */
    static long minPeriod(long f) {
        return countsToSbtFloor(MIN_COUNTS - 1, f);
    }

    /**
     * The longest compare the driver programs on a counter of {@code maxcnt}: {@code maxcnt -
     * maxcnt/4}, leaving a quarter of a counter period for interrupt latency (see the class Javadoc).
     *
     * @param maxcnt the counter's largest value, in {@code [MIN_COUNTS, 0xffffffff]}
     * @return counts, in {@code [MIN_COUNTS, maxcnt]}
     * @throws IllegalArgumentException if {@code maxcnt} is out of range
     */
    public static long maxCompareCounts(long maxcnt) {
        if (maxcnt < MIN_COUNTS || maxcnt > UINT32_MAX) {
            throw new IllegalArgumentException("CounterCompareTimer.maxCompareCounts: maxcnt must be in [" + MIN_COUNTS
                    + ", 0xffffffff], got " + maxcnt);
        }
        return Math.max(maxcnt - maxcnt / 4, MIN_COUNTS);
    }

    /** What one compare reaches (the longest compare less the guard), or the declared maximum. */
    static long maxPeriod(long f, long maxcnt, long declared) {
        long oneCompare = Math.max(countsToSbtFloor(maxCompareCounts(maxcnt) - 1, f), minPeriod(f));
        if (declared == 0) {
            return oneCompare;
        }
        if (declared < oneCompare) {
            throw new IllegalArgumentException("CounterCompareTimer: maxPeriod must be at least one compare ("
                    + oneCompare + " sbt), got " + declared);
        }
        return declared;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Conversions, exact (no floating point) for 1 <= f <= 0xffffffff and 0 <= sbt              */

    /**
     * {@code ceil(sbt * f / 2^32)}: the whole counts needed to wait at least {@code sbt}.
     *
     * @param sbt sbintime, {@code >= 0}
     * @param f   Hz, in {@code [1, 0xffffffff]}
     * @return counts
     */
    static long sbtToCountsCeil(long sbt, long f) {
        assert sbt >= 0 && f >= 1 && f <= UINT32_MAX : "sbt " + sbt + ", f " + f;
        // (sbt >>> 32) < 2^31 and f < 2^32: the whole part is below 2^63. The fraction times f is
        // below 2^64 - 2^33 + 1, so adding 2^32 - 1 stays below 2^64: exact in unsigned arithmetic.
        long whole = (sbt >>> 32) * f;
        long frac = ((sbt & 0xffffffffL) * f + 0xffffffffL) >>> 32;
        return whole + frac;
    }

    /**
     * {@code ceil(counts * 2^32 / f)}, saturating at {@code SBT_MAX}: when {@code counts} have
     * elapsed.
     *
     * @param counts {@code >= 0}
     * @param f      Hz, in {@code [1, 0xffffffff]}
     * @return sbintime
     */
    static long countsToSbtCeil(long counts, long f) {
        assert counts >= 0 && f >= 1 && f <= UINT32_MAX : "counts " + counts + ", f " + f;
        long secs = counts / f;
        if (secs >= (1L << 31)) {
            return SBT_MAX;
        }
        long rem = counts % f; // < 2^32, so rem << 32 + f - 1 < 2^64: divide unsigned
        return (secs << 32) + Long.divideUnsigned((rem << 32) + f - 1, f);
    }

    /**
     * {@code floor(counts * 2^32 / f)}, saturating at {@code SBT_MAX}.
     *
     * @param counts {@code >= 0}
     * @param f      Hz, in {@code [1, 0xffffffff]}
     * @return sbintime
     */
    static long countsToSbtFloor(long counts, long f) {
        assert counts >= 0 && f >= 1 && f <= UINT32_MAX : "counts " + counts + ", f " + f;
        long secs = counts / f;
        if (secs >= (1L << 31)) {
            return SBT_MAX;
        }
        long rem = counts % f;
        return (secs << 32) + Long.divideUnsigned(rem << 32, f);
    }

    /**
     * The counts to program for a delay of {@code sbt}: rounded up, plus the guard count for the
     * part of the current count already gone, at least {@link #MIN_COUNTS}.
     *
     * @param sbt sbintime, {@code >= 0}
     * @param f   Hz, in {@code [1, 0xffffffff]}
     * @return counts, {@code >= MIN_COUNTS}
     */
    static long countsFor(long sbt, long f) {
        return Math.max(sbtToCountsCeil(sbt, f) + 1, MIN_COUNTS);
    }

    /**
     * The counts from {@code saved} to {@code count} on a counter that wraps from {@code maxcnt} to
     * 0: exact, {@code (count - saved) mod (maxcnt + 1)}. MDEPX's {@code get_elapsed} computes
     * {@code maxcnt - saved + count} across the wrap, one short (SPEC §9.3, decision 8).
     *
     * @param saved  the earlier count, in {@code [0, maxcnt]}
     * @param count  the later count, in {@code [0, maxcnt]}
     * @param maxcnt the counter's largest value
     * @return counts, in {@code [0, maxcnt]}
     */
    static long elapsed(long saved, long count, long maxcnt) {
        assert saved >= 0 && saved <= maxcnt && count >= 0 && count <= maxcnt
                : "saved " + saved + ", count " + count + ", maxcnt " + maxcnt;
        return count >= saved ? count - saved : count + (maxcnt + 1 - saved);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Driver methods                                                                            */

    /**
     * Programs one event {@code first} from now: reads the counter, then writes the compare for
     * {@code min(counts, maxcnt)} counts; a longer delay is reached in steps.
     *
     * @throws IllegalArgumentException if {@code period != 0} (the timer is one-shot only; the
     *                                  registry refuses such a start before it gets here)
     */
    @Override
    protected synchronized int start(int cpu, long first, long period) {
        if (period != 0) {
            throw new IllegalArgumentException("CounterCompareTimer " + name()
                    + ": one-shot only (a compare register has no periodic mode), got period " + period);
        }
        long f = checkedFrequency();
        this.left = countsFor(Math.max(first, 0), f);
        this.baseline = readCount();
        this.cpu = cpu;
        this.state = ARMED;
        this.generation++;
        program(left);
        return 0;
    }

    /** Disarms the compare ({@code mt->stop}); a match already raised is swallowed. */
    @Override
    protected synchronized int stop(int cpu) {
        state = STOPPED;
        generation++;
        mt.stop();
        return 0;
    }

    /**
     * The compare interrupt: the hardware (or its simulation) calls this on every compare match.
     * Raises the consumer's event once the programmed delay has fully elapsed; before that (a
     * step of a long delay, or a match that came early) it re-arms the compare for the rest; when
     * the timer is stopped it swallows the match.
     *
     * @return true if this match raised the consumer's event
     */
    public boolean interrupt() {
        int target;
        long gen;
        synchronized (this) {
            switch (state) {
                case STOPPED:
                    spurious++;
                    return false;
                case ARMED:
                    long now = readCount();
                    long e = elapsed(baseline, now, maxcnt);
                    if (e < left) {
                        left -= e; // e is measured, so a late or early match shifts nothing
                        baseline = now;
                        steps++;
                        program(left);
                        return false;
                    }
                    state = STOPPED;
                    delivered++;
                    target = cpu;
                    gen = generation;
                    break;
                default:
                    throw new IllegalStateException("CounterCompareTimer " + name() + ": bad state " + state);
            }
        }
        fire(target);
        synchronized (this) {
            // The compare of a free-running counter matches again one period later unless it is
            // re-programmed: disarm it if the consumer did not start the timer again meanwhile.
            if (state == STOPPED && generation == gen) {
                generation++;
                mt.stop();
            }
        }
        return true;
    }

    /** Writes the compare for the next step towards the event, {@code left} counts away. */
    @GuardedBy("this")
    private void program(long left) {
        assert Thread.holdsLock(this);
        long n = nextStep(left, maxCompare);
        programmed = n;
        mt.start(n);
    }

    /**
     * The counts to program towards an event {@code left} counts away: all of them if one compare
     * reaches them, else one compare, shortened so that the last step is not below
     * {@link #MIN_COUNTS} (which would be padded, and the event late); never below
     * {@code MIN_COUNTS} (after an early match, the event may then be padded up to it).
     *
     * @param left       counts to the event, {@code >= 1}
     * @param maxCompare the longest compare
     * @return counts, in {@code [MIN_COUNTS, maxCompare]}
     */
    static long nextStep(long left, long maxCompare) {
        long n = left <= maxCompare ? left : Math.min(maxCompare, left - MIN_COUNTS);
        return Math.min(Math.max(n, MIN_COUNTS), maxCompare);
    }

    /** The counter, as an unsigned 32-bit value checked against maxcnt. */
    private long readCount() {
        long v = mt.count() & UINT32_MAX;
        if (v > maxcnt) {
            throw new IllegalStateException("CounterCompareTimer " + name() + ": mi_timer count() returned " + v
                    + ", above maxcnt " + maxcnt);
        }
        return v;
    }

    /**
     * The frequency to convert with: {@code et_frequency}, which {@code et_change_frequency} may
     * have changed since the last start (the period range then follows it).
     */
    @GuardedBy("this")
    private long checkedFrequency() {
        assert Thread.holdsLock(this);
        long f = frequency();
        if (f < 1 || f > UINT32_MAX) {
            throw new IllegalStateException("CounterCompareTimer " + name()
                    + ": et_frequency must be in [1, 0xffffffff] Hz to program the compare, got " + f);
        }
        if (f != rangeFrequency) {
            setPeriodRange(minPeriod(f), maxPeriod(f, maxcnt, declaredMaxPeriod == 0 ? 0
                    : Math.max(declaredMaxPeriod, maxPeriod(f, maxcnt, 0))));
            rangeFrequency = f;
        }
        return f;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Observers                                                                                 */

    /** {@return the counter-compare hardware} */
    public MiTimer miTimer() {
        return mt;
    }

    /** {@return the number of events raised for the consumer} */
    public synchronized long interrupts() {
        return delivered;
    }

    /** {@return the number of intermediate compare matches: steps of long delays, or early matches} */
    public synchronized long steps() {
        return steps;
    }

    /** {@return the number of compare matches swallowed because the timer was stopped} */
    public synchronized long spuriousInterrupts() {
        return spurious;
    }

    /** {@return true while an event is programmed} */
    public synchronized boolean armed() {
        return state == ARMED;
    }

    /** {@return the counts written to the compare at the last programming} */
    public synchronized long programmedCounts() {
        return programmed;
    }
}
