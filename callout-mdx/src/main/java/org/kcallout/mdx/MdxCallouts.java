package org.kcallout.mdx;

import static org.kcallout.mdx.MdxCallout.ARMING;
import static org.kcallout.mdx.MdxCallout.CALLOUT_STATE_FIRED;
import static org.kcallout.mdx.MdxCallout.CALLOUT_STATE_READY;
import static org.kcallout.mdx.MdxCputime.UINT32_MAX;
import static org.kcallout.mdx.MdxCputime.checkUint32;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.kcallout.CalloutFunc;

/**
 * One MDEPX callout framework ({@code kernel/callout/mdx_callout.c}) for a fixed number of CPUs,
 * driven by one registered {@link MiTimer}: the {@code mdx_callout_*} functions with MDEPX's return
 * codes. {@link KernMdx} offers the same functions under their C names.
 *
 * <pre>{@code
 * static final CalloutFunc<Led> BLINK = Led::toggle;        // the handler, built once
 *
 * MdxCallouts mdx = new MdxCallouts(1);
 * mdx.register(timer);                                      // the driver's MiTimer
 * mdx.setTicks(led.callout, 500, BLINK, led);               // fires once, 500 ticks from now
 * // in the driver's interrupt handler:  mdx.callback(cpu);
 * }</pre>
 *
 * <h2>Results</h2>
 * {@link #MDX_OK} 0, {@link #MDX_ERROR} -1, {@link #MDX_EEXIST} -2, and 1 from {@link #cancel} for a
 * callout that is not queued; see each method. Arming an ACTIVE callout returns {@code MDX_ERROR}
 * and changes nothing (it does not re-arm, unlike FreeBSD). Arming for 0 ticks (which a short
 * delay in microseconds can truncate to) returns {@code MDX_OK}, marks the callout FIRED and never
 * calls the function. Kernel assertions and panics are exceptions (SPEC decision 3):
 * {@link IllegalArgumentException} for a bad argument, {@link IllegalStateException} for misuse
 * (no timer registered, a call that would deadlock MDEPX, see below, a callout of another
 * framework); a rejected call changes nothing. Each message names the {@code mdx_callout_*}
 * function called, the rule and the offending value.
 *
 * <h2>One framework per callout</h2>
 * A callout belongs to the framework that first initialises ({@link #init}) or arms it, for its whole
 * life (MDEPX has a single framework). {@link #init}, the setters, {@link #cancel}, {@link #ticks}
 * and {@link #usec} of any other framework throw {@link IllegalStateException} and change nothing:
 * the callout's CPU number and list links mean nothing to another framework's lists and locks.
 *
 * <h2>CPUs and threads</h2>
 * A callout goes to the list of the CPU that arms it, as in MDEPX. Java threads are not CPUs, so the
 * framework asks {@link #curcpu()}: inside a callback batch it is the batch's CPU; elsewhere it is
 * given by the {@link IntSupplier} passed to {@link #MdxCallouts(int, IntSupplier)}, or, with
 * {@link #MdxCallouts(int)}, by the CPU the calling thread was bound to with
 * {@link #bindCurrentThread(int)} (CPU 0 if unbound). A thread must keep its CPU for the duration
 * of a call (MDEPX's callers are pinned by a critical section). The interrupt of CPU {@code k} is
 * delivered by {@link #callback(int) callback(k)}, on any thread: that thread is CPU {@code k} for
 * the batch.
 *
 * <p>Each CPU has a lock (MDEPX's per-CPU spinlock, here a {@code ReentrantLock}): set takes the
 * current CPU's, cancel the callout's CPU's, and the callback holds its CPU's for the whole batch,
 * handlers included. So a cancel from another thread of a callout of a CPU inside its batch waits
 * until the batch ends; by then a callout that fired in the batch is no longer ACTIVE and cancel
 * returns 1 (or, if its handler re-armed it, cancels that new arming). There is no drain. Every
 * method is thread-safe.
 *
 * <h2>Pitfalls</h2>
 * <ul>
 *   <li><b>In a handler use the {@code _locked} setters</b> ({@link #setTicksLocked},
 *       {@link #setLocked}). The plain ones take the CPU lock the batch holds: MDEPX deadlocks on
 *       its non-recursive spinlock; here they throw {@link IllegalStateException}. Conversely the
 *       {@code _locked} setters require that lock, so elsewhere they throw.</li>
 *   <li><b>A handler cannot cancel a callout of its own CPU</b>: MDEPX deadlocks on SMP; here
 *       {@link #cancel} throws {@link IllegalStateException}, on every system (also with one CPU,
 *       where MDEPX has no lock, so that code behaves the same on one CPU and on many).</li>
 *   <li><b>Handlers of two CPUs must not cancel each other's callouts</b>: each would wait for the
 *       other's batch to end (MDEPX spins forever too). This is not detected.</li>
 *   <li><b>Handlers and the timer driver must not block</b>: they run with a CPU lock held; a
 *       batch must end within one counter period.</li>
 *   <li><b>The ticks are the timer's</b>: {@link #set} converts microseconds with truncation, so a
 *       delay shorter than one tick becomes 0 ticks and never fires.</li>
 * </ul>
 *
 * <h2>Differences from MDEPX</h2>
 * The counts elapsed across a counter wrap are exact (MDEPX is one short per wrap), and a callout
 * armed from a handler fires at its true deadline (MDEPX can fire it early by the counts the
 * interrupt was late); the few further changes that exactness needs, and the locking that Java
 * threads need, are documented where they happen (in {@code MdxCpu} and below). MDEPX's handlers may
 * be null (the callout then only changes state); so may they here. A handler that throws is reported
 * to the {@linkplain #failureHook failure hook} and the batch goes on (SPEC decision 5).
 */
