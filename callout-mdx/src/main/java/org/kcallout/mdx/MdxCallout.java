package org.kcallout.mdx;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.kcallout.CalloutFunc;

/**
 * MDEPX's {@code struct mdx_callout}: one pending call of a function after a number of timer ticks,
 * allocated and owned by the caller, armed with {@link MdxCallouts#setTicks} and cancelled with
 * {@link MdxCallouts#cancel}. It carries its own list links, so arming allocates nothing.
 *
 * <p>A new object is initialised ({@code mdx_callout_init}); call {@link MdxCallouts#init} again
 * before re-using it if you look at {@link #state()}, which stays {@link #CALLOUT_STATE_FIRED} once
 * the callout has fired (or was armed for 0 ticks) until then.
 *
 * <p>A callout belongs to the framework that first initialises or arms it ({@link MdxCallouts#init},
 * a setter), for its whole life: MDEPX has one framework, so a {@code struct mdx_callout} can only
 * be on its lists. Any other framework refuses it with {@link IllegalStateException} (its lists,
 * locks and CPU numbers are not the callout's); to use one with another framework, make a new one.
 *
 * <p>The getters read without a lock, as C code reads the struct: the answer is a snapshot, exact
 * only from a handler running on the callout's CPU or while nothing else uses the framework.
 */
public final class MdxCallout {
    /* Implementation notes.
     *
     * Field ownership (k = cpuid):
     *
     *   field      guard / access                                   notes
     *   state      written under CPU k's lock when it fires, or by   READY 0 -> FIRED 1 (fire, or a
     *              a setter/init while inactive; read acquire         0-tick set); FIRED -> READY
     *                                                                 (init); READY -> READY (init)
     *   flags      written release under CPU k's lock; read acquire  ACTIVE set by a setter after the
     *                                                                 callout is linked; cleared by
     *                                                                 cancel or by the callback after
     *                                                                 it is unlinked
     *   iflags     CAS                                                ARMING: a setter owns the
     *                                                                 inactive -> active transition
     *   cpuid      written release by the setter before ACTIVE;       cancel reads it to pick the lock
     *              read acquire                                       and re-checks it under the lock
     *   ticks      CPU k's lock while linked                          delta after the previous entry
     *   ticksOrig  written by the setter while inactive               informational
     *   func, arg  written by the setter while inactive; read under   the callback copies them before
     *              CPU k's lock                                       clearing ACTIVE
     *   next, prev CPU k's lock                                       this when on no list
     *   owner      CAS null -> framework, once; read acquire          the framework that first
     *                                                                 inited or armed it; never
     *                                                                 changes again
     *
     * The flags word is caller-visible (MDEPX's c->flags); the subsystem's own bit lives apart in
     * iflags (STYLE habit 2). Memory-mode legend: see package-info. */

    /** {@code CALLOUT_STATE_READY}: initialised and not fired since. */
    public static final int CALLOUT_STATE_READY = 0;
    /** {@code CALLOUT_STATE_FIRED}: fired (or armed for 0 ticks) since the last init. */
    public static final int CALLOUT_STATE_FIRED = 1;

    /** {@code CALLOUT_FLAG_ACTIVE}: queued on a CPU's list. */
    public static final int CALLOUT_FLAG_ACTIVE = 1;

    /** iflags: a setter is linking this callout (owns the inactive-to-active transition). */
    static final int ARMING = 1;

