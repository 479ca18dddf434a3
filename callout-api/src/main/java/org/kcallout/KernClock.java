package org.kcallout;

import java.util.ServiceLoader;
import org.kcallout.spi.CalloutSystemProvider;

/**
 * What callout(9) code uses besides callout(9) itself, under the C names, on a default
 * {@link CalloutSystem}: the constants and conversions of {@code sys/time.h}, the kernel variables
 * {@code hz}, {@code ticks}, {@code tick_sbt} and {@code curcpu}, the uptime clocks of
 * {@code kern_tc.c}, {@code &Giant}, and the default system itself. {@link KernTimeout}, the
 * callout(9) facade, extends this class, so {@code import static org.kcallout.KernTimeout.*} sees
 * every name here too; import this class alone for code that only needs the time:
 *
 * <pre>{@code
 * import static org.kcallout.KernClock.*;
 *
 * long deadline = sbinuptime() + mstosbt(250);              // sbinuptime() + mstosbt(250)
 * int t0 = ticks();                                         // ticks
 * if (ticks() - t0 >= hz()) { ... }                         // one second of ticks has passed
 * }</pre>
 *
 * <p>The default system, {@link #system()}: the one set with {@link #setSystem}, or else one
 * created on first use by the first {@link CalloutSystemProvider} that {@link ServiceLoader} finds
 * (the engine module {@code org.kcallout.wheel} provides one). A default system that this class
 * created itself and that was then closed is replaced, on the next use, by a new one created the
 * same way; a system installed with {@link #setSystem} stays the default even once closed, until
 * replaced; {@code setSystem(null)} returns the facade to its initial state.
 *
 * <p>The kernel variables are methods ({@code hz()}, {@code ticks()}, {@code tick_sbt()}); the
 * constants of {@code sys/time.h} are fields with their C names and values, and never touch a
 * system. Thread safety: every method may be called from any thread.
 */
public abstract sealed class KernClock permits KernTimeout {
    /* Implementation notes: a port of the time helpers of sys/time.h and of the kernel variables
     * callout(9) code reads, each a single call to the CalloutSystem method of the same meaning
     * (getsbinuptime is hardclocktime(curcpu())); the constants and conversions never touch a
     * system. Not instantiable; subclassed only by KernTimeout, so that its static import sees
     * these names (static members are inherited for name lookup).
     *
     * The default system lives in one volatile field, guarded by LOCK for writes: system() reads
     * it once (the common path is one volatile read), and creates it under LOCK with a second
     * check (double-checked locking on a volatile is safe under the JMM). setSystem swaps under the
     * same lock, so a concurrent first use either creates the default before the swap (and
     * setSystem returns it) or sees the new system; no system is ever created and lost.
     * CalloutSystemProvider.create() runs while LOCK is held: a provider that called back into
     * system() on the same thread would recurse (the monitor is reentrant), so providers must not
     * use this class while building a system. */

    /** Guards writes of {@link #current}. */
    private static final Object LOCK = new Object();

    /** The default system, or null before first use; written under {@link #LOCK}, read volatile. */
    private static volatile CalloutSystem current;
    /** The system this class created from a provider (replaced once closed), or null; as {@link #current}. */
    private static volatile CalloutSystem created;

    /** Only {@link KernTimeout} extends this class. */
    KernClock() {
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The default system                                                                        */

    /**
     * The default callout system behind every function of this class and of {@link KernTimeout}. Created on first use, once,
     * by the first {@link CalloutSystemProvider} that {@link ServiceLoader#load(Class)} finds (thread
     * context class loader; {@code uses} clause in the module descriptor), unless
     * {@link #setSystem} installed one before.
     *
     * @return the default system
     * @throws IllegalStateException if none was set and no provider is found (put the engine module
     *                               {@code callout-wheel} on the class or module path, or call
     *                               {@link #setSystem}), or the provider returned null; the next call
     *                               tries again
     * @throws java.util.ServiceConfigurationError if a provider cannot be loaded or instantiated
     */
    public static CalloutSystem system() {
        CalloutSystem s = current;
        if (s == null || (s == created && s.isClosed())) {
            synchronized (LOCK) {
                s = current;
                if (s == null || (s == created && s.isClosed())) {
                    s = loadDefault();
                    created = s;
                    current = s;
                }
            }
        }
        return s;
    }

    /**
     * Replaces the default system, for example with one built with other settings or a virtual
     * clock. The previous system is not closed (the caller may still own callouts on it). Threads
     * that already obtained the previous system through {@link #system()} may still be using it;
     * callouts initialised on it stay bound to it. A system installed here stays the default even
     * after it is closed (arming through the facade then throws {@link IllegalStateException}),
     * until it is replaced.
     *
     * @param s the new default system, or {@code null} to return the facade to its initial state:
     *          the next use creates a default system from a provider
     * @return the previous default, or {@code null} if none had been set or created yet
     */
    public static CalloutSystem setSystem(CalloutSystem s) {
        synchronized (LOCK) {
            CalloutSystem previous = current;
            current = s;
            return previous;
        }
    }

    private static CalloutSystem loadDefault() {
        CalloutSystemProvider provider = ServiceLoader.load(CalloutSystemProvider.class).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "KernTimeout: no CalloutSystemProvider found; put callout-wheel (module "
                                + "org.kcallout.wheel) on the class path or module path, "
                                + "or call KernTimeout.setSystem(...)"));
        CalloutSystem s = provider.create();
        if (s == null) {
            throw new IllegalStateException("KernTimeout: " + provider.getClass().getName()
                    + ".create() returned null");
        }
        return s;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Constants and conversions: sys/time.h                                                     */