public final class MdxCallouts extends MdxCpus {
    /* Implementation notes.
     *
     * Ports mdx_callout_init, mdx_callout_set(_ticks)(_locked), mdx_callout_cancel,
     * mdx_callout_callback, mdx_callout_register and the conversion helpers; the per-CPU algorithms
     * (set_one, cancel_locked, the callback loop) are in MdxCpu, the CPUs of a framework and the
     * thread-to-CPU plumbing in the superclass MdxCpus. Field ownership:
     *
     *   field        guard                       notes
     *   timer        registerLock for writes;    the registration, written once; null before
     *                read volatile
     *   serial       final                       names this framework in messages (toString)
     * The CPUs (cpus[], the current-CPU rules, the batch marker, the failure hook) are MdxCpus's;
     * see its notes.
     *
     * Lock order: a CPU lock, then (only in a handler cancelling a callout of another CPU) a second
     * CPU lock; never the other way round from framework code. The driver's start/stop/count run
     * under a CPU lock. A callout is queued on, and unlinked from, the list of c.cpuid only with
     * that CPU's lock held; the inactive -> active transition is claimed with the ARMING bit, so two
     * threads arming one callout at once cannot both link it (MDEPX leaves that to the caller; a
     * corrupted list in Java is worse than a spin).
     *
     * Ownership: a callout's owner is claimed (CAS null -> this) by init and by arm, after every
     * check that can refuse the call, and never changes again; every method taking a callout
     * refuses one owned by another framework before it touches anything. Because arming claims
     * the owner before it sets ACTIVE (and ACTIVE is read acquire), a thread that sees a callout
     * ACTIVE and then reads its owner sees the framework that armed it: cancel and ticks re-check
     * the owner that way under the CPU lock, which closes the race with another framework claiming
     * a fresh callout at the same moment. A callout owned by this framework has a cpuid in range. */

    /** {@code MDX_OK}. */
    public static final int MDX_OK = 0;
    /** {@code MDX_ERROR}. */
    public static final int MDX_ERROR = -1;
    /** {@code MDX_EEXIST}. */
    public static final int MDX_EEXIST = -2;

    private static final AtomicInteger SERIALS = new AtomicInteger();

    private final int serial = SERIALS.incrementAndGet();
    private final Object registerLock = new Object();
    private volatile MdxTimer timer;

