package org.kcallout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.kcallout.internal.CalloutAccess;
import org.kcallout.internal.CpuRef;
import org.kcallout.internal.Link;

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
 * <p>The callout's state ({@code c_links}, {@code c_time}, {@code c_iflags}, ...) is private and
 * changes only through {@link CalloutSystem}; the methods below read it. The superclass is the
 * engine's intrusive list node, which has no accessible members.
 */
public final class Callout extends Link {
    /* Implementation notes.
     *
     * The fields of struct callout (sys/_callout.h). Only this class touches them: the engine
     * reads and writes them through org.kcallout.internal.CalloutAccess, whose static accessors
     * (names give the memory mode) forward to the Fields object that this class's static
     * initialiser installs there once (the JDK's SharedSecrets pattern). The guard of each field is
     * on the field below and in CalloutAccess's table. The list links come from the superclass Link
     * (no accessible members; only CalloutAccess's list primitives use them).
     *
     * Layout, chosen for size (one pending callout must fit in 56 bytes with compressed oops,
     * checked by CalloutLayoutTest): a 12-byte header, two longs, six references counting the two
     * links, a short and a byte: 55 bytes, aligned to 56. flags and iflags stay two separate words,
     * as in FreeBSD since 10.2, so that the unlocked read-modify-write of callout_deactivate() can
     * never clobber subsystem state. CALLOUT_ACTIVE, the only bit of flags, is
     * CalloutFlags.CALLOUT_ACTIVE. */

    /** {@code c_time}: earliest time the handler may run (sbintime); guarded by the per-CPU lock. */
    private long time;
    /** {@code c_precision}: how much later it may run (sbintime); guarded by the per-CPU lock. */
    private long precision;
    /** {@code c_func}: the handler; written under the per-CPU lock, read unlocked by callout_schedule. */
    private CalloutFunc<?> func;
    /** {@code c_arg}: the handler's argument; written with {@link #func}, under the per-CPU lock. */
    private Object arg;
    /** {@code c_lock}: the associated lock, or {@code null}; written by init only. */
    private CalloutLock lock;
    /** {@code c_cpu}: owning CPU, CPUBLOCK in transit, {@code null} before init; per-CPU lock, volatile. */
    private volatile CpuRef cc;
    /** {@code c_iflags}: written release under the per-CPU lock; read plain under it, opaque without it. */
    private short iflags;
    /** {@code c_flags} ({@link CalloutFlags#CALLOUT_ACTIVE}): the caller's lock; written release, read opaque. */
    private byte flags;

    private static final VarHandle IFLAGS;
    private static final VarHandle FLAGS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            IFLAGS = l.findVarHandle(Callout.class, "iflags", short.class);
            FLAGS = l.findVarHandle(Callout.class, "flags", byte.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        CalloutAccess.install(new Fields());
    }

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
        FLAGS.setRelease(this, (byte) (flagsOpaque() & ~CalloutFlags.CALLOUT_ACTIVE));
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
        return lock;
    }

    /**
     * {@code c_func}: the handler of the most recent arm, or {@code null}.
     *
     * @return the handler
     */
    public CalloutFunc<?> func() {
        return func;
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

    private int iflagsOpaque() {
        return (short) IFLAGS.getOpaque(this);
    }

    private int flagsOpaque() {
        return (byte) FLAGS.getOpaque(this);
    }

    /** The engine's accessors, installed in {@link CalloutAccess}; see its table for each guard. */
    private static final class Fields implements CalloutAccess.Fields {
        @Override
        public long time(Callout c) {
            return c.time;
        }

        @Override
        public void setTime(Callout c, long v) {
            c.time = v;
        }

        @Override
        public long precision(Callout c) {
            return c.precision;
        }

        @Override
        public void setPrecision(Callout c, long v) {
            c.precision = v;
        }

        @Override
        @SuppressWarnings("unchecked") // the arm that stored func took a CalloutFunc<? super A> and an A: see CalloutAccess
        public CalloutFunc<Object> func(Callout c) {
            return (CalloutFunc<Object>) c.func;
        }

        @Override
        public Object arg(Callout c) {
            return c.arg;
        }

        @Override
        public void setFuncArg(Callout c, CalloutFunc<?> func, Object arg) {
            c.arg = arg;
            c.func = func;
        }

        @Override
        public CalloutLock lock(Callout c) {
            return c.lock;
        }

        @Override
        public void setLock(Callout c, CalloutLock v) {
            c.lock = v;
        }

        @Override
        public CpuRef ccVolatile(Callout c) {
            return c.cc;
        }

        @Override
        public void setCcVolatile(Callout c, CpuRef v) {
            c.cc = v;
        }

        @Override
        public int iflags(Callout c) {
            return c.iflags;
        }

        @Override
        public int iflagsOpaque(Callout c) {
            return c.iflagsOpaque();
        }

        @Override
        public void setIflagsRelease(Callout c, int v) {
            IFLAGS.setRelease(c, (short) v);
        }

        @Override
        public int flags(Callout c) {
            return c.flags;
        }

        @Override
        public int flagsOpaque(Callout c) {
            return c.flagsOpaque();
        }

        @Override
        public void setFlagsRelease(Callout c, int v) {
            FLAGS.setRelease(c, (byte) v);
        }
    }
}
