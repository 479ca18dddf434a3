package org.kcallout.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The engine-owned fields of {@code struct callout}. Not API: {@link org.kcallout.Callout} extends
 * this class; the package is exported only to the engine module.
 *
 * <p>Field guards (as in {@code sys/_callout.h}):
 * <pre>
 * field      guard                          C name
 * next/prev  per-CPU lock of {@link #cc}     c_links
 * time       per-CPU lock                   c_time
 * precision  per-CPU lock                   c_precision
 * func/arg   per-CPU lock for writes; read   c_func, c_arg
 *            unlocked by callout_schedule
 * lock       set by init only               c_lock
 * iflags     per-CPU lock for writes;       c_iflags
 *            read opaque by callout_pending
 * flags      the caller's lock (ACTIVE);     c_flags
 *            written release, read opaque
 * cc         per-CPU lock (and CPUBLOCK      c_cpu
 *            hand-off); read volatile
 * </pre>
 */
public abstract class CalloutNode extends Link {
    /* Implementation notes: the layout is chosen for size (one pending callout must fit in 56
     * bytes with compressed oops): two longs, five references counting the links, a short and a
     * byte. flags and iflags stay two separate words, as in FreeBSD since 10.2, so that the unlocked
     * read-modify-write of callout_deactivate() can never clobber subsystem state.
     *
     * VarHandle naming legend: xxxOpaque() reads without ordering but never hoisted; setXxxRelease()
     * publishes a write made under a lock to unlocked readers. */

    /** {@code CALLOUT_ACTIVE} in {@link #flags}. */
    public static final int ACTIVE = 0x0002;

    /** Earliest time the handler may run (sbintime); guarded by the per-CPU lock. */
    public long time;
    /** How much later than {@link #time} it may run (sbintime); guarded by the per-CPU lock. */
    public long precision;
    /** The handler ({@code c_func}); written under the per-CPU lock. */
    public Object func;
    /** The handler's argument ({@code c_arg}); written under the per-CPU lock. */
    public Object arg;
    /** The associated lock ({@code c_lock}), or {@code null}; set by init only. */
    public Object lock;
    /** Owning CPU ({@code c_cpu}), {@link CpuRef#CPUBLOCK} in transit, {@code null} before init. */
    public volatile CpuRef cc;
    /** Internal flags ({@code c_iflags}); written under the per-CPU lock with release semantics. */
    public short iflags;
    /** External flags ({@code c_flags}: {@link #ACTIVE}); the caller's lock protects it. */
    public byte flags;

    private static final VarHandle IFLAGS;
    private static final VarHandle FLAGS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            IFLAGS = l.findVarHandle(CalloutNode.class, "iflags", short.class);
            FLAGS = l.findVarHandle(CalloutNode.class, "flags", byte.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Creates a node that is not initialised ({@link #cc} is {@code null}). */
    protected CalloutNode() {
    }

    /** Reads {@link #iflags} without a lock. */
    public final int iflagsOpaque() {
        return (short) IFLAGS.getOpaque(this);
    }

    /** Writes {@link #iflags}; the caller holds the per-CPU lock. */
    public final void setIflagsRelease(int v) {
        IFLAGS.setRelease(this, (short) v);
    }

    /** Reads {@link #flags} without a lock. */
    public final int flagsOpaque() {
        return (byte) FLAGS.getOpaque(this);
    }

    /** Writes {@link #flags}. */
    public final void setFlagsRelease(int v) {
        FLAGS.setRelease(this, (byte) v);
    }
}