    /**
     * A framework for {@code ncpu} CPUs whose current CPU is the calling thread's binding
     * ({@link #bindCurrentThread(int)}, CPU 0 if unbound).
     *
     * @param ncpu the number of CPUs, in {@code [1, MDX_CPU_MAX]}
     * @throws IllegalArgumentException if {@code ncpu} is out of range
     */
    public MdxCallouts(int ncpu) {
        super(ncpu, null, true);
    }

    /**
     * A framework for {@code ncpu} CPUs whose current CPU, outside callback batches, is what
     * {@code curcpu} returns ({@code PCPU_GET(cpuid)}).
     *
     * @param ncpu   the number of CPUs, in {@code [1, MDX_CPU_MAX]}
     * @param curcpu returns the calling thread's CPU, in {@code [0, ncpu)}; stable during a call
     * @throws IllegalArgumentException if {@code ncpu} is out of range or {@code curcpu} is null
     */
    public MdxCallouts(int ncpu, IntSupplier curcpu) {
        super(ncpu, curcpu, false);
    }

    /**
     * Names this framework in messages, e.g. the one refusing a callout of another framework.
     *
     * @return {@code MdxCallouts#<n>[ncpu=<ncpu>]}, {@code n} numbering the frameworks created
     */
    @Override
    public String toString() {
        return "MdxCallouts#" + serial + "[ncpu=" + ncpu() + "]";
    }

    /* ---- registration ------------------------------------------------------------------------ */

    /**
     * {@code mdx_callout_register(mt)}: makes {@code mt} the timer of this framework. Chooses a
     * built-in microseconds-to-ticks converter if the driver gives none ({@link MdxCputime}: the
     * identity at 1 MHz, with its inverse; the generic truncating one otherwise, with no inverse;
     * see {@code MdxTimer.of}).
     * MDEPX returns {@code MDX_ERROR} when its build offers no suitable built-in converter; both are
     * always available here, so that cannot happen.
     *
     * @param mt the timer
     * @return {@link #MDX_OK}; {@link #MDX_EEXIST} if a timer is already registered;
     *         {@link #MDX_ERROR} if {@code maxcnt} or {@code frequency} is 0, or (for a
     *         {@link MiTimer.Struct}) {@code start}, {@code stop} or {@code count} is null
     * @throws IllegalArgumentException if {@code mt} is null, or its {@code maxcnt} or
     *                                  {@code frequency} is not a uint32_t
     * @throws IllegalStateException    if {@code mt} is a {@link SimulatedMiTimer} built for another
     *                                  framework (its interrupts would go to that framework)
     */
    public int register(MiTimer mt) {
        if (mt == null) {
            throw new IllegalArgumentException("mdx_callout_register: the timer must not be null");
        }
        if (mt instanceof SimulatedMiTimer && !((SimulatedMiTimer) mt).interruptsGoTo(this)) {
            throw new IllegalStateException("mdx_callout_register: the SimulatedMiTimer " + mt + " was built for "
                    + "another mdx_callout framework, not this " + this + ": its compare interrupts would call "
                    + "that framework's mdx_callout_callback");
        }
        synchronized (registerLock) {
            if (timer != null) {
                return MDX_EEXIST;
            }
            MdxTimer t = MdxTimer.of(mt);
            if (t == null) {
                return MDX_ERROR;
            }
            resetCpus();
            timer = t;
            return MDX_OK;
        }
    }

    /** @return the registered timer, or null */
    public MiTimer timer() {
        MdxTimer t = timer;
        return t == null ? null : t.mt;
    }

    /* ---- callouts ---------------------------------------------------------------------------- */

    /**
     * {@code mdx_callout_init(c)}: state READY, inactive. A new {@link MdxCallout} is already
     * initialised. Needs no registered timer.
     *
     * @param c the callout
     * @throws IllegalArgumentException if {@code c} is null
     * @throws IllegalStateException    if {@code c} is ACTIVE (MDEPX would clear the flag and leave it
     *                                  linked on its CPU's list; cancel it first), or belongs to
     *                                  another framework
     */
    public void init(MdxCallout c) {
        checkCallout("mdx_callout_init", c);
        checkNotForeign("mdx_callout_init", c);
        if (c.active()) {
            throw new IllegalStateException("mdx_callout_init: callout is ACTIVE on CPU " + c.cpuid()
                    + "; cancel it before re-initialising it");
        }
        claim("mdx_callout_init", c);
        // flags is already 0: only a setter sets ACTIVE, and it is clear.
        c.setStateRelease(CALLOUT_STATE_READY);
    }

