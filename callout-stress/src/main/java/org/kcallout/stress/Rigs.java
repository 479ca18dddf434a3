package org.kcallout.stress;

import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;

import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.Sbt;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/** Set-up shared by the scenarios: a small virtual-time system per test instance, and arming helpers. */
final class Rigs {
    /* Implementation notes: jcstress creates a fresh state object per test instance, millions per
     * run, so the set-up stays small: 16 buckets per CPU, no threads (the virtual timer runs
     * everything on the thread that advances it), absolute times (no curcpu() lookup, no
     * hardclock rounding). */

    /** Time 0: the virtual clock's start, so a callout armed here is due at the first advance. */
    static final long NOW = 0;
    /** Where re-arms go: never reached by an actor (they advance by 0), only by the arbiter. */
    static final long LATER = Sbt.SBT_1S;
    /** How far the arbiter advances: past {@link #LATER}, so anything still armed runs there. */
    static final long SETTLE = 2 * Sbt.SBT_1S;

    private Rigs() {
    }

    /** A MODERN system of {@code ncpus} CPUs with 16 buckets each, driven by {@code vt}. */
    static CalloutWheel system(VirtualTicklessClock vt, int ncpus) {
        return CalloutWheel.builder().ncpus(ncpus).callwheelSize(16).clock(vt).build();
    }

    /** As {@link #system(VirtualTicklessClock, int)}, with an observer of dispatcher and drainer waits. */
    static CalloutWheel system(VirtualTicklessClock vt, int ncpus, CalloutObserver observer) {
        return CalloutWheel.builder().ncpus(ncpus).callwheelSize(16).clock(vt).observer(observer).build();
    }

    /** {@code callout_reset_sbt_on(c, when, 0, f, arg, cpu, C_ABSOLUTE)}. */
    static <A> int armAt(CalloutSystem sys, Callout c, long when, CalloutFunc<? super A> f, A arg, int cpu) {
        return sys.resetSbtOn(c, when, 0, f, arg, cpu, C_ABSOLUTE);
    }

    /** {@code callout_reset_sbt_on(c, when, 0, f, arg, -1, C_ABSOLUTE | C_DIRECT_EXEC)}. */
    static <A> int armDirectAt(CalloutSystem sys, Callout c, long when, CalloutFunc<? super A> f, A arg) {
        return sys.resetSbtOn(c, when, 0, f, arg, -1, C_ABSOLUTE | C_DIRECT_EXEC);
    }

    /** 1 if {@code b}, else 0: results are ints. */
    static int bit(boolean b) {
        return b ? 1 : 0;
    }
}