    /** {@code SBT_1S}: one second as sbintime, {@code 1 << 32}. */
    public static final long SBT_1S = Sbt.SBT_1S;
    /** {@code SBT_1M}: one minute. */
    public static final long SBT_1M = Sbt.SBT_1M;
    /** {@code SBT_1MS}: one millisecond (truncated). */
    public static final long SBT_1MS = Sbt.SBT_1MS;
    /** {@code SBT_1US}: one microsecond (truncated). */
    public static final long SBT_1US = Sbt.SBT_1US;
    /** {@code SBT_1NS}: one nanosecond (truncated, inexact: 4). */
    public static final long SBT_1NS = Sbt.SBT_1NS;
    /** {@code SBT_MAX}: the largest sbintime. */
    public static final long SBT_MAX = Sbt.SBT_MAX;

    /**
     * {@code ustosbt(us)}: microseconds to sbintime, rounding up ({@link Sbt#ustosbt}).
     *
     * @param us microseconds, {@code >= 0}
     * @return sbintime
     * @throws IllegalArgumentException if {@code us} is negative
     */
    public static long ustosbt(long us) {
        return Sbt.ustosbt(us);
    }

    /**
     * {@code mstosbt(ms)}: milliseconds to sbintime, rounding up ({@link Sbt#mstosbt}).
     *
     * @param ms milliseconds, {@code >= 0}
     * @return sbintime
     * @throws IllegalArgumentException if {@code ms} is negative
     */
    public static long mstosbt(long ms) {
        return Sbt.mstosbt(ms);
    }

    /**
     * {@code nstosbt(ns)}: nanoseconds to sbintime, rounding up ({@link Sbt#nstosbt}).
     *
     * @param ns nanoseconds, {@code >= 0}
     * @return sbintime
     * @throws IllegalArgumentException if {@code ns} is negative
     */
    public static long nstosbt(long ns) {
        return Sbt.nstosbt(ns);
    }

    /**
     * {@code sbttous(sbt)}: sbintime to microseconds, truncating ({@link Sbt#sbttous}).
     *
     * @param sbt sbintime, {@code >= 0}
     * @return microseconds
     * @throws IllegalArgumentException if {@code sbt} is negative
     */
    public static long sbttous(long sbt) {
        return Sbt.sbttous(sbt);
    }

    /**
     * {@code sbttoms(sbt)}: sbintime to milliseconds, truncating ({@link Sbt#sbttoms}).
     *
     * @param sbt sbintime, {@code >= 0}
     * @return milliseconds
     * @throws IllegalArgumentException if {@code sbt} is negative
     */
    public static long sbttoms(long sbt) {
        return Sbt.sbttoms(sbt);
    }

    /**
     * {@code sbttons(sbt)}: sbintime to nanoseconds, truncating ({@link Sbt#sbttons}).
     *
     * @param sbt sbintime, {@code >= 0}
     * @return nanoseconds
     * @throws IllegalArgumentException if {@code sbt} is negative
     */
    public static long sbttons(long sbt) {
        return Sbt.sbttons(sbt);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Kernel variables                                                                          */

    /**
     * {@code hz}: the hardclock rate of the default system ({@link CalloutSystem#hz()}).
     *
     * @return ticks per second
     */
    public static int hz() {
        return system().hz();
    }

    /**
     * {@code tick_sbt}: one hardclock tick as sbintime ({@link CalloutSystem#tickSbt()}).
     *
     * @return {@code SBT_1S / hz}, truncated
     */
    public static long tick_sbt() {
        return system().tickSbt();
    }

    /**
     * {@code ticks}: the hardclock counter ({@link CalloutSystem#ticks()}). An {@code int} that
     * wraps: compare two values by subtraction ({@code a - b < 0}).
     *
     * @return the tick count
     */
    public static int ticks() {
        return system().ticks();
    }

    /**
     * {@code sbinuptime()}: precise uptime as sbintime ({@link CalloutSystem#sbinuptime()}).
     *
     * @return the current uptime
     */
    public static long sbinuptime() {
        return system().sbinuptime();
    }

    /**
     * {@code getsbinuptime()}: cheap, tick-granular uptime: the time of the most recent hardclock slot
     * on the calling thread's CPU ({@link CalloutSystem#hardclocktime(int)} of
     * {@link CalloutSystem#curcpu()}). It lags {@link #sbinuptime()} by up to a tick (more on an
     * idle tickless CPU).
     *
     * @return the uptime at the last hardclock
     */
    public static long getsbinuptime() {
        CalloutSystem s = system();
        return s.hardclocktime(s.curcpu());
    }

    /**
     * {@code curcpu}: the CPU the calling thread counts as running on ({@link CalloutSystem#curcpu()}).
     *
     * @return the CPU number
     */
    public static int curcpu() {
        return system().curcpu();
    }

    /**
     * {@code &Giant}: the default system's Giant lock ({@link CalloutSystem#giant()}), associated by
     * {@code callout_init(c, 0)}.
     *
     * @return Giant
     */
    public static CalloutLock Giant() {
        return system().giant();
    }
}