    /**
     * {@code mdx_callout_set_ticks(c, ticks, func, arg)}: queues {@code c} on the current CPU to call
     * {@code func.call(arg)} once, {@code ticks} timer counts from now, taking the CPU's lock.
     *
     * @param c     the callout
     * @param ticks the delay in ticks, in {@code [0, 0xffffffff]}
     * @param func  the handler, or null (the callout then only changes state when it fires)
     * @param arg   the handler's argument
     * @param <A>   the argument type
     * @return {@link #MDX_OK}; {@link #MDX_ERROR} if {@code c} is ACTIVE (nothing changes). For
     *         {@code ticks == 0}: {@code MDX_OK}, {@code c}'s state becomes FIRED, and {@code func}
     *         is never called
     * @throws IllegalArgumentException if {@code c} is null or {@code ticks} is out of range
     * @throws IllegalStateException    if no timer is registered, {@code c} belongs to another
     *                                  framework, or the thread is inside a callback batch of the
     *                                  current CPU (a handler: use {@link #setTicksLocked}; MDEPX
     *                                  would deadlock)
     */
    public <A> int setTicks(MdxCallout c, long ticks, CalloutFunc<? super A> func, A arg) {
        return setTicks0("mdx_callout_set_ticks", c, ticks, func, arg);
    }

    /**
     * {@code mdx_callout_set_ticks_locked}: as {@link #setTicks}, for a caller that holds the
     * current CPU's lock, that is a handler running in that CPU's callback batch. The timer is not
     * programmed from inside the batch; the callback programs it once when the batch ends.
     *
     * @param c     the callout
     * @param ticks the delay in ticks, in {@code [0, 0xffffffff]}
     * @param func  the handler, or null
     * @param arg   the handler's argument
     * @param <A>   the argument type
     * @return as {@link #setTicks}
     * @throws IllegalArgumentException if {@code c} is null or {@code ticks} is out of range
     * @throws IllegalStateException    if no timer is registered, {@code c} belongs to another
     *                                  framework, or the thread does not hold the current CPU's lock
     *                                  (use {@link #setTicks})
     */
    public <A> int setTicksLocked(MdxCallout c, long ticks, CalloutFunc<? super A> func, A arg) {
        return setTicksLocked0("mdx_callout_set_ticks_locked", c, ticks, func, arg);
    }

    /**
     * {@code mdx_callout_set(c, usec, func, arg)}: {@link #setTicks} after
     * {@link #usecToTicks(long)}; a delay that truncates to 0 ticks never fires.
     *
     * @param c    the callout
     * @param usec the delay in microseconds, in {@code [0, 0xffffffff]}
     * @param func the handler, or null
     * @param arg  the handler's argument
     * @param <A>  the argument type
     * @return as {@link #setTicks}
     * @throws IllegalArgumentException as {@link #setTicks} (for {@code usec}), or if the conversion
     *                                  overflows
     * @throws IllegalStateException    as {@link #setTicks}, or as {@link #usecToTicks}
     */
    public <A> int set(MdxCallout c, long usec, CalloutFunc<? super A> func, A arg) {
        String fn = "mdx_callout_set";
        checkCallout(fn, c);
        checkUint32(fn + ": usec", usec);
        MdxTimer t = registered(fn);
        checkNotForeign(fn, c);
        return setTicks0(fn, c, t.convertUsec(fn, usec), func, arg);
    }

    /**
     * {@code mdx_callout_set_locked}: {@link #setTicksLocked} after {@link #usecToTicks(long)}.
     *
     * @param c    the callout
     * @param usec the delay in microseconds, in {@code [0, 0xffffffff]}
     * @param func the handler, or null
     * @param arg  the handler's argument
     * @param <A>  the argument type
     * @return as {@link #setTicks}
     * @throws IllegalArgumentException as {@link #setTicksLocked} (for {@code usec}), or if the
     *                                  conversion overflows
     * @throws IllegalStateException    as {@link #setTicksLocked}, or as {@link #usecToTicks}
     */
    public <A> int setLocked(MdxCallout c, long usec, CalloutFunc<? super A> func, A arg) {
        String fn = "mdx_callout_set_locked";
        checkCallout(fn, c);
        checkUint32(fn + ": usec", usec);
        MdxTimer t = registered(fn);
        checkNotForeign(fn, c);
        return setTicksLocked0(fn, c, t.convertUsec(fn, usec), func, arg);
    }

