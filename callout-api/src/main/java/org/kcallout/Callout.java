package org.kcallout;

import org.kcallout.internal.CalloutNode;
import org.kcallout.internal.CpuRef;

/**
 * A caller-allocated, reusable callout: FreeBSD's {@code struct callout}.
 *
 * <p>Allocate one per timer you need (typically a field of the object it serves), initialise it
 * once with {@link CalloutSystem#init} or {@link CalloutSystem#initLock} ({@code callout_init},
 * {@code callout_init_mtx}, {@code callout_init_rw}), then arm, stop and drain it any number of
 * times. The object carries its own list links, time and flags, so arming allocates nothing.
 *
 * <p>The three queries are the macros of {@code sys/callout.h}:
 * <ul>
 *   <li>{@link #pending()} ({@code callout_pending}): armed and waiting for its time; false from the
 *       moment the softclock dispatcher takes it, before the handler even starts;</li>
 *   <li>{@link #active()} ({@code callout_active}): armed and not since stopped, drained or
 *       deactivated; <em>not</em> cleared when the callout fires;</li>
 *   <li>{@link #deactivate()} ({@code callout_deactivate}): clears ACTIVE.</li>
 * </ul>
 * They read without locking, as the C macros do: call them under the callout's associated lock
 * (or from its handler) for an answer that cannot change under you.
 *
 * <p>A callout belongs to the callout system that initialised it; passing it to another system is
 * rejected with {@link IllegalStateException}.
 *
 * <p>The fields and setters inherited from {@code org.kcallout.internal.CalloutNode} are the engine's
 * ({@code c_links}, {@code c_time}, {@code c_iflags}, ...): the module system exports that package
 * to the engine only; on the class path they are visible but are not API, and writing them breaks the
 * callout system's invariants. Use the methods of this class and of {@link CalloutSystem}.
 */
public final class Callout extends CalloutNode {

    /** Creates a callout that must be initialised before use. */
    public Callout() {
    }

    /**
     * {@code callout_pending(c)}: true while armed and waiting for its time.
     *
     * @return whether the callout is pending
     */
    public boolean pending() {
        return (iflagsOpaque() & CalloutFlags.CALLOUT_PENDING) != 0;
    }

    /**
     * {@code callout_active(c)}: true if armed and not stopped, drained or deactivated since.
     *
     * @return whether the callout is active
     */
    public boolean active() {
        return (flagsOpaque() & CalloutFlags.CALLOUT_ACTIVE) != 0;
    }

    /**
     * {@code callout_deactivate(c)}: clears ACTIVE. An unlocked read-modify-write of the caller-owned
     * flag word, as in C: call it under the callout's lock or from its handler.
     */
    public void deactivate() {
        setFlagsRelease(flagsOpaque() & ~CalloutFlags.CALLOUT_ACTIVE);
    }

    /**
     * {@code c_time}: the earliest time the handler may run, as an absolute sbintime. Read without
     * a lock; meaningful while pending, and inside the handler (where it is the time the running
     * invocation was armed for, until the handler re-arms the callout).
     *
     * @return the armed time
     */
    public long time() {
        return time;
    }

    /**
     * {@code c_precision}: how much later than {@link #time()} the handler may run. Read without a
     * lock; meaningful while pending.
     *
     * @return the armed precision
     */
    public long precision() {
        return precision;
    }

    /**
     * {@code c_cpu}: the CPU that owns the callout, or {@code MAXCPU} while it moves between CPUs,
     * or -1 if it was never initialised.
     *
     * @return the CPU number
     */
    public int cpu() {
        CpuRef r = cc;
        return r == null ? -1 : r.cpuId;
    }

    /**
     * True once {@code callout_init} (or a variant) has been called on this callout.
     *
     * @return whether the callout is initialised
     */
    public boolean initialized() {
        return cc != null;
    }

    /**
     * {@code c_lock}: the associated lock, or {@code null} for an MP-safe callout.
     *
     * @return the lock
     */
    public CalloutLock lock() {
        return (CalloutLock) lock;
    }

    /**
     * {@code c_func}: the handler of the most recent arm, or {@code null}.
     *
     * @return the handler
     */
    public CalloutFunc<?> func() {
        return (CalloutFunc<?>) func;
    }

    /**
     * {@code c_arg}: the argument of the most recent arm.
     *
     * @return the argument
     */
    public Object arg() {
        return arg;
    }

    /**
     * {@code c_iflags}: the subsystem's flag word (see {@link CalloutFlags}), for tests and debugging.
     *
     * @return the internal flags
     */
    public int iflags() {
        return iflagsOpaque() & 0xffff;
    }

    /**
     * {@code c_flags}: the caller-owned flag word ({@link CalloutFlags#CALLOUT_ACTIVE}).
     *
     * @return the external flags
     */
    public int flags() {
        return flagsOpaque() & 0xff;
    }

    @Override
    public String toString() {
        return "Callout[cpu=" + cpu() + ", pending=" + pending() + ", active=" + active()
                + ", time=" + Sbt.format(time) + ", precision=" + Sbt.format(precision)
                + ", iflags=0x" + Integer.toHexString(iflags()) + "]";
    }
}
