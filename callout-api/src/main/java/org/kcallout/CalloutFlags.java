package org.kcallout;

/**
 * Flag values of {@code sys/callout.h}, with their C names.
 *
 * <p>Init flags ({@code callout_init_mtx}, {@code callout_init_rw}):
 * {@link #CALLOUT_RETURNUNLOCKED}, {@link #CALLOUT_SHAREDLOCK}. Scheduling flags (the
 * {@code flags} argument of the {@code _sbt} functions): {@link #C_DIRECT_EXEC}, {@link #C_PREL(int)},
 * {@link #C_HARDCLOCK}, {@link #C_ABSOLUTE}, {@link #C_PRECALC}, {@link #C_CATCH}. The remaining
 * {@code CALLOUT_*} values are the bits of {@link Callout#iflags()} and {@link Callout#flags()},
 * for tests and debugging.
 */
public final class CalloutFlags {
    private CalloutFlags() {
    }

    /** Entry of the legacy {@code timeout(9)} pool ({@code c_iflags}). */
    public static final int CALLOUT_LOCAL_ALLOC = 0x0001;
    /** Armed and not stopped, drained or deactivated since ({@code c_flags}). */
    public static final int CALLOUT_ACTIVE = 0x0002;
    /** Waiting for its time ({@code c_iflags}); cleared when dispatched. */
    public static final int CALLOUT_PENDING = 0x0004;
    /** Deprecated in FreeBSD; rejected as an init flag here. */
    public static final int CALLOUT_MPSAFE = 0x0008;
    /** Init flag: the handler releases the associated lock itself. */
    public static final int CALLOUT_RETURNUNLOCKED = 0x0010;
    /** Init flag: the dispatcher takes the associated lock in shared (read) mode. */
    public static final int CALLOUT_SHAREDLOCK = 0x0020;
    /** A migration to another CPU is deferred until the running handler returns ({@code c_iflags}). */
    public static final int CALLOUT_DFRMIGRATION = 0x0040;
    /** Moved from the wheel to the expire queue ({@code c_iflags}). */
    public static final int CALLOUT_PROCESSED = 0x0080;
    /** Runs from the event-timer interrupt; sticky until re-init ({@code c_iflags}). */
    public static final int CALLOUT_DIRECT = 0x0100;

    /** Run the handler from the event-timer interrupt instead of the softclock thread. */
    public static final int C_DIRECT_EXEC = 0x0001;
    /** Width of the relative-precision field. */
    public static final int C_PRELBITS = 7;
    /** Largest value the relative-precision field holds. */
    public static final int C_PRELRANGE = (1 << C_PRELBITS) - 1;
    /** Align to hardclock slots (used by every tick-based function). */
    public static final int C_HARDCLOCK = 0x0100;
    /** The time argument is an absolute uptime. */
    public static final int C_ABSOLUTE = 0x0200;
    /** Time and precision were computed by {@code callout_when}; use them verbatim. */
    public static final int C_PRECALC = 0x0400;
    /** Meaningful only to {@code pause_sbt(9)}; accepted and ignored here. */
    public static final int C_CATCH = 0x0800;

    /** Every scheduling flag bit that is accepted. */
    public static final int C_VALID_MASK =
            C_DIRECT_EXEC | (C_PRELRANGE << 1) | C_HARDCLOCK | C_ABSOLUTE | C_PRECALC | C_CATCH;
    /** Every init flag bit that is accepted. */
    public static final int INIT_VALID_MASK = CALLOUT_RETURNUNLOCKED | CALLOUT_SHAREDLOCK;

    /**
     * {@code C_PREL(x)}: a relative precision of {@code interval >> x}.
     *
     * @param x the shift, 0 to {@link #C_PRELRANGE} - 1
     * @return the flag bits
     * @throws IllegalArgumentException if {@code x} is out of range
     */
    public static int C_PREL(int x) {
        if (x < 0 || x >= C_PRELRANGE) {
            throw new IllegalArgumentException("C_PREL(x): x must be in [0, " + (C_PRELRANGE - 1) + "], got " + x);
        }
        return (x + 1) << 1;
    }

    /**
     * {@code C_PRELGET(flags)}: the relative-precision shift in {@code flags}, or -1 when absent.
     *
     * @param flags scheduling flags
     * @return the shift or -1
     */
    public static int C_PRELGET(int flags) {
        return ((flags >> 1) & C_PRELRANGE) - 1;
    }
}