    private <A> int setTicks0(String fn, MdxCallout c, long ticks, CalloutFunc<? super A> func, A arg) {
        checkCallout(fn, c);
        checkUint32(fn + ": ticks", ticks);
        MdxTimer t = registered(fn);
        checkNotForeign(fn, c);
        MdxCpu cc = cpu(curcpu(fn));
        if (cc.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(fn + " called with CPU " + cc.id + "'s callout lock held (from a "
                    + "handler of that CPU): use the _locked form; MDEPX would deadlock on its spinlock");
        }
        cc.lock.lock();
        try {
            return arm(fn, t, cc, c, ticks, func, arg);
        } finally {
            cc.lock.unlock();
        }
    }

    // arm needs cc.lock: held here by the caller (a handler in cc's callback batch), as the
    // isHeldByCurrentThread check proves at run time; the checker cannot see a caller's lock.
    @SuppressWarnings("GuardedBy")
    private <A> int setTicksLocked0(String fn, MdxCallout c, long ticks, CalloutFunc<? super A> func, A arg) {
        checkCallout(fn, c);
        checkUint32(fn + ": ticks", ticks);
        MdxTimer t = registered(fn);
        checkNotForeign(fn, c);
        MdxCpu cc = cpu(curcpu(fn));
        if (!cc.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(fn + " requires CPU " + cc.id + "'s callout lock, held only by a "
                    + "handler running in that CPU's callback batch; elsewhere use the unlocked form");
        }
        return arm(fn, t, cc, c, ticks, func, arg);
    }

    /**
     * {@code mdx_callout_set_ticks_locked} proper, with {@code cc.lock} held, after every check: claims
     * {@code c} for this framework (first, so that a concurrent claim by another framework refuses the
     * call before anything changes), then arms it.
     */
    @GuardedBy("cc.lock")
    private <A> int arm(String fn, MdxTimer t, MdxCpu cc, MdxCallout c, long ticks, CalloutFunc<? super A> func,
            A arg) {
        assert cc.lock.isHeldByCurrentThread();
        claim(fn, c);
        if (c.active()) {
            return MDX_ERROR;
        }
        // Claim the inactive -> active transition. Another thread arming c at this instant holds
        // ARMING only for a bounded insert under its own CPU's lock (never this one's, which we
        // hold), so the spin ends; then c is ACTIVE and we return MDX_ERROR, as if we came second.
        while (!c.casIflags(0, ARMING)) {
            Thread.onSpinWait();
        }
        try {
            if (c.active()) {
                return MDX_ERROR;
            }
            if (ticks == 0) {
                c.setStateRelease(CALLOUT_STATE_FIRED);
                return MDX_OK;
            }
            c.ticksOrig = ticks;
            c.func = func;
            c.arg = arg;
            // Publish the CPU before ACTIVE (set in setOne): cancel reads flags, then cpuid.
            c.setCpuidRelease(cc.id);
            cc.setOne(t, c, ticks);
            return MDX_OK;
        } finally {
            c.setIflagsRelease(0);
        }
    }

