package org.kcallout.mdx;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A simulated counter-compare timer for tests and for users' tests: a free-running up-counter that
 * moves only when {@link #advance(long)} says, shared by all CPUs, with one compare register per
 * CPU. When the counter reaches a CPU's compare value the timer calls
 * {@link MdxCallouts#callback(int)} for that CPU, on the thread that advances, before going on.
 *
 * <pre>{@code
 * MdxCallouts mdx = new MdxCallouts(1);
 * SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 32768);   // 16-bit, 32 kHz
 * mdx.register(timer);
 * mdx.setTicks(c, 100, FUNC, arg);
 * timer.advance(100);                                                  // FUNC runs here
 * }</pre>
 *
 * <p>Like real hardware, the counter wraps from {@code maxcnt} to 0 (a period of
 * {@code maxcnt + 1} counts, any {@code maxcnt}, not only {@code 2^n - 1}); a compare value stays
 * armed after it matches, so without a new {@code start} it matches again one period later, until
 * {@link #stop()}. Interrupts can be {@linkplain #maskInterrupts() masked}: a match is then latched
 * and delivered, late, at {@link #unmaskInterrupts()} (a late interrupt; keep it shorter than a
 * counter period minus the longest programmed delay, or the elapsed count is ambiguous, for
 * MDEPX as for any counter). Matches of several CPUs at one count are delivered in CPU order.
 *
 * <p>{@link #start(long)} and {@link #stop()} act on the compare register of
 * {@link MdxCallouts#curcpu()} and are recorded ({@link #ops()}). A Mockito spy of this class
 * shares its state with the original (all mutable state is in one shared holder); register the
 * spy, so that the framework's calls are seen by it.
 *
 * <p><b>Other interrupt handlers.</b> {@link #setInterruptHandler(IntConsumer)} connects the
 * compare interrupt to something else than {@code mdx_callout_callback}: a driver's interrupt entry,
 * such as {@link CounterCompareTimer#interrupt()}. The {@linkplain #SimulatedMiTimer(long, long, long)
 * stand-alone constructor} builds a timer with one compare register (CPU 0) and no framework, for
 * that use:
 *
 * <pre>{@code
 * SimulatedMiTimer hw = new SimulatedMiTimer(0xffff, 1_000_000, 0);    // 16-bit, 1 MHz
 * CounterCompareTimer et = new CounterCompareTimer("mdx", 100, hw);
 * hw.setInterruptHandler(cpu -> et.interrupt());
 * }</pre>
 *
 * <p>Thread safety: every method may be called from any thread; advances are serialised.
 * {@link #advance} and {@link #unmaskInterrupts()} must not be called from a handler (interrupts do
 * not nest).
 */
public final class SimulatedMiTimer implements MiTimer {
    /* Implementation notes: one State holder, guarded by its lock, so that a Mockito spy (a shallow
     * copy) and the original stay one timer. untilMatch[cpu] counts down the counts left until that
     * CPU's compare matches (1..period while armed), which handles the wrap without comparing
     * counts. Lock order: advanceLock, then a framework CPU lock (inside callback), then lock; the
     * callback is called with lock released, because it calls start() back. The interrupt line
     * (handler) is in State too; null means the framework's callback, or, stand-alone, nobody. */

    /** What the framework asked of the timer. */
    public enum OpKind {
        /** {@link SimulatedMiTimer#start(long)}. */
        START,
        /** {@link SimulatedMiTimer#stop()}. */
        STOP
    }

    /**
     * One recorded call.
     *
     * @param kind  start or stop
     * @param cpu   the CPU whose compare register it programmed
     * @param ticks the start argument (0 for stop)
     * @param time  {@link SimulatedMiTimer#time()} at the call
     */
    public record Op(OpKind kind, int cpu, long ticks, long time) {
    }

    private static final class State {
        final ReentrantLock advanceLock = new ReentrantLock();
        final ReentrantLock lock = new ReentrantLock();
        @GuardedBy("lock")
        long count;                   // guarded by lock
        @GuardedBy("lock")
        long time;                    // guarded by lock
        // Elements guarded by lock; not @GuardedBy, which would also forbid the unlocked reads of
        // armed.length (the CPU count, fixed at construction) that advance and untilMatch make.
        final boolean[] armed;        // guarded by lock
        @GuardedBy("lock")
        final long[] untilMatch;      // guarded by lock; meaningful while armed
        @GuardedBy("lock")
        final boolean[] pending;      // guarded by lock; latched while masked
        @GuardedBy("lock")
        boolean masked;               // guarded by lock
        @GuardedBy("lock")
        long interrupts;              // guarded by lock
        @GuardedBy("lock")
        IntConsumer handler;          // guarded by lock; null: the default (see interruptLine)
        @GuardedBy("lock")
        final List<Op> ops = new ArrayList<>(); // guarded by lock

        State(int ncpu, long count) {
            this.count = count;
            this.armed = new boolean[ncpu];
            this.untilMatch = new long[ncpu];
            this.pending = new boolean[ncpu];
        }
    }

    private final MdxCallouts mdx;     // null for a stand-alone timer
    private final long maxcnt;
    private final long period;
    private final long frequency;
    private final State s;

    /**
     * A timer whose counter starts at 0.
     *
     * @param mdx       the framework whose callback it calls (register it there yourself)
     * @param maxcnt    the largest count, in {@code [1, 0xffffffff]}
     * @param frequency counts per second, in {@code [1, 0xffffffff]}
     */
    public SimulatedMiTimer(MdxCallouts mdx, long maxcnt, long frequency) {
        this(mdx, maxcnt, frequency, 0);
    }

    /**
     * A timer whose counter starts at {@code initialCount} (to test near the wrap).
     *
     * @param mdx          the framework whose callback it calls (register it there yourself)
     * @param maxcnt       the largest count, in {@code [1, 0xffffffff]}
     * @param frequency    counts per second, in {@code [1, 0xffffffff]}
     * @param initialCount the first count, in {@code [0, maxcnt]}
     * @throws IllegalArgumentException if an argument is out of range or {@code mdx} is null
     */
    public SimulatedMiTimer(MdxCallouts mdx, long maxcnt, long frequency, long initialCount) {
        if (mdx == null) {
            throw new IllegalArgumentException("SimulatedMiTimer: the framework must not be null");
        }
        checkArgs(maxcnt, frequency, initialCount);
        this.mdx = mdx;
        this.maxcnt = maxcnt;
        this.period = maxcnt + 1;
        this.frequency = frequency;
        this.s = new State(mdx.ncpu(), initialCount);
    }

    /**
     * A stand-alone timer with one compare register (CPU 0) and no framework: its compare interrupt
     * reaches whatever {@link #setInterruptHandler(IntConsumer)} connects (nothing until then), and
     * {@code start} and {@code stop} always program CPU 0's compare register.
     *
     * @param maxcnt       the largest count, in {@code [1, 0xffffffff]}
     * @param frequency    counts per second, in {@code [1, 0xffffffff]}
     * @param initialCount the first count, in {@code [0, maxcnt]}
     * @throws IllegalArgumentException if an argument is out of range
     */
    public SimulatedMiTimer(long maxcnt, long frequency, long initialCount) {
        checkArgs(maxcnt, frequency, initialCount);
        this.mdx = null;
        this.maxcnt = maxcnt;
        this.period = maxcnt + 1;
        this.frequency = frequency;
        this.s = new State(1, initialCount);
    }

    private static void checkArgs(long maxcnt, long frequency, long initialCount) {
        if (maxcnt < 1 || maxcnt > MdxCputime.UINT32_MAX) {
            throw new IllegalArgumentException("SimulatedMiTimer: maxcnt must be in [1, 0xffffffff], got " + maxcnt);
        }
        if (frequency < 1 || frequency > MdxCputime.UINT32_MAX) {
            throw new IllegalArgumentException("SimulatedMiTimer: frequency must be in [1, 0xffffffff], got "
                    + frequency);
        }
        if (initialCount < 0 || initialCount > maxcnt) {
            throw new IllegalArgumentException("SimulatedMiTimer: initialCount must be in [0, maxcnt = " + maxcnt
                    + "], got " + initialCount);
        }
    }

    /**
     * Connects the compare interrupt: from now on a match of CPU {@code k}'s compare register calls
     * {@code handler.accept(k)} (on the advancing thread, with no lock of this timer held) instead
     * of {@code mdx_callout_callback}.
     *
     * @param handler the interrupt handler, or null for the default: the framework's
     *                {@link MdxCallouts#callback(int)}, or, for a stand-alone timer, none (matches
     *                are then counted and dropped)
     */
    public void setInterruptHandler(IntConsumer handler) {
        s.lock.lock();
        try {
            s.handler = handler;
        } finally {
            s.lock.unlock();
        }
    }

    /** True if this timer's compare interrupts reach {@code m}'s callback (or no framework's). */
    boolean interruptsGoTo(MdxCallouts m) {
        return mdx == null || mdx == m;
    }

    /** {@code PCPU_GET(cpuid)} of the framework, or CPU 0 stand-alone. */
    private int curcpu() {
        return mdx == null ? 0 : mdx.curcpu();
    }

    /* ---- MiTimer ----------------------------------------------------------------------------- */

    /**
     * Programs the current CPU's compare register {@code ticks} counts after the current count.
     *
     * @throws IllegalArgumentException if {@code ticks} is not in {@code [1, maxcnt]}
     */
    @Override
    public void start(long ticks) {
        if (ticks < 1 || ticks > maxcnt) {
            throw new IllegalArgumentException("SimulatedMiTimer.start: ticks must be in [1, maxcnt = " + maxcnt
                    + "], got " + ticks);
        }
        int cpu = curcpu();
        s.lock.lock();
        try {
            s.armed[cpu] = true;
            s.untilMatch[cpu] = ticks;
            s.ops.add(new Op(OpKind.START, cpu, ticks, s.time));
        } finally {
            s.lock.unlock();
        }
    }

    /** Disarms the current CPU's compare register and drops its latched interrupt, if any. */
    @Override
    public void stop() {
        int cpu = curcpu();
        s.lock.lock();
        try {
            s.armed[cpu] = false;
            s.pending[cpu] = false;
            s.ops.add(new Op(OpKind.STOP, cpu, 0, s.time));
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public long count() {
        s.lock.lock();
        try {
            return s.count;
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public long maxcnt() {
        return maxcnt;
    }

    @Override
    public long frequency() {
        return frequency;
    }

    /* ---- simulation -------------------------------------------------------------------------- */

    /**
     * Moves the counter {@code counts} forward, delivering on the way, in order, every compare
     * match (each at its exact count; matches of several CPUs at one count in CPU order). A handler
     * that re-arms is programmed from the count of its interrupt, so matches it causes within the
     * same advance are delivered too.
     *
     * @param counts counts to advance, {@code >= 0} (may span many counter periods)
     * @throws IllegalArgumentException if {@code counts < 0}, or if {@link #time()} would overflow
     *                                  (nothing moves then)
     * @throws IllegalStateException    if called from a handler
     */
    public void advance(long counts) {
        if (counts < 0) {
            throw new IllegalArgumentException("SimulatedMiTimer.advance: counts must be >= 0, got " + counts);
        }
        checkNotInBatch("advance");
        s.advanceLock.lock();
        try {
            s.lock.lock();
            try {
                if (counts > Long.MAX_VALUE - s.time) {
                    throw new IllegalArgumentException("SimulatedMiTimer.advance: counts " + counts + " would overflow "
                            + "time() (now " + s.time + ", at most Long.MAX_VALUE)");
                }
            } finally {
                s.lock.unlock();
            }
            long remaining = counts;
            boolean[] due = new boolean[s.armed.length];
            for (;;) {
                s.lock.lock();
                try {
                    long d = Long.MAX_VALUE;
                    for (int cpu = 0; cpu < s.armed.length; cpu++) {
                        if (s.armed[cpu]) {
                            d = Math.min(d, s.untilMatch[cpu]);
                        }
                    }
                    if (d > remaining) {
                        move(remaining);
                        return;
                    }
                    move(d);
                    remaining -= d;
                    for (int cpu = 0; cpu < s.armed.length; cpu++) {
                        due[cpu] = s.armed[cpu] && s.untilMatch[cpu] == 0;
                        if (due[cpu]) {
                            s.untilMatch[cpu] = period; // free-running: the same value matches a period later
                            if (s.masked) {
                                s.pending[cpu] = true;
                                due[cpu] = false;
                            } else {
                                s.interrupts++;
                            }
                        }
                    }
                } finally {
                    s.lock.unlock();
                }
                deliver(due);
            }
        } finally {
            s.advanceLock.unlock();
        }
    }

    /** Masks the compare interrupts: matches are latched, one per CPU, until unmasked. */
    public void maskInterrupts() {
        s.lock.lock();
        try {
            s.masked = true;
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Unmasks the compare interrupts and delivers the latched ones now, at the current count (late).
     *
     * @throws IllegalStateException if called from a handler
     */
    public void unmaskInterrupts() {
        checkNotInBatch("unmaskInterrupts");
        s.advanceLock.lock();
        try {
            boolean[] due = new boolean[s.armed.length];
            s.lock.lock();
            try {
                s.masked = false;
                for (int cpu = 0; cpu < due.length; cpu++) {
                    due[cpu] = s.pending[cpu];
                    s.pending[cpu] = false;
                    if (due[cpu]) {
                        s.interrupts++;
                    }
                }
            } finally {
                s.lock.unlock();
            }
            deliver(due);
        } finally {
            s.advanceLock.unlock();
        }
    }

    @GuardedBy("s.lock")
    private void move(long d) {
        assert s.lock.isHeldByCurrentThread();
        s.count = (s.count + d % period) % period;
        s.time += d;
        for (int cpu = 0; cpu < s.armed.length; cpu++) {
            if (s.armed[cpu]) {
                s.untilMatch[cpu] -= d;
            }
        }
    }

    private void deliver(boolean[] due) {
        assert s.advanceLock.isHeldByCurrentThread() && !s.lock.isHeldByCurrentThread();
        IntConsumer h = null;
        for (int cpu = 0; cpu < due.length; cpu++) {
            if (due[cpu]) {
                due[cpu] = false;
                if (h == null) {
                    h = interruptLine();
                }
                h.accept(cpu);
            }
        }
    }

    /** The handler to call: the connected one, else the framework's callback, else a no-op. */
    private IntConsumer interruptLine() {
        IntConsumer h;
        s.lock.lock();
        try {
            h = s.handler;
        } finally {
            s.lock.unlock();
        }
        if (h != null) {
            return h;
        }
        return mdx != null ? mdx::callback : cpu -> { };
    }

    private void checkNotInBatch(String fn) {
        // A connected handler runs with advanceLock held: a nested advance from it is refused too.
        if (s.advanceLock.isHeldByCurrentThread() || (mdx != null && mdx.inBatch())) {
            throw new IllegalStateException("SimulatedMiTimer." + fn + " called from a callout handler: "
                    + "interrupts do not nest");
        }
    }

    /* ---- observation ------------------------------------------------------------------------- */

    /** @return counts advanced since this timer was created (never wraps) */
    public long time() {
        s.lock.lock();
        try {
            return s.time;
        } finally {
            s.lock.unlock();
        }
    }

    /** @return interrupts delivered so far */
    public long interrupts() {
        s.lock.lock();
        try {
            return s.interrupts;
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Counts until CPU {@code cpu}'s compare matches.
     *
     * @param cpu the CPU
     * @return counts until the match, in {@code [1, maxcnt + 1]}, or -1 if its compare is disarmed
     * @throws IllegalArgumentException if {@code cpu} is not one of this timer's compare registers
     */
    public long untilMatch(int cpu) {
        if (cpu < 0 || cpu >= s.armed.length) {
            throw new IllegalArgumentException("SimulatedMiTimer.untilMatch: CPU " + cpu + " not in [0, "
                    + s.armed.length + ")");
        }
        s.lock.lock();
        try {
            return s.armed[cpu] ? s.untilMatch[cpu] : -1;
        } finally {
            s.lock.unlock();
        }
    }

    /** @return the start and stop calls so far, oldest first (a copy) */
    public List<Op> ops() {
        s.lock.lock();
        try {
            return List.copyOf(s.ops);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Names this timer in messages.
     *
     * @return its counter range, frequency and framework (or "stand-alone")
     */
    @Override
    public String toString() {
        return "SimulatedMiTimer[maxcnt=0x" + Long.toHexString(maxcnt) + ", frequency=" + frequency + " Hz, "
                + (mdx == null ? "stand-alone" : "for " + mdx) + "]";
    }

    /** Forgets the recorded calls. */
    public void clearOps() {
        s.lock.lock();
        try {
            s.ops.clear();
        } finally {
            s.lock.unlock();
        }
    }
}
