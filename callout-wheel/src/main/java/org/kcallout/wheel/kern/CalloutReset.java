package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_ACTIVE;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.CalloutFlags.C_PRECALC;
import static org.kcallout.CalloutFlags.C_VALID_MASK;
import static org.kcallout.internal.CalloutAccess.arg;
import static org.kcallout.internal.CalloutAccess.flags;
import static org.kcallout.internal.CalloutAccess.func;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.lock;
import static org.kcallout.internal.CalloutAccess.setFlagsRelease;
import static org.kcallout.internal.CalloutAccess.setIflagsRelease;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.Profile;
import org.kcallout.Sbt;
import org.kcallout.When;

/**
 * {@code callout_when}, {@code callout_reset_sbt_on} and {@code callout_schedule} of kern_timeout.c
 * (SPEC §4.3, §4.4, §5.6, §5.10): the arming half of the public callout(9) interface, as
 * {@link CalloutStop} is the stopping half. {@link CalloutEngine} delegates every arming method
 * here under the name of the C function the user called, so that an error names it.
 */
public final class CalloutReset {
    /* Implementation notes: stateless apart from the system it arms for. Every argument is checked
     * before a CPU lock is taken; under the lock of the callout's CPU (CalloutEngine.lockOwned) the
     * system is checked to be open, so an arm either sees close() or is discarded by it, and again
     * after a callout_cpu_switch. Field guards are CalloutCpu's. */

    private final CalloutEngine w;

    /** @param w the engine it arms for */
    public CalloutReset(CalloutEngine w) {
        this.w = w;
    }

    /**
     * {@code callout_when(sbt, precision, flags)}.
     *
     * @param sbt       the time or delay
     * @param precision the precision
     * @param flags     {@code C_*} flags
     * @return the absolute time and precision
     */
    public When when(long sbt, long precision, int flags) {
        checkFlags("callout_when", flags);
        checkPrecision("callout_when", precision);
        long s = hardclockAdjust(sbt, flags);
        return new When(whenTime(s, flags), whenPrecision(s, precision, flags));
    }

    /** Step 2 of callout_when: tick-based times are at least one tick. */
    private long hardclockAdjust(long sbt, int flags) {
        if ((flags & (C_ABSOLUTE | C_PRECALC)) == 0 && (flags & C_HARDCLOCK) != 0 && sbt < w.tickSbt()) {
            return w.tickSbt();
        }
        return sbt;
    }

    /** Steps 1, 3 and 4 of callout_when: the absolute time. */
    private long whenTime(long sbt, int flags) {
        if ((flags & (C_ABSOLUTE | C_PRECALC)) != 0) {
            return sbt;
        }
        long base;
        if ((flags & C_HARDCLOCK) != 0 || sbt >= w.tickThreshold()) {
            base = w.clock.hardclocktime(w.clock.hardclockPerCpu() ? w.curcpu() : w.defaultCpu());
            if (base == 0) {
                base = w.clock.sbinuptime(); // early boot: no hardclock yet
            }
            if ((flags & C_HARDCLOCK) == 0) {
                base += w.tickSbt(); // round the start up to the next tick slot
            }
        } else {
            base = w.clock.sbinuptime();
        }
        return Sbt.add(base, sbt);
    }

    /** Step 5 of callout_when: the precision. */
    private long whenPrecision(long sbt, long precision, int flags) {
        if ((flags & (C_ABSOLUTE | C_PRECALC)) != 0) {
            return precision;
        }
        int prel = CalloutFlags.C_PRELGET(flags);
        int shift = prel < 0 ? w.precExp() : prel;
        long rp = shift >= 63 ? (sbt < 0 ? -1 : 0) : sbt >> shift;
        return Math.max(rp, precision);
    }

    /** {@code callout_reset_sbt_on} under the name {@code fn} of the function the user called. */
    public <A> int arm(String fn, Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu, int flags) {
        if (func == null) {
            throw new IllegalArgumentException(fn + ": func must not be null");
        }
        checkFlags(fn, flags);
        checkPrecision(fn, pr);
        if (cpu != -1) {
            w.checkCpu(fn, cpu);
        }
        CalloutEngine.checkInitialised(fn, c);
        boolean direct = (flags & C_DIRECT_EXEC) != 0;
        if (direct && lock(c) != null) {
            CalloutLock l = lock(c);
            if (w.profile() == Profile.CLASSIC || l.kind() != CalloutLock.Kind.SPIN_MUTEX) {
                throw new IllegalArgumentException(fn + ": C_DIRECT_EXEC needs a callout without a lock"
                        + (w.profile() == Profile.MODERN ? " or with a spin mutex" : "") + "; this one has " + l.name());
            }
        }
        long s = hardclockAdjust(sbt, flags);
        long toSbt = whenTime(s, flags);
        long prec = whenPrecision(s, pr, flags);
        return resetLocked(fn, c, toSbt, prec, func, arg, cpu, flags, direct);
    }