    private static final VarHandle STATE;
    private static final VarHandle FLAGS;
    private static final VarHandle IFLAGS;
    private static final VarHandle CPUID;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(MdxCallout.class, "state", int.class);
            FLAGS = l.findVarHandle(MdxCallout.class, "flags", int.class);
            IFLAGS = l.findVarHandle(MdxCallout.class, "iflags", int.class);
            CPUID = l.findVarHandle(MdxCallout.class, "cpuid", int.class);
            OWNER = l.findVarHandle(MdxCallout.class, "owner", MdxCallouts.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private int state;
    @SuppressWarnings("unused") // accessed through FLAGS
    private int flags;
    @SuppressWarnings("unused") // accessed through IFLAGS
    private int iflags;
    @SuppressWarnings("unused") // accessed through CPUID
    private int cpuid;
    @SuppressWarnings("unused") // accessed through OWNER
    private MdxCallouts owner;

    /** Delay after the previous entry (the head's: after the CPU's baseline); guarded by cpuid's lock. */
    long ticks;
    /** The requested delay; written by the setter while inactive. */
    long ticksOrig;
    /** The handler, or null; written by the setter while inactive. */
    CalloutFunc<?> func;
    /** The handler's argument; written by the setter while inactive. */
    Object arg;
    /** List links; guarded by cpuid's lock; this when on no list. */
    MdxCallout next = this;
    MdxCallout prev = this;

    /** An initialised callout: state READY, not active, on CPU 0, of no framework yet. */
    public MdxCallout() {
    }

    /* ---- accessors; the names give the memory mode ------------------------------------------- */

    int stateAcquire() {
        return (int) STATE.getAcquire(this);
    }

    void setStateRelease(int v) {
        STATE.setRelease(this, v);
    }

    int flagsAcquire() {
        return (int) FLAGS.getAcquire(this);
    }

    void setFlagsRelease(int v) {
        FLAGS.setRelease(this, v);
    }

    boolean casIflags(int expect, int update) {
        return IFLAGS.compareAndSet(this, expect, update);
    }

    void setIflagsRelease(int v) {
        IFLAGS.setRelease(this, v);
    }

    int cpuidAcquire() {
        return (int) CPUID.getAcquire(this);
    }

    void setCpuidRelease(int v) {
        CPUID.setRelease(this, v);
    }

    MdxCallouts ownerAcquire() {
        return (MdxCallouts) OWNER.getAcquire(this);
    }

    boolean casOwner(MdxCallouts expect, MdxCallouts update) {
        return OWNER.compareAndSet(this, expect, update);
    }

    /* ---- list primitives; callers hold the list's CPU lock ----------------------------------- */

    /** True if this node is on no list (or, for a sentinel, its list is empty). */
    boolean unlinked() {
        return next == this;
    }

    /** Links {@code n} just before this node. */
    void linkBefore(MdxCallout n) {
        MdxCallout p = prev;
        n.prev = p;
        n.next = this;
        p.next = n;
        prev = n;
    }

    /** Unlinks this node and leaves it pointing to itself. */
    void unlink() {
        MdxCallout p = prev;
        MdxCallout n = next;
        p.next = n;
        n.prev = p;
        next = this;
        prev = this;
    }

    /* ---- public view ------------------------------------------------------------------------- */

    /**
     * {@code c->state}.
     *
     * @return {@link #CALLOUT_STATE_READY} or {@link #CALLOUT_STATE_FIRED}
     */
    public int state() {
        return stateAcquire();
    }

    /**
     * {@code c->flags}.
     *
     * @return the flag word: {@link #CALLOUT_FLAG_ACTIVE} or 0
     */
    public int flags() {
        return flagsAcquire();
    }

    /**
     * {@code c->flags & CALLOUT_FLAG_ACTIVE}: queued and not yet fired or cancelled.
     *
     * @return true if active
     */
    public boolean active() {
        return (flagsAcquire() & CALLOUT_FLAG_ACTIVE) != 0;
    }

    /**
     * {@code c->ticks}: while queued, the delay after the previous entry of its CPU's list (for the
     * head, after the CPU's baseline count, {@link MdxCallouts#countSaved(int)}); 0 once fired.
     * Inside a callback batch an entry that is due and about to run can read 0 or less.
     *
     * @return the delta in ticks
     */
    public long ticks() {
        return ticks; // benign race outside the owning CPU's lock: a snapshot (see class comment)
    }

    /**
     * {@code c->ticks_orig}: the delay requested by the last set that queued the callout.
     *
     * @return ticks
     */
    public long ticksOrig() {
        return ticksOrig;
    }

    /**
     * {@code c->func}.
     *
     * @return the handler of the last set that queued the callout, or null
     */
    public CalloutFunc<?> func() {
        return func;
    }

    /**
     * {@code c->arg}.
     *
     * @return the argument of the last set that queued the callout
     */
    public Object arg() {
        return arg;
    }

    /**
     * {@code c->cpuid}: the CPU whose list holds (or last held) the callout.
     *
     * @return the CPU number
     */
    public int cpuid() {
        return cpuidAcquire();
    }

    @Override
    public String toString() {
        return "MdxCallout[state=" + state() + ", flags=" + flags() + ", ticks=" + ticks + ", ticksOrig="
                + ticksOrig + ", cpuid=" + cpuid() + "]";
    }
}
