package org.kcallout.stress;

import static org.kcallout.stress.Rigs.LATER;
import static org.kcallout.stress.Rigs.bit;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.kcallout.wheel.WheelProbe;

/**
 * {@code callout_reset} racing {@code close()} (the close contract of {@code CalloutSystem}): an arm
 * either sees the system closed and is refused with nothing changed, or is armed first and then
 * stopped by close. Either way no callout is pending once close has returned: nothing is armed on
 * a system that will never run it. The arbiter reports {@code (reset result, pending, active,
 * callouts left on the wheels)}, with 9 for a reset refused by {@code IllegalStateException}.
 */
public final class CloseVsReset {

    private CloseVsReset() {
    }

    static final CalloutFunc<Object> NOTHING = x -> { };

    /** Result code of a reset refused because the system was closed. */
    static final int REFUSED = 9;

    static int reset(CalloutWheel sys, Callout c, int cpu) {
        try {
            return sys.resetSbtOn(c, LATER, 0, NOTHING, null, cpu, org.kcallout.CalloutFlags.C_ABSOLUTE);
        } catch (IllegalStateException e) {
            return REFUSED;
        }
    }

    /** The reset stays on the callout's CPU. */
    @JCStressTest
    @Description("callout_reset vs. close(), on the callout's own CPU")
    @Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE,
            desc = "the reset came first and armed the callout; close then stopped it (pending and active cleared, off the wheel)")
    @Outcome(id = "9, 0, 0, 0", expect = ACCEPTABLE,
            desc = "close came first: the reset was refused with IllegalStateException and changed nothing")
    @Outcome(expect = FORBIDDEN,
            desc = "a callout is left pending or active on a closed system, or on its wheel: it would never run nor be reported")
    @State
    public static class SameCpu {
        final CalloutWheel sys = Rigs.system(new VirtualTicklessClock(), 2);
        final Callout c = new Callout();

        public SameCpu() {
            sys.init(c, true);
        }

        @Actor
        public void arm(IIII_Result r) {
            r.r1 = reset(sys, c, -1);
        }

        @Actor
        public void close() {
            sys.close();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            r.r2 = bit(c.pending());
            r.r3 = bit(c.active());
            r.r4 = WheelProbe.of(sys).pendingCount(0) + WheelProbe.of(sys).pendingCount(1);
        }
    }

    /**
     * The reset moves the callout from CPU 1 to CPU 0 ({@code callout_cpu_switch}), which close()
     * visits first: the arm re-checks under the target CPU's lock.
     */
    @JCStressTest
    @Description("callout_reset moving a callout to another CPU vs. close()")
    @Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE,
            desc = "the reset armed the callout on CPU 0 before close visited CPU 0; close then stopped it")
    @Outcome(id = "9, 0, 0, 0", expect = ACCEPTABLE,
            desc = "the reset was refused: it saw the system closed under CPU 1's lock, or after moving to CPU 0 (then the callout was left stopped on CPU 0, as close leaves every callout)")
    @Outcome(expect = FORBIDDEN,
            desc = "a callout is left pending or active on a closed system: the arm reached CPU 0 after close had passed it")
    @State
    public static class OtherCpu {
        final CalloutWheel sys = Rigs.system(new VirtualTicklessClock(), 2);
        final Callout c = new Callout();

        public OtherCpu() {
            sys.init(c, true);
            sys.resetSbtOn(c, LATER, 0, NOTHING, null, 1, org.kcallout.CalloutFlags.C_ABSOLUTE);
            sys.stop(c); // idle, owned by CPU 1
        }

        @Actor
        public void arm(IIII_Result r) {
            r.r1 = reset(sys, c, 0);
        }

        @Actor
        public void close() {
            sys.close();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            r.r2 = bit(c.pending());
            r.r3 = bit(c.active());
            r.r4 = WheelProbe.of(sys).pendingCount(0) + WheelProbe.of(sys).pendingCount(1);
        }
    }
}