    /** callout_reset_sbt_on from step 4 (SPEC §4.4): everything under the CPU lock. */
    private int resetLocked(String fn, Callout c, long toSbt, long prec, CalloutFunc<?> func, Object arg, int cpu, int flags,
                            boolean direct) {
        CalloutCpu cc = w.lockOwned(fn, c);
        try {
            // Checked under the CPU lock: close() sets closed before it takes any CPU lock to discard
            // what is pending, so an arm either sees closed here or is discarded by close.
            w.checkOpen(fn);
            CalloutCpu target = cpu == -1 ? cc : w.cpu(cpu);
            // The entity is chosen by the new flags (SPEC §5.10).
            ExecEntity ent = cc.exec[direct ? 1 : 0];
            int cancelled = 0;
            boolean executing = ent.curr == c;
            if (executing) {
                // Rescheduling a callout in progress: if it still waits for its lock, cancel that.
                if (lock(c) != null && !ent.cancel) {
                    ent.cancel = true;
                    cancelled = 1;
                }
                if (ent.drainPending()) {
                    return cancelled; // being drained: do not re-arm
                }
                if ((iflags(c) & CALLOUT_DFRMIGRATION) != 0) {
                    recordMigration(ent, target, toSbt, prec, func, arg);
                    return 1;
                }
            }
            if (CalloutStop.dequeue(cc, c)) {
                CalloutStop.deactivate(cc, c); // the arm below sets it again
                cancelled = 1;
            }
            if (target != cc) {
                if (executing) {
                    // Running here: migrate when the handler returns (SPEC §5.6).
                    recordMigration(ent, target, toSbt, prec, func, arg);
                    setIflagsRelease(c, iflags(c) | CALLOUT_PENDING | CALLOUT_DFRMIGRATION);
                    setFlagsRelease(c, flags(c) | CALLOUT_ACTIVE);
                    return cancelled;
                }
                cc = w.cpuSwitch(c, cc, target);
                if (w.isClosed()) {
                    // close() ran while we moved between CPU locks and may have passed the target
                    // already: the callout stays stopped, as close() leaves every callout.
                    throw w.closedException(fn);
                }
            }
            cc.ccAdd(c, toSbt, prec, func, arg, flags);
            return cancelled;
        } finally {
            cc.lock.unlock();
        }
    }

    private static void recordMigration(ExecEntity ent, CalloutCpu target, long time, long prec, CalloutFunc<?> func,
                                        Object arg) {
        ent.migCpu = target;
        ent.migTime = time;
        ent.migPrec = prec;
        ent.migFunc = func;
        ent.migArg = arg;
    }

    /** {@code callout_schedule_sbt_on} under the name {@code fn} of the function the user called. */
    public int schedule(String fn, Callout c, long sbt, long pr, int cpu, int flags) {
        CalloutEngine.checkInitialised(fn, c);
        CalloutFunc<Object> f = func(c); // read without the lock, as callout_schedule does
        if (f == null) {
            throw new IllegalStateException(fn + ": the callout has no handler yet; arm it once with callout_reset: " + c);
        }
        return arm(fn, c, sbt, pr, f, arg(c), cpu, flags);
    }

    private static void checkFlags(String fn, int flags) {
        if ((flags & ~C_VALID_MASK) != 0) {
            throw new IllegalArgumentException(fn + ": unknown flag bits 0x" + Integer.toHexString(flags & ~C_VALID_MASK)
                    + " in 0x" + Integer.toHexString(flags)
                    + " (allowed: C_DIRECT_EXEC, C_PREL(n), C_HARDCLOCK, C_ABSOLUTE, C_PRECALC, C_CATCH)");
        }
    }

    private static void checkPrecision(String fn, long pr) {
        if (pr < 0) {
            throw new IllegalArgumentException(fn + ": precision must be >= 0, got " + pr);
        }
    }

}