    /**
     * {@code mdx_callout_cancel(c)}: removes {@code c} from its CPU's list, taking that CPU's lock
     * (possibly another CPU's: the only cross-CPU locking; it waits while that CPU is inside its
     * callback batch). The next entry inherits {@code c}'s delta; the timer is not reprogrammed, and
     * {@code c}'s state is not changed.
     *
     * @param c the callout
     * @return {@link #MDX_OK} if {@code c} was queued and is now cancelled; 1 if it was not ACTIVE
     *         (never armed, already fired, or its handler is running)
     * @throws IllegalArgumentException if {@code c} is null
     * @throws IllegalStateException    if no timer is registered, {@code c} belongs to another
     *                                  framework, or {@code c} belongs to the CPU whose callback batch
     *                                  the calling thread is running (MDEPX would deadlock; a callout
     *                                  never armed counts as CPU 0's, its {@code cpuid} being 0)
     */
    public int cancel(MdxCallout c) {
        String fn = "mdx_callout_cancel";
        checkCallout(fn, c);
        registered(fn);
        checkNotForeign(fn, c);
        for (;;) {
            int k = c.cpuidAcquire();
            if (k < 0 || k >= ncpu()) {
                // Only another framework arms on a CPU we do not have: it claimed c since the check.
                throw foreign(fn, c, c.ownerAcquire());
            }
            MdxCpu cc = cpu(k);
            if (cc.lock.isHeldByCurrentThread()) {
                throw new IllegalStateException("mdx_callout_cancel of a callout of CPU " + k + " with that "
                        + "CPU's callout lock held (from one of its handlers): MDEPX would deadlock");
            }
            cc.lock.lock();
            try {
                // Flags first, then cpuid: a setter publishes cpuid before ACTIVE, so an ACTIVE callout
                // whose cpuid is still k is queued here (it cannot move while we hold k's lock).
                if (!c.active()) {
                    return 1;
                }
                // ACTIVE seen (acquire), so the owner read now is the framework that armed c.
                checkNotForeign(fn, c);
                if (c.cpuidAcquire() != k) {
                    continue; // cancelled and re-armed on another CPU since we read cpuid: retry there
                }
                return cc.cancelLocked(c);
            } finally {
                cc.lock.unlock();
            }
        }
    }

    /**
     * {@code mdx_callout_callback(mt)}, for CPU {@code cpu}: called by the timer driver's interrupt
     * handler when that CPU's compare matched (or spuriously). Fires, in order, every callout of the
     * CPU that is due, with the CPU's lock held and its timer state EXCEPTION; then programs the timer
     * once for the new head ({@code start}), or calls {@code stop} if the list is empty. With an empty
     * list on entry it does nothing.
     *
     * @param cpu the CPU whose interrupt this is
     * @return {@link #MDX_OK}
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws IllegalStateException    if no timer is registered, or called from inside a callback
     *                                  batch (interrupts do not nest), or from the timer driver
     */
    public int callback(int cpu) {
        checkCpu("mdx_callout_callback", cpu);
        MdxTimer t = registered("mdx_callout_callback");
        MdxCpu in = batchCpu();
        if (in != null) {
            throw new IllegalStateException("mdx_callout_callback for CPU " + cpu + " from a handler of CPU "
                    + in.id + ": callback batches do not nest");
        }
        MdxCpu cc = cpu(cpu);
        if (cc.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("mdx_callout_callback for CPU " + cpu + " with its callout lock "
                    + "held (from the timer driver inside a set or cancel)");
        }
        cc.lock.lock();
        enterBatch(cc);
        try {
            return cc.callback(t, this);
        } finally {
            leaveBatch();
            cc.lock.unlock();
        }
    }

    /* ---- conversions and queries ------------------------------------------------------------- */

    /**
     * {@code mdx_callout_usec_to_ticks(usec)}: the registered timer's converter.
     *
     * @param usec microseconds, in {@code [0, 0xffffffff]}
     * @return ticks
     * @throws IllegalArgumentException if {@code usec} is out of range or the conversion overflows
     * @throws IllegalStateException    if no timer is registered, or the driver's converter returns a
     *                                  value that is not a uint32_t
     */
    public long usecToTicks(long usec) {
        String fn = "mdx_callout_usec_to_ticks";
        checkUint32(fn + ": usec", usec);
        return registered(fn).convertUsec(fn, usec);
    }

    /**
     * {@code mdx_callout_ticks_to_usec(ticks)}: the registered timer's converter.
     *
     * @param ticks ticks, in {@code [0, 0xffffffff]}
     * @return microseconds
     * @throws IllegalArgumentException if {@code ticks} is out of range
     * @throws IllegalStateException    if no timer is registered, or it has no ticks-to-microseconds
     *                                  converter (MDEPX leaves it NULL, and would crash, for a timer
     *                                  that is not 1 MHz and gives none)
     */
    public long ticksToUsec(long ticks) {
        String fn = "mdx_callout_ticks_to_usec";
        checkUint32(fn + ": ticks", ticks);
        return registered(fn).convertTicks(fn, ticks);
    }

    /**
     * {@code mdx_callout_ticks(c)}: ticks until {@code c} fires, 0 if it is not ACTIVE (or due).
     * MDEPX builds it only without SMP support; so does this framework, for one CPU only.
     *
     * @param c the callout
     * @return ticks until it fires
     * @throws IllegalArgumentException if {@code c} is null
     * @throws IllegalStateException    if no timer is registered, this framework has several CPUs, or
     *                                  {@code c} belongs to another framework
     */
    public long ticks(MdxCallout c) {
        return ticks0("mdx_callout_ticks", c, registeredSingleCpu("mdx_callout_ticks", c));
    }

    /** The checks of {@code mdx_callout_ticks} and {@code mdx_callout_usec}: the registered timer. */
    private MdxTimer registeredSingleCpu(String fn, MdxCallout c) {
        checkCallout(fn, c);
        MdxTimer t = registered(fn);
        if (ncpu() != 1) {
            throw new IllegalStateException(fn + " exists only on a single-CPU system (MDEPX builds it without "
                    + "MDX_SCHED_SMP); this one has " + ncpu() + " CPUs");
        }
        checkNotForeign(fn, c);
        return t;
    }

    private long ticks0(String fn, MdxCallout c, MdxTimer t) {
        MdxCpu cc = cpu(0);
        cc.lock.lock(); // reentrant: a handler may ask too
        try {
            // Read ACTIVE once: a fresh callout that another framework arms after this read must not
            // be looked for on our list (it is not there: remaining would fail its own assertion).
            if (!c.active()) {
                return 0;
            }
            // ACTIVE seen (acquire), so the owner read now is the framework that armed c; if it is
            // this one, c stays queued on CPU 0 while we hold its lock.
            checkNotForeign(fn, c);
            return cc.remaining(t, c);
        } finally {
            cc.lock.unlock();
        }
    }

    /**
     * {@code mdx_callout_usec(c)}: {@link #ticksToUsec(long) ticksToUsec}{@code (}{@link #ticks
     * ticks(c)}{@code )}.
     *
     * @param c the callout
     * @return microseconds until it fires
     * @throws IllegalArgumentException if {@code c} is null
     * @throws IllegalStateException    as {@link #ticks} and {@link #ticksToUsec}
     */
    public long usec(MdxCallout c) {
        String fn = "mdx_callout_usec";
        MdxTimer t = registeredSingleCpu(fn, c);
        t.checkTicksToUsec(fn);
        return t.convertTicks(fn, Math.min(ticks0(fn, c, t), UINT32_MAX));
    }

    /* ---- checks ------------------------------------------------------------------------------ */

    private MdxTimer registered(String fn) {
        MdxTimer t = timer;
        if (t == null) {
            throw new IllegalStateException(fn + ": no mi_timer registered (call mdx_callout_register first)");
        }
        return t;
    }

    private static void checkCallout(String fn, MdxCallout c) {
        if (c == null) {
            throw new IllegalArgumentException(fn + ": the callout must not be null");
        }
    }

    /** Refuses {@code c} if another framework owns it (see the class comment, ownership). */
    private void checkNotForeign(String fn, MdxCallout c) {
        MdxCallouts o = c.ownerAcquire();
        if (o != null && o != this) {
            throw foreign(fn, c, o);
        }
    }

    /** Makes this framework {@code c}'s owner, unless another one is (then throws, changing nothing). */
    private void claim(String fn, MdxCallout c) {
        if (!c.casOwner(null, this)) {
            checkNotForeign(fn, c);
        }
    }

    private IllegalStateException foreign(String fn, MdxCallout c, MdxCallouts owner) {
        return new IllegalStateException(fn + ": the callout belongs to another mdx_callout framework "
                + "(initialised by " + owner + ", not this " + this + "; a callout is used only with the "
                + "framework that first initialised or armed it): " + c);
    }
}
